/**
 * Content inspection of one PyPI file, memoized per digest: download (allowed hosts only,
 * digest checked while streaming), inspect the archive, run the content rules, and keep the
 * result in KV so that a digest is inspected once, ever (per content policy).
 *
 * @module
 */
import type { Policy } from "../src/config.ts";
import type { JobContext } from "./types.ts";
import type { ContentResult, PypiFile } from "./pypi_types.ts";
import { ContentResultSchema } from "./pypi_types.ts";
import { getJson, setJson } from "../src/state/blob.ts";
import { downloadArtifact } from "../src/download.ts";
import { inspectArtifact, limitsFromPolicy } from "../src/inspect/mod.ts";
import { contentFindings } from "../rules/content.ts";
import { archiveFindings } from "../rules/archive.ts";
import { USER_AGENT } from "../src/http.ts";

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
  if (cached && ContentResultSchema.safeParse(cached).success) return cached;

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
    };
    await setJson(ctx.kv, key, result);
    return result;
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
