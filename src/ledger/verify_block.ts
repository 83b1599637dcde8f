/**
 * Checks one block of complete ledger lines (everything but the prev chain across lines, which
 * needs the previous leaf and is compared by the caller): the unit of work that verify spreads
 * over worker threads.
 *
 * @module
 */
import { EntryError, parseLine } from "./entry.ts";
import { MAX_ENTRY_BYTES } from "./types.ts";

/** Result of {@link checkBlock}. */
export interface BlockResult {
  /** Lines checked successfully (before the first error). */
  count: number;
  /** 32-byte leaf hashes of the checked lines, concatenated. */
  leaves: Uint8Array;
  /** 32-byte prev fields of the checked lines, concatenated. */
  prevs: Uint8Array;
  /** Bytes of the checked lines, LFs included. */
  bytes: number;
  /** Origin of the block's first line (all checked lines share it). */
  origin: string | null;
  /** First failure in the block. */
  error: { index: number; reason: string } | null;
}

const lenient = new TextDecoder("utf-8", { ignoreBOM: true });
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) HEX_VALUE["0123456789abcdef".charCodeAt(i)] = i;

function hexInto(hex: string, out: Uint8Array, at: number): void {
  for (let i = 0; i < 32; i++) {
    out[at + i] = (HEX_VALUE[hex.charCodeAt(2 * i)] << 4) | HEX_VALUE[hex.charCodeAt(2 * i + 1)];
  }
}

const RUN_BYTES = 64 * 1024;

/** End (after its LF) of a run of whole lines from `pos`, about {@link RUN_BYTES} long. */
function runEnd(data: Uint8Array, pos: number): number {
  const limit = Math.min(data.length, pos + RUN_BYTES);
  const last = data.subarray(pos, limit).lastIndexOf(10);
  return last >= 0 ? pos + last + 1 : data.indexOf(10, pos) + 1;
}

/**
 * Check the LF-terminated lines in `data`, the first being entry `start`. `origin`, when known,
 * must match; otherwise every line must share the first line's origin.
 *
 * @example
 * ```ts
 * const r = checkBlock(bytes, 0, "example.org/ledger");
 * if (r.error) console.log(r.error.index, r.error.reason);
 * ```
 */
export function checkBlock(data: Uint8Array, start: number, origin?: string): BlockResult {
  let lines = 0;
  for (let p = data.indexOf(10); p >= 0; p = data.indexOf(10, p + 1)) lines++;
  const leaves = new Uint8Array(lines * 32);
  const prevs = new Uint8Array(lines * 32);
  let count = 0;
  let pos = 0;
  let blockOrigin: string | null = origin ?? null;
  let error: BlockResult["error"] = null;
  // Lenient decoding of runs of lines is much cheaper than strict per-line decoding; LF bytes and
  // "\n" characters correspond one to one. Invalid UTF-8 shows up as U+FFFD, and only lines
  // containing U+FFFD (which may also be genuine) are decoded strictly by parseLine. Runs are kept
  // near 64 KiB: larger strings land in V8's large-object space and linger until a full GC.
  let text = "";
  let textPos = 0;
  while (count < lines) {
    const nl = data.indexOf(10, pos);
    const index = start + count;
    if (nl - pos > MAX_ENTRY_BYTES) {
      error = { index, reason: `line is longer than ${MAX_ENTRY_BYTES} bytes` };
      break;
    }
    try {
      if (textPos >= text.length) {
        text = lenient.decode(data.subarray(pos, runEnd(data, pos)));
        textPos = 0;
      }
      const end = text.indexOf("\n", textPos);
      let decoded: string | undefined = text.slice(textPos, end);
      textPos = end + 1;
      if (decoded.includes("\ufffd")) decoded = undefined;
      const built = parseLine(
        data.subarray(pos, nl),
        { index, origin: blockOrigin ?? undefined },
        decoded,
      );
      blockOrigin ??= built.entry.origin;
      leaves.set(built.leaf, count * 32);
      hexInto(built.entry.prev, prevs, count * 32);
    } catch (e) {
      error = { index, reason: e instanceof EntryError ? e.message : String(e) };
      break;
    }
    count++;
    pos = nl + 1;
  }
  return {
    count,
    leaves: leaves.subarray(0, count * 32),
    prevs: prevs.subarray(0, count * 32),
    bytes: pos,
    origin: blockOrigin,
    error,
  };
}
