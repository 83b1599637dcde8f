/**
 * Small readers shared by the repo job's collectors: the "not observable" reason of a failed
 * GitHub read, and the text of a contents-API file.
 *
 * @example
 * ```ts
 * const r = await gh.get(route, params, ContentFileSchema);
 * if (!r.ok) miss(scope, unobservableReason(r));
 * else decodeContent(r.data, 256 * 1024).text;
 * ```
 * @module
 */
import type { z } from "zod";
import type { GitHubResult } from "./client.ts";
import type { ContentFileSchema } from "./schemas.ts";

type Failure = Extract<GitHubResult<unknown>, { ok: false }>;

/**
 * The `unobservable` reason of a failed read.
 *
 * @example
 * ```ts
 * unobservableReason({ ok: false, status: 403, reason: "forbidden", message: "" });
 * // "not observable with this token (403)"
 * ```
 */
export function unobservableReason(f: Failure, adminEndpoint = false): string {
  if (f.reason === "forbidden") {
    const needs = f.accepted ? `; GitHub asks for ${f.accepted}` : "";
    return `not observable with this token (${f.status}${needs})`;
  }
  if (f.reason === "not-found" && adminEndpoint) {
    return "not observable with this token (404 from an endpoint that needs admin access)";
  }
  if (f.reason === "not-found") return "not found (404)";
  if (f.reason === "not-observable") return f.message;
  return `upstream error${f.status ? ` (${f.status})` : ""}: ${f.message}`.slice(0, 500);
}

/**
 * The UTF-8 text of a contents-API file, or why it is missing (too large, not inline, not
 * UTF-8).
 *
 * @example
 * ```ts
 * decodeContent({ type: "file", path: "a", sha: "x", size: 2, encoding: "base64", content: "aGk=" }, 10);
 * // { text: "hi" }
 * ```
 */
export function decodeContent(
  file: z.infer<typeof ContentFileSchema>,
  max: number,
): { text?: string; error?: string } {
  if (file.size > max) return { error: `larger than ${max} bytes` };
  if (file.content === undefined || file.encoding !== "base64") {
    return { error: "no inline content" };
  }
  try {
    const bin = atob(file.content.replace(/\s+/g, ""));
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    if (bytes.byteLength > max) return { error: `larger than ${max} bytes` };
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    return { error: "not valid base64 / UTF-8" };
  }
}
