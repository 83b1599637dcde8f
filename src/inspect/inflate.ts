/**
 * A small synchronous inflater (raw DEFLATE, RFC 1951) for tiny ZIP members, written to the
 * RFC and as strict as zlib (over-subscribed or incomplete codes, distances too far back,
 * bad stored lengths and unknown symbols are errors). It decodes bit by bit and allocates
 * nothing per call, which for members of a few hundred bytes is several times cheaper than
 * building lookup tables (fflate) or a native stream (node:zlib) per member.
 *
 * @example
 * ```ts
 * const out = new Uint8Array(101);
 * const n = inflateRawInto(deflated, out); // throws InflateError on a bad stream
 * ```
 * @module
 */

/** A DEFLATE stream that is invalid, truncated, or larger than the output buffer. */
export class InflateError extends Error {
  constructor(message: string, readonly overflow = false) {
    super(message);
    this.name = "InflateError";
  }
}

const LENGTH_BASE = [
  3,
  4,
  5,
  6,
  7,
  8,
  9,
  10,
  11,
  13,
  15,
  17,
  19,
  23,
  27,
  31,
  35,
  43,
  51,
  59,
  67,
  83,
  99,
  115,
  131,
  163,
  195,
  227,
  258,
];
const LENGTH_EXTRA = [
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  1,
  1,
  1,
  1,
  2,
  2,
  2,
  2,
  3,
  3,
  3,
  3,
  4,
  4,
  4,
  4,
  5,
  5,
  5,
  5,
  0,
];
const DIST_BASE = [
  1,
  2,
  3,
  4,
  5,
  7,
  9,
  13,
  17,
  25,
  33,
  49,
  65,
  97,
  129,
  193,
  257,
  385,
  513,
  769,
  1025,
  1537,
  2049,
  3073,
  4097,
  6145,
  8193,
  12289,
  16385,
  24577,
];
const DIST_EXTRA = [
  0,
  0,
  0,
  0,
  1,
  1,
  2,
  2,
  3,
  3,
  4,
  4,
  5,
  5,
  6,
  6,
  7,
  7,
  8,
  8,
  9,
  9,
  10,
  10,
  11,
  11,
  12,
  12,
  13,
  13,
];
const CODE_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** Bits of the direct lookup table of each code (longer codes are decoded bit by bit). */
const FAST_BITS = 9;

/**
 * A canonical Huffman code: how many codes of each length, the symbols in code order, and a
 * lookup table by the next {@link FAST_BITS} input bits: `symbol << 4 | length`, 0 for none.
 */
interface Code {
  count: Uint16Array;
  symbol: Uint16Array;
  fast: Uint16Array;
}

const newCode = (symbols: number): Code => ({
  count: new Uint16Array(16),
  symbol: new Uint16Array(symbols),
  fast: new Uint16Array(1 << FAST_BITS),
});

/** What a code-length set may be (zlib's rules differ for the code-length code). */
const enum Kind {
  CodeLengths,
  Other,
}

/**
 * Fill `code` from `lengths[0..n)`; throws when over-subscribed, or incomplete (allowed, as
 * in zlib, only for a literal/length or distance code whose longest length is 1, and for an
 * empty distance code).
 */
function build(code: Code, lengths: Uint8Array, start: number, n: number, kind: Kind): void {
  const count = code.count;
  count.fill(0);
  code.fast.fill(0);
  for (let s = 0; s < n; s++) count[lengths[start + s]]++;
  if (count[0] === n) {
    if (kind === Kind.CodeLengths) throw new InflateError("empty code lengths code");
    return;
  }
  let max = 15;
  while (count[max] === 0) max--;
  let left = 1;
  for (let len = 1; len <= 15; len++) {
    left = (left << 1) - count[len];
    if (left < 0) throw new InflateError("over-subscribed code");
  }
  if (left > 0 && (kind === Kind.CodeLengths || max !== 1)) {
    throw new InflateError("incomplete code");
  }
  const offs = OFFSETS;
  offs[1] = 0;
  for (let len = 1; len < 15; len++) offs[len + 1] = offs[len] + count[len];
  for (let s = 0; s < n; s++) {
    const len = lengths[start + s];
    if (len !== 0) code.symbol[offs[len]++] = s;
  }
  // Canonical codes, in order of length then symbol; stored bit-reversed (DEFLATE sends a
  // Huffman code from its most significant bit, into the low bits of the bit buffer).
  const next = OFFSETS;
  next[1] = 0;
  for (let len = 1; len < 15; len++) next[len + 1] = (next[len] + count[len]) << 1;
  for (let s = 0; s < n; s++) {
    const len = lengths[start + s];
    if (len === 0) continue;
    const c = next[len]++;
    if (len > FAST_BITS) continue;
    let reversed = 0;
    for (let b = 0; b < len; b++) reversed |= ((c >> b) & 1) << (len - 1 - b);
    for (let k = reversed; k < 1 << FAST_BITS; k += 1 << len) code.fast[k] = (s << 4) | len;
  }
}

const OFFSETS = new Uint16Array(16);
const LENGTHS = new Uint8Array(320);
const LIT = newCode(288);
const DIST = newCode(32);
const CLEN = newCode(19);
const FIXED_LIT = newCode(288);
const FIXED_DIST = newCode(32);
{
  const l = new Uint8Array(288);
  l.fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288);
  build(FIXED_LIT, l, 0, 288, Kind.Other);
  // The fixed distance code has 30 valid symbols of 32 five-bit codes (30 and 31 are errors).
  build(FIXED_DIST, l.fill(5, 0, 32), 0, 32, Kind.Other);
}

/**
 * Inflate the raw DEFLATE stream `input` into `out`; returns the number of bytes written.
 * Throws {@link InflateError} for an invalid or truncated stream, and (with `overflow` set)
 * when the content does not fit in `out`. Bytes after the final block are ignored.
 *
 * @example
 * ```ts
 * const out = new Uint8Array(declaredSize + 1); // one byte of room tells a lying size
 * const n = inflateRawInto(compressed, out);
 * ```
 */
export function inflateRawInto(input: Uint8Array, out: Uint8Array): number {
  let pos = 0;
  let bitBuf = 0;
  let bitCount = 0;
  let at = 0;
  const bits = (n: number): number => {
    while (bitCount < n) {
      if (pos >= input.length) throw new InflateError("unexpected end of stream");
      bitBuf |= input[pos++] << bitCount;
      bitCount += 8;
    }
    const v = bitBuf & ((1 << n) - 1);
    bitBuf >>>= n;
    bitCount -= n;
    return v;
  };
  const decode = (code: Code): number => {
    while (bitCount < FAST_BITS && pos < input.length) {
      bitBuf |= input[pos++] << bitCount;
      bitCount += 8;
    }
    const hit = code.fast[bitBuf & ((1 << FAST_BITS) - 1)];
    if (hit !== 0 && (hit & 15) <= bitCount) {
      bitBuf >>>= hit & 15;
      bitCount -= hit & 15;
      return hit >> 4;
    }
    let c = 0;
    let first = 0;
    let index = 0;
    for (let len = 1; len <= 15; len++) {
      if (bitCount === 0) {
        if (pos >= input.length) throw new InflateError("unexpected end of stream");
        bitBuf = input[pos++];
        bitCount = 8;
      }
      c |= bitBuf & 1;
      bitBuf >>>= 1;
      bitCount--;
      const count = code.count[len];
      if (c - first < count) return code.symbol[index + c - first];
      index += count;
      first = (first + count) << 1;
      c <<= 1;
    }
    throw new InflateError("invalid code");
  };
  const overflow = () => new InflateError("content exceeds the output buffer", true);
  let final = 0;
  while (!final) {
    final = bits(1);
    const type = bits(2);
    if (type === 0) {
      // To the byte boundary; whole bytes read ahead by the lookup go back to the input.
      pos -= bitCount >> 3;
      bitBuf = 0;
      bitCount = 0;
      if (pos + 4 > input.length) throw new InflateError("unexpected end of stream");
      const len = input[pos] | (input[pos + 1] << 8);
      const nlen = input[pos + 2] | (input[pos + 3] << 8);
      pos += 4;
      if (len !== (~nlen & 0xffff)) throw new InflateError("invalid stored block lengths");
      if (pos + len > input.length) throw new InflateError("unexpected end of stream");
      if (at + len > out.length) throw overflow();
      out.set(input.subarray(pos, pos + len), at);
      pos += len;
      at += len;
      continue;
    }
    let lit: Code;
    let dist: Code;
    if (type === 1) {
      lit = FIXED_LIT;
      dist = FIXED_DIST;
    } else if (type === 2) {
      const nlen = bits(5) + 257;
      const ndist = bits(5) + 1;
      const ncode = bits(4) + 4;
      if (nlen > 286 || ndist > 30) throw new InflateError("too many length or distance symbols");
      LENGTHS.fill(0, 0, 19);
      for (let i = 0; i < ncode; i++) LENGTHS[CODE_ORDER[i]] = bits(3);
      build(CLEN, LENGTHS, 0, 19, Kind.CodeLengths);
      for (let i = 0; i < nlen + ndist;) {
        const sym = decode(CLEN);
        if (sym < 16) {
          LENGTHS[i++] = sym;
          continue;
        }
        let value = 0;
        let repeat: number;
        if (sym === 16) {
          if (i === 0) throw new InflateError("invalid bit length repeat");
          value = LENGTHS[i - 1];
          repeat = 3 + bits(2);
        } else if (sym === 17) repeat = 3 + bits(3);
        else repeat = 11 + bits(7);
        if (i + repeat > nlen + ndist) throw new InflateError("invalid bit length repeat");
        while (repeat--) LENGTHS[i++] = value;
      }
      if (LENGTHS[256] === 0) throw new InflateError("missing end-of-block code");
      build(LIT, LENGTHS, 0, nlen, Kind.Other);
      build(DIST, LENGTHS, nlen, ndist, Kind.Other);
      lit = LIT;
      dist = DIST;
    } else throw new InflateError("invalid block type");
    while (true) {
      const sym = decode(lit);
      if (sym < 256) {
        if (at >= out.length) throw overflow();
        out[at++] = sym;
        continue;
      }
      if (sym === 256) break;
      const li = sym - 257;
      if (li >= 29) throw new InflateError("invalid literal/length code");
      const len = LENGTH_BASE[li] + bits(LENGTH_EXTRA[li]);
      const di = decode(dist);
      if (di >= 30) throw new InflateError("invalid distance code");
      const d = DIST_BASE[di] + bits(DIST_EXTRA[di]);
      if (d > at) throw new InflateError("invalid distance too far back");
      if (at + len > out.length) throw overflow();
      for (let k = 0; k < len; k++, at++) out[at] = out[at - d];
    }
  }
  return at;
}
