/**
 * Sweep benchmark: a fleet of small sandbox projects (default 1,000; two releases of two files
 * each, artifacts built once and shared) behind an injected upstream latency (default 50 ms),
 * swept by a child process the way `serve` does (lease, ordered concurrent commits, file
 * ledger, KV state). Prints wall time, requests, 304s and the child's peak RSS (VmHWM from
 * /proc/self/status) for a cold sweep (empty state) and a warm one (the second sweep: 304s and
 * the inspection cache). Goals: warm ≤ 60 s, peak RSS ≤ 300 MB.
 *
 * `deno task bench sweep [--projects N] [--latency MS] [--concurrency N]`
 *
 * @module
 */
import { parseArgs } from "node:util";
import { fleetConfigToml, fleetScenario } from "../tests/_fleet.ts";
import { startSandbox } from "../src/sandbox/server.ts";
import { loadConfig } from "../src/config.ts";
import { openRuntime } from "../src/runtime.ts";
import { pypiJob } from "../jobs/pypi.ts";
import { sweepJob } from "../src/scheduler.ts";
import { generateSigningKey } from "../src/ledger/mod.ts";

interface ChildResult {
  wallMs: number;
  status: string;
  projects: number;
  requests: number;
  notModified: number;
  errors: number;
  findings: number;
  ledgerSize: number;
  peakRssMb: number;
  /** V8 heap in use at the end of the sweep. */
  heapMb: number;
  /** Size of the KV state file (SQLite) after the sweep. */
  stateMb: number;
}

/** Peak resident set size of a running process, from `/proc/<pid>/status` (Linux). */
async function peakRssMb(pid: number): Promise<number> {
  // Deno gates /proc/<pid> behind --allow-all; `cat` (--allow-run) reads it instead.
  const out = await new Deno.Command("cat", { args: [`/proc/${pid}/status`] }).output();
  const status = new TextDecoder().decode(out.stdout);
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return Math.round(kb / 1024);
}

/**
 * The sweeping process: one scheduled-style sweep of the pypi job; prints its figures as JSON
 * and waits for stdin to close, so that the parent can read its peak RSS while it still exists.
 */
async function child(configPath: string): Promise<void> {
  const config = await loadConfig(configPath);
  const rt = await openRuntime(config);
  try {
    const t0 = performance.now();
    const summary = await sweepJob(rt, pypiJob);
    const wallMs = Math.round(performance.now() - t0);
    if (!summary) throw new Error("lease held");
    const result: ChildResult = {
      wallMs,
      status: summary.status,
      projects: summary.projectsDone,
      requests: summary.stats.requests,
      notModified: summary.stats.notModified,
      errors: summary.stats.errors,
      findings: summary.findings,
      ledgerSize: await rt.ledger.size(),
      peakRssMb: 0,
      heapMb: Math.round(Deno.memoryUsage().heapUsed / 2 ** 20),
      stateMb: Math.round((await Deno.stat(config.state.path!)).size / 2 ** 20),
    };
    console.log(JSON.stringify(result));
  } finally {
    await rt.close();
  }
  for await (const _ of Deno.stdin.readable) {
    // wait for the parent to close stdin
  }
}

async function runChild(dir: string, env: Record<string, string>): Promise<ChildResult> {
  const proc = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--no-prompt",
      "--allow-net=127.0.0.1",
      `--allow-read=${dir}`,
      `--allow-write=${dir}`,
      "--allow-env=LEDGER_SIGNING_KEY,GITHUB_TOKEN,AUDITOR_SWEEP_TOKEN",
      new URL(import.meta.url).pathname,
      "--child",
      `${dir}/auditor.toml`,
    ],
    env,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(proc.stderr).text();
  const reader = proc.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  let peak = NaN;
  if (text.includes("\n")) peak = await peakRssMb(proc.pid);
  await proc.stdin.close();
  await reader.cancel().catch(() => {});
  const status = await proc.status;
  if (!status.success || !text.includes("\n")) {
    throw new Error(`sweep child failed: ${(await stderr).slice(0, 500)}`);
  }
  return { ...JSON.parse(text.split("\n")[0]), peakRssMb: peak };
}

function row(name: string, r: ChildResult, served: number): string {
  const rate = (r.projects / (r.wallMs / 1000)).toFixed(0);
  return `${name.padEnd(5)} ${String(r.projects).padStart(6)} ${
    (r.wallMs / 1000).toFixed(1).padStart(8)
  } ${rate.padStart(7)} ${String(r.requests).padStart(8)} ${String(r.notModified).padStart(6)} ${
    String(served).padStart(7)
  } ${String(r.peakRssMb).padStart(8)} ${String(r.heapMb).padStart(6)} ${
    String(r.stateMb).padStart(6)
  }   ${r.status}, ${r.findings} findings, ledger ${r.ledgerSize}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      projects: { type: "string", default: "1000" },
      latency: { type: "string", default: "50" },
      concurrency: { type: "string", default: "8" },
      child: { type: "string" },
    },
    strict: true,
  });
  if (values.child) return await child(values.child);
  const n = Number(values.projects);
  const latencyMs = Number(values.latency);
  const concurrency = Number(values.concurrency);
  const dir = await Deno.makeTempDir({ prefix: "sweep-bench-" });
  const scenario = await fleetScenario(n);
  const sandbox = await startSandbox(scenario, { latencyMs });
  try {
    await Deno.writeTextFile(
      `${dir}/auditor.toml`,
      fleetConfigToml(scenario, sandbox, { dir, concurrency, schedules: { budget_ms: 0 } }),
    );
    const key = await generateSigningKey("bench.localhost/auditor");
    const env = { LEDGER_SIGNING_KEY: key.privateKey };
    console.log(
      `sweep of ${n} projects (2 releases x 2 files), ${latencyMs} ms upstream latency, concurrency ${concurrency}`,
    );
    console.log(
      "run   projects   wall s  proj/s requests    304  served  peak MB heapMB kvMB",
    );
    let before = sandbox.requests.total;
    const cold = await runChild(dir, env);
    console.log(row("cold", cold, sandbox.requests.total - before));
    before = sandbox.requests.total;
    const warm = await runChild(dir, env);
    console.log(row("warm", warm, sandbox.requests.total - before));
    const ok = warm.wallMs <= 60_000 && Math.max(cold.peakRssMb, warm.peakRssMb) <= 300;
    console.log(
      `goals: warm ≤ 60 s: ${warm.wallMs <= 60_000 ? "met" : "MISSED"}; peak RSS ≤ 300 MB: ${
        Math.max(cold.peakRssMb, warm.peakRssMb) <= 300 ? "met" : "MISSED"
      }`,
    );
    if (!ok) Deno.exitCode = 1;
  } finally {
    await sandbox.close();
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) await main();
