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
import {
  type DigestNeeds,
  type Hasher,
  InlineHasher,
  workerAllowed,
  WorkerHasher,
} from "./hasher.ts";
import { isOwnDistInfo, kindFromFilename } from "./names.ts";
import { readTarGz, readTarGzBytes } from "./tar.ts";
import type { ArchiveInspection, InspectLimits, MemberRole } from "./types.ts";
import { readZip, readZipBytes } from "./zip.ts";

export * from "./types.ts";
export { isOwnDistInfo, kindFromFilename, parseWheelFilename } from "./names.ts";

const WHEEL_MEMBERS: Record<string, MemberRole> = {
  "METADATA": "metadata",
  "RECORD": "record",
  "WHEEL": "wheel",
  "entry_points.txt": "entryPoints",
};
const SDIST_MEMBERS: Record<string, MemberRole> = {
  "PKG-INFO": "pkgInfo",
  "setup.cfg": "setupCfg",
  "pyproject.toml": "pyprojectToml",
};

/** Which text member (if any) `path` is, for an artifact of that name and kind. */
export function memberRole(
  kind: ArchiveInspection["kind"],
  filename: string,
  path: string,
): MemberRole | undefined {
  const parts = path.split("/");
  if (parts.length !== 2) return undefined;
  const [dir, base] = parts;
  if (kind === "wheel") {
    const role = WHEEL_MEMBERS[base];
    return role && isOwnDistInfo(dir, filename) ? role : undefined;
  }
  return SDIST_MEMBERS[base];
}

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
  const parallel = (limits.hashInWorker ?? defaultParallel(stat.size)) && workerAllowed(path);
  if (!parallel) await InlineHasher.ready();
  const hasher: Hasher = parallel ? new WorkerHasher() : new InlineHasher();
  try {
    // The whole-file digest: in the worker, or (tar, inline) from the bytes the stream reads.
    const streamHash = !parallel && kind === "sdist-tar" ? createHash("sha256") : undefined;
    const whole = streamHash ? undefined : hasher.fileDigest(path);
    whole?.catch(() => undefined);
    const collector = new Collector(limits, hasher, digestNeeds(kind));
    const roleOf = (p: string) => memberRole(kind, filename, p);
    if (kind === "sdist-tar") await readTarGz(path, collector, roleOf, streamHash);
    else await readZip(path, collector, roleOf);
    await collector.settle();
    const { sha256, size } = whole
      ? await whole
      : { sha256: streamHash!.digest("hex"), size: stat.size };
    return resultOf(collector, filename, kind, sha256, size);
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
  const collector = new Collector(limits, new InlineHasher(), digestNeeds(kind));
  const roleOf = (p: string) => memberRole(kind, filename, p);
  if (kind === "sdist-tar") await readTarGzBytes(bytes, collector, roleOf);
  else await readZipBytes(bytes, collector, roleOf);
  await collector.settle();
  return resultOf(collector, filename, kind, sha256, bytes.length);
}

/** The kind of an artifact name; throws a one-line error for any other name. */
function artifactKind(filename: string): ArchiveInspection["kind"] {
  const kind = kindFromFilename(filename);
  if (!kind) {
    throw new Error(`not a wheel or sdist file name: ${JSON.stringify(filename.slice(0, 200))}`);
  }
  return kind;
}

const WHEEL_PY = { sha256: true, sha1: true };
const WHEEL_OTHER = { sha256: true, sha1: false };
const SDIST = { sha256: false, sha1: true };

/**
 * The digests each member needs, computed once each: a wheel's members their SHA-256 (RECORD)
 * and, for `.py` files, their git blob SHA-1 (source parity compares a pure wheel's Python
 * files with the tag); an sdist's members only their git blob SHA-1 (source parity by path).
 */
export function digestNeeds(kind: ArchiveInspection["kind"]): (path: string) => DigestNeeds {
  if (kind !== "wheel") return () => SDIST;
  return (path) => path.endsWith(".py") ? WHEEL_PY : WHEEL_OTHER;
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
 * Hash in a worker only for large artifacts on machines with at least 4 cores: decompression
 * and the parsing run on one thread, so a worker only helps when a core is free for it (on
 * two shared cores it measured slower than hashing inline).
 */
function defaultParallel(size: number): boolean {
  return size > WORKER_THRESHOLD && (navigator.hardwareConcurrency ?? 1) >= 4;
}

export { hashFile } from "./hasher.ts";
export { factsOf } from "./facts.ts";
