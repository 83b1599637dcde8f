/**
 * Safe one-line rendering of ledger entries for terminals: upstream strings are escaped of
 * control, bidi and other invisible formatting characters and bounded in length.
 *
 * @module
 */
import type { StoredEntry } from "./types.ts";
import { displayText } from "../display.ts";

const MAX_CELL = 80;

/**
 * Upstream text for one terminal cell: invisible and reordering characters as `\u{…}`
 * escapes, cut to `max` characters (the one safe-display function, `displayText`).
 *
 * @example
 * ```ts
 * escapeText("evil\u001b[2Jname"); // "evil\\u{001B}[2Jname"
 * ```
 */
export function escapeText(text: string, max = MAX_CELL): string {
  return displayText(text, max);
}

function str(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * Short summary of an entry's body: its message, else rule and subject, else the body's JSON.
 *
 * @example
 * ```ts
 * summarize(stored); // "content/pth-file pkg-1.0-py3-none-any.whl: a .pth file"
 * ```
 */
export function summarize(stored: StoredEntry): string {
  const b = stored.entry.body ?? {};
  const head = [str(b.rule), str(b.subject)].filter(Boolean).join(" ");
  const message = str(b.message);
  if (head || message) return [head, message].filter(Boolean).join(": ");
  return JSON.stringify(b);
}

/** Table header for {@link formatRow}. */
export const TABLE_HEADER = `${"INDEX".padStart(8)}  ${"TIME".padEnd(24)}  ${"KIND".padEnd(20)}  ${
  "PROJECT".padEnd(20)
}  SUMMARY`;

/**
 * One table row: index, time, kind, project, summary (all escaped).
 *
 * @example
 * ```ts
 * console.log(formatRow(stored));
 * ```
 */
export function formatRow(stored: StoredEntry): string {
  const e = stored.entry;
  return [
    String(e.index).padStart(8),
    escapeText(str(e.time), 24).padEnd(24),
    escapeText(str(e.kind), 20).padEnd(20),
    escapeText(str(e.body?.project), 20).padEnd(20),
    escapeText(summarize(stored), 100),
  ].join("  ");
}
