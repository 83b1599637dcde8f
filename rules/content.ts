/**
 * Content rules over an artifact inspection: what files a wheel or sdist carries.
 * `.pth` and startup hooks, native code, nested archives, embedded foreign metadata,
 * executables, and unsafe paths. Pure functions `(inspection, policy) -> Finding[]`.
 *
 * @example
 * ```ts
 * const findings = contentFindings(inspection, policy);
 * ```
 * @module
 */
import type { Policy } from "../src/config.ts";
import { isOwnDistInfo } from "../src/inspect/names.ts";
import type { ArchiveInspection, EntryInfo } from "../src/inspect/types.ts";
import { basename, quote, scopeOf, subjectOf } from "./_artifact.ts";
import { type Finding, finding, type RuleMeta } from "./types.ts";

/** A `.pth` file runs code at every interpreter start once installed. */
export const PTH_FILE: RuleMeta = {
  id: "content/pth-file",
  job: "pypi",
  severity: "critical",
  title: "Artifact contains a .pth file",
  control: "No .pth files in release artifacts",
  remediation:
    "Remove the .pth file from the build (check package data globs and build hooks); if it is intended, waive this rule for the file with a reason.",
};

/** `sitecustomize.py` / `usercustomize.py` run at interpreter start. */
export const STARTUP_HOOK: RuleMeta = {
  id: "content/startup-hook",
  job: "pypi",
  severity: "critical",
  title: "Artifact contains an interpreter startup hook",
  control: "No code that runs at interpreter start-up in release artifacts",
  remediation: "Remove sitecustomize.py / usercustomize.py from the artifact.",
};

/** Native code (shared objects, Mach-O, PE DLLs) in a project whose policy is pure. */
export const NATIVE_BINARY: RuleMeta = {
  id: "content/native-binary",
  job: "pypi",
  severity: "high",
  title: "Native binary in a pure-Python project's artifact",
  control: "No native binaries in artifacts of pure-Python projects",
  remediation:
    'Rebuild from a clean tree without compiled objects; if the project ships native code, set policy.artifacts = "native".',
};

/** Windows PE executables (e.g. script launchers) in a pure project's artifact. */
export const NATIVE_EXECUTABLE: RuleMeta = {
  id: "content/native-executable",
  job: "pypi",
  severity: "medium",
  title: "Native executable in a pure-Python project's artifact",
  control: "No native binaries in artifacts of pure-Python projects",
  remediation:
    "Check that each executable is expected (e.g. vendored script launchers) and waive it by subject, or remove it.",
};

/** Archives inside the artifact hide content from review and scanners. */
export const NESTED_ARCHIVE: RuleMeta = {
  id: "content/nested-archive",
  job: "pypi",
  severity: "medium",
  title: "Artifact contains a nested archive",
  control: "Artifacts contain reviewable files only",
  remediation: "Ship the files themselves, or waive the archive (test fixtures) by subject.",
};

/** A foreign `.dist-info` / `.egg-info` can shadow another distribution's metadata. */
export const EMBEDDED_METADATA: RuleMeta = {
  id: "content/embedded-dist-info",
  job: "pypi",
  severity: "high",
  title: "Wheel embeds another distribution's metadata",
  control: "A wheel carries only its own .dist-info",
  remediation: "Remove vendored .dist-info / .egg-info folders from the wheel.",
};

/** `.data/scripts/*` files become executables on PATH at install time. */
export const DATA_SCRIPTS: RuleMeta = {
  id: "content/data-scripts",
  job: "pypi",
  severity: "medium",
  title: "Wheel installs scripts from .data/scripts",
  control: "Executables installed by a release are declared in pyproject.toml",
  remediation:
    "Declare commands as [project.scripts] entry points instead of shipping script files.",
};

/** Executable permission bits on wheel members. */
export const EXECUTABLE_MODE: RuleMeta = {
  id: "content/executable-mode",
  job: "pypi",
  severity: "low",
  title: "Wheel member has executable permission bits",
  control: "Executables installed by a release are declared in pyproject.toml",
  remediation: "Build from a tree without executable bits on package files.",
};

/** Paths an installer may resolve outside the target, or differently on other systems. */
export const UNSAFE_PATH: RuleMeta = {
  id: "content/unsafe-path",
  job: "pypi",
  severity: "high",
  title: "Unsafe member path",
  control: "Artifact members stay inside the install target and are unambiguous",
  remediation:
    "Rebuild the artifact with a standard build backend; never publish a hand-made archive.",
};

/** Links, hard links and device files. */
export const UNSAFE_LINK: RuleMeta = {
  id: "content/unsafe-link",
  job: "pypi",
  severity: "high",
  title: "Link or special file in the artifact",
  control: "Artifact members stay inside the install target and are unambiguous",
  remediation: "Replace links and special files with regular files.",
};

/** Two members with the same (or case-insensitively the same) path. */
export const DUPLICATE_PATH: RuleMeta = {
  id: "content/duplicate-path",
  job: "pypi",
  severity: "high",
  title: "Duplicate member paths",
  control: "Artifact members stay inside the install target and are unambiguous",
  remediation: "Rebuild the artifact; each path must appear once (ignoring case).",
};

/** All content rules, for the catalog. */
export const CONTENT_RULES: RuleMeta[] = [
  PTH_FILE,
  STARTUP_HOOK,
  NATIVE_BINARY,
  NATIVE_EXECUTABLE,
  NESTED_ARCHIVE,
  EMBEDDED_METADATA,
  DATA_SCRIPTS,
  EXECUTABLE_MODE,
  UNSAFE_PATH,
  UNSAFE_LINK,
  DUPLICATE_PATH,
];

/** An artifact rule: pure, `(inspection, policy) -> findings`. */
export type ArtifactRule = (inspection: ArchiveInspection, policy: Policy) => Finding[];
type Rule = ArtifactRule;

function perEntry(
  meta: RuleMeta,
  test: (entry: EntryInfo, inspection: ArchiveInspection) => string | undefined,
): Rule {
  return (inspection) => {
    const out: Finding[] = [];
    for (const entry of inspection.entries) {
      const why = test(entry, inspection);
      if (why === undefined) continue;
      out.push(finding(meta, {
        subject: subjectOf(inspection, entry.path),
        scope: scopeOf(inspection),
        message: `${inspection.filename.slice(0, 200)}: ${why}`.slice(0, 4000),
        evidence: {
          observed: { path: entry.path, type: entry.type, size: entry.size, sha256: entry.sha256 },
        },
      }));
    }
    return out;
  };
}

/**
 * `.pth` files anywhere in the artifact.
 *
 * @example
 * ```ts
 * pthFiles(inspection, policy).map((f) => f.subject);
 * ```
 */
export const pthFiles: Rule = perEntry(
  PTH_FILE,
  (entry) =>
    entry.type !== "dir" && basename(entry.path).toLowerCase().endsWith(".pth")
      ? `${quote(entry.path)} is a .pth file, which Python executes at start-up once installed`
      : undefined,
);

/** `sitecustomize.py` / `usercustomize.py` anywhere. */
export const startupHooks: Rule = perEntry(STARTUP_HOOK, (entry) => {
  const name = basename(entry.path).toLowerCase();
  return entry.type !== "dir" && (name === "sitecustomize.py" || name === "usercustomize.py")
    ? `${quote(entry.path)} is an interpreter start-up hook`
    : undefined;
});

const NATIVE_EXTENSION = /\.(so(\.\d+)*|pyd|dll|dylib)$/i;

/** Native libraries by magic bytes or extension, unless policy.artifacts is "native". */
export const nativeBinaries: Rule = (inspection, policy) =>
  policy.artifacts === "native" ? [] : perEntry(NATIVE_BINARY, (entry) => {
    if (entry.type === "dir") return undefined;
    const magic = entry.magic;
    if (magic === "elf" || magic === "macho" || magic === "macho-fat" || magic === "pe-dll") {
      return `${quote(entry.path)} is native code (${magic})`;
    }
    if (NATIVE_EXTENSION.test(basename(entry.path)) && magic !== "pe-exe") {
      return `${quote(entry.path)} has a native library extension`;
    }
    return undefined;
  })(inspection, policy);

/** PE executables (launchers), unless policy.artifacts is "native". */
export const nativeExecutables: Rule = (inspection, policy) =>
  policy.artifacts === "native"
    ? []
    : perEntry(NATIVE_EXECUTABLE, (entry) =>
      entry.magic === "pe-exe" ? `${quote(entry.path)} is a Windows executable` : undefined)(
        inspection,
        policy,
      );

const ARCHIVE_EXTENSION = /\.(whl|tar\.gz|tgz|zip|egg|tar\.bz2|tar\.xz|tar)$/i;

/** Archives by extension or magic bytes. */
export const nestedArchives: Rule = perEntry(NESTED_ARCHIVE, (entry) => {
  if (entry.type === "dir") return undefined;
  if (entry.magic === "zip" || entry.magic === "gzip") {
    return `${quote(entry.path)} is a ${entry.magic} archive`;
  }
  return ARCHIVE_EXTENSION.test(basename(entry.path))
    ? `${quote(entry.path)} has an archive extension`
    : undefined;
});

/** Top-level folders of a path list, for metadata folder checks. */
function metadataDirs(inspection: ArchiveInspection): Map<string, string> {
  const dirs = new Map<string, string>();
  for (const entry of inspection.entries) {
    const parts = entry.path.split("/");
    for (let i = 0; i < parts.length - (entry.type === "dir" ? 0 : 1); i++) {
      const part = parts[i];
      if (/\.(dist-info|egg-info)$/i.test(part)) {
        const dir = parts.slice(0, i + 1).join("/");
        if (!dirs.has(dir)) dirs.set(dir, entry.path);
      }
    }
  }
  return dirs;
}

/**
 * Wheels: any `.dist-info` / `.egg-info` folder other than the wheel's own top-level
 * `<name>-<version>.dist-info`. Sdists legitimately carry their own `.egg-info`; there only
 * nested `.dist-info` folders are reported.
 */
export const embeddedMetadata: Rule = (inspection) => {
  const out: Finding[] = [];
  for (const [dir] of metadataDirs(inspection)) {
    const parts = dir.split("/");
    if (inspection.kind === "wheel") {
      if (parts.length === 1 && isOwnDistInfo(dir, inspection.filename)) continue;
    } else if (!/\.dist-info$/i.test(dir) && parts.length <= 3) {
      continue;
    }
    out.push(finding(EMBEDDED_METADATA, {
      subject: subjectOf(inspection, dir),
      scope: scopeOf(inspection),
      message: `${inspection.filename.slice(0, 200)}: embeds foreign metadata folder ${quote(dir)}`,
      evidence: { observed: dir },
    }));
  }
  return out;
};

/** Wheel `*.data/scripts/*` members. */
export const dataScripts: Rule = (inspection, policy) =>
  inspection.kind !== "wheel" ? [] : perEntry(DATA_SCRIPTS, (entry) => {
    const parts = entry.path.split("/");
    return entry.type === "file" && parts.length >= 3 && /\.data$/i.test(parts[0]) &&
        parts[1] === "scripts"
      ? `${quote(entry.path)} is installed as a script`
      : undefined;
  })(inspection, policy);

/** Wheel members with any executable bit. */
export const executableModes: Rule = (inspection, policy) =>
  inspection.kind !== "wheel"
    ? []
    : perEntry(EXECUTABLE_MODE, (entry) =>
      entry.type === "file" && entry.mode !== undefined && (entry.mode & 0o111) !== 0
        ? `${quote(entry.path)} has mode ${entry.mode.toString(8)}`
        : undefined)(inspection, policy);

/** True when `text` holds a C0 control character or DEL (NUL included). */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** Why a path is unsafe, or undefined. */
export function unsafePathReason(path: string): string | undefined {
  if (path.length === 0) return "empty path";
  if (hasControlCharacter(path)) return "control character in path";
  if (path.includes("\\")) return "backslash in path";
  if (path.startsWith("/") || /^[A-Za-z]:/.test(path)) return "absolute path";
  if (path.split("/").some((p) => p === "..")) return "parent-directory component";
  return undefined;
}

/** Absolute paths, `..`, backslashes, NUL and control characters. */
export const unsafePaths: Rule = perEntry(UNSAFE_PATH, (entry) => {
  const why = unsafePathReason(entry.path);
  return why ? `${quote(entry.path)}: ${why}` : undefined;
});

/** Does `target`, relative to the folder of `path`, stay inside the archive root? */
export function linkStaysInside(path: string, target: string): boolean {
  if (target.startsWith("/") || target.includes("\\") || /^[A-Za-z]:/.test(target)) return false;
  const stack = path.split("/").slice(0, -1).filter((p) => p !== "" && p !== ".");
  for (const part of target.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (stack.length === 0) return false;
      stack.pop();
    } else stack.push(part);
  }
  return true;
}

/** Symlinks (escaping ones in sdists, any in wheels), hard links, devices, FIFOs. */
export const unsafeLinks: Rule = perEntry(UNSAFE_LINK, (entry, inspection) => {
  switch (entry.type) {
    case "symlink": {
      const target = entry.linkTarget ?? "";
      if (!linkStaysInside(entry.path, target)) {
        return `${quote(entry.path)} is a symlink pointing outside the archive (${quote(target)})`;
      }
      return inspection.kind === "wheel"
        ? `${quote(entry.path)} is a symlink (installers do not recreate links from wheels)`
        : undefined;
    }
    case "hardlink":
      return `${quote(entry.path)} is a hard link to ${quote(entry.linkTarget ?? "")}`;
    case "device":
      return `${quote(entry.path)} is a device file`;
    case "fifo":
      return `${quote(entry.path)} is a FIFO`;
    case "other":
      return `${quote(entry.path)} is a special file`;
    default:
      return undefined;
  }
});

/** Exact and case-insensitive duplicate paths (a trailing `/` on folders is ignored). */
export const duplicatePaths: Rule = (inspection) => {
  const seen = new Map<string, string>();
  const out: Finding[] = [];
  for (const entry of inspection.entries) {
    const key = entry.path.replace(/\/+$/, "");
    const folded = key.toLowerCase();
    const first = seen.get(folded);
    if (first === undefined) {
      seen.set(folded, entry.path);
      continue;
    }
    const exact = first.replace(/\/+$/, "") === key;
    if (exact && entry.type === "dir") continue;
    out.push(finding(DUPLICATE_PATH, {
      subject: subjectOf(inspection, entry.path),
      scope: scopeOf(inspection),
      message: `${inspection.filename.slice(0, 200)}: ${quote(entry.path)} ${
        exact ? "appears more than once" : `differs only in case from ${quote(first)}`
      }`,
      evidence: { observed: entry.path, expected: "unique path", duplicateOf: first },
    }));
  }
  return out;
};

/** Every content rule, in catalog order. */
export const CONTENT_RULE_FUNCTIONS: Rule[] = [
  pthFiles,
  startupHooks,
  nativeBinaries,
  nativeExecutables,
  nestedArchives,
  embeddedMetadata,
  dataScripts,
  executableModes,
  unsafePaths,
  unsafeLinks,
  duplicatePaths,
];

/**
 * Run all content rules.
 *
 * @example
 * ```ts
 * const findings = contentFindings(inspection, PolicySchema.parse({}));
 * ```
 */
export function contentFindings(inspection: ArchiveInspection, policy: Policy): Finding[] {
  return CONTENT_RULE_FUNCTIONS.flatMap((rule) => rule(inspection, policy));
}
