/**
 * Content rules over an artifact inspection: what files a wheel or sdist carries.
 * `.pth` and startup hooks, native code, nested archives, embedded foreign metadata,
 * executables, and unsafe paths. Rules judge cached {@link ArtifactFacts} (never an archive),
 * following what Python's `site`, pip and installers really do with a file.
 *
 * @example
 * ```ts
 * const findings = contentFindings(inspection, policy);
 * ```
 * @module
 */
import type { Policy } from "../src/config.ts";
import { isOwnDistInfo } from "../src/inspect/names.ts";
import type { EntryFacts } from "../src/observations/artifact.ts";
import {
  type ArtifactInput,
  basename,
  type FactsLike,
  quote,
  scopeOf,
  subjectOf,
} from "./_artifact.ts";
import { defineRule, type Finding, finding, type Rule, type RuleMeta, runRules } from "./types.ts";

/**
 * A `.pth` file runs code at every interpreter start once installed, but only where `site`
 * reads it: at the root of a site-packages folder.
 */
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

type Input = ArtifactInput;

/** One finding per entry for which `test` gives a reason. */
function perEntry(
  meta: RuleMeta,
  test: (entry: EntryFacts, facts: FactsLike, policy: Policy) => string | undefined,
): (input: Input) => Finding[] {
  return ({ facts, policy }) => {
    const out: Finding[] = [];
    for (const entry of facts.entries) {
      const why = test(entry, facts, policy);
      if (why === undefined) continue;
      out.push(finding(meta, {
        subject: subjectOf(facts, entry.path),
        scope: scopeOf(facts),
        message: `${facts.filename.slice(0, 200)}: ${why}`.slice(0, 4000),
        evidence: { observed: { path: entry.path, type: entry.type, size: entry.size } },
      }));
    }
    return out;
  };
}

const WHEEL_LIB_ROOT = /^[^/]+\.data\/(purelib|platlib)\/(.*)$/i;

/**
 * Where a member lands relative to site-packages, or undefined when it does not land there.
 * Wheels: the root and `*.data/purelib|platlib/`. Sdists (what a build would put at the wheel
 * root): members directly in the sdist's top folder or in its `src/` folder, the two layouts
 * build backends package from; deeper files are package data, never read by `site`.
 */
export function sitePackagesPath(kind: FactsLike["kind"], path: string): string | undefined {
  if (kind === "wheel") {
    const m = WHEEL_LIB_ROOT.exec(path);
    if (m) return m[2];
    return /^[^/]+\.data\//i.test(path) ? undefined : path;
  }
  const parts = path.replace(/^\.\//, "").split("/");
  if (parts.length === 2) return parts[1];
  if (parts.length === 3 && parts[1] === "src") return parts[2];
  return undefined;
}

/** True when `site` would process this member as a `.pth` file once installed. */
export function isSitePth(kind: FactsLike["kind"], path: string): boolean {
  const rel = sitePackagesPath(kind, path);
  return rel !== undefined && !rel.includes("/") && rel.toLowerCase().endsWith(".pth");
}

/** True when this member would be imported as `sitecustomize` / `usercustomize` at start-up. */
export function isStartupHook(kind: FactsLike["kind"], path: string): boolean {
  const rel = sitePackagesPath(kind, path)?.toLowerCase();
  if (rel === undefined) return false;
  return /^(sitecustomize|usercustomize)(\.py|\.pyc|\/__init__\.py|\.cpython-[^/]*\.(so|pyd)|\.(so|pyd))$/
    .test(rel);
}

/** `.pth` files where `site` runs them (wheel root, `*.data/purelib|platlib/`, sdist roots). */
export const PTH_FILE_RULE: Rule<Input> = defineRule(
  PTH_FILE,
  perEntry(
    PTH_FILE,
    (entry, facts) =>
      entry.type !== "dir" && isSitePth(facts.kind, entry.path)
        ? `${
          quote(entry.path)
        } is a .pth file at the root of site-packages, which Python executes at start-up once installed`
        : undefined,
  ),
);

/** `sitecustomize` / `usercustomize` modules where they would be imported at start-up. */
export const STARTUP_HOOK_RULE: Rule<Input> = defineRule(
  STARTUP_HOOK,
  perEntry(
    STARTUP_HOOK,
    (entry, facts) =>
      entry.type !== "dir" && isStartupHook(facts.kind, entry.path)
        ? `${quote(entry.path)} is an interpreter start-up hook`
        : undefined,
  ),
);

const NATIVE_EXTENSION = /\.(so(\.\d+)*|pyd|dll|dylib)$/i;
const NATIVE_MAGIC = new Set(["elf", "macho", "macho-fat", "pe-dll"]);

/** True for native code by magic bytes or a native library extension. */
export function isNativeLibrary(entry: Pick<EntryFacts, "path" | "magic">): boolean {
  if (entry.magic !== undefined && NATIVE_MAGIC.has(entry.magic)) return true;
  return NATIVE_EXTENSION.test(basename(entry.path)) && entry.magic !== "pe-exe";
}

/** Native libraries by magic bytes or extension, unless policy.artifacts is "native". */
export const NATIVE_BINARY_RULE: Rule<Input> = defineRule(
  NATIVE_BINARY,
  perEntry(NATIVE_BINARY, (entry, _facts, policy) => {
    if (policy.artifacts === "native" || entry.type === "dir") return undefined;
    if (entry.magic !== undefined && NATIVE_MAGIC.has(entry.magic)) {
      return `${quote(entry.path)} is native code (${entry.magic})`;
    }
    return isNativeLibrary(entry)
      ? `${quote(entry.path)} has a native library extension`
      : undefined;
  }),
);

/** PE executables (launchers), unless policy.artifacts is "native". */
export const NATIVE_EXECUTABLE_RULE: Rule<Input> = defineRule(
  NATIVE_EXECUTABLE,
  perEntry(
    NATIVE_EXECUTABLE,
    (entry, _facts, policy) =>
      policy.artifacts !== "native" && entry.magic === "pe-exe"
        ? `${quote(entry.path)} is a Windows executable`
        : undefined,
  ),
);

const ARCHIVE_EXTENSION = /\.(whl|tar\.gz|tgz|zip|egg|tar\.bz2|tar\.xz|tar)$/i;
const DISTRIBUTION_EXTENSION = /\.(whl|egg|tar\.gz)$/i;

/**
 * Archives that hold a distribution, code, native binaries or further archives, by a bounded
 * look inside. A compressed data file (`.json.gz`, `.mxl`, `.npz`) is not one. An archive the
 * look could not see into (bz2, xz, unreadable) is reported: it cannot be reviewed either.
 */
export const NESTED_ARCHIVE_RULE: Rule<Input> = defineRule(
  NESTED_ARCHIVE,
  perEntry(NESTED_ARCHIVE, (entry) => {
    if (entry.type === "dir") return undefined;
    const inner = entry.inner;
    if (inner) {
      if (inner.holds.length > 0) {
        return `${quote(entry.path)} is a ${inner.format} archive holding ${
          inner.holds.join(", ")
        } (e.g. ${inner.sample.slice(0, 3).map((s) => quote(s, 80)).join(", ")})`;
      }
      if (inner.format !== "unknown") {
        return DISTRIBUTION_EXTENSION.test(basename(entry.path))
          ? `${quote(entry.path)} has a distribution's extension`
          : undefined;
      }
      return `${quote(entry.path)} is an archive whose contents could not be seen`;
    }
    if (entry.magic === "zip" || entry.magic === "gzip") {
      return `${quote(entry.path)} is a ${entry.magic} archive`;
    }
    return ARCHIVE_EXTENSION.test(basename(entry.path)) && entry.size > 0
      ? `${quote(entry.path)} has an archive extension`
      : undefined;
  }),
);

/** Metadata folders (`*.dist-info`, `*.egg-info`) of the members, with a member inside each. */
function metadataDirs(facts: FactsLike): Map<string, string> {
  const dirs = new Map<string, string>();
  for (const entry of facts.entries) {
    const parts = entry.path.split("/");
    for (let i = 0; i < parts.length - (entry.type === "dir" ? 0 : 1); i++) {
      const part = parts[i];
      if (/\.(dist-info|egg-info)$/i.test(part)) {
        const dir = parts.slice(0, i + 1).join("/");
        if (!dirs.has(dir)) dirs.set(dir, entry.path);
        break;
      }
    }
  }
  return dirs;
}

/**
 * Wheels: a `.dist-info` / `.egg-info` folder other than the wheel's own, at the root or a
 * `*.data/purelib|platlib/` root (where importlib.metadata would find it: high). Deeper
 * vendored metadata (`pkg/_vendor/x.dist-info`) is reported as low: it shadows nothing unless
 * code puts that folder on `sys.path`. Everything inside the wheel's own `.dist-info`
 * (`licenses/**`, PEP 639) is the wheel's own. Sdists legitimately carry their own
 * `.egg-info`; only nested `.dist-info` folders are reported there.
 */
export const EMBEDDED_METADATA_RULE: Rule<Input> = defineRule(EMBEDDED_METADATA, ({ facts }) => {
  const out: Finding[] = [];
  for (const [dir] of metadataDirs(facts)) {
    const parts = dir.split("/");
    let severity: Finding["severity"] | undefined;
    if (facts.kind === "wheel") {
      if (parts.length === 1 && isOwnDistInfo(dir, facts.filename)) continue;
      const rel = sitePackagesPath("wheel", dir);
      severity = rel !== undefined && !rel.includes("/") ? undefined : "low";
    } else if (!/\.dist-info$/i.test(dir) && parts.length <= 3) {
      continue;
    }
    out.push(finding(EMBEDDED_METADATA, {
      subject: subjectOf(facts, dir),
      scope: scopeOf(facts),
      message: `${facts.filename.slice(0, 200)}: embeds ${
        severity === "low" ? "vendored" : "foreign"
      } metadata folder ${quote(dir)}`,
      evidence: { observed: dir },
      severity,
    }));
  }
  return out;
});

/** Wheel `*.data/scripts/*` members. */
export const DATA_SCRIPTS_RULE: Rule<Input> = defineRule(
  DATA_SCRIPTS,
  perEntry(DATA_SCRIPTS, (entry, facts) => {
    if (facts.kind !== "wheel") return undefined;
    const parts = entry.path.split("/");
    return entry.type === "file" && parts.length >= 3 && /\.data$/i.test(parts[0]) &&
        parts[1] === "scripts"
      ? `${quote(entry.path)} is installed as a script`
      : undefined;
  }),
);

/**
 * Wheel members with an executable bit, except native code (shared libraries and binaries by
 * magic or extension carry mode 755 from every linker; pip keeps the bit, it changes nothing).
 */
export const EXECUTABLE_MODE_RULE: Rule<Input> = defineRule(
  EXECUTABLE_MODE,
  perEntry(
    EXECUTABLE_MODE,
    (entry, facts) =>
      facts.kind === "wheel" && entry.type === "file" && entry.mode !== undefined &&
        (entry.mode & 0o111) !== 0 && !isNativeLibrary(entry) && entry.magic !== "pe-exe"
        ? `${quote(entry.path)} has mode ${entry.mode.toString(8)}`
        : undefined,
  ),
);

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
export const UNSAFE_PATH_RULE: Rule<Input> = defineRule(
  UNSAFE_PATH,
  perEntry(UNSAFE_PATH, (entry) => {
    const why = unsafePathReason(entry.path);
    return why ? `${quote(entry.path)}: ${why}` : undefined;
  }),
);

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
export const UNSAFE_LINK_RULE: Rule<Input> = defineRule(
  UNSAFE_LINK,
  perEntry(UNSAFE_LINK, (entry, facts) => {
    switch (entry.type) {
      case "symlink": {
        const target = entry.linkTarget ?? "";
        if (!linkStaysInside(entry.path, target)) {
          return `${quote(entry.path)} is a symlink pointing outside the archive (${
            quote(target)
          })`;
        }
        return facts.kind === "wheel"
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
  }),
);

/** Exact and case-insensitive duplicate paths (a trailing `/` on folders is ignored). */
export const DUPLICATE_PATH_RULE: Rule<Input> = defineRule(DUPLICATE_PATH, ({ facts }) => {
  const seen = new Map<string, string>();
  const out: Finding[] = [];
  for (const entry of facts.entries) {
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
      subject: subjectOf(facts, entry.path),
      scope: scopeOf(facts),
      message: `${facts.filename.slice(0, 200)}: ${quote(entry.path)} ${
        exact ? "appears more than once" : `differs only in case from ${quote(first)}`
      }`,
      evidence: { observed: entry.path, expected: "unique path", duplicateOf: first },
    }));
  }
  return out;
});

/** Every content rule, in catalog order. */
export const CONTENT_RULESET: readonly Rule<Input>[] = [
  PTH_FILE_RULE,
  STARTUP_HOOK_RULE,
  NATIVE_BINARY_RULE,
  NATIVE_EXECUTABLE_RULE,
  NESTED_ARCHIVE_RULE,
  EMBEDDED_METADATA_RULE,
  DATA_SCRIPTS_RULE,
  EXECUTABLE_MODE_RULE,
  UNSAFE_PATH_RULE,
  UNSAFE_LINK_RULE,
  DUPLICATE_PATH_RULE,
];

/** All content rules' metadata, for the catalog. */
export const CONTENT_RULES: RuleMeta[] = CONTENT_RULESET.map((r) => r.meta);

/**
 * Run all content rules over an artifact's facts.
 *
 * @example
 * ```ts
 * const findings = contentFindings(factsOf(inspection), PolicySchema.parse({}));
 * ```
 */
export function contentFindings(facts: FactsLike, policy: Policy): Finding[] {
  return runRules(CONTENT_RULESET, { facts, policy });
}
