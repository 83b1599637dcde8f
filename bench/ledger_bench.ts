/**
 * Ledger benchmark (plain script): durable append throughput and latency, verify throughput
 * next to `openssl dgst -sha256` on the same file, verify peak RSS (child process VmHWM), and
 * proof generation time.
 *
 * usage: deno run --allow-read --allow-write=/tmp --allow-run --allow-env bench/ledger_bench.ts [--entries N] [--keep]
 *
 * @module
 */
import { parseArgs } from "node:util";
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

async function verifyChild(dir: string, vkey: string): Promise<void> {
  const t0 = performance.now();
  const report = await verifyLedger(folderSource(dir), { verifierKey: vkey });
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
      entries: { type: "string", default: "1000000" },
      keep: { type: "boolean" },
      "verify-child": { type: "string" },
      vkey: { type: "string" },
    },
  });
  if (values["verify-child"]) return await verifyChild(values["verify-child"], values.vkey!);
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

    // verify in a child process so its peak RSS can be read on its own.
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
      ],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    const v = JSON.parse(new TextDecoder().decode(child.stdout));
    if (!v.ok || v.size !== size) throw new Error(`verify failed: ${JSON.stringify(v)}`);
    const verifyMBs = v.bytes / 1e6 / v.seconds;
    fig(
      "verify",
      `${Math.round(v.size / v.seconds)} entries/s, ${verifyMBs.toFixed(1)} MB/s (${
        v.seconds.toFixed(2)
      } s)`,
    );
    fig("verify peak RSS (VmHWM, child process)", `${(v.hwm / 1048576).toFixed(1)} MiB`);

    const o0 = performance.now();
    const ossl = await new Deno.Command("openssl", {
      args: ["dgst", "-sha256", `${dir}/entries.jsonl`],
      stdout: "null",
    }).output();
    const osslSeconds = (performance.now() - o0) / 1000;
    if (!ossl.success) throw new Error("openssl failed");
    const osslMBs = fileBytes / 1e6 / osslSeconds;
    fig(
      "openssl dgst -sha256 (same file)",
      `${osslMBs.toFixed(1)} MB/s (${osslSeconds.toFixed(2)} s)`,
    );
    fig("verify / openssl ratio", `${(verifyMBs / osslMBs).toFixed(3)}`);

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
