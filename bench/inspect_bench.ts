/**
 * Inspection throughput and memory benchmark.
 *
 * Generates (in a temporary folder) an sdist `.tar.gz` and a wheel with thousands of
 * text-like members plus one large member, then compares, on the same files:
 * - decompression only (node:zlib gunzip of the .tar.gz; raw inflate of every wheel member),
 * - a full `inspectArtifact` pass (listing, SHA-256, git blob SHA-1, magic, limits),
 * and reports the peak RSS (VmHWM) of a child process that only inspects.
 *
 * Run: `deno run --allow-read --allow-write=/tmp --allow-run bench/inspect_bench.ts [--mb 220]`
 * (`--allow-run` lets it start the measuring child with `Deno.execPath()`; without it the
 * inspection runs in-process and the peak RSS also counts the generation.)
 *
 * @module
 */
import { createReadStream, createWriteStream } from "node:fs";
import { createGunzip, createGzip, createInflateRaw, deflateRawSync } from "node:zlib";
import zlib from "node:zlib";
import { parseArgs } from "node:util";
import tar from "tar-stream";
import { inspectArtifact, type InspectLimits } from "../src/inspect/mod.ts";

const MB = 1024 * 1024;
const crc32 = (zlib as unknown as { crc32(d: Uint8Array, v?: number): number }).crc32;

const LIMITS: InspectLimits = {
  maxUncompressedBytes: 4 * 1024 * MB,
  maxCompressionRatio: 200,
  maxEntries: 100_000,
  timeBudgetMs: 600_000,
  maxTextMemberBytes: MB,
};

/** Deterministic text-like bytes: words from a small vocabulary, random order. */
function textPool(bytes: number): Uint8Array {
  const words = [
    "def",
    "return",
    "self",
    "import",
    "class",
    "lambda",
    "value",
    "for",
    "in",
    "if",
    "else",
    "None",
    "True",
    "False",
    "package",
    "version",
    "release",
    "auditor",
    "wheel",
    "record",
    "metadata",
    "digest",
    "archive",
    "entry",
    "stream",
    "buffer",
    "index",
    "token",
    "yield",
  ].map((w) => new TextEncoder().encode(w));
  const out = new Uint8Array(bytes);
  let seed = 0x9e3779b9;
  let at = 0;
  while (at < bytes) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    const word = words[(seed >>> 0) % words.length];
    const n = Math.min(word.length, bytes - at);
    out.set(word.subarray(0, n), at);
    at += n;
    if (at < bytes) out[at++] = (seed >>> 8) % 11 === 0 ? 10 : 32;
    if (at < bytes && (seed >>> 4) % 7 === 0) out[at++] = 0x30 + ((seed >>> 12) % 10);
  }
  return out;
}

interface Plan {
  files: Array<{ name: string; offset: number; size: number }>;
  totalBytes: number;
}

function plan(totalMb: number, pool: Uint8Array): Plan {
  const large = Math.floor(totalMb * MB * 0.3);
  const files: Plan["files"] = [{ name: "bench/data/large.txt", offset: 0, size: large }];
  let left = totalMb * MB - large;
  let i = 0;
  while (left > 0) {
    const size = Math.min(left, 8 * 1024 + ((i * 7919) % (64 * 1024)));
    files.push({
      name: `bench/pkg${i % 40}/module_${i}.py`,
      offset: (i * 104729) % (pool.length - size),
      size,
    });
    left -= size;
    i++;
  }
  return { files, totalBytes: totalMb * MB };
}

function slice(pool: Uint8Array, offset: number, size: number): Uint8Array {
  if (offset + size <= pool.length) return pool.subarray(offset, offset + size);
  const out = new Uint8Array(size);
  for (let at = 0; at < size; at += pool.length) {
    out.set(pool.subarray(0, Math.min(pool.length, size - at)), at);
  }
  return out;
}

async function writeTarGz(path: string, p: Plan, pool: Uint8Array): Promise<void> {
  const pack = tar.pack();
  const gzip = createGzip({ level: 6 });
  const out = createWriteStream(path);
  const done = new Promise<void>((resolve, reject) => {
    out.on("finish", resolve);
    out.on("error", reject);
  });
  pack.pipe(gzip).pipe(out);
  for (const f of p.files) {
    const sink = pack.entry({ name: `bench-1.0/${f.name}`, size: f.size, mode: 0o644 });
    for (let at = 0; at < f.size; at += 4 * MB) {
      const part = slice(pool, (f.offset + at) % pool.length, Math.min(4 * MB, f.size - at));
      if (!sink.write(part)) await new Promise<void>((r) => sink.once("drain", () => r()));
    }
    await new Promise<void>((resolve, reject) =>
      sink.end((e?: Error | null) => e ? reject(e) : resolve())
    );
  }
  pack.finalize();
  await done;
}

/** Minimal streaming ZIP writer (deflate per member). Returns member data ranges. */
async function writeWheel(path: string, p: Plan, pool: Uint8Array) {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const enc = new TextEncoder();
  const central: Uint8Array[] = [];
  const ranges: Array<{ offset: number; length: number }> = [];
  let pos = 0;
  const write = async (b: Uint8Array) => {
    for (let at = 0; at < b.length;) at += await file.write(b.subarray(at));
    pos += b.length;
  };
  for (const f of p.files) {
    const data = slice(pool, f.offset, f.size);
    const packed = new Uint8Array(deflateRawSync(data, { level: 6 }));
    const crc = crc32(data) >>> 0;
    const name = enc.encode(f.name);
    const lh = new DataView(new ArrayBuffer(30));
    lh.setUint32(0, 0x04034b50, true);
    lh.setUint16(4, 20, true);
    lh.setUint16(6, 0x0800, true);
    lh.setUint16(8, 8, true);
    lh.setUint32(14, crc, true);
    lh.setUint32(18, packed.length, true);
    lh.setUint32(22, data.length, true);
    lh.setUint16(26, name.length, true);
    const offset = pos;
    await write(new Uint8Array(lh.buffer));
    await write(name);
    ranges.push({ offset: pos, length: packed.length });
    await write(packed);
    const cd = new DataView(new ArrayBuffer(46));
    cd.setUint32(0, 0x02014b50, true);
    cd.setUint16(4, (3 << 8) | 20, true);
    cd.setUint16(6, 20, true);
    cd.setUint16(8, 0x0800, true);
    cd.setUint16(10, 8, true);
    cd.setUint32(16, crc, true);
    cd.setUint32(20, packed.length, true);
    cd.setUint32(24, data.length, true);
    cd.setUint16(28, name.length, true);
    cd.setUint32(38, (0o100644 << 16) >>> 0, true);
    cd.setUint32(42, offset, true);
    central.push(new Uint8Array(cd.buffer), name);
  }
  const cdOffset = pos;
  let cdSize = 0;
  for (const c of central) {
    await write(c);
    cdSize += c.length;
  }
  const eocd = new DataView(new ArrayBuffer(22));
  eocd.setUint32(0, 0x06054b50, true);
  eocd.setUint16(8, p.files.length, true);
  eocd.setUint16(10, p.files.length, true);
  eocd.setUint32(12, cdSize, true);
  eocd.setUint32(16, cdOffset, true);
  await write(new Uint8Array(eocd.buffer));
  file.close();
  return ranges;
}

async function gunzipOnly(path: string): Promise<number> {
  let bytes = 0;
  await new Promise<void>((resolve, reject) => {
    const gunzip = createGunzip({ chunkSize: 128 * 1024 });
    gunzip.on("data", (c: Uint8Array) => bytes += c.length);
    gunzip.on("end", resolve);
    gunzip.on("error", reject);
    createReadStream(path, { highWaterMark: 256 * 1024 }).pipe(gunzip);
  });
  return bytes;
}

async function inflateOnly(path: string, ranges: Array<{ offset: number; length: number }>) {
  using file = await Deno.open(path, { read: true });
  let bytes = 0;
  for (const r of ranges) {
    const inflater = createInflateRaw({ chunkSize: 128 * 1024 });
    const done = new Promise<void>((resolve, reject) => {
      inflater.on("data", (c: Uint8Array) => bytes += c.length);
      inflater.on("end", resolve);
      inflater.on("error", reject);
    });
    for (let at = 0; at < r.length;) {
      const chunk = new Uint8Array(Math.min(256 * 1024, r.length - at));
      file.seekSync(r.offset + at, Deno.SeekMode.Start);
      const n = file.readSync(chunk) ?? 0;
      if (n === 0) break;
      at += n;
      if (!inflater.write(chunk.subarray(0, n))) {
        await new Promise<void>((res) => inflater.once("drain", () => res()));
      }
    }
    inflater.end();
    await done;
  }
  return bytes;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const value = await fn();
  return [value, (performance.now() - t0) / 1000];
}

/** VmHWM in MB when /proc/self/status is readable (Deno asks for --allow-all), else NaN. */
function vmHwmMb(): number {
  try {
    const status = Deno.readTextFileSync("/proc/self/status");
    return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? "NaN") / 1024;
  } catch {
    return NaN;
  }
}

/** Child mode: inspect one file, print JSON with the peak RSS. */
async function child(path: string, filename: string, worker: boolean): Promise<void> {
  const startRss = Deno.memoryUsage().rss;
  let peak = 0;
  const sampler = setInterval(() => peak = Math.max(peak, Deno.memoryUsage().rss), 20);
  const t0 = performance.now();
  const inspection = await inspectArtifact(path, filename, { ...LIMITS, hashInWorker: worker });
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  console.log(JSON.stringify({
    startRssMb: startRss / MB,
    seconds,
    entries: inspection.totals.entries,
    uncompressed: inspection.totals.uncompressedBytes,
    anomalies: inspection.anomalies.length,
    vmHwmMb: vmHwmMb(),
    sampledRssMb: peak / MB,
  }));
}

async function inChild(path: string, filename: string, worker: boolean) {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-read",
        `--allow-write=/tmp`,
        import.meta.filename!,
        "--child",
        ...(worker ? ["--worker"] : []),
        path,
        filename,
      ],
      stdout: "piped",
      stderr: "inherit",
    }).output();
  } catch (e) {
    if (!(e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied)) {
      throw e;
    }
    console.log(
      "  (no --allow-run for the deno binary: inspecting in-process; VmHWM includes generation)",
    );
    return await inProcess(path, filename);
  }
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

async function inProcess(path: string, filename: string) {
  let peak = 0;
  const sampler = setInterval(() => peak = Math.max(peak, Deno.memoryUsage().rss), 20);
  const t0 = performance.now();
  const inspection = await inspectArtifact(path, filename, LIMITS);
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  return {
    seconds,
    entries: inspection.totals.entries,
    uncompressed: inspection.totals.uncompressedBytes,
    anomalies: inspection.anomalies.length,
    vmHwmMb: vmHwmMb(),
    sampledRssMb: peak / MB,
  };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: {
      mb: { type: "string", default: "220" },
      child: { type: "boolean", default: false },
      keep: { type: "boolean", default: false },
      worker: { type: "boolean", default: false },
    },
  });
  if (values.child) return await child(positionals[0], positionals[1], values.worker);
  const totalMb = Number(values.mb);
  const dir = await Deno.makeTempDir({ prefix: "inspect-bench-" });
  try {
    const pool = textPool(16 * MB);
    const p = plan(totalMb, pool);
    console.log(
      `generating ${p.files.length} members, ${totalMb} MB uncompressed (largest ${
        (p.files[0].size / MB).toFixed(0)
      } MB)...`,
    );
    const tgz = `${dir}/bench-1.0.tar.gz`;
    const whl = `${dir}/bench-1.0-py3-none-any.whl`;
    const [, genTar] = await timed(() => writeTarGz(tgz, p, pool));
    const [ranges, genWhl] = await timed(() => writeWheel(whl, p, pool));
    const tgzSize = (await Deno.stat(tgz)).size;
    const whlSize = (await Deno.stat(whl)).size;
    console.log(
      `  .tar.gz ${(tgzSize / MB).toFixed(1)} MB in ${genTar.toFixed(1)} s; .whl ${
        (whlSize / MB).toFixed(1)
      } MB in ${genWhl.toFixed(1)} s`,
    );

    const rows: string[] = [];
    for (
      const [label, file, size, baseline] of [
        ["sdist .tar.gz", tgz, tgzSize, () => gunzipOnly(tgz)],
        ["wheel .whl", whl, whlSize, () => inflateOnly(whl, ranges)],
      ] as const
    ) {
      const [rawBytes, tBase] = await timed(baseline);
      for (const worker of [false, true]) {
        const run = await inChild(file, file.split("/").pop()!, worker);
        const baseRate = rawBytes / MB / tBase;
        const rate = run.uncompressed / MB / run.seconds;
        rows.push(
          `${label} (hashing ${worker ? "in a worker" : "inline"}): decompress-only ${
            baseRate.toFixed(0)
          } MB/s (${tBase.toFixed(2)} s, ${(rawBytes / MB).toFixed(0)} MB out); inspect ${
            rate.toFixed(0)
          } MB/s uncompressed, ${(size / MB / run.seconds).toFixed(1)} MB/s of file (${
            run.seconds.toFixed(2)
          } s, ${run.entries} entries, ${run.anomalies} anomalies); ratio ${
            (rate / baseRate).toFixed(2)
          }x; peak RSS ${run.sampledRssMb.toFixed(0)} MB (start ${
            run.startRssMb.toFixed(0)
          } MB, sampled every 20 ms)`,
        );
      }
    }
    for (const r of rows) console.log(r);
  } finally {
    if (values.keep) console.log(`kept ${dir}`);
    else await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) await main();
