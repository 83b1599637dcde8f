/**
 * A bounded look inside a compressed member (gzip, ZIP, tar): does it hold a distribution,
 * code, native binaries or further archives, or only data (botocore's `.json.gz`, music21's
 * `.mxl`, numpy's `.npz`)? Reads at most the first {@link SNIFF_HEAD_BYTES} and the last
 * {@link SNIFF_TAIL_BYTES} of the member and inflates at most {@link SNIFF_INFLATE_BYTES}.
 *
 * @example
 * ```ts
 * const inner = sniffInner(head, tail, size);
 * inner?.holds; // [] for data, ["code"] for a zip of .py files
 * ```
 * @module
 */
import { gunzipSync, inflateRawSync } from "node:zlib";
import type { InnerFacts } from "../observations/artifact.ts";
import { detectMagic } from "./magic.ts";

/** Bytes kept from the start of a compressed member. */
export const SNIFF_HEAD_BYTES = 1024 * 1024;
/** Bytes kept from the end of a ZIP member (its central directory). */
export const SNIFF_TAIL_BYTES = 64 * 1024;
/** Most bytes inflated from a gzip member's start. */
export const SNIFF_INFLATE_BYTES = 256 * 1024;

const DIST = /(^|\/)[^/]+\.(dist-info|egg-info)(\/|$)|(^|\/)(PKG-INFO|setup\.py|pyproject\.toml)$/i;
const CODE = /\.(py|pyc|pyo|pyw|pth|pyi|sh|bat|cmd|ps1|js|exe|jar|class)$/i;
const NATIVE = /\.(so(\.\d+)*|pyd|dll|dylib)$/i;
const ARCHIVE = /\.(whl|egg|zip|tar|tgz|tar\.gz|tar\.bz2|tar\.xz)$/i;

type Holds = InnerFacts["holds"][number];

/** Classes of content an inner name suggests. */
function classifyName(name: string, holds: Set<Holds>): void {
  if (DIST.test(name)) holds.add("distribution");
  if (CODE.test(name)) holds.add("code");
  if (NATIVE.test(name)) holds.add("native");
  if (ARCHIVE.test(name)) holds.add("archive");
}

/** Classes the first bytes of an inner file suggest. */
function classifyBytes(head: Uint8Array, holds: Set<Holds>): void {
  const magic = detectMagic(head);
  if (magic === "zip" || magic === "gzip") holds.add("archive");
  else if (magic) holds.add("native");
  else if (head[0] === 0x23 && head[1] === 0x21) holds.add("code"); // "#!" script
}

function result(
  format: InnerFacts["format"],
  holds: Set<Holds>,
  complete: boolean,
  names: string[],
): InnerFacts {
  return {
    format,
    holds: [...holds].sort(),
    complete,
    sample: names.slice(0, 5).map((n) => n.slice(0, 300)),
  };
}

const u16 = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
const u32 = (b: Uint8Array, o: number) =>
  (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 0x1000000;
const latin1 = new TextDecoder("latin1");

/** Names of a ZIP from its central directory (in `tail`) or, failing that, its local headers. */
function zipNames(head: Uint8Array, tail: Uint8Array, whole: boolean): {
  names: string[];
  complete: boolean;
  contents: Uint8Array[];
} {
  const names: string[] = [];
  const contents: Uint8Array[] = [];
  // Central directory records in the tail.
  let complete = false;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (u32(tail, i) !== 0x06054b50) continue;
    const cdSize = u32(tail, i + 12);
    let p = i - cdSize;
    if (p < 0) break;
    while (p + 46 <= i && u32(tail, p) === 0x02014b50 && names.length < 100_000) {
      const n = u16(tail, p + 28);
      names.push(latin1.decode(tail.subarray(p + 46, p + 46 + n)));
      p += 46 + n + u16(tail, p + 30) + u16(tail, p + 32);
    }
    complete = p === i;
    break;
  }
  // Local headers in the head: names, and the first bytes of stored or deflated members.
  const local: string[] = [];
  for (let p = 0; p + 30 <= head.length && u32(head, p) === 0x04034b50;) {
    const method = u16(head, p + 8);
    const csize = u32(head, p + 18);
    const n = u16(head, p + 26);
    const x = u16(head, p + 28);
    local.push(latin1.decode(head.subarray(p + 30, p + 30 + n)));
    const data = head.subarray(p + 30 + n + x, Math.min(head.length, p + 30 + n + x + csize));
    if (method === 0) contents.push(data.subarray(0, 4096));
    else if (method === 8) {
      const out = boundedInflate(data, true);
      if (out) contents.push(out.subarray(0, 4096));
    }
    if (u16(head, p + 6) & 8 || csize === 0xffffffff) break; // sizes unknown: stop walking
    p += 30 + n + x + csize;
  }
  if (names.length === 0) return { names: local, complete: whole && local.length > 0, contents };
  return { names, complete, contents };
}

/**
 * Inflate a prefix of a deflate (raw) or gzip stream to at most {@link SNIFF_INFLATE_BYTES}:
 * node:zlib throws when the output would exceed its bound, so a shorter input prefix is
 * tried (halving, at most 12 tries). Undefined when nothing could be inflated.
 */
export function boundedInflate(data: Uint8Array, raw: boolean): Uint8Array | undefined {
  const fn = raw ? inflateRawSync : gunzipSync;
  let length = Math.min(data.length, SNIFF_HEAD_BYTES);
  for (let tries = 0; tries < 12 && length >= 18; tries++) {
    try {
      return fn(data.subarray(0, length), {
        finishFlush: 2, // Z_SYNC_FLUSH: a prefix yields what it holds
        maxOutputLength: SNIFF_INFLATE_BYTES,
      });
    } catch {
      length = Math.floor(length / 2);
    }
  }
  return undefined;
}

/** Names of a tar from its headers in `bytes` (a prefix of the tar stream). */
function tarNames(bytes: Uint8Array): { names: string[]; contents: Uint8Array[] } {
  const names: string[] = [];
  const contents: Uint8Array[] = [];
  for (let p = 0; p + 512 <= bytes.length && names.length < 10_000;) {
    const header = bytes.subarray(p, p + 512);
    if (header.every((b) => b === 0)) break;
    const nul = header.indexOf(0);
    const name = latin1.decode(header.subarray(0, nul >= 0 && nul < 100 ? nul : 100));
    const prefixEnd = header.indexOf(0, 345);
    const prefix = latin1.decode(
      header.subarray(345, prefixEnd >= 345 && prefixEnd < 500 ? prefixEnd : 500),
    );
    const size = parseInt(latin1.decode(header.subarray(124, 136)).replace(/\0.*$/, "").trim(), 8);
    names.push(prefix ? `${prefix}/${name}` : name);
    if (!Number.isFinite(size) || size < 0) break;
    contents.push(bytes.subarray(p + 512, p + 512 + Math.min(size, 4096)));
    p += 512 + Math.ceil(size / 512) * 512;
  }
  return { names, contents };
}

function isTar(bytes: Uint8Array): boolean {
  return bytes.length >= 263 && latin1.decode(bytes.subarray(257, 262)) === "ustar";
}

/**
 * Look inside a compressed member. `head` is its first bytes (up to {@link SNIFF_HEAD_BYTES}),
 * `tail` its last bytes (up to {@link SNIFF_TAIL_BYTES}), `size` its full size. Undefined when
 * the member is not a container this module knows.
 *
 * @example
 * ```ts
 * sniffInner(gzipOfJson, gzipOfJson, gzipOfJson.length); // { format: "gzip", holds: [], ... }
 * ```
 */
export function sniffInner(
  head: Uint8Array,
  tail: Uint8Array,
  size: number,
): InnerFacts | undefined {
  const magic = detectMagic(head);
  const holds = new Set<Holds>();
  if (magic === "zip") {
    const whole = size <= head.length;
    const { names, complete, contents } = zipNames(head, whole ? head : tail, whole);
    for (const n of names) classifyName(n, holds);
    for (const c of contents) classifyBytes(c, holds);
    return result(names.length ? "zip" : "unknown", holds, complete, names);
  }
  if (magic === "gzip") {
    const inner = boundedInflate(head, false);
    if (!inner) return result("unknown", holds, false, []);
    if (isTar(inner)) {
      const { names, contents } = tarNames(inner);
      for (const n of names) classifyName(n, holds);
      for (const c of contents) classifyBytes(c, holds);
      return result("tar", holds, false, names);
    }
    classifyBytes(inner.subarray(0, 4096), holds);
    return result("gzip", holds, true, []);
  }
  if (isTar(head)) {
    const { names, contents } = tarNames(head);
    for (const n of names) classifyName(n, holds);
    for (const c of contents) classifyBytes(c, holds);
    return result("tar", holds, size <= head.length, names);
  }
  return undefined;
}
