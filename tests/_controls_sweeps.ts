/**
 * A two-sweep harness for control scenarios: the default sandbox scenario, a real file ledger
 * and KV, `runSweep` of one job, then a change to the sandbox, then another sweep. Shared by
 * the controls tests.
 */
import { parseConfig, readSecrets } from "../src/config.ts";
import { startSandbox } from "../src/sandbox/server.ts";
import type { Scenario } from "../src/sandbox/scenario.ts";
import { defaultScenario } from "../src/sandbox/scenarios.ts";
import { demoConfigToml } from "../src/cli/demo.ts";
import { openRuntime } from "../src/runtime.ts";
import { runSweep } from "../src/audit.ts";
import type { Job } from "../src/observations/job.ts";
import { listFindings, type OpenFinding } from "../src/state/findings.ts";
import { generateSigningKey } from "../src/ledger/mod.ts";

/** A running two-sweep harness. */
export interface SweepHarness {
  scenario: Scenario;
  githubUrl: string;
  /** Run the job over the named project; returns its open (and waived) findings afterwards. */
  sweep(job: Job<unknown>, project?: string): Promise<OpenFinding[]>;
  /** Add a waiver to a project of the running config (a maintainer's decision). */
  waive(project: string, rule: string, subject: string, reason: string): void;
  /** Ledger entries of a kind. */
  entries(kind: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/** Start the default scenario (optionally edited first) with a ledger in a temp folder. */
export async function sweepHarness(
  edit: (scenario: Scenario) => void | Promise<void> = () => {},
  configEdit: (toml: string) => string = (t) => t,
): Promise<SweepHarness> {
  const dir = await Deno.makeTempDir({ prefix: "controls-test-" });
  const scenario = await defaultScenario();
  await edit(scenario);
  const sandbox = await startSandbox(scenario);
  const config = parseConfig(configEdit(demoConfigToml(scenario, sandbox, dir, 0)));
  const key = await generateSigningKey("test.localhost/auditor");
  const secrets = {
    ...readSecrets(config, () => undefined),
    ledgerSigningKey: key.privateKey,
    githubToken: "sandbox-token",
  };
  const rt = await openRuntime(config, secrets);
  return {
    scenario,
    githubUrl: sandbox.githubUrl,
    async sweep(job, project = "acme-hardened") {
      const projects = rt.config.project.filter((p) => p.name === project);
      await runSweep(job, projects, rt);
      return await listFindings(rt.kv, project);
    },
    waive(project, rule, subject, reason) {
      const p = rt.config.project.find((x) => x.name === project);
      if (!p) throw new Error(`no project ${project}`);
      p.waiver.push({ rule, subject, reason, expires: new Date("2099-01-01T00:00:00Z") });
    },
    async entries(kind) {
      const out: Record<string, unknown>[] = [];
      for await (const s of rt.ledger.entries()) {
        if (s.entry.kind === kind) out.push(s.entry.body as Record<string, unknown>);
      }
      return out;
    },
    async close() {
      await rt.close();
      await sandbox.close().catch(() => {});
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Rule ids of findings, sorted and unique. */
export function ruleIds(findings: { rule: string }[]): string[] {
  return [...new Set(findings.map((f) => f.rule))].sort();
}
