/**
 * Inspect a Python artifact (wheel, `.tar.gz` or `.zip` sdist) in one streaming pass with
 * bounded memory and time. A hostile archive never throws: it yields anomalies.
 *
 * @example
 * ```ts
 * const limits = limitsFromPolicy(PolicySchema.parse({}));
 * const inspection = await inspectArtifact("dist/pip-24.2-py3-none-any.whl", "pip-24.2-py3-none-any.whl", limits);
 * console.log(inspection.entries.length, inspection.anomalies);
 * ```
 * @module
 */
import { createHash } from "node:crypto";
import { Collector } from "./collector.ts";
import { hashFile, InlineHasher } from "./hasher.ts";
import { MemberPool } from "./member_pool.ts";
import { kindFromFilename } from "./names.ts";
import { digestNeeds, memberRole } from "./roles.ts";
import { readTarGz, readTarGzBytes } from "./tar.ts";
import { inspectTarSplit, tarWorkerAllowed } from "./tar_split.ts";
import type { ArchiveInspection, InspectLimits } from "./types.ts";
import { readZip, readZipBytes } from "./zip.ts";

export * from "./types.ts";
export { isOwnDistInfo, kindFromFilename, parseWheelFilename } from "./names.ts";
export { digestNeeds, memberRole } from "./roles.ts";

/**
 * Inspect the artifact at `path`; `filename` is its published name (it decides the kind).
 * Throws only when the file cannot be opened or the name is not an artifact name.
 */
export async function inspectArtifact(
  path: string,
  filename: string,
  limits: InspectLimits,
): Promise<ArchiveInspection> {
  const kind = artifactKind(filename);
  const stat = await Deno.stat(path);
  return kind === "sdist-tar"
    ? await inspectTarFile(path, filename, limits, stat.size)
    : await inspectZipFile(path, filename, kind, limits, stat.size);
}

/** A ZIP on disk: members shared with worker threads when the artifact is large (see pool). */
async function inspectZipFile(
  path: string,
  filename: string,
  kind: ArchiveInspection["kind"],
  limits: InspectLimits,
  size: number,
): Promise<ArchiveInspection> {
  const parallel = limits.hashInWorker ?? defaultZipParallel(size);
  const deadline = Date.now() + limits.timeBudgetMs;
  let pool: MemberPool | undefined;
  const hasher = new InlineHasher();
  let poolDigest: Promise<{ sha256: string; size: number } | undefined> | undefined;
  // Workers start once the central directory shows enough to share (always when forced).
  const startPool = (largeBytes: number) => {
    if (!parallel || (limits.hashInWorker === undefined && largeBytes < POOL_MIN_BYTES)) {
      return undefined;
    }
    pool = MemberPool.start(path, limits, deadline, poolSize());
    // The whole-file digest then overlaps with reading, on a worker.
    poolDigest = pool?.fileDigest(path);
    poolDigest?.catch(() => undefined);
    return pool;
  };
  try {
    await InlineHasher.ready();
    const collector = new Collector(limits, hasher, digestNeeds(kind));
    await readZip(path, collector, (p) => memberRole(kind, filename, p), startPool);
    await collector.settle();
    const whole = (await poolDigest) ?? await hashFile(path);
    return resultOf(collector, filename, kind, whole.sha256, size);
  } finally {
    hasher.close();
    pool?.close();
  }
}

/**
 * A `.tar.gz` on disk: gunzip on a worker and the tar on this thread when there is a second
 * core (./tar_split.ts), otherwise (or when the worker cannot run) one stream inline.
 */
async function inspectTarFile(
  path: string,
  filename: string,
  limits: InspectLimits,
  size: number,
): Promise<ArchiveInspection> {
  if ((limits.hashInWorker ?? defaultTarParallel(size)) && tarWorkerAllowed(path)) {
    const split = await inspectTarSplit(path, filename, limits, size);
    if (split) return split;
  }
  await InlineHasher.ready();
  const streamHash = createHash("sha256");
  const hasher = new InlineHasher();
  try {
    const collector = new Collector(limits, hasher, digestNeeds("sdist-tar"));
    await readTarGz(path, collector, (p) => memberRole("sdist-tar", filename, p), streamHash);
    await collector.settle();
    return resultOf(collector, filename, "sdist-tar", streamHash.digest("hex"), size);
  } finally {
    hasher.close();
  }
}

/**
 * Inspect an artifact held in memory (a download streamed into a bounded buffer, never
 * written to disk): the path for hosts without a writable filesystem (Deno Deploy,
 * `--deny-write`). Memory is the artifact's bytes (bounded by the caller's download limit)
 * plus the bounded inspection state.
 *
 * @example
 * ```ts
 * const inspection = await inspectArtifactBytes(bytes, "pkg-1.0-py3-none-any.whl", limits);
 * ```
 */
export async function inspectArtifactBytes(
  bytes: Uint8Array,
  filename: string,
  limits: InspectLimits,
): Promise<ArchiveInspection> {
  const kind = artifactKind(filename);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  await InlineHasher.ready();
  const hasher = new InlineHasher();
  try {
    const collector = new Collector(limits, hasher, digestNeeds(kind));
    const roleOf = (p: string) => memberRole(kind, filename, p);
    if (kind === "sdist-tar") await readTarGzBytes(bytes, collector, roleOf);
    else await readZipBytes(bytes, collector, roleOf);
    await collector.settle();
    return resultOf(collector, filename, kind, sha256, bytes.length);
  } finally {
    hasher.close();
  }
}

/** The kind of an artifact name; throws a one-line error for any other name. */
function artifactKind(filename: string): ArchiveInspection["kind"] {
  const kind = kindFromFilename(filename);
  if (!kind) {
    throw new Error(`not a wheel or sdist file name: ${JSON.stringify(filename.slice(0, 200))}`);
  }
  return kind;
}

function resultOf(
  collector: Collector,
  filename: string,
  kind: ArchiveInspection["kind"],
  sha256: string,
  size: number,
): ArchiveInspection {
  return {
    filename,
    kind,
    sha256,
    entries: collector.entries,
    members: collector.members,
    record: collector.record,
    anomalies: collector.anomalies,
    totals: collector.totals(size),
  };
}

/** Artifacts larger than this may be hashed in a worker thread (unless limits say otherwise). */
export const WORKER_THRESHOLD = 4 * 1024 * 1024;

/**
 * A ZIP larger than {@link WORKER_THRESHOLD} shares its members with worker threads when there
 * is a second core: each thread inflates and hashes whole members, so the two overlap fully.
 */
function defaultZipParallel(size: number): boolean {
  return size > WORKER_THRESHOLD && (navigator.hardwareConcurrency ?? 1) >= 2;
}

/** Workers start only when members worth handing over declare at least this much. */
const POOL_MIN_BYTES = 8 * 1024 * 1024;

/** Member workers beside the main thread: one per spare core, at most three. */
function poolSize(): number {
  return Math.max(1, Math.min(3, (navigator.hardwareConcurrency ?? 2) - 1));
}

/**
 * Read a tar on two threads (gunzip on a worker, the tar here) when there is a second core
 * and the archive is large enough to pay for starting the worker.
 */
function defaultTarParallel(size: number): boolean {
  return size > WORKER_THRESHOLD && (navigator.hardwareConcurrency ?? 1) >= 2;
}

export { hashFile } from "./hasher.ts";
export { factsOf } from "./facts.ts";
