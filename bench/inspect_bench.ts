/**
 * Inspection throughput and memory benchmark.
 *
 * Generates (in a temporary folder under /tmp, removed after) three shapes and compares, on
 * the same bytes, in one run:
 * - a wheel of `--mb` MB (default 270) with one large member (30%) and native-like members,
 * - an sdist `.tar.gz` of `--sdist-mb` MB (default 200) of small text members (~10 KiB each),
 * - a wheel of `--entries` (default 100,000) tiny members;
 * for each: decompression only (node:zlib), a full `inspectArtifact` pass (listing, SHA-256,
 * git blob SHA-1, CRC, magic, RECORD, limits) in a child process with its peak RSS, and a
 * Python stdlib peer (`python3` zipfile/tarfile full read + magic sniff) with its peak RSS.
 *
 * Each shape gets one unmeasured warm-up inspection, then `--rounds` (default 3) rounds of the
 * three passes; the report gives medians, each pass's range, and the ratios of the medians.
 *
 * Run: `deno run --allow-read --allow-write=/tmp --allow-run bench/inspect_bench.ts [--mb 270]
 * [--threads default|inline|workers] [--rounds 3]`
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
  // Writes go through a 4 MiB buffer (100,000 tiny members would be 400,000 writes).
  const buffer = new Uint8Array(4 * MB);
  let used = 0;
  const drain = async () => {
    for (let at = 0; at < used;) at += await file.write(buffer.subarray(at, used));
    used = 0;
  };
  const write = async (b: Uint8Array) => {
    if (used + b.length > buffer.length) await drain();
    if (b.length > buffer.length) {
      for (let at = 0; at < b.length;) at += await file.write(b.subarray(at));
    } else {
      buffer.set(b, used);
      used += b.length;
    }
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
  const count = Math.min(p.files.length, 0xffff);
  if (p.files.length > 0xffff) {
    // zip64 end records: the entry count does not fit the classic end record.
    const z = new DataView(new ArrayBuffer(56 + 20));
    const at = pos;
    z.setUint32(0, 0x06064b50, true);
    z.setBigUint64(4, 44n, true);
    z.setUint16(12, 45, true);
    z.setUint16(14, 45, true);
    z.setBigUint64(24, BigInt(p.files.length), true);
    z.setBigUint64(32, BigInt(p.files.length), true);
    z.setBigUint64(40, BigInt(cdSize), true);
    z.setBigUint64(48, BigInt(cdOffset), true);
    z.setUint32(56, 0x07064b50, true);
    z.setBigUint64(64, BigInt(at), true);
    z.setUint32(72, 1, true);
    await write(new Uint8Array(z.buffer));
  }
  const eocd = new DataView(new ArrayBuffer(22));
  eocd.setUint32(0, 0x06054b50, true);
  eocd.setUint16(8, count, true);
  eocd.setUint16(10, count, true);
  eocd.setUint32(12, cdSize, true);
  eocd.setUint32(16, cdOffset, true);
  await write(new Uint8Array(eocd.buffer));
  await drain();
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

/**
 * Where inspection runs: as the auditor decides (`default`: ZIPs above 4 MiB share members
 * with a worker on 2+ cores), all on one thread (`inline`), or always with workers.
 */
type Threads = "default" | "inline" | "workers";

/** Child mode: inspect one file, print JSON with the peak RSS. */
async function child(path: string, filename: string, threads: Threads): Promise<void> {
  const startRss = Deno.memoryUsage().rss;
  let peak = 0;
  const sampler = setInterval(() => peak = Math.max(peak, Deno.memoryUsage().rss), 20);
  const t0 = performance.now();
  const hashInWorker = threads === "default" ? undefined : threads === "workers";
  const inspection = await inspectArtifact(path, filename, { ...LIMITS, hashInWorker });
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  console.log(JSON.stringify(
    {
      startRssMb: startRss / MB,
      seconds,
      entries: inspection.totals.entries,
      uncompressed: inspection.totals.uncompressedBytes,
      anomalies: inspection.anomalies.length,
      vmHwmMb: vmHwmMb(),
      sampledRssMb: peak / MB,
    } satisfies Inspected,
  ));
}

async function inChild(path: string, filename: string, threads: Threads): Promise<Inspected> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-read",
        `--allow-write=/tmp`,
        import.meta.filename!,
        "--child",
        `--threads=${threads}`,
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

async function inProcess(path: string, filename: string): Promise<Inspected> {
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

/** The Python stdlib peer: full read of every member plus a magic sniff, peak RSS. */
const PYTHON_PEER = `
import sys, tarfile, time, zipfile
path = sys.argv[1]
t0 = time.perf_counter()
total = 0
magic = 0
def sniff(head):
    global magic
    if head[:4] in (b"\\x7fELF", b"PK\\x03\\x04", b"\\xca\\xfe\\xba\\xbe") or head[:2] in (b"MZ", b"\\x1f\\x8b"):
        magic += 1
def read_all(f):
    global total
    head = f.read(4096)
    sniff(head)
    total += len(head)
    while True:
        b = f.read(1 << 20)
        if not b:
            break
        total += len(b)
if path.endswith(".whl"):
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            with z.open(info) as f:
                read_all(f)
else:
    with tarfile.open(path, "r:gz") as t:
        for m in t:
            if not m.isfile():
                continue
            read_all(t.extractfile(m))
secs = time.perf_counter() - t0
# VmHWM: ru_maxrss would count the parent's RSS at fork (Linux keeps it across exec).
rss = float("nan")
with open("/proc/self/status") as s:
    for line in s:
        if line.startswith("VmHWM:"):
            rss = int(line.split()[1]) / 1024
print(f"{secs} {total} {rss}")
`;

async function pythonPeer(
  path: string,
): Promise<Peer> {
  try {
    const out = await new Deno.Command("python3", {
      args: ["-c", PYTHON_PEER, path],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const [s, b, r] = new TextDecoder().decode(out.stdout).trim().split(" ").map(Number);
    return { seconds: s, bytes: b, rssMb: r };
  } catch {
    return { seconds: NaN, bytes: NaN, rssMb: NaN };
  }
}

/** Many small text members: an sdist of `totalMb` MB in members of 2-18 KiB. */
function smallPlan(totalMb: number, pool: Uint8Array): Plan {
  const files: Plan["files"] = [];
  let left = totalMb * MB;
  let i = 0;
  while (left > 0) {
    const size = Math.min(left, 2 * 1024 + ((i * 7919) % (16 * 1024)));
    files.push({
      name: `bench/pkg${i % 200}/sub${i % 7}/module_${i}.py`,
      offset: (i * 104729) % (pool.length - size),
      size,
    });
    left -= size;
    i++;
  }
  return { files, totalBytes: totalMb * MB };
}

/** `entries` tiny members (the entry-count bound: 100,000 by default). */
function entriesPlan(entries: number, pool: Uint8Array): Plan {
  const files: Plan["files"] = [];
  for (let i = 0; i < entries; i++) {
    const size = 40 + (i % 200);
    files.push({
      name: `bench/p${i % 500}/m_${i}.py`,
      offset: (i * 7919) % (pool.length - size),
      size,
    });
  }
  return { files, totalBytes: files.reduce((n, f) => n + f.size, 0) };
}

/** A large-member wheel with ELF-headed members (a native wheel's shape). */
function nativePlan(totalMb: number, pool: Uint8Array): Plan {
  const p = plan(totalMb, pool);
  for (let i = 1; i < p.files.length; i += 50) {
    p.files[i].name = p.files[i].name.replace(/\.py$/, ".cpython-312-x86_64-linux-gnu.so");
  }
  return p;
}

/** What one measured inspection reports (the child prints it as JSON). */
interface Inspected {
  seconds: number;
  entries: number;
  uncompressed: number;
  anomalies: number;
  /** The process's VmHWM (NaN where /proc is not readable). */
  vmHwmMb: number;
  /** The highest RSS sampled every 20 ms during the inspection. */
  sampledRssMb: number;
  /** RSS before the inspection began (only from a child process). */
  startRssMb?: number;
}
interface Peer {
  seconds: number;
  bytes: number;
  rssMb: number;
}
/** One round's three passes over the same file. */
interface Round {
  rawBytes: number;
  base: number;
  inspect: Inspected;
  python: Peer;
}
/** A shape's medians over its rounds; `spread`: each pass's range in seconds. */
interface Row {
  label: string;
  fileMb: number;
  rawMb: number;
  base: number;
  inspect: Inspected;
  python: Peer;
  spread: { base: [number, number]; inspect: [number, number]; python: [number, number] };
  rounds: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function range(xs: number[]): [number, number] {
  return [Math.min(...xs), Math.max(...xs)];
}

/** Medians over the rounds (peak RSS: the highest seen). */
function summarize(
  label: string,
  fileMb: number,
  runs: Round[],
): Row {
  const bases = runs.map((r) => r.base);
  const inspects = runs.map((r) => r.inspect.seconds);
  const pythons = runs.map((r) => r.python.seconds);
  return {
    label,
    fileMb,
    rawMb: runs[0].rawBytes / MB,
    base: median(bases),
    inspect: {
      ...runs[0].inspect,
      seconds: median(inspects),
      sampledRssMb: Math.max(...runs.map((r) => r.inspect.sampledRssMb)),
    },
    python: {
      ...runs[0].python,
      seconds: median(pythons),
      rssMb: Math.max(...runs.map((r) => r.python.rssMb)),
    },
    spread: { base: range(bases), inspect: range(inspects), python: range(pythons) },
    rounds: runs.length,
  };
}

function report(r: Row): string {
  const baseRate = r.rawMb / r.base;
  const rate = r.rawMb / r.inspect.seconds;
  const pyRate = r.rawMb / r.python.seconds;
  const span = ([lo, hi]: [number, number]) => `${lo.toFixed(2)}-${hi.toFixed(2)} s`;
  return [
    `${r.label}: ${r.fileMb.toFixed(1)} MB file, ${
      r.rawMb.toFixed(0)
    } MB uncompressed, ${r.inspect.entries} entries (medians of ${r.rounds} rounds)`,
    `  decompress-only ${baseRate.toFixed(0)} MB/s (${r.base.toFixed(2)} s; ${
      span(r.spread.base)
    })`,
    `  inspect         ${rate.toFixed(0)} MB/s (${r.inspect.seconds.toFixed(2)} s; ${
      span(r.spread.inspect)
    }; ${r.inspect.anomalies} anomalies), peak RSS ${r.inspect.sampledRssMb.toFixed(0)} MB`,
    `  python3 peer    ${pyRate.toFixed(0)} MB/s (${r.python.seconds.toFixed(2)} s; ${
      span(r.spread.python)
    }), peak RSS ${r.python.rssMb.toFixed(0)} MB`,
    `  ratio vs decompress-only ${(rate / baseRate).toFixed(2)}x (goal >= 0.8x); vs python3 peer ${
      (rate / pyRate).toFixed(2)
    }x (goal >= 1.5x); peak RSS goal <= 200 MB`,
  ].join("\n");
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: {
      mb: { type: "string", default: "270" },
      "sdist-mb": { type: "string", default: "200" },
      entries: { type: "string", default: "100000" },
      child: { type: "boolean", default: false },
      keep: { type: "boolean", default: false },
      threads: { type: "string", default: "default" },
      rounds: { type: "string", default: "3" },
    },
  });
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) {
    throw new Error("--rounds must be a positive integer");
  }
  const threads = values.threads as Threads;
  if (!["default", "inline", "workers"].includes(threads)) {
    throw new Error("--threads must be default, inline or workers");
  }
  if (values.child) return await child(positionals[0], positionals[1], threads);
  const dir = await Deno.makeTempDir({ prefix: "inspect-bench-" });
  try {
    const pool = textPool(16 * MB);
    const shapes: Array<[string, string, Plan]> = [
      [
        "native-like wheel, one large member",
        `${dir}/bench-1.0-cp312-cp312-linux_x86_64.whl`,
        nativePlan(Number(values.mb), pool),
      ],
      ["small-file sdist", `${dir}/bench-1.0.tar.gz`, smallPlan(Number(values["sdist-mb"]), pool)],
      [
        `${values.entries}-entry wheel`,
        `${dir}/many-1.0-py3-none-any.whl`,
        entriesPlan(Number(values.entries), pool),
      ],
    ];
    const rows: Row[] = [];
    for (const [label, path, p] of shapes) {
      const isTar = path.endsWith(".tar.gz");
      const [ranges, gen] = await timed(async () => {
        if (isTar) {
          await writeTarGz(path, p, pool);
          return [];
        }
        return await writeWheel(path, p, pool);
      });
      const fileMb = (await Deno.stat(path)).size / MB;
      console.log(
        `${label}: generated ${p.files.length} members, ${fileMb.toFixed(1)} MB in ${
          gen.toFixed(1)
        } s`,
      );
      // One unmeasured inspection first: the first run in a fresh cache also transpiles the
      // worker modules, which a running auditor does once.
      const filename = path.split("/").pop()!;
      await inChild(path, filename, threads);
      const runs: Round[] = [];
      // Rounds interleave the three passes, so a slow spell of the machine hits all of them.
      for (let round = 0; round < rounds; round++) {
        const [rawBytes, base] = await timed(() =>
          isTar ? gunzipOnly(path) : inflateOnly(path, ranges)
        );
        const inspect = await inChild(path, filename, threads);
        const python = await pythonPeer(path);
        runs.push({ rawBytes, base, inspect, python });
      }
      rows.push(summarize(label, fileMb, runs));
      if (!values.keep) await Deno.remove(path);
    }
    for (const r of rows) console.log(report(r));
  } finally {
    if (values.keep) console.log(`kept ${dir}`);
    else await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) await main();
