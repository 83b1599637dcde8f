/**
 * Content inspection of one PyPI file, memoized per digest: download (allowed hosts only,
 * digest checked while streaming), inspect the archive, run the content rules, and keep the
 * result in KV so that a digest is inspected once, ever (per content policy).
 *
 * @module
 */
import type { Policy } from "../src/config.ts";
import type { JobContext } from "../src/observations/job.ts";
import type { ContentResult, PypiFile } from "../src/observations/pypi.ts";
import { ContentResultSchema } from "../src/observations/pypi.ts";
import { getJson, setJson } from "../src/state/blob.ts";
import { downloadArtifact } from "../src/download.ts";
import { sweepGate } from "./clients.ts";
import { inspectArtifact, limitsFromPolicy } from "../src/inspect/mod.ts";
import { contentFindings } from "../rules/content.ts";
import { archiveFindings } from "../rules/archive.ts";
import { USER_AGENT } from "../src/http.ts";
import type { EntryInfo } from "../src/inspect/types.ts";
import { MAX_FILE_TYPES } from "../src/observations/pypi.ts";
import { BINARY_SUFFIX } from "../src/observations/pypi.ts";

/** The policy fields that change what content rules report; part of the cache key. */
export function contentPolicyKey(policy: Policy): string {
  return [
    policy.artifacts,
    policy.max_uncompressed_bytes,
    policy.max_compression_ratio,
    policy.max_entries,
  ].join("|");
}

/**
 * `[state] work_dir` value for hosts without a writable filesystem (Deno Deploy): files are not
 * downloaded; a digest is inspected only if KV already holds its result (filled by a run that
 * has a scratch folder, e.g. the CI job writing to the same KV), otherwise it is not observable.
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
  // Findings name the file, so the same bytes under another name are judged again.
  const key = ["inspect", file.sha256, contentPolicyKey(policy), file.filename.slice(0, 300)];
  const cached = await getJson<ContentResult>(ctx.kv, key);
  // A result cached before file types were summarized is inspected again, once.
  const complete = cached && (!cached.ok || cached.fileTypes !== undefined);
  if (complete && ContentResultSchema.safeParse(cached).success) return cached;

  if (ctx.config.state.work_dir === NO_WORK_DIR) {
    // No writable filesystem (Deno Deploy): only results already cached in KV are known.
    return { ok: false, filename: file.filename, reason: "no-work-dir", detail: NO_WORK_DIR };
  }
  await Deno.mkdir(ctx.config.state.work_dir, { recursive: true });
  const dir = await Deno.makeTempDir({ dir: ctx.config.state.work_dir, prefix: "dl-" });
  try {
    const dest = `${dir}/artifact`;
    const download = await downloadArtifact(file.url, {
      allowedHosts: allowedHosts(ctx),
      expectedSha256: file.sha256,
      maxBytes: ctx.config.upstream.max_download_bytes,
      timeoutMs: ctx.config.upstream.timeout_ms * 4,
      userAgent: USER_AGENT,
      dest,
      signal: ctx.signal,
      gate: sweepGate(ctx),
    });
    if (!download.ok) {
      const result: ContentResult = {
        ok: false,
        filename: file.filename,
        reason: download.reason,
        detail: download.reason === "digest-mismatch"
          ? String(download.actual ?? "")
          : String(download.detail ?? download.reason).slice(0, 300),
      };
      // A digest mismatch is a fact about these bytes: remember it. Transient failures are not.
      if (download.reason === "digest-mismatch") await setJson(ctx.kv, key, result);
      return result;
    }
    const inspection = await inspectArtifact(dest, file.filename, limitsFromPolicy(policy));
    const findings = [
      ...contentFindings(inspection, policy),
      ...archiveFindings(inspection, policy),
    ];
    const result: ContentResult = {
      ok: true,
      filename: file.filename,
      findings,
      entries: inspection.totals.entries,
      bytes: inspection.totals.uncompressedBytes,
      metadata: inspection.kind === "wheel" && inspection.members.metadata
        ? {
          text: inspection.members.metadata.text.slice(0, 256 * 1024),
          entryPoints: (inspection.members.entryPoints?.text ?? "").slice(0, 64 * 1024),
        }
        : undefined,
      fileTypes: fileTypeSummary(inspection.entries),
    };
    await setJson(ctx.kv, key, result);
    return result;
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** True when the first bytes (hex) of a member are not text: a NUL, or not UTF-8. */
export function isBinaryHead(headHex: string): boolean {
  const bytes = new Uint8Array(Math.floor(headHex.length / 2));
  for (let i = 0; i < bytes.length; i++) {
    const byte = parseInt(headHex.slice(i * 2, i * 2 + 2), 16);
    if (Number.isNaN(byte)) return true;
    bytes[i] = byte;
  }
  if (bytes.includes(0)) return true;
  // The head may end inside a multi-byte character: decode in streaming mode.
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes, { stream: true });
    return false;
  } catch {
    return true;
  }
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
  entries: readonly Pick<EntryInfo, "path" | "type" | "head" | "magic">[],
): string[] {
  const binary = new Map<string, boolean>();
  for (const entry of entries) {
    if (entry.type !== "file") continue;
    const ext = extensionOf(entry.path);
    const isBinary = entry.magic !== undefined ||
      (entry.head !== undefined && isBinaryHead(entry.head));
    binary.set(ext, (binary.get(ext) ?? false) || isBinary);
  }
  return [...binary]
    .map(([ext, bin]) => bin ? `${ext}${BINARY_SUFFIX}` : ext)
    .sort()
    .slice(0, MAX_FILE_TYPES);
}
