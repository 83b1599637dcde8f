/**
 * Content inspection of one PyPI file, memoized per digest: download (allowed hosts only,
 * digest checked while streaming), inspect the archive, and keep its FACTS in KV under
 * `["inspect-facts", ARTIFACT_FACTS_VERSION, sha256, collection limits, filename]`, so that a
 * digest is downloaded once per facts format. The content and archive rules run on the facts
 * at every evaluation: a rule added or fixed applies to every cached file on the next sweep.
 *
 * @example
 * ```ts
 * const result = await inspectFile(file, project.policy, ctx);
 * ```
 * @module
 */
import type { Policy } from "../src/config.ts";
import type { JobContext } from "../src/observations/job.ts";
import type { ContentResult, PypiFile } from "../src/observations/pypi.ts";
import { getJson, setJson } from "../src/state/blob.ts";
import { downloadArtifact, downloadArtifactBytes, type DownloadFailure } from "../src/download.ts";
import {
  type ArchiveInspection,
  factsOf,
  inspectArtifact,
  inspectArtifactBytes,
  limitsFromPolicy,
} from "../src/inspect/mod.ts";
import {
  ARTIFACT_FACTS_VERSION,
  type ArtifactFacts,
  ArtifactFactsSchema,
  type EntryFacts,
} from "../src/observations/artifact.ts";
import { sweepGate } from "./clients.ts";
import { contentFindings } from "../rules/content.ts";
import { archiveFindings } from "../rules/archive.ts";
import { USER_AGENT } from "../src/http.ts";
import { BINARY_SUFFIX, MAX_FILE_TYPES } from "../src/observations/pypi.ts";
import { isBinaryBytes } from "../src/inspect/magic.ts";

/**
 * The policy fields that change what inspection collects (where reading stops or skips);
 * part of the facts cache key. `policy.artifacts` is judged by the rules and is not part of it.
 */
export function contentPolicyKey(policy: Policy): string {
  return [
    policy.max_uncompressed_bytes,
    policy.max_compression_ratio,
    policy.max_entries,
  ].join("|");
}

/** The KV key of a file's cached facts. */
export function factsKey(file: Pick<PypiFile, "sha256" | "filename">, policy: Policy): Deno.KvKey {
  return [
    "inspect-facts",
    ARTIFACT_FACTS_VERSION,
    file.sha256,
    contentPolicyKey(policy),
    file.filename.slice(0, 300),
  ];
}

/** What is cached per file: its facts, or a fact about its bytes (a digest mismatch). */
type CachedFacts =
  | { ok: true; facts: ArtifactFacts }
  | { ok: false; reason: string; detail: string };

/**
 * Judge cached facts: the content and archive rules run here, at evaluation time.
 *
 * @example
 * ```ts
 * const result = judgeFacts(facts, policy); // ContentResult with findings
 * ```
 */
export function judgeFacts(facts: ArtifactFacts, policy: Policy): ContentResult {
  return {
    ok: true,
    filename: facts.filename,
    findings: [...contentFindings(facts, policy), ...archiveFindings(facts, policy)],
    entries: facts.totals.entries,
    bytes: facts.totals.uncompressedBytes,
    metadata: facts.kind === "wheel" && facts.members.metadata
      ? {
        text: facts.members.metadata.text.slice(0, 256 * 1024),
        entryPoints: (facts.members.entryPoints?.text ?? "").slice(0, 64 * 1024),
      }
      : undefined,
    fileTypes: fileTypeSummary(facts.entries),
  };
}

/** Read cached facts (undefined when absent, of another format, or malformed). */
async function cachedFacts(ctx: JobContext, key: Deno.KvKey): Promise<CachedFacts | undefined> {
  const cached = await getJson<CachedFacts>(ctx.kv, key);
  if (!cached) return undefined;
  if (!cached.ok) return typeof cached.reason === "string" ? cached : undefined;
  const parsed = ArtifactFactsSchema.safeParse(cached.facts);
  return parsed.success ? { ok: true, facts: parsed.data } : undefined;
}

/**
 * `[state] work_dir` value for hosts without a writable filesystem (Deno Deploy): files are
 * downloaded into memory (bounded by `upstream.max_download_bytes`) and inspected there.
 */
export const NO_WORK_DIR = ":none:";

/** Allowed download hosts: the configured file hosts. */
function allowedHosts(ctx: JobContext): string[] {
  return ctx.config.upstream.file_hosts;
}

/**
 * Inspect one file (or return the cached result for its digest).
 *
 * @example
 * ```ts
 * const result = await inspectFile(file, project.policy, ctx);
 * if (result.ok) console.log(result.findings.length);
 * ```
 */
export async function inspectFile(
  file: PypiFile,
  policy: Policy,
  ctx: JobContext,
): Promise<ContentResult> {
  // Facts name the file (its kind and own .dist-info depend on it): keyed by name too.
  const key = factsKey(file, policy);
  const cached = await cachedFacts(ctx, key);
  if (cached?.ok) return judgeFacts(cached.facts, policy);
  if (cached) return { filename: file.filename, ...cached };

  const limits = limitsFromPolicy(policy);
  const options = {
    allowedHosts: allowedHosts(ctx),
    expectedSha256: file.sha256,
    maxBytes: ctx.config.upstream.max_download_bytes,
    timeoutMs: ctx.config.upstream.timeout_ms * 4,
    userAgent: USER_AGENT,
    signal: ctx.signal,
    gate: sweepGate(ctx),
  };
  if (ctx.config.state.work_dir === NO_WORK_DIR) {
    // No writable filesystem (Deno Deploy): the download stays in memory (bounded by
    // upstream.max_download_bytes) and is inspected there.
    const download = await downloadArtifactBytes(file.url, options);
    if (!download.ok) return await failed(file, download, ctx, key);
    return await collected(await inspectArtifactBytes(download.bytes, file.filename, limits));
  }
  await Deno.mkdir(ctx.config.state.work_dir, { recursive: true });
  const dir = await Deno.makeTempDir({ dir: ctx.config.state.work_dir, prefix: "dl-" });
  try {
    const dest = `${dir}/artifact`;
    const download = await downloadArtifact(file.url, { ...options, dest });
    if (!download.ok) return await failed(file, download, ctx, key);
    return await collected(await inspectArtifact(dest, file.filename, limits));
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }

  async function collected(inspection: ArchiveInspection): Promise<ContentResult> {
    const facts = factsOf(inspection);
    await setJson(ctx.kv, key, { ok: true, facts } satisfies CachedFacts);
    return judgeFacts(facts, policy);
  }
}

/** A failed download as a result; a digest mismatch is a fact about the bytes and is cached. */
async function failed(
  file: PypiFile,
  download: DownloadFailure,
  ctx: JobContext,
  key: Deno.KvKey,
): Promise<ContentResult> {
  const failure = {
    ok: false as const,
    reason: download.reason,
    detail: download.reason === "digest-mismatch"
      ? String(download.actual ?? "")
      : String(download.detail ?? download.reason).slice(0, 300),
  };
  // Transient failures are not remembered.
  if (download.reason === "digest-mismatch") await setJson(ctx.kv, key, failure);
  return { filename: file.filename, ...failure };
}

/** True when the first bytes (hex) of a member are not text: a NUL, or not UTF-8. */
export function isBinaryHead(headHex: string): boolean {
  const bytes = new Uint8Array(Math.floor(headHex.length / 2));
  for (let i = 0; i < bytes.length; i++) {
    const byte = parseInt(headHex.slice(i * 2, i * 2 + 2), 16);
    if (Number.isNaN(byte)) return true;
    bytes[i] = byte;
  }
  return isBinaryBytes(bytes);
}

/** Extension of a member path, lowercase (`.py`), `` when none or not a plain word. */
function extensionOf(path: string): string {
  const base = path.slice(path.lastIndexOf("/") + 1).toLowerCase();
  const dot = base.lastIndexOf(".");
  if (dot <= 0 || dot === base.length - 1) return "";
  const ext = base.slice(dot + 1);
  return /^[a-z0-9_]{1,16}$/.test(ext) ? `.${ext}` : ".(other)";
}

/**
 * File types of an artifact's members: one key per extension, with `+binary` when any member of
 * that extension is not text (by magic bytes or its first bytes), sorted and bounded.
 *
 * @example
 * ```ts
 * fileTypeSummary(inspection.entries); // [".py", ".wav+binary", ""]
 * ```
 */
export function fileTypeSummary(
  entries: readonly (Pick<EntryFacts, "path" | "type" | "magic" | "binary"> & { head?: string })[],
): string[] {
  const binary = new Map<string, boolean>();
  for (const entry of entries) {
    if (entry.type !== "file") continue;
    const ext = extensionOf(entry.path);
    const isBinary = entry.magic !== undefined || entry.binary === true ||
      (entry.head !== undefined && isBinaryHead(entry.head));
    binary.set(ext, (binary.get(ext) ?? false) || isBinary);
  }
  return [...binary]
    .map(([ext, bin]) => bin ? `${ext}${BINARY_SUFFIX}` : ext)
    .sort()
    .slice(0, MAX_FILE_TYPES);
}
