/**
 * What each member of an artifact is to the inspection: which text member it is (METADATA,
 * RECORD, PKG-INFO...) and which digests it needs. Shared by the readers and their workers.
 *
 * @example
 * ```ts
 * memberRole("wheel", "pip-24.2-py3-none-any.whl", "pip-24.2.dist-info/RECORD"); // "record"
 * digestNeeds("sdist-tar")("pkg-1.0/setup.py"); // { sha256: false, sha1: true }
 * ```
 * @module
 */
import type { DigestNeeds } from "./hasher.ts";
import { isOwnDistInfo } from "./names.ts";
import type { ArchiveInspection, MemberRole } from "./types.ts";

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
  // Exactly one slash: a member of the archive's top folder (no split: this runs per member).
  const slash = path.indexOf("/");
  if (slash < 0 || path.indexOf("/", slash + 1) >= 0) return undefined;
  const dir = path.slice(0, slash);
  const base = path.slice(slash + 1);
  if (kind === "wheel") {
    const role = WHEEL_MEMBERS[base];
    return role && isOwnDistInfo(dir, filename) ? role : undefined;
  }
  return SDIST_MEMBERS[base];
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
