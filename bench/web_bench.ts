/**
 * Web benchmark: requests/s and latency percentiles of `/`, a finding page and `/feed.atom`
 * with 64 concurrent connections on loopback, against a ledger of 100,000 entries built with
 * the real file store (and its state projection and web index in a file-backed Deno KV).
 *
 * The load generator runs in a separate process: Debian's `wrk` when installed
 * (`apt-get install -y wrk`), else this script in `--load` mode in a child Deno process.
 * The ledger is wrapped to count entries read while under load (none should be: no request
 * scans the ledger), and proof endpoints are timed at the full size (O(log n)).
 *
 * Usage:
 *   deno run --unstable-kv --allow-read --allow-write=/tmp --allow-net=127.0.0.1 \
 *     --allow-run --allow-env bench/web_bench.ts [--entries 100000] [--seconds 10]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { ConfigSchema } from "../src/config.ts";
import { generateSigningKey, openLedger } from "../src/ledger/mod.ts";
import type { LedgerEventInput, LedgerStore, StoredEntry } from "../src/ledger/types.ts";
import { catchUp } from "../src/state/findings.ts";
import { createApp } from "../src/web/app.tsx";
import { catchUpIndex } from "../src/state/ledger_index.ts";

const CONNECTIONS = 64;
const PROJECTS = 100;

if (Deno.args[0] === "--load") {
  await loadMode(Deno.args[1], Number(Deno.args[2]), Number(Deno.args[3]), Deno.args[4] === "gzip");
  Deno.exit(0);
}

const { values } = parseArgs({
  args: Deno.args,
  options: {
    entries: { type: "string", default: "100000" },
    seconds: { type: "string", default: "10" },
  },
});
const ENTRIES = Number(values.entries);
const SECONDS = Number(values.seconds);

function hex16(n: number): string {
  return (n * 2654435761 % 2 ** 32).toString(16).padStart(8, "0") + n.toString(16).padStart(8, "0");
}

/** A realistic mix of events: sweeps, releases, findings opened and resolved, changes. */
function* events(total: number): Generator<LedgerEventInput> {
  const open: { id: string; project: string }[] = [];
  let findingSeq = 0;
  for (let i = 0; i < total; i++) {
    const project = `project-${i % PROJECTS}`;
    const r = i % 20;
    if (r < 8) {
      yield {
        kind: "sweep.completed",
        body: {
          job: ["pypi", "releases", "repo", "access"][i % 4],
          sweep: `s${i}`,
          startedAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
          durationMs: 1000 + (i % 5000),
          projects: PROJECTS,
          projectsTotal: PROJECTS,
          requests: 400,
          notModified: 300,
          errors: 0,
          opened: 1,
          resolved: 1,
          unobservable: 0,
        },
      };
    } else if (r < 12) {
      yield {
        kind: "release.observed",
        body: {
          project,
          version: `1.${i}.0`,
          files: [{ filename: `${project}-1.${i}.0.tar.gz`, sha256: "ab".repeat(32), size: 12345 }],
        },
      };
    } else if (r < 15 || open.length < 50) {
      const id = hex16(findingSeq++);
      open.push({ id, project });
      yield {
        kind: "finding.opened",
        body: {
          project,
          job: "pypi",
          id,
          rule: "content/pth-file",
          severity: ["critical", "high", "medium", "low"][i % 4],
          subject: `${project}==1.${i}.0/${project}-1.${i}.0-py3-none-any.whl!init.pth`,
          scope: `release:1.${i}.0`,
          message: "A .pth file ships in the wheel and runs at interpreter start-up.",
          evidence: {
            observed: { file: "init.pth" },
            expected: "no .pth files",
            url: `https://pypi.org/project/${project}/1.${i}.0/`,
          },
        },
      };
    } else if (r < 18) {
      const f = open.splice((i * 7) % open.length, 1)[0];
      yield {
        kind: "finding.resolved",
        body: {
          project: f.project,
          job: "pypi",
          id: f.id,
          rule: "content/pth-file",
          subject: "x",
          reason: "no longer found",
        },
      };
    } else if (r < 19) {
      yield { kind: "posture.changed", body: { project, changes: [{ setting: "x", to: i }] } };
    } else {
      yield { kind: "access.changed", body: { project, changes: [{ added: `user${i}` }] } };
    }
  }
}

/** Counts entries read through `entries()` (to show no request scans the ledger). */
class CountingLedger implements LedgerStore {
  read = 0;
  constructor(readonly inner: LedgerStore) {}
  get origin() {
    return this.inner.origin;
  }
  append(e: LedgerEventInput[]) {
    return this.inner.append(e);
  }
  size() {
    return this.inner.size();
  }
  async *entries(from?: number, to?: number): AsyncIterable<StoredEntry> {
    for await (const s of this.inner.entries(from, to)) {
      this.read++;
      yield s;
    }
  }
  checkpoint() {
    return this.inner.checkpoint();
  }
  inclusionProof(i: number, n?: number) {
    return this.inner.inclusionProof(i, n);
  }
  consistencyProof(a: number, b?: number) {
    return this.inner.consistencyProof(a, b);
  }
  close() {
    return this.inner.close();
  }
}

interface LoadResult {
  tool: string;
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
}

function wrkPath(): string | null {
  for (const p of ["/usr/bin/wrk", "/usr/local/bin/wrk"]) {
    try {
      if (Deno.statSync(p).isFile) return p;
    } catch { /* absent */ }
  }
  return null;
}

function ms(text: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text.trim());
  if (!m) return NaN;
  const v = Number(m[1]);
  return m[2] === "us" ? v / 1000 : m[2] === "s" ? v * 1000 : v;
}

async function runWrk(
  wrk: string,
  url: string,
  seconds: number,
  gzip: boolean,
): Promise<LoadResult> {
  const header = gzip ? ["-H", "Accept-Encoding: gzip"] : [];
  const out = await new Deno.Command(wrk, {
    args: ["-t1", `-c${CONNECTIONS}`, `-d${seconds}s`, "--latency", ...header, url],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1]);
  const p50 = ms(/^\s+50%\s+(\S+)/m.exec(text)?.[1] ?? "");
  const p99 = ms(/^\s+99%\s+(\S+)/m.exec(text)?.[1] ?? "");
  const requests = Number(/(\d+) requests in/.exec(text)?.[1]);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const errors = non2xx + (sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  return { tool: "wrk -t1", rps, p50, p99, requests, errors };
}

/** Child-process load generator: CONNECTIONS sequential-request loops for `seconds`. */
async function loadMode(
  url: string,
  connections: number,
  seconds: number,
  gzip: boolean,
): Promise<void> {
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(Array.from({ length: connections }, async () => {
    while (performance.now() < end) {
      const t = performance.now();
      try {
        const res = await fetch(url, {
          headers: { "Accept-Encoding": gzip ? "gzip" : "identity" },
        });
        await res.arrayBuffer();
        if (!res.ok) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t);
    }
  }));
  latencies.sort((a, b) => a - b);
  const q = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  console.log(JSON.stringify({
    requests: latencies.length,
    errors,
    rps: latencies.length / seconds,
    p50: q(0.5),
    p99: q(0.99),
  }));
}

async function runDenoLoad(url: string, seconds: number, gzip: boolean): Promise<LoadResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net=127.0.0.1",
      new URL(import.meta.url).pathname,
      "--load",
      url,
      String(CONNECTIONS),
      String(seconds),
      gzip ? "gzip" : "identity",
    ],
    stdout: "piped",
  }).output();
  const r = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").pop()!);
  return { tool: "deno fetch client", ...r };
}

// --- Build the world --------------------------------------------------------------------------
const dir = await Deno.makeTempDir({ prefix: "auditor-web-bench-" });
try {
  const origin = "bench.example/ledger";
  const keys = await generateSigningKey(origin);
  let t0 = performance.now();
  const fileLedger = await openLedger({
    store: "file",
    path: `${dir}/ledger`,
    origin,
    signingKey: keys.privateKey,
  });
  let batch: LedgerEventInput[] = [];
  for (const e of events(ENTRIES)) {
    batch.push(e);
    if (batch.length === 2000) {
      await fileLedger.append(batch);
      batch = [];
    }
  }
  if (batch.length) await fileLedger.append(batch);
  const buildLedger = performance.now() - t0;
  // State and index in an in-memory KV: building them is set-up, not what is measured.
  const kv = await Deno.openKv(":memory:");
  t0 = performance.now();
  await catchUp(kv, fileLedger);
  const buildState = performance.now() - t0;
  t0 = performance.now();
  await catchUpIndex(kv, fileLedger);
  const buildIndex = performance.now() - t0;
  console.log(
    `ledger: ${await fileLedger.size()} entries (real file store) in ${
      (buildLedger / 1000).toFixed(1)
    } s; ` +
      `state projection ${(buildState / 1000).toFixed(1)} s; web index ${
        (buildIndex / 1000).toFixed(1)
      } s`,
  );

  const ledger = new CountingLedger(fileLedger);
  const config = ConfigSchema.parse({
    status: { title: "Bench", base_url: "http://127.0.0.1" },
    project: Array.from({ length: PROJECTS }, (_, i) => ({ name: `project-${i}` })),
  });
  const app = createApp({ config, kv, ledger, rules: [] });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, app.fetch);
  const base = `http://127.0.0.1:${server.addr.port}`;

  // An open finding with a timeline.
  let findingId = "";
  for await (const e of kv.list<{ id: string }>({ prefix: ["finding"] }, { limit: 1 })) {
    findingId = e.value.id;
  }
  const targets = ["/", `/findings/${findingId}`, "/feed.atom"];
  for (const path of targets) {
    const res = await fetch(base + path, { headers: { "Accept-Encoding": "identity" } });
    const bytes = (await res.arrayBuffer()).byteLength;
    if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status}`);
    console.log(`${path}: ${bytes} bytes`);
  }

  const wrk = wrkPath();
  console.log(
    `load: ${
      wrk ? "wrk (separate process)" : "deno client (child process)"
    }, ${CONNECTIONS} connections, ${SECONDS} s per path, loopback`,
  );
  for (const gzip of [true, false]) {
    console.log(gzip ? "Accept-Encoding: gzip (as browsers send):" : "identity (no compression):");
    for (const path of targets) {
      ledger.read = 0;
      const r = wrk
        ? await runWrk(wrk, base + path, SECONDS, gzip)
        : await runDenoLoad(base + path, SECONDS, gzip);
      console.log(
        `  ${path.padEnd(28)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${
          r.p50.toFixed(2)
        } ms  p99 ${
          r.p99.toFixed(2)
        } ms  requests ${r.requests}  errors ${r.errors}  ledger entries read ${ledger.read}`,
      );
    }
  }

  // Proof endpoints at the full size: O(log n) node reads.
  const size = await ledger.size();
  for (
    const path of [
      `/ledger/proof/inclusion?index=${Math.floor(size / 3)}`,
      `/ledger/proof/consistency?from=${Math.floor(size / 2)}`,
      `/ledger/entries?from=${size - 1000}&to=${size}`,
    ]
  ) {
    const times: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t = performance.now();
      const res = await fetch(base + path);
      await res.arrayBuffer();
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    console.log(
      `${path.padEnd(44)} median ${times[25].toFixed(2)} ms  max ${times[49].toFixed(2)} ms`,
    );
  }
  await server.shutdown();
  kv.close();
  await fileLedger.close();
} finally {
  await Deno.remove(dir, { recursive: true });
}
