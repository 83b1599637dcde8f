/**
 * Source parity, collection side: which members of an sdist or a pure-Python wheel have no
 * identical counterpart in the git tree at the release tag, compared by git blob SHA-1 (the
 * trees API lists every blob's id, so no tarball is downloaded).
 *
 * - sdist: every file, by path (the sdist's top folder removed): absent at the tag, or present
 *   with other bytes.
 * - pure wheel: every `.py`, by content: its blob id must be one of the tag's blob ids (wheel
 *   paths do not map to repository paths, e.g. `src/` layouts).
 *
 * Which differences are expected (PKG-INFO, `*.egg-info/`, version files) is the rules'
 * decision (`rules/parity.ts`); this module only reports facts. Member listings are memoized
 * per artifact digest in KV (`["parity-inspect", sha256]`, path → blob id, bounded) and
 * comparisons per (tree, artifact) (`["parity-source", treeSha, sha256]`).
 *
 * @example
 * ```ts
 * const members = await artifactMembers(file, ctx, policy);
 * if (members.ok) compareWithTree(file, members.value, tree);
 * ```
 * @module
 */
import { z } from "zod";
import type { Policy } from "../src/config.ts";
import type { JobContext } from "../src/observations/job.ts";
import type { PypiFile } from "../src/observations/pypi.ts";
import {
  MAX_LISTED_PATHS,
  type SourceComparison,
  SourceComparisonSchema,
  type SourceEntry,
} from "../src/observations/releases.ts";
import type { Tree } from "../src/github/releases.ts";
import { getJson, setJson } from "../src/state/blob.ts";
import { downloadArtifact } from "../src/download.ts";
import { sweepGate } from "./clients.ts";
import { inspectArtifact, kindFromFilename, limitsFromPolicy } from "../src/inspect/mod.ts";
import { USER_AGENT } from "../src/http.ts";
import { createReadStream } from "node:fs";
import { createGunzip } from "node:zlib";
import tar from "tar-stream";
import { concatBytes } from "../src/bytes.ts";

/** Largest `setup.cfg` read for the `[egg_info]` comparison. */
export const MAX_SETUP_CFG_BYTES = 64 * 1024;

/** Largest member listing kept in KV (entries). */
export const MAX_CACHED_MEMBERS = 20_000;

/** One member: path (sdist: without the top folder), size, blob id (absent when unread). */
export const MemberSchema = z.tuple([
  z.string().max(4096),
  z.number().int().min(0),
  z.string().max(40).nullable(),
]);
/** See {@link MemberSchema}. */
export type Member = z.infer<typeof MemberSchema>;

/** The members of one artifact, as needed for source parity. */
export const MemberListingSchema = z.object({
  kind: z.enum(["sdist", "wheel"]),
  members: z.array(MemberSchema).max(MAX_CACHED_MEMBERS * 10),
  /** The listing stopped early (limits, corruption): comparisons are incomplete. */
  truncated: z.boolean(),
  /** An sdist's top-level `setup.cfg` text (at most {@link MAX_SETUP_CFG_BYTES}). */
  setupCfg: z.string().max(MAX_SETUP_CFG_BYTES).optional(),
});
/** See {@link MemberListingSchema}. */
export type MemberListing = z.infer<typeof MemberListingSchema>;

/** A value or a one-line reason. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Strip an sdist's top folder (`pkg-1.0/src/a.py` → `src/a.py`). */
export function stripTop(path: string): string {
  const clean = path.replace(/^\.\//, "");
  const slash = clean.indexOf("/");
  return slash >= 0 ? clean.slice(slash + 1) : clean;
}

/** True for a wheel whose tag says pure Python (`*-none-any`). */
export function isPureWheel(filename: string): boolean {
  return /-none-any\.whl$/i.test(filename);
}

/**
 * Download (digest checked) and list an artifact's members with their blob ids; memoized per
 * digest.
 *
 * @example
 * ```ts
 * const listing = await artifactMembers(file, ctx, project.policy);
 * ```
 */
export async function artifactMembers(
  file: PypiFile,
  ctx: JobContext,
  policy: Policy,
): Promise<Outcome<MemberListing>> {
  const key = ["parity-inspect", file.sha256];
  const cached = MemberListingSchema.safeParse(await getJson(ctx.kv, key));
  if (cached.success) return { ok: true, value: cached.data };
  const kind = kindFromFilename(file.filename);
  if (!kind) return { ok: false, reason: "not a wheel or sdist file name" };
  await Deno.mkdir(ctx.config.state.work_dir, { recursive: true });
  const dir = await Deno.makeTempDir({ dir: ctx.config.state.work_dir, prefix: "parity-" });
  try {
    const download = await downloadArtifact(file.url, {
      allowedHosts: ctx.config.upstream.file_hosts,
      expectedSha256: file.sha256,
      maxBytes: ctx.config.upstream.max_download_bytes,
      timeoutMs: ctx.config.upstream.timeout_ms * 4,
      userAgent: USER_AGENT,
      dest: `${dir}/artifact`,
      signal: ctx.signal,
      gate: sweepGate(ctx),
    });
    if (!download.ok) return { ok: false, reason: `download failed: ${download.detail}` };
    const inspection = await inspectArtifact(
      download.path,
      file.filename,
      limitsFromPolicy(policy),
    );
    const isSdist = kind !== "wheel";
    const members: Member[] = inspection.entries
      .filter((e) => e.type === "file")
      .map((e) => [isSdist ? stripTop(e.path) : e.path, e.size, e.gitSha1 ?? null]);
    const listing: MemberListing = {
      kind: isSdist ? "sdist" : "wheel",
      members,
      truncated: inspection.totals.truncated,
    };
    const setupCfg = inspection.entries.find((e) =>
      e.type === "file" && stripTop(e.path) === "setup.cfg" && e.path.split("/").length === 2
    );
    if (kind === "sdist-tar" && setupCfg && setupCfg.size <= MAX_SETUP_CFG_BYTES) {
      listing.setupCfg = await readTarMember(download.path, setupCfg.path, MAX_SETUP_CFG_BYTES);
    }
    if (members.length <= MAX_CACHED_MEMBERS) await setJson(ctx.kv, key, listing);
    return { ok: true, value: listing };
  } catch (e) {
    return { ok: false, reason: `inspection failed: ${(e as Error).name}` };
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

const SYMLINK_MODE = "120000";

function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** Push into a capped list, counting every item. */
function capped(list: SourceEntry[], entry: SourceEntry): void {
  if (list.length < MAX_LISTED_PATHS) list.push(entry);
}

/**
 * Compare an artifact's members with the git tree at its tag.
 *
 * @example
 * ```ts
 * const c = compareWithTree(file, listing, tree);
 * c.notInTag.map((e) => e.path); // files that exist only on PyPI
 * ```
 */
export function compareWithTree(
  file: Pick<PypiFile, "filename" | "sha256">,
  listing: MemberListing,
  tree: Pick<Tree, "sha" | "tree">,
): SourceComparison {
  const blobs = new Map<string, { sha: string; mode: string }>();
  const blobShas = new Set<string>();
  const byBasename = new Map<string, string[]>();
  const submodules: string[] = [];
  for (const entry of tree.tree) {
    if (entry.type === "blob") {
      blobs.set(entry.path, { sha: entry.sha, mode: entry.mode });
      if (listing.kind === "wheel") {
        const base = basename(entry.path);
        const same = byBasename.get(base);
        if (same) same.push(entry.path);
        else byBasename.set(base, [entry.path]);
      }
      if (entry.mode !== SYMLINK_MODE) blobShas.add(entry.sha);
    } else if (entry.type === "commit") submodules.push(`${entry.path}/`);
  }
  const out: SourceComparison = {
    filename: file.filename,
    sha256: file.sha256,
    kind: listing.kind,
    treeSha: tree.sha,
    compared: 0,
    matched: 0,
    notInTag: [],
    notInTagCount: 0,
    differs: [],
    differsCount: 0,
    uncomparable: [],
  };
  const uncomparable = (path: string, why: string) => {
    if (out.uncomparable.length < MAX_LISTED_PATHS) out.uncomparable.push({ path, why });
  };
  for (const [path, size, gitSha1] of listing.members) {
    if (listing.kind === "wheel" && !path.endsWith(".py")) continue;
    if (!gitSha1) {
      uncomparable(path, "content not read completely");
      continue;
    }
    out.compared++;
    if (listing.kind === "wheel") {
      if (blobShas.has(gitSha1)) {
        out.matched++;
        continue;
      }
      const samePath = (byBasename.get(basename(path)) ?? [])
        .find((p) => p === path || p.endsWith(`/${path}`));
      if (samePath) {
        out.differsCount++;
        capped(out.differs, { path, size, gitSha1, tagSha1: blobs.get(samePath)?.sha });
      } else {
        out.notInTagCount++;
        capped(out.notInTag, { path, size, gitSha1 });
      }
      continue;
    }
    const atTag = blobs.get(path);
    if (atTag?.mode === SYMLINK_MODE) {
      uncomparable(path, "a symbolic link at the tag");
    } else if (atTag?.sha === gitSha1) {
      out.matched++;
    } else if (atTag) {
      out.differsCount++;
      capped(out.differs, { path, size, gitSha1, tagSha1: atTag.sha });
    } else if (submodules.some((s) => path.startsWith(s))) {
      uncomparable(path, "inside a git submodule");
    } else {
      out.notInTagCount++;
      capped(out.notInTag, { path, size, gitSha1 });
    }
  }
  return out;
}

/**
 * The comparison of an artifact with a tree, memoized in KV per (tree, artifact): both are
 * content-addressed, so the result never changes.
 *
 * @example
 * ```ts
 * const hit = await cachedComparison(kv, treeSha, file.sha256);
 * ```
 */
export async function cachedComparison(
  kv: Deno.Kv,
  treeSha: string,
  sha256: string,
): Promise<SourceComparison | undefined> {
  const parsed = SourceComparisonSchema.safeParse(
    await getJson(kv, ["parity-source", treeSha, sha256]),
  );
  return parsed.success ? parsed.data : undefined;
}

/** Store a comparison (see {@link cachedComparison}). */
export async function storeComparison(kv: Deno.Kv, comparison: SourceComparison): Promise<void> {
  await setJson(kv, ["parity-source", comparison.treeSha, comparison.sha256], comparison);
}

/**
 * Text of one member of a `.tar.gz` (first match, at most `maxBytes`), or undefined.
 *
 * @example
 * ```ts
 * const text = await readTarMember("/tmp/x.tar.gz", "x-1.0/setup.cfg", 65536);
 * ```
 */
export async function readTarMember(
  archive: string,
  member: string,
  maxBytes: number,
): Promise<string | undefined> {
  const input = createReadStream(archive);
  const gunzip = createGunzip();
  const extract = tar.extract();
  const fail = (e: Error) => extract.destroy(e);
  input.on("error", fail);
  gunzip.on("error", fail);
  extract.on("error", () => {});
  input.pipe(gunzip).pipe(extract);
  let text: string | undefined;
  let seen = 0;
  try {
    for await (const entry of extract) {
      if (++seen > MAX_CACHED_MEMBERS * 10) break;
      if (entry.header.name !== member || entry.header.type !== "file") {
        entry.resume();
        continue;
      }
      const chunks: Uint8Array[] = [];
      let size = 0;
      for await (const chunk of entry as AsyncIterable<Uint8Array>) {
        size += chunk.length;
        if (size > maxBytes) return undefined;
        chunks.push(chunk);
      }
      text = new TextDecoder().decode(concatBytes(chunks));
      break;
    }
  } catch {
    return undefined;
  } finally {
    input.destroy();
    gunzip.destroy();
    extract.destroy();
  }
  return text;
}

/** Parsed INI: section → option → value (configparser's rules, options case-sensitive). */
export type IniDocument = Map<string, Map<string, string>>;

/**
 * Parse `setup.cfg` as Python's configparser reads it: `[section]`, `key = value` or
 * `key: value`, indented continuation lines, full-line `#`/`;` comments. Undefined when a line
 * cannot be read.
 *
 * @example
 * ```ts
 * parseIni("[metadata]\nname = acme\n").get("metadata")?.get("name"); // "acme"
 * ```
 */
export function parseIni(text: string): IniDocument | undefined {
  const doc: IniDocument = new Map();
  let section: Map<string, string> | undefined;
  let lastKey: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*([#;].*)?$/.test(raw)) continue;
    const header = /^\[([^\]]+)\]\s*$/.exec(raw);
    if (header) {
      section = doc.get(header[1]) ?? new Map();
      doc.set(header[1], section);
      lastKey = undefined;
      continue;
    }
    if (/^\s/.test(raw) && section && lastKey !== undefined) {
      const prev = section.get(lastKey) ?? "";
      section.set(lastKey, prev === "" ? raw.trim() : `${prev}\n${raw.trim()}`);
      continue;
    }
    const option = /^([^=:\s][^=:]*?)\s*[=:]\s*(.*)$/.exec(raw);
    if (!option || !section) return undefined;
    lastKey = option[1];
    section.set(lastKey, option[2].trim());
  }
  return doc;
}

function withoutEggInfoTags(doc: IniDocument): string {
  const egg = doc.get("egg_info");
  if (egg) {
    egg.delete("tag_build");
    egg.delete("tag_date");
    if (egg.size === 0) doc.delete("egg_info");
  }
  const plain = [...doc].map(([name, options]) => [name, [...options].sort()] as const).sort();
  return JSON.stringify(plain);
}

/**
 * True when an sdist's `setup.cfg` equals the tag's (undefined: none at the tag) once the
 * `[egg_info]` `tag_build` / `tag_date` options setuptools writes are removed, compared parsed.
 *
 * @example
 * ```ts
 * setupCfgEquivalent("[egg_info]\ntag_build = \ntag_date = 0\n\n", undefined); // true
 * ```
 */
export function setupCfgEquivalent(sdistText: string, tagText: string | undefined): boolean {
  const sdist = parseIni(sdistText);
  const tag = parseIni(tagText ?? "");
  if (!sdist || !tag) return false;
  return withoutEggInfoTags(sdist) === withoutEggInfoTags(tag);
}
