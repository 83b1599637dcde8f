/**
 * Entry filters shared by the CLI and the web app.
 *
 * @module
 */
import type { EntryFilter, StoredEntry } from "./types.ts";

/**
 * True when the entry passes every set field of the filter (`project` matches `body.project`,
 * `since` inclusive, `until` exclusive).
 *
 * @example
 * ```ts
 * matchesFilter(stored, { kind: "finding.opened", project: "requests" });
 * ```
 */
export function matchesFilter(stored: StoredEntry, filter: EntryFilter): boolean {
  const e = stored.entry;
  if (filter.kind !== undefined && e.kind !== filter.kind) return false;
  if (filter.project !== undefined && e.body?.project !== filter.project) return false;
  if (filter.since !== undefined || filter.until !== undefined) {
    const t = Date.parse(e.time);
    if (filter.since !== undefined && !(t >= filter.since.getTime())) return false;
    if (filter.until !== undefined && !(t < filter.until.getTime())) return false;
  }
  return true;
}
