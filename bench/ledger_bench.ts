/**
 * Ledger benchmark (plain script): durable append throughput and latency, verify throughput
 * (inline and with `workers: 2`, which verify caps at one fewer than the cores: one worker next to
 * the calling thread on 2 cores) next to `openssl dgst -sha256` on the same file with the ratio
 * (goal: at least 0.2), verify peak RSS (child process VmHWM; budget 200 MiB), a `--since` seek
 * against a full scan, and proof generation time. Bounded: 200,000 entries by default.
 *
 * usage: deno run --allow-read --allow-write=/tmp --allow-run --allow-env bench/ledger_bench.ts [--entries N] [--keep]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { seekTime } from "../src/ledger/seek.ts";
import {
  folderSource,
  fromHex,
  generateSigningKey,
  type LedgerEventInput,
  openCheckpoint,
  openLedger,
  openLedgerReader,
  parseVerifierKey,
  verifyConsistency,
  verifyInclusion,
  verifyLedger,
} from "../src/ledger/mod.ts";

const ORIGIN = "bench.example/ledger";

/** A realistic ~600-byte finding.opened body. */
function event(i: number): LedgerEventInput {
  const project = `project-${i % 97}`;
  return {
    kind: "finding.opened",
    body: {
      project,
      rule: [
        "content/pth-file",
        "content/native-binary",
        "posture/branch-protection",
        "access/2fa",
      ][i % 4],
      severity: ["critical", "high", "medium", "low"][i % 4],
      subject: `${project}-${1 + (i % 13)}.${i % 7}.${i % 100}-py3-none-any.whl`,
      message:
        `The wheel ships a .pth file that runs code at interpreter start-up; the release plan forbids it (release ${i}).`,
      evidence: {
        file: `${project.replace("-", "_")}-init.pth`,
        size: 120 + (i % 900),
        sha256: (i * 2654435761 >>> 0).toString(16).padStart(8, "0").repeat(8),
        url: `https://files.pythonhosted.org/packages/${i % 256}/${project}/${project}-${i}.whl`,
        observed_by: "pypi-releases",
      },
      policy: { allow_pth: false, require_attestations: true },
    },
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

async function verifyChild(dir: string, vkey: string, workers: number): Promise<void> {
  const t0 = performance.now();
  const report = await verifyLedger(folderSource(dir), { verifierKey: vkey, workers });
  const seconds = (performance.now() - t0) / 1000;
  // Deno asks for --allow-all to read /proc/self directly; `cat` reads this process's VmHWM.
  const status = await new Deno.Command("cat", {
    args: [`/proc/${Deno.pid}/status`],
    stdout: "piped",
  }).output();
  const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(new TextDecoder().decode(status.stdout))?.[1] ?? 0) *
    1024;
  console.log(
    JSON.stringify({
      ok: report.ok,
      size: report.ok ? report.size : 0,
      bytes: report.ok ? report.bytes : 0,
      seconds,
      hwm,
      report: report.ok ? undefined : report,
    }),
  );
}

async function main() {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      entries: { type: "string", default: "200000" },
      workers: { type: "string", default: "0" },
      keep: { type: "boolean" },
      "verify-child": { type: "string" },
      vkey: { type: "string" },
    },
  });
  if (values["verify-child"]) {
    return await verifyChild(values["verify-child"], values.vkey!, Number(values.workers));
  }
  const total = Number(values.entries);
  const dir = await Deno.makeTempDir({ prefix: "ledger-bench-" });
  const keys = await generateSigningKey(ORIGIN);
  const fig = (label: string, value: string) => console.log(`${label.padEnd(44)} ${value}`);
  console.log(`ledger bench: ${total} entries in ${dir}`);
  try {
    const ledger = await openLedger({
      store: "file",
      path: dir,
      origin: ORIGIN,
      signingKey: keys.privateKey,
    });
    const batch = 1000;
    const t0 = performance.now();
    for (let at = 0; at < total; at += batch) {
      const n = Math.min(batch, total - at);
      await ledger.append(Array.from({ length: n }, (_, i) => event(at + i)));
    }
    const appendSeconds = (performance.now() - t0) / 1000;
    fig(
      "batched append (1000/batch, fdatasync)",
      `${Math.round(total / appendSeconds)} entries/s (${appendSeconds.toFixed(1)} s)`,
    );

    const latencies: number[] = [];
    for (let i = 0; i < 300; i++) {
      const s = performance.now();
      await ledger.append([event(total + i)]);
      latencies.push(performance.now() - s);
    }
    latencies.sort((a, b) => a - b);
    fig(
      "single append latency",
      `p50 ${percentile(latencies, 0.5).toFixed(2)} ms, p99 ${
        percentile(latencies, 0.99).toFixed(2)
      } ms`,
    );
    await ledger.close();
    const size = total + 300;
    const fileBytes = (await Deno.stat(`${dir}/entries.jsonl`)).size;
    fig(
      "ledger file",
      `${(fileBytes / 1e6).toFixed(1)} MB, ${(fileBytes / size).toFixed(0)} bytes/entry`,
    );

    // openssl first and last (its speed moves with the machine's load), verify in between.
    const openssl = async () => {
      const o0 = performance.now();
      const ossl = await new Deno.Command("openssl", {
        args: ["dgst", "-sha256", `${dir}/entries.jsonl`],
        stdout: "null",
      }).output();
      if (!ossl.success) throw new Error("openssl failed");
      return fileBytes / 1e6 / ((performance.now() - o0) / 1000);
    };
    const ossl1 = await openssl();
    // verify in a child process so its peak RSS can be read on its own.
    const verifyRun = async (workers: number) => {
      const child = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--quiet",
          "--allow-read",
          "--allow-run=cat",
          import.meta.filename!,
          "--verify-child",
          dir,
          "--vkey",
          keys.verifierKey,
          "--workers",
          String(workers),
        ],
        stdout: "piped",
        stderr: "inherit",
      }).output();
      const v = JSON.parse(new TextDecoder().decode(child.stdout));
      if (!v.ok || v.size !== size) throw new Error(`verify failed: ${JSON.stringify(v)}`);
      return v as { size: number; bytes: number; seconds: number; hwm: number };
    };
    const runs = [{ workers: 0, v: await verifyRun(0) }, { workers: 2, v: await verifyRun(2) }];
    const ossl2 = await openssl();
    const osslMBs = (ossl1 + ossl2) / 2;
    fig(
      "openssl dgst -sha256 (same file, mean of 2)",
      `${osslMBs.toFixed(1)} MB/s (${ossl1.toFixed(0)}, ${ossl2.toFixed(0)})`,
    );
    for (const { workers, v } of runs) {
      const verifyMBs = v.bytes / 1e6 / v.seconds;
      const label = workers === 0 ? "verify (inline)" : `verify (--workers ${workers})`;
      fig(
        label,
        `${Math.round(v.size / v.seconds)} entries/s, ${verifyMBs.toFixed(1)} MB/s (${
          v.seconds.toFixed(2)
        } s), peak RSS ${(v.hwm / 1048576).toFixed(1)} MiB`,
      );
      fig(
        `${label} / openssl ratio`,
        `${(verifyMBs / osslMBs).toFixed(3)} (goal >= 0.2; RSS budget 200 MiB)`,
      );
    }

    // `ledger show --since`: binary search against a full scan for the same first index.
    {
      const reader = await openLedgerReader({ store: "file", path: dir });
      let last = "";
      for await (const e of reader.entries(size - 1, size)) last = e.entry.time;
      const since = new Date(Date.parse(last) + 1);
      const s0 = performance.now();
      const seek = await seekTime(reader, since, 0, size);
      const seekMs = performance.now() - s0;
      const f0 = performance.now();
      let scanned = 0;
      for await (const e of reader.entries()) {
        if (Date.parse(e.entry.time) >= since.getTime()) break;
        scanned++;
      }
      const scanMs = performance.now() - f0;
      if (seek !== scanned) throw new Error(`seek ${seek} != scan ${scanned}`);
      fig(
        "show --since (0 matches): seek vs full scan",
        `${seekMs.toFixed(1)} ms vs ${scanMs.toFixed(0)} ms`,
      );
      await reader.close();
    }

    const reader = await openLedgerReader({ store: "file", path: dir });
    const vk = parseVerifierKey(keys.verifierKey);
    const cp = await openCheckpoint((await reader.checkpoint())!, vk);
    const leaves: string[] = [];
    const indexes = Array.from({ length: 1000 }, () => Math.floor(Math.random() * size));
    const proofs: string[][] = [];
    const p0 = performance.now();
    for (const i of indexes) proofs.push(await reader.inclusionProof(i, size));
    const inclusionMs = (performance.now() - p0) / indexes.length;
    for (const i of indexes.slice(0, 20)) {
      for await (const e of reader.entries(i, i + 1)) leaves.push(e.leafHash);
    }
    indexes.slice(0, 20).forEach((i, k) => {
      if (!verifyInclusion(i, size, fromHex(leaves[k]), proofs[k].map(fromHex), cp.root)) {
        throw new Error("bad proof");
      }
    });
    fig("inclusion proof generation (mean of 1000)", `${inclusionMs.toFixed(3)} ms`);
    const froms = Array.from({ length: 1000 }, () => 1 + Math.floor(Math.random() * (size - 1)));
    const c0 = performance.now();
    const cproofs: string[][] = [];
    for (const m of froms) cproofs.push(await reader.consistencyProof(m, size));
    const consistencyMs = (performance.now() - c0) / froms.length;
    fig("consistency proof generation (mean of 1000)", `${consistencyMs.toFixed(3)} ms`);
    // Sanity: a consistency proof from an older signed checkpoint verifies.
    let older = null;
    for await (const note of reader.checkpoints()) {
      older = await openCheckpoint(note, vk);
      if (older.size >= size / 2) break;
    }
    if (
      older &&
      !verifyConsistency(
        older.size,
        size,
        older.root,
        cp.root,
        (await reader.consistencyProof(older.size, size)).map(fromHex),
      )
    ) {
      throw new Error("bad consistency proof");
    }
    await reader.close();
  } finally {
    if (!values.keep) await Deno.remove(dir, { recursive: true });
  }
}

await main();
