/**
 * {@link checkBlock}: check_lines.ts with the full line parser of entry.ts at hand.
 *
 * @module
 */
import * as entry from "./entry.ts";
import { type BlockResult, checkLines } from "./check_lines.ts";

export type { BlockResult } from "./check_lines.ts";

/**
 * Check the LF-terminated lines in `data`, the first being entry `start` (everything but the
 * first line's prev). `origin`, when known, must match; otherwise every line must share the
 * first line's origin.
 *
 * @example
 * ```ts
 * const r = checkBlock(bytes, 0, "example.org/ledger");
 * if (r.error) console.log(r.error.index, r.error.reason);
 * ```
 */
export function checkBlock(data: Uint8Array, start: number, origin?: string): BlockResult {
  return checkLines(data, start, origin, entry)!;
}
