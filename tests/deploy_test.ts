/**
 * Deno Deploy mode, locally: the Deploy entrypoint (`src/cli/serve.ts`) in a child process that may not write to the
 * filesystem at all (`--deny-write`), with the ledger in KV (`[ledger] store = "kv"`), the
 * default KV database (`[state] path = ":default:"`, made per-test by `--location`) and no
 * scratch folder (`work_dir = ":none:"`). A sweep is started through `POST /api/sweep`, and the
 * ledger held in KV is verified through the status page, as a subscriber would.
 */
import { DENO } from "./_deno.ts";
import { assert, assertEquals } from "./_assert.ts";
import { startSandbox } from "../src/sandbox/server.ts";
import { fleetConfigToml, fleetScenario } from "./_fleet.ts";
import { generateSigningKey, httpSource, verifyLedger } from "../src/ledger/mod.ts";
import { JOB_REGISTRY } from "../jobs/mod.ts";
import { buildWheel, sha256Hex } from "../src/sandbox/artifacts.ts";

/** One sweep per registered job. */
const JOBS_AVAILABLE = Object.keys(JOB_REGISTRY).length;

/** The Deploy entrypoint: no arguments, the config path from AUDITOR_CONFIG. */
const ENTRY = new URL("../src/cli/serve.ts", import.meta.url).pathname;

async function readUntil(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  pattern: RegExp,
  timeoutMs: number,
): Promise<RegExpMatchArray> {
  const decoder = new TextDecoder();
  let text = "";
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    const m = text.match(pattern);
    if (m) return m;
  }
  throw new Error(`child output did not match ${pattern}: ${text.slice(0, 500)}`);
}

async function wipeKv(location: string): Promise<void> {
  const code = "const kv = await Deno.openKv();" +
    "for await (const e of kv.list({ prefix: [] })) await kv.delete(e.key); kv.close();";
  await new Deno.Command(DENO, {
    args: ["eval", "--quiet", "--unstable-kv", `--location=${location}`, code],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).output();
}

Deno.test("Deploy mode: no filesystem writes, KV ledger, sweep via the API, ledger verifies", async () => {
  const dir = await Deno.makeTempDir({ prefix: "deploy-test-" });
  const scenario = await fleetScenario(3);
  // One release's wheel carries a start-up .pth: content inspection must run and report it
  // although nothing may be written (the download is inspected in memory).
  const hooked = await buildWheel({
    name: "fleet_00000",
    version: "1.1.0",
    files: { "fleet/__init__.py": '__version__ = "1.1.0"\n', "fleet_hook.pth": "import os\n" },
  });
  const release = scenario.projects[0].releases[1];
  const wheelFile = release.files.find((f) => f.filename.endsWith(".whl"))!;
  wheelFile.bytes = hooked;
  wheelFile.listedSha256 = sha256Hex(hooked);
  const sandbox = await startSandbox(scenario);
  const location = `http://deploy-${crypto.randomUUID()}.test.invalid/`;
  const toml = fleetConfigToml(scenario, sandbox, {
    dir,
    ledger: { store: "kv", origin: "deploy.localhost/auditor" },
    state: { path: ":default:", work_dir: ":none:" },
  });
  await Deno.writeTextFile(`${dir}/auditor.toml`, toml);
  const key = await generateSigningKey("deploy.localhost/auditor");
  const token = crypto.randomUUID();
  const child = new Deno.Command(DENO, {
    args: [
      "run",
      "--quiet",
      "--no-prompt",
      `--location=${location}`,
      "--allow-net=127.0.0.1",
      `--allow-read=${dir}`,
      "--deny-write",
      "--allow-env=LEDGER_SIGNING_KEY,GITHUB_TOKEN,AUDITOR_SWEEP_TOKEN,AUDITOR_CONFIG",
      ENTRY,
    ],
    env: {
      LEDGER_SIGNING_KEY: key.privateKey,
      AUDITOR_SWEEP_TOKEN: token,
      AUDITOR_CONFIG: `${dir}/auditor.toml`,
      NO_COLOR: "1",
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout = child.stdout.getReader();
  const stderrText = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  const errors: string[] = [];
  const drain = (async () => {
    while (true) {
      const { value, done } = await stderrText.read();
      if (done) return;
      errors.push(value);
    }
  })();
  try {
    const [, base] = await readUntil(stdout, /(http:\/\/127\.0\.0\.1:\d+)\//, 20_000);
    const started = await fetch(`${base}/api/sweep`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });
    assertEquals(started.status, 202, await started.text());

    // Wait for both available jobs' end records.
    let kinds: string[] = [];
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const res = await fetch(`${base}/ledger/checkpoint`);
      if (res.ok) {
        const size = Number((await res.text()).split("\n")[1]);
        const page = await fetch(`${base}/ledger/entries?from=0&to=${size}`);
        kinds = (await page.text()).split("\n").filter(Boolean).map((l) => JSON.parse(l).kind);
        const ends = kinds.filter((k) => k === "sweep.completed" || k === "sweep.incomplete");
        if (ends.length >= JOBS_AVAILABLE) {
          break;
        }
      } else await res.body?.cancel();
      await new Promise((r) => setTimeout(r, 200));
    }
    assertEquals(
      kinds.filter((k) => k === "sweep.started").length,
      JOBS_AVAILABLE,
      kinds.join(","),
    );
    assert(kinds.includes("release.observed"), kinds.join(","));
    const size = Number((await (await fetch(`${base}/ledger/checkpoint`)).text()).split("\n")[1]);
    const lines = (await (await fetch(`${base}/ledger/entries?from=0&to=${size}`)).text())
      .split("\n").filter(Boolean).map((l) => JSON.parse(l));
    const opened = lines.filter((e) => e.kind === "finding.opened").map((e) => e.body);
    assert(
      opened.some((b) =>
        b.rule === "content/pth-file" && String(b.subject).endsWith("!fleet_hook.pth")
      ),
      JSON.stringify(opened.map((b) => `${b.rule} ${b.subject}`)),
    );
    const verdict = await verifyLedger(await httpSource(base), { verifierKey: key.verifierKey });
    assert(verdict.ok, JSON.stringify(verdict));
    assertEquals(verdict.size, kinds.length);
    // Nothing but the config in the folder, and no permission errors.
    const names = [];
    for await (const e of Deno.readDir(dir)) names.push(e.name);
    assertEquals(names, ["auditor.toml"]);
    assert(!errors.join("").includes("NotCapable"), errors.join(""));
  } finally {
    child.kill("SIGTERM");
    await child.status;
    await stdout.cancel().catch(() => {});
    await drain.catch(() => {});
    await sandbox.close();
    await wipeKv(location);
    await Deno.remove(dir, { recursive: true });
  }
});
