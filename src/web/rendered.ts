/**
 * Rendered bodies kept ready to send: the UTF-8 bytes and their gzip form, made once per
 * cache period rather than once per request.
 *
 * @module
 */
import { gzipSync } from "node:zlib";

/** A body in identity and gzip encodings. */
export interface Rendered {
  raw: Uint8Array<ArrayBuffer>;
  gzip: Uint8Array<ArrayBuffer>;
}

const utf8 = new TextEncoder();

/**
 * Encode and compress a body.
 *
 * @example
 * ```ts
 * const r = rendered("<!DOCTYPE html>...");
 * ```
 */
export function rendered(text: string): Rendered {
  const raw = utf8.encode(text);
  const gz = gzipSync(raw, { level: 6 });
  return { raw, gzip: new Uint8Array(gz.buffer, gz.byteOffset, gz.byteLength).slice() };
}

/**
 * True when an `Accept-Encoding` header accepts gzip (a `q=0` refuses it).
 *
 * @example
 * ```ts
 * acceptsGzip("br, gzip;q=0.8"); // true
 * ```
 */
export function acceptsGzip(header: string | undefined | null): boolean {
  if (!header) return false;
  for (const part of header.split(",")) {
    const [coding, ...params] = part.trim().toLowerCase().split(";");
    if (coding.trim() !== "gzip" && coding.trim() !== "*") continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    if (q === undefined || Number(q.slice(2)) > 0) return true;
  }
  return false;
}
