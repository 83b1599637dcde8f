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
import { isOwnDistInfo, kindFromFilename } from "./names.ts";
import { readTarGz } from "./tar.ts";
import type { ArchiveInspection, InspectLimits, Members } from "./types.ts";
import { readZip } from "./zip.ts";

export * from "./types.ts";
export { isOwnDistInfo, kindFromFilename, parseWheelFilename } from "./names.ts";

const WHEEL_MEMBERS: Record<string, keyof Members> = {
  "METADATA": "metadata",
  "RECORD": "record",
  "WHEEL": "wheel",
  "entry_points.txt": "entryPoints",
};
const SDIST_MEMBERS: Record<string, keyof Members> = {
  "PKG-INFO": "pkgInfo",
  "pyproject.toml": "pyprojectToml",
};

/** Which text member (if any) `path` is, for an artifact of that name and kind. */
export function memberRole(
  kind: ArchiveInspection["kind"],
  filename: string,
  path: string,
): keyof Members | undefined {
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
  const kind = kindFromFilename(filename);
  if (!kind) {
    throw new Error(`not a wheel or sdist file name: ${JSON.stringify(filename.slice(0, 200))}`);
  }
  const { sha256, size } = await hashFile(path);
  const collector = new Collector(limits);
  const roleOf = (p: string) => memberRole(kind, filename, p);
  if (kind === "sdist-tar") await readTarGz(path, collector, roleOf);
  else await readZip(path, collector, roleOf);
  return {
    filename,
    kind,
    sha256,
    entries: collector.entries,
    members: collector.members,
    anomalies: collector.anomalies,
    totals: collector.totals(size),
  };
}

/** SHA-256 (hex) and size of a file, streamed. */
export async function hashFile(path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  using file = await Deno.open(path, { read: true });
  const buf = new Uint8Array(1024 * 1024);
  while (true) {
    const n = await file.read(buf);
    if (n === null) break;
    hash.update(buf.subarray(0, n));
    size += n;
  }
  return { sha256: hash.digest("hex"), size };
}
