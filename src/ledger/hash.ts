/**
 * SHA-256 helpers for the ledger: RFC 6962 leaf and interior hashes, hex and base64 codecs.
 * Hashing is synchronous: WebCrypto's async digest costs several times more per small leaf, and
 * node:crypto's hash objects cost call overhead and native memory that lingers until a GC, so
 * leaves and interior nodes use the WebAssembly SHA-256 of sha256_wasm.ts.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { MAX_WASM_MESSAGE, wasmLeaf, wasmNode } from "./sha256_wasm.ts";

/** Length of a SHA-256 hash in bytes. */
export const HASH_SIZE = 32;

/**
 * SHA-256 of the concatenation of `parts`.
 *
 * @example
 * ```ts
 * const empty = sha256(); // e3b0c442...
 * ```
 */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/**
 * RFC 6962 leaf hash: SHA-256(0x00 || data).
 *
 * @example
 * ```ts
 * const leaf = hashLeaf(new TextEncoder().encode('{"v":1}'));
 * ```
 */
export function hashLeaf(data: Uint8Array): Uint8Array {
  if (data.length < MAX_WASM_MESSAGE) return wasmLeaf(data);
  // One update of a prefixed copy is cheaper than two updates through node:crypto.
  if (leafScratch.length < data.length + 1) leafScratch = new Uint8Array(data.length + 1);
  leafScratch[0] = 0x00;
  leafScratch.set(data, 1);
  return new Uint8Array(
    createHash("sha256").update(leafScratch.subarray(0, data.length + 1)).digest(),
  );
}

/**
 * Ledger lines (up to 64 KiB) are hashed in WebAssembly. node:crypto's hash objects each hold
 * native memory until V8 happens to collect them: verifying a million entries with them peaked
 * about 70 MB higher (measured with bench/ledger_bench.ts), against a 200 MB budget.
 */
let leafScratch = new Uint8Array(4096);

/**
 * RFC 6962 interior node hash: SHA-256(0x01 || left || right).
 *
 * @example
 * ```ts
 * const parent = hashChildren(sha256(), sha256());
 * ```
 */
export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  return wasmNode(left, right);
}

/** Lowercase hex encoding. @example `toHex(new Uint8Array([1, 255])) === "01ff"` */
export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]];
  return s;
}
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Decode lowercase or uppercase hex; throws on odd length or bad digits. @example `fromHex("01ff")` */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new Error("invalid hex");
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Standard base64 (with padding). @example `toBase64(new Uint8Array([1]))` is `"AQ=="` */
export function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

/**
 * Strict standard base64 decoding: rejects non-canonical encodings (re-encoding must give the
 * same text), so that one key or signature has exactly one spelling.
 *
 * @example
 * ```ts
 * fromBase64("AQ=="); // Uint8Array [1]
 * ```
 */
export function fromBase64(text: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
    throw new Error("invalid base64");
  }
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  if (toBase64(out) !== text) throw new Error("non-canonical base64");
  return out;
}

/** Constant-length byte equality. @example `bytesEqual(a, b)` */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}
