/**
 * HTTP validators (ETag / Last-Modified) and the cached body they validate, kept in Deno KV
 * under `["http", url]`, so that a conditional request answered `304 Not Modified` can be
 * served from the cache.
 *
 * A KV value holds at most 64 KiB, so a body is split into chunks written in one atomic
 * commit (`["http", url]` holds the metadata, `["http", url, i]` the chunks) and checked
 * against its SHA-256 on read. Bodies larger than {@link MAX_CACHED_BODY_BYTES} and URLs
 * longer than {@link MAX_CACHED_URL_BYTES} are not cached: no conditional request is possible
 * for them, so they cost a full request on every sweep.
 *
 * @example
 * ```ts
 * const kv = await Deno.openKv(":memory:");
 * await writeCached(kv, url, { etag: '"abc"', body, contentType: "application/json" });
 * const hit = await readCached(kv, url); // { etag: '"abc"', body, ... }
 * ```
 * @module
 */
import { z } from "zod";

/** Key prefix of every entry this module writes. */
export const HTTP_CACHE_PREFIX = "http";
/** Bytes per chunk (below the 64 KiB KV value limit, leaving room for the encoding). */
export const CHUNK_BYTES = 60 * 1024;
/** Largest body kept: 12 chunks, within one atomic commit (800 KiB). */
export const MAX_CACHED_BODY_BYTES = 12 * CHUNK_BYTES;
/** KV keys are limited to 2 KiB; longer URLs are not cached. */
export const MAX_CACHED_URL_BYTES = 1500;

/** One cached response. */
export interface CachedResponse {
  etag?: string;
  lastModified?: string;
  contentType: string;
  /** The `Link` header (pagination), replayed with the body on a 304. */
  link?: string;
  body: Uint8Array;
}

const MetaSchema = z.object({
  etag: z.string().max(1000).optional(),
  lastModified: z.string().max(200).optional(),
  contentType: z.string().max(200),
  link: z.string().max(4000).optional(),
  size: z.number().int().min(0).max(MAX_CACHED_BODY_BYTES),
  chunks: z.number().int().min(0).max(12),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
type Meta = z.infer<typeof MetaSchema>;

/** Why a response was not stored. */
export type CacheWriteResult = "stored" | "too-large" | "url-too-long" | "no-validator";

function metaKey(url: string): Deno.KvKey {
  return [HTTP_CACHE_PREFIX, url];
}
function chunkKey(url: string, i: number): Deno.KvKey {
  return [HTTP_CACHE_PREFIX, url, i];
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * True when the URL can be used as a cache key.
 *
 * @example
 * ```ts
 * isCacheableUrl("https://api.github.com/repos/o/r"); // true
 * ```
 */
export function isCacheableUrl(url: string): boolean {
  return new TextEncoder().encode(url).byteLength <= MAX_CACHED_URL_BYTES;
}

/**
 * Read the cached response for `url`, or undefined when absent, torn or corrupt.
 *
 * @example
 * ```ts
 * const hit = await readCached(kv, "https://api.github.com/repos/o/r");
 * if (hit?.etag) headers.set("if-none-match", hit.etag);
 * ```
 */
export async function readCached(kv: Deno.Kv, url: string): Promise<CachedResponse | undefined> {
  if (!isCacheableUrl(url)) return undefined;
  const metaEntry = await kv.get(metaKey(url));
  const parsed = MetaSchema.safeParse(metaEntry.value);
  if (!parsed.success) return undefined;
  const meta = parsed.data;
  const body = new Uint8Array(meta.size);
  let offset = 0;
  for (let start = 0; start < meta.chunks; start += 10) {
    const keys: Deno.KvKey[] = [];
    for (let i = start; i < Math.min(meta.chunks, start + 10); i++) keys.push(chunkKey(url, i));
    const entries = await kv.getMany<Uint8Array[]>(keys);
    for (const entry of entries) {
      const chunk = entry.value;
      if (!(chunk instanceof Uint8Array) || offset + chunk.byteLength > meta.size) return undefined;
      body.set(chunk, offset);
      offset += chunk.byteLength;
    }
  }
  if (offset !== meta.size || (await sha256Hex(body)) !== meta.sha256) return undefined;
  return {
    etag: meta.etag,
    lastModified: meta.lastModified,
    contentType: meta.contentType,
    link: meta.link,
    body,
  };
}

/**
 * Store a response with its validators, atomically. Returns why nothing was stored when the
 * body is too large, the URL too long, or there is no validator to send next time.
 *
 * @example
 * ```ts
 * await writeCached(kv, url, { etag: '"v1"', contentType: "application/json", body });
 * ```
 */
export async function writeCached(
  kv: Deno.Kv,
  url: string,
  response: CachedResponse,
): Promise<CacheWriteResult> {
  if (!isCacheableUrl(url)) return "url-too-long";
  if (!response.etag && !response.lastModified) return "no-validator";
  if (response.body.byteLength > MAX_CACHED_BODY_BYTES) {
    await forget(kv, url);
    return "too-large";
  }
  const previous = MetaSchema.safeParse((await kv.get(metaKey(url))).value);
  const chunks = Math.ceil(response.body.byteLength / CHUNK_BYTES);
  const meta: Meta = {
    etag: response.etag?.slice(0, 1000),
    lastModified: response.lastModified?.slice(0, 200),
    contentType: response.contentType.slice(0, 200),
    link: response.link && response.link.length <= 4000 ? response.link : undefined,
    size: response.body.byteLength,
    chunks,
    sha256: await sha256Hex(response.body),
  };
  const op = kv.atomic();
  for (let i = 0; i < chunks; i++) {
    op.set(chunkKey(url, i), response.body.slice(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES));
  }
  const oldChunks = previous.success ? previous.data.chunks : 0;
  for (let i = chunks; i < oldChunks; i++) op.delete(chunkKey(url, i));
  op.set(metaKey(url), meta);
  await op.commit();
  return "stored";
}

/**
 * Drop the cached response for `url` (metadata first, so a reader never sees a torn body).
 *
 * @example
 * ```ts
 * await forget(kv, "https://api.github.com/repos/o/r");
 * ```
 */
export async function forget(kv: Deno.Kv, url: string): Promise<void> {
  if (!isCacheableUrl(url)) return;
  const previous = MetaSchema.safeParse((await kv.get(metaKey(url))).value);
  const op = kv.atomic().delete(metaKey(url));
  const n = previous.success ? previous.data.chunks : 0;
  for (let i = 0; i < n; i++) op.delete(chunkKey(url, i));
  await op.commit();
}

/**
 * The request headers that make a GET conditional on a cached response: `If-None-Match` when
 * it has an ETag, else `If-Modified-Since` (a server ignores the latter when the former is
 * sent, RFC 9110 section 13.1.3). Empty without a cached response. The one place both HTTP
 * clients (`src/http.ts`, `src/github/client.ts`) take their validators from.
 *
 * @example
 * ```ts
 * const cached = await readCached(kv, url);
 * const response = await fetch(url, { headers: conditionalHeaders(cached) });
 * ```
 */
export function conditionalHeaders(cached: CachedResponse | undefined): Record<string, string> {
  if (cached?.etag) return { "if-none-match": cached.etag };
  if (cached?.lastModified) return { "if-modified-since": cached.lastModified };
  return {};
}

/**
 * Keep a successful response for the next conditional request: stored with the validators of its
 * headers, or, when it carries none, an earlier cached response for the URL is dropped (it
 * could never be revalidated again).
 *
 * @example
 * ```ts
 * await rememberResponse(kv, url, response.headers, body, { contentType: "application/json" });
 * ```
 */
export async function rememberResponse(
  kv: Deno.Kv,
  url: string,
  headers: Headers,
  body: Uint8Array,
  defaults: { contentType: string; keepLink?: boolean },
): Promise<CacheWriteResult> {
  const etag = headers.get("etag") ?? undefined;
  const lastModified = headers.get("last-modified") ?? undefined;
  if (!etag && !lastModified) {
    await forget(kv, url);
    return "no-validator";
  }
  return await writeCached(kv, url, {
    etag,
    lastModified,
    contentType: headers.get("content-type") ?? defaults.contentType,
    link: defaults.keepLink ? headers.get("link") ?? undefined : undefined,
    body,
  });
}
