/**
 * Time seeks over a ledger: entries are appended in time order (each append is stamped with
 * the writer's clock, RFC 3339 UTC), so the first entry at or after a time is found by binary
 * search over the entry index, reading O(log n) single entries instead of scanning the file.
 *
 * @module
 */
import type { EntryFilter, LedgerStore } from "./types.ts";

/** What a seek needs: the size and single-entry reads by index (offsets index). */
export type Seekable = Pick<LedgerStore, "size" | "entries">;

async function timeAt(ledger: Seekable, index: number): Promise<number> {
  for await (const e of ledger.entries(index, index + 1)) {
    const t = Date.parse(e.entry.time);
    if (!Number.isFinite(t)) throw new Error(`ledger entry ${index} has no valid time`);
    return t;
  }
  throw new Error(`ledger entry ${index} is missing`);
}

/**
 * The first index in `[lo, hi)` whose entry time is at or after `time` (`hi` when none).
 *
 * @example
 * ```ts
 * const from = await seekTime(reader, new Date("2026-03-24"), 0, await reader.size());
 * ```
 */
export async function seekTime(
  ledger: Seekable,
  time: Date,
  lo: number,
  hi: number,
): Promise<number> {
  const t = time.getTime();
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if ((await timeAt(ledger, mid)) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The index range `[from, to)` of the entries within a filter's `since` (inclusive) and
 * `until` (exclusive), found by {@link seekTime}; the whole ledger without them.
 *
 * @example
 * ```ts
 * const { from, to } = await timeRange(reader, { since: new Date("2026-03-24") });
 * for await (const e of reader.entries(from, to)) console.log(e.line);
 * ```
 */
export async function timeRange(
  ledger: Seekable,
  filter: Pick<EntryFilter, "since" | "until">,
): Promise<{ from: number; to: number }> {
  const size = await ledger.size();
  const from = filter.since ? await seekTime(ledger, filter.since, 0, size) : 0;
  const to = filter.until ? await seekTime(ledger, filter.until, from, size) : size;
  return { from, to };
}
