/**
 * `main.ts audit` in child processes against the sandbox: JSON-lines logs and exit codes, and
 * the fault test: sweeps killed with SIGKILL mid-way leave no silent gap and never overlap.
 */
import { auditCommand } from "../_audit_command.ts";
import { assert, assertEquals } from "../_assert.ts";
import { parseConfig } from "../../src/config.ts";
import { startSandbox } from "../../src/sandbox/server.ts";
import { fleetConfigToml, fleetScenario } from "../_fleet.ts";
import {
  folderSource,
  generateSigningKey,
  openLedgerReader,
  verifyLedger,
} from "../../src/ledger/mod.ts";

async function fleetSetup(n: number, latencyMs: number) {
  const dir = await Deno.makeTempDir({ prefix: "audit-cli-test-" });
  const scenario = await fleetScenario(n);
  const sandbox = await startSandbox(scenario, { latencyMs });
  const toml = fleetConfigToml(scenario, sandbox, {
    dir,
    concurrency: 4,
    schedules: { lease_ms: 1_000 },
  });
  await Deno.writeTextFile(`${dir}/auditor.toml`, toml);
  const key = await generateSigningKey("fault.localhost/auditor");
  return {
    dir,
    sandbox,
    key,
    config: parseConfig(toml),
    env: { LEDGER_SIGNING_KEY: key.privateKey },
    async close() {
      await sandbox.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Start an audit and SIGKILL it once it has logged `afterProjects` committed projects. */
async function killMidway(cmd: Deno.Command, afterProjects: number): Promise<number> {
  const child = cmd.spawn();
  void child.stdout.cancel();
  let seen = 0;
  let buffer = "";
  const decoder = new TextDecoder();
  const reader = child.stderr.getReader();
  while (seen < afterProjects) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    const lines = buffer.split("\n");
    buffer = lines.pop()!;
    seen += lines.filter((l) => l.includes('"event":"project.done"')).length;
  }
  child.kill("SIGKILL");
  reader.releaseLock();
  await child.stderr.cancel().catch(() => {});
  await child.status;
  return seen;
}

Deno.test("audit logs JSON lines on a non-terminal stderr and sets exit codes by --fail-on", async () => {
  const t = await fleetSetup(3, 0);
  try {
    const out = await auditCommand(t.dir, t.env, ["--job", "pypi", "--format", "json"]).output();
    const stderr = new TextDecoder().decode(out.stderr).split("\n").filter(Boolean);
    const events = stderr.map((l) => JSON.parse(l).event);
    assertEquals(events.filter((e) => e === "project.done").length, 3, stderr.join("\n"));
    assert(events.includes("job.start"));
    const report = JSON.parse(new TextDecoder().decode(out.stdout));
    assertEquals(report.sweeps[0].projectsDone, 3);
    const worst = report.findings.some((f: { severity: string }) =>
      f.severity === "high" || f.severity === "critical"
    );
    assertEquals(out.code, worst ? 1 : 0);
    const lenient = await auditCommand(t.dir, t.env, [
      "--job",
      "pypi",
      "--format",
      "sarif",
      "--fail-on",
      "critical",
    ]).output();
    const sarif = JSON.parse(new TextDecoder().decode(lenient.stdout));
    assertEquals(sarif.version, "2.1.0");
    const critical = report.findings.some((f: { severity: string }) => f.severity === "critical");
    assertEquals(lenient.code, critical ? 1 : 0);
  } finally {
    await t.close();
  }
});

Deno.test("sweeps killed mid-way: ledger verifies, no overlap, every start has an end", async () => {
  const t = await fleetSetup(40, 15);
  try {
    const kills = [2, 8, 15];
    for (const after of kills) {
      const seen = await killMidway(auditCommand(t.dir, t.env, ["--job", "pypi"]), after);
      assertEquals(seen, after, "the child was killed mid-sweep");
    }
    const last = await auditCommand(t.dir, t.env, ["--job", "pypi", "--format", "json"]).output();
    assert(last.code === 0 || last.code === 1, new TextDecoder().decode(last.stderr));
    const report = JSON.parse(new TextDecoder().decode(last.stdout));
    assertEquals(report.sweeps[0].abandoned.length, 1, "the last kill's sweep is abandoned");

    const verdict = await verifyLedger(folderSource(t.config.ledger.path), {
      verifierKey: t.key.verifierKey,
    });
    assert(verdict.ok, JSON.stringify(verdict));

    const reader = await openLedgerReader({ store: "file", path: t.config.ledger.path });
    const sweeps: { kind: string; sweep: string; token?: number }[] = [];
    for await (const { entry } of reader.entries()) {
      if (!entry.kind.startsWith("sweep.")) continue;
      sweeps.push({
        kind: entry.kind,
        sweep: String(entry.body.sweep),
        token: entry.body.token as number | undefined,
      });
    }
    await reader.close();
    // At most one sweep of the job is open at any point of the ledger, and each ends once.
    let open: string | null = null;
    const ended = new Set<string>();
    const tokens: number[] = [];
    for (const s of sweeps) {
      if (s.kind === "sweep.started") {
        assertEquals(open, null, `sweep ${s.sweep} started while ${open} was running`);
        open = s.sweep;
        tokens.push(s.token!);
      } else {
        assertEquals(s.sweep, open, `${s.kind} for a sweep that is not the open one`);
        assert(!ended.has(s.sweep));
        ended.add(s.sweep);
        open = null;
      }
    }
    assertEquals(open, null, "the last sweep ended");
    assertEquals(sweeps.filter((s) => s.kind === "sweep.started").length, kills.length + 1);
    assertEquals(sweeps.filter((s) => s.kind === "sweep.abandoned").length, kills.length);
    assert(tokens.every((tok, i) => i === 0 || tok > tokens[i - 1]), `tokens ${tokens}`);
  } finally {
    await t.close();
  }
});
