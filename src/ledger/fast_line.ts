/**
 * A byte-level check that a stored ledger line is a valid entry in RFC 8785 canonical form, for
 * the subset the ledger writes (integers only, no floats), without JSON.parse and re-serializing.
 * It is one-sided: it answers "valid" only when {@link parseLine} would accept the line with the
 * same fields, and "unsure" otherwise (anything unusual: escapes other than the canonical ones,
 * non-ASCII keys, deep nesting, long integers, a time not seen before that fails, any error).
 * The caller then runs parseLine, which decides and words the error. tests/ledger/fast_line_test.ts
 * compares the two on random and mutated lines.
 *
 * @module
 */

const Q = 0x22; // "
const BS = 0x5c; // \
/** Deepest body nesting the fast path takes (parseLine allows 32). */
const FAST_DEPTH = 30;

/** `{"body":` */
const HEAD = ascii('{"body":');
const INDEX = ascii(',"index":');
const KIND = ascii(',"kind":"');
const ORIGIN = ascii('","origin":"');
const PREV = ascii('","prev":"');
const TIME = ascii('","time":"');
const TAIL = ascii('","v":1}');

function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/** Scratch for the key comparison: where the previous key of each open object starts and ends. */
const keyStart = new Int32Array(FAST_DEPTH + 2);
const keyEnd = new Int32Array(FAST_DEPTH + 2);

/**
 * The line being checked. Each function reads it into a local `d` once: a module-level `let`
 * read per byte costs a context load and a hole check every time.
 */
let buf: Uint8Array = new Uint8Array(0);
/** The special-bytes bitmap of `buf` given to {@link fastCheckLine}, or null. */
let spec: Int32Array | null = null;

/** 1 for the bytes a string holds as they are: ASCII from 0x20 but the quote and the backslash. */
const PLAIN = new Uint8Array(256);
for (let c = 0x20; c < 0x80; c++) if (c !== Q && c !== BS) PLAIN[c] = 1;

function literal(at: number, text: Uint8Array): number {
  const d = buf;
  for (let i = 0; i < text.length; i++) if (d[at + i] !== text[i]) return -1;
  return at + text.length;
}

/** End of a canonical string starting at the quote at `at`, or -1. */
function string(at: number, end: number, key: boolean): number {
  const d = buf;
  const sp = spec;
  let p = at + 1;
  for (;;) {
    // Plain bytes never include an LF, so this stops at the end of a line; bytes past `end`
    // are not taken (a string that runs past it is rejected below or by the caller).
    if (sp === null) { while (PLAIN[d[p]] === 1) p++; }
    else {
      // The next set bit from p (every bit from the data's end on is set).
      let w = p >>> 5;
      let bits = sp[w] & (-1 << (p & 31));
      while (bits === 0) bits = sp[++w];
      p = (w << 5) + 31 - Math.clz32(bits & -bits);
    }
    if (p >= end) return -1;
    const c = d[p];
    if (c === Q) return p + 1;
    if (c === BS) {
      if (key) return -1;
      const e = d[p + 1];
      if (
        e === Q || e === BS || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74
      ) {
        p += 2;
        continue;
      }
      // \u00XX for the control characters without a short escape, lowercase hex.
      if (e !== 0x75 || d[p + 2] !== 0x30 || d[p + 3] !== 0x30) return -1;
      const h = d[p + 4];
      const l = d[p + 5];
      if (h !== 0x30 && h !== 0x31) return -1;
      const lv = l >= 0x30 && l <= 0x39 ? l - 0x30 : l >= 0x61 && l <= 0x66 ? l - 0x57 : -1;
      if (lv < 0) return -1;
      const v = (h - 0x30) * 16 + lv;
      if (v === 8 || v === 9 || v === 10 || v === 12 || v === 13) return -1;
      p += 6;
      continue;
    }
    if (c < 0x80 || key) return -1; // a control character, or non-ASCII in a key
    p = utf8(p, end);
    if (p < 0) return -1;
  }
}

/** End of one strictly valid UTF-8 sequence (no surrogates, no overlongs) at `p`, or -1. */
function utf8(p: number, end: number): number {
  const d = buf;
  const c = d[p];
  const cont = (i: number) => i < end && (d[i] & 0xc0) === 0x80;
  if (c >= 0xc2 && c <= 0xdf) return cont(p + 1) ? p + 2 : -1;
  if (c >= 0xe0 && c <= 0xef) {
    const c1 = d[p + 1];
    if (c === 0xe0 && c1 < 0xa0) return -1;
    if (c === 0xed && c1 > 0x9f) return -1;
    return cont(p + 1) && cont(p + 2) ? p + 3 : -1;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const c1 = d[p + 1];
    if (c === 0xf0 && c1 < 0x90) return -1;
    if (c === 0xf4 && c1 > 0x8f) return -1;
    return cont(p + 1) && cont(p + 2) && cont(p + 3) ? p + 4 : -1;
  }
  return -1;
}

/** End of a canonical safe integer at `at` (no -0, no fraction or exponent), or -1. */
function integer(at: number, end: number): number {
  const d = buf;
  let p = at;
  if (d[p] === 0x2d) p++;
  const first = p;
  if (d[p] === 0x30) {
    if (p !== at) return -1; // -0
    p++;
  } else {
    // Accumulating in a double is exact up to 2^53 and stays above the limit beyond it.
    let n = 0;
    while (p < end && d[p] >= 0x30 && d[p] <= 0x39) n = n * 10 + (d[p++] - 0x30);
    if (p === first || p - first > 16 || n > Number.MAX_SAFE_INTEGER) return -1;
  }
  const c = d[p];
  if (c === 0x2e || c === 0x65 || c === 0x45 || (c >= 0x30 && c <= 0x39)) return -1;
  return p;
}

/** Key bytes [a, aEnd) sort strictly after [b, bEnd) (ASCII: bytes order as UTF-16 does). */
function after(a: number, aEnd: number, b: number, bEnd: number): boolean {
  const d = buf;
  const n = Math.min(aEnd - a, bEnd - b);
  for (let i = 0; i < n; i++) {
    if (d[a + i] !== d[b + i]) return d[a + i] > d[b + i];
  }
  return aEnd - a > bEnd - b;
}

function value(at: number, end: number, depth: number): number {
  const d = buf;
  const c = d[at];
  if (c === Q) return string(at, end, false);
  if (c === 0x7b) return object(at, end, depth);
  if (c === 0x5b) {
    if (depth >= FAST_DEPTH) return -1;
    let p = at + 1;
    if (d[p] === 0x5d) return p + 1;
    for (;;) {
      p = value(p, end, depth + 1);
      if (p < 0 || p >= end) return -1;
      if (d[p] === 0x5d) return p + 1;
      if (d[p] !== 0x2c) return -1;
      p++;
    }
  }
  if (c === 0x74) {
    return d[at + 1] === 0x72 && d[at + 2] === 0x75 && d[at + 3] === 0x65 ? at + 4 : -1;
  }
  if (c === 0x66) {
    return d[at + 1] === 0x61 && d[at + 2] === 0x6c && d[at + 3] === 0x73 && d[at + 4] === 0x65
      ? at + 5
      : -1;
  }
  if (c === 0x6e) {
    return d[at + 1] === 0x75 && d[at + 2] === 0x6c && d[at + 3] === 0x6c ? at + 4 : -1;
  }
  if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return integer(at, end);
  return -1;
}

function object(at: number, end: number, depth: number): number {
  const d = buf;
  if (depth >= FAST_DEPTH) return -1;
  let p = at + 1;
  if (d[p] === 0x7d) return p + 1;
  let first = true;
  for (;;) {
    if (d[p] !== Q) return -1;
    const k = p + 1;
    const kEnd = string(p, end, true);
    if (kEnd < 0) return -1;
    if (!first && !after(k, kEnd - 1, keyStart[depth], keyEnd[depth])) return -1;
    first = false;
    keyStart[depth] = k;
    keyEnd[depth] = kEnd - 1;
    if (d[kEnd] !== 0x3a) return -1;
    p = value(kEnd + 1, end, depth + 1);
    if (p < 0 || p >= end) return -1;
    if (d[p] === 0x7d) return p + 1;
    if (d[p] !== 0x2c) return -1;
    p++;
  }
}

/**
 * The byte that two lowercase hex digits `a`, `b` spell, at `a << 8 | b`; -1 for any other pair
 * of bytes. Exported for decoding digits this check accepted.
 */
export const HEX_PAIR = new Int16Array(65536).fill(-1);
for (let a = 0; a < 16; a++) {
  for (let b = 0; b < 16; b++) {
    HEX_PAIR[("0123456789abcdef".charCodeAt(a) << 8) | "0123456789abcdef".charCodeAt(b)] = a * 16 +
      b;
  }
}

const isLower = (c: number) => c >= 0x61 && c <= 0x7a;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/** `[a-z]+(\.[a-z_]+)+` followed by a quote; returns the quote's offset or -1. */
function kind(at: number, end: number): number {
  const d = buf;
  let p = at;
  while (p < end && isLower(d[p])) p++;
  if (p === at) return -1;
  let groups = 0;
  while (d[p] === 0x2e) {
    const s = ++p;
    while (p < end && (isLower(d[p]) || d[p] === 0x5f)) p++;
    if (p === s) return -1;
    groups++;
  }
  return groups > 0 && d[p] === Q ? p : -1;
}

/** The last time (24 bytes) found valid; `lastTimeValid` once there is one. */
const lastTime = new Uint8Array(24);
let lastTimeValid = false;
const TIME_SHAPE = "dddd-dd-ddTdd:dd:dd.dddZ";

function time(at: number): boolean {
  const d = buf;
  if (lastTimeValid) {
    let i = 0;
    while (i < 24 && d[at + i] === lastTime[i]) i++;
    if (i === 24) return true; // the same bytes as a time already found valid
  }
  for (let i = 0; i < 24; i++) {
    const c = d[at + i];
    const shape = TIME_SHAPE.charCodeAt(i);
    if (shape === 0x64 ? !isDigit(c) : c !== shape) return false;
  }
  const text = String.fromCharCode(...d.subarray(at, at + 24));
  const t = new Date(text);
  if (Number.isNaN(t.getTime()) || t.toISOString() !== text) return false;
  lastTime.set(d.subarray(at, at + 24));
  lastTimeValid = true;
  return true;
}

/**
 * Check the line that starts at `data[start]` and ends at the first LF or at `end`, as entry
 * `index` of `origin` (printable ASCII, the encoded form given as `originBytes`). Returns the
 * line's end (the offset of its LF, or `end`) when the line is certainly valid and canonical, or
 * -1 when unsure (then call parseLine). Its `prev` digits are the {@link PREV_FROM_END} bytes
 * before the end. Scanning never passes an LF: no token may contain one. `specials`, when given,
 * is the bitmap of `data`'s special bytes from sha256_wasm.ts's `wasmSpecials` (for the same,
 * unchanged bytes): strings are then skipped to their next special byte at once. The verdict is
 * the same with or without it.
 *
 * @example
 * ```ts
 * const end = fastCheckLine(bytes, 0, bytes.length, 0, new TextEncoder().encode("example.org/ledger"));
 * if (end < 0) parseLine(bytes, { index: 0, origin: "example.org/ledger" });
 * ```
 */
export function fastCheckLine(
  data: Uint8Array,
  start: number,
  end: number,
  index: number,
  originBytes: Uint8Array,
  specials?: Int32Array,
): number {
  buf = data;
  spec = specials ?? null;
  const d = data;
  let p = literal(start, HEAD);
  if (p < 0 || d[p] !== 0x7b) return -1;
  p = object(p, end, 0);
  if (p < 0) return -1;
  p = literal(p, INDEX);
  if (p < 0) return -1;
  const digits = p;
  p = integer(p, end);
  if (p < 0 || d[digits] === 0x2d) return -1;
  let n = 0;
  for (let i = digits; i < p; i++) n = n * 10 + (d[i] - 0x30);
  if (n !== index) return -1;
  p = literal(p, KIND);
  if (p < 0) return -1;
  p = kind(p, end);
  if (p < 0) return -1;
  p = literal(p, ORIGIN);
  if (p < 0) return -1;
  for (let i = 0; i < originBytes.length; i++) if (d[p + i] !== originBytes[i]) return -1;
  p = literal(p + originBytes.length, PREV);
  if (p < 0) return -1;
  const prevAt = p;
  for (let i = 0; i < 64; i += 2) if (HEX_PAIR[(d[p + i] << 8) | d[p + i + 1]] < 0) return -1;
  p = literal(p + 64, TIME);
  if (p < 0 || p + 24 > end || !time(p)) return -1;
  p = literal(p + 24, TAIL);
  if (p < 0 || p > end || (p < end && d[p] !== 0x0a)) return -1;
  return prevAt === p - PREV_FROM_END ? p : -1;
}

/** Bytes from the start of `prev`'s hex digits to the end of a line {@link fastCheckLine} took. */
export const PREV_FROM_END = 64 + TIME.length + 24 + TAIL.length;

/**
 * The origin's bytes when {@link fastCheckLine} can compare them directly (printable ASCII
 * without quote or backslash), else null.
 *
 * @example
 * ```ts
 * fastOriginBytes("example.org/ledger"); // Uint8Array
 * ```
 */
export function fastOriginBytes(origin: string): Uint8Array | null {
  return /^[\x20-\x7e]*$/.test(origin) && !/["\\]/.test(origin) ? ascii(origin) : null;
}
