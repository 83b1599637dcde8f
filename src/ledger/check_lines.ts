/**
 * Checks one block of complete ledger lines (everything but the first line's prev, which needs
 * the leaf before the block and is compared by the caller): the unit of work that verify spreads
 * over worker threads. It loads only the byte-level check and the WebAssembly SHA-256; the full
 * parser (entry.ts, with zod and canonicalize) is passed in, so that a worker loads it only if a
 * line needs it. verify_block.ts is the same with the parser.
 *
 * @module
 */
import type { EntryError, parseLine } from "./entry.ts";
import { MAX_ENTRY_BYTES } from "./limits.ts";
import { fastCheckLine, fastOriginBytes, HEX_PAIR, PREV_FROM_END } from "./fast_line.ts";
import { wasmLeaves, wasmSpecials } from "./sha256_wasm.ts";

/** The full line parser: entry.ts, or what a dynamic import of it gives. */
export interface LineParser {
  parseLine: typeof parseLine;
  EntryError: typeof EntryError;
}

/** Result of {@link checkLines}. */
export interface BlockResult {
  /** Lines checked successfully (before the first error). */
  count: number;
  /** 32-byte leaf hashes of the checked lines, concatenated. */
  leaves: Uint8Array;
  /**
   * The first checked line's 32-byte prev field (empty when none was checked): the caller
   * compares it with the leaf before the block. Every later line's prev was found equal to the
   * leaf of the line before it.
   */
  firstPrev: Uint8Array;
  /** Bytes of the checked lines, LFs included. */
  bytes: number;
  /** Origin of the block's first line (all checked lines share it). */
  origin: string | null;
  /** First failure in the block. */
  error: { index: number; reason: string } | null;
}

const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) HEX_VALUE["0123456789abcdef".charCodeAt(i)] = i;

function hexInto(hex: string, out: Uint8Array, at: number): void {
  for (let i = 0; i < 32; i++) {
    out[at + i] = (HEX_VALUE[hex.charCodeAt(2 * i)] << 4) | HEX_VALUE[hex.charCodeAt(2 * i + 1)];
  }
}

/** The special-bytes bitmap of the block being checked (reused). */
let specials: Int32Array = new Int32Array(0);

/** A copy of `a` with room for `n` elements. */
function grow<T extends Uint8Array | Int32Array>(a: T, n: number): T {
  const out = new (a.constructor as new (n: number) => T)(n);
  out.set(a);
  return out;
}

/** Decode 64 lowercase hex digits (already checked) at `data[from]` into `out[at]`. */
function hexBytesInto(data: Uint8Array, from: number, out: Uint8Array, at: number): void {
  for (let i = 0; i < 32; i++) {
    out[at + i] = HEX_PAIR[(data[from + 2 * i] << 8) | data[from + 2 * i + 1]];
  }
}

/** Per-line scratch, reused from block to block (grown when a block has more lines). */
let prevsBuf = new Uint8Array(0);
let startsBuf = new Int32Array(0);
let endsBuf = new Int32Array(0);

/**
 * Check the LF-terminated lines in `data`, the first being entry `start`. `origin`, when known,
 * must match; otherwise every line must share the first line's origin. Lines the byte-level check
 * is unsure of go through `parser`; without one, the answer is null when there was such a line
 * (check the block again with the parser).
 *
 * @example
 * ```ts
 * const r = checkLines(bytes, 0, "example.org/ledger", await import("./entry.ts"))!;
 * if (r.error) console.log(r.error.index, r.error.reason);
 * ```
 */
export function checkLines(
  data: Uint8Array,
  start: number,
  origin: string | undefined,
  parser: LineParser | null,
): BlockResult | null {
  // Room for lines of 512 bytes on average, grown when shorter lines need more.
  let cap = (data.length >> 9) + 16;
  if (startsBuf.length < cap) {
    prevsBuf = new Uint8Array(cap * 32);
    startsBuf = new Int32Array(cap);
    endsBuf = new Int32Array(cap);
  }
  cap = startsBuf.length;
  let prevs = prevsBuf;
  let starts = startsBuf;
  let ends = endsBuf;
  let count = 0;
  let pos = 0;
  let blockOrigin: string | null = origin ?? null;
  let originBytes = blockOrigin === null ? null : fastOriginBytes(blockOrigin);
  let error: BlockResult["error"] = null;
  // Also puts the block where wasmLeaves, called last, finds it (parseLine may move it away).
  specials = wasmSpecials(data, specials);
  // Most lines pass the byte-level canonical check of fast_line.ts, which also finds their end;
  // the rest (and all lines until the origin is known) go through parseLine, which decides and
  // words any error. Leaf hashes of all checked lines are computed in one WebAssembly call.
  while (pos < data.length) {
    if (count === cap) {
      cap *= 2;
      prevsBuf = prevs = grow(prevs, cap * 32);
      startsBuf = starts = grow(starts, cap);
      endsBuf = ends = grow(ends, cap);
    }
    const index = start + count;
    let nl = originBytes ? fastCheckLine(data, pos, data.length, index, originBytes, specials) : -1;
    const fast = nl >= 0;
    if (!fast) nl = data.indexOf(10, pos);
    if (nl < 0 || nl >= data.length) break; // no LF: not a complete line
    if (nl - pos > MAX_ENTRY_BYTES) {
      error = { index, reason: `line is longer than ${MAX_ENTRY_BYTES} bytes` };
      break;
    }
    if (fast) hexBytesInto(data, nl - PREV_FROM_END, prevs, count * 32);
    else if (parser === null) return null;
    else {
      try {
        const built = parser.parseLine(data.subarray(pos, nl), {
          index,
          origin: blockOrigin ?? undefined,
        });
        if (blockOrigin === null) {
          blockOrigin = built.entry.origin;
          originBytes = fastOriginBytes(blockOrigin);
        }
        hexInto(built.entry.prev, prevs, count * 32);
      } catch (e) {
        error = { index, reason: e instanceof parser.EntryError ? e.message : String(e) };
        break;
      }
    }
    starts[count] = pos;
    ends[count] = nl;
    count++;
    pos = nl + 1;
  }
  const leaves = wasmLeaves(data, starts, ends, count);
  // The chain inside the block, as 32-bit words: line k's prev is line k-1's leaf.
  const lw = new Int32Array(leaves.buffer, leaves.byteOffset, count * 8);
  const pw = new Int32Array(prevs.buffer, prevs.byteOffset, count * 8);
  for (let k = 1; k < count; k++) {
    const a = k * 8;
    const b = a - 8;
    if (
      pw[a] !== lw[b] || pw[a + 1] !== lw[b + 1] || pw[a + 2] !== lw[b + 2] ||
      pw[a + 3] !== lw[b + 3] || pw[a + 4] !== lw[b + 4] || pw[a + 5] !== lw[b + 5] ||
      pw[a + 6] !== lw[b + 6] || pw[a + 7] !== lw[b + 7]
    ) {
      error = { index: start + k, reason: "prev does not match the previous entry's leaf hash" };
      count = k;
      pos = starts[k];
      break;
    }
  }
  return {
    count,
    leaves: leaves.subarray(0, count * 32),
    firstPrev: prevs.slice(0, count > 0 ? 32 : 0),
    bytes: pos,
    origin: blockOrigin,
    error,
  };
}
