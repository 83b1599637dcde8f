/**
 * Small, pure helpers for rendering upstream text safely: truncation, link vetting, ages.
 *
 * @module
 */

/**
 * Cut a string to at most `max` characters (code points), adding an ellipsis when cut.
 * Non-strings become "".
 *
 * @example
 * ```ts
 * truncate("abcdef", 4); // "abc…"
 * ```
 */
export function truncate(value: unknown, max: number): string {
  if (typeof value !== "string") return "";
  if (value.length <= max) return value;
  // Each code point is one or two UTF-16 units: this window holds at least max + 1 of them.
  const window = value.slice(0, 2 * max + 2);
  const chars = Array.from(window);
  if (chars.length <= max && window.length === value.length) return value;
  return chars.slice(0, Math.max(0, max - 1)).join("") + "…";
}

/**
 * The URL when it is an absolute http(s) URL, else null (no `javascript:`, `data:`, relative).
 *
 * @example
 * ```ts
 * safeHttpUrl("javascript:alert(1)"); // null
 * safeHttpUrl("https://pypi.org/project/x/"); // "https://pypi.org/project/x/"
 * ```
 */
export function safeHttpUrl(value: unknown): string | null {
  if (typeof value !== "string" || value.length > 2048) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return null;
  if (url.username || url.password) return null;
  return url.href;
}

/**
 * Human age of `then` relative to `now`: "42 s", "5 min", "3 h", "2 d".
 *
 * @example
 * ```ts
 * formatAge(new Date(0), new Date(90_000)); // "1 min"
 * ```
 */
export function formatAge(then: Date | string, now: Date): string {
  const t = typeof then === "string" ? Date.parse(then) : then.getTime();
  if (!Number.isFinite(t)) return "unknown";
  const s = Math.max(0, Math.floor((now.getTime() - t) / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.floor(s / 60)} min`;
  if (s < 172800) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86400)} d`;
}

/**
 * Human duration from milliseconds: "850 ms", "12.3 s", "4 min 2 s".
 *
 * @example
 * ```ts
 * formatDuration(12_300); // "12.3 s"
 * ```
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "unknown";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/**
 * JSON text of an unknown value, pretty-printed and truncated (for evidence).
 *
 * @example
 * ```ts
 * jsonPreview({ a: 1 }, 100); // '{\n  "a": 1\n}'
 * ```
 */
export function jsonPreview(value: unknown, max: number): string {
  if (value === undefined) return "";
  if (typeof value === "string") return truncate(value, max);
  let text: string;
  try {
    text = JSON.stringify(value, null, 2) ?? "";
  } catch {
    text = "(unprintable)";
  }
  return truncate(text, max);
}

const XML_INVALID = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/**
 * Escape text for XML content and attribute values, dropping characters XML cannot carry.
 *
 * @example
 * ```ts
 * xmlEscape('<a href="x">'); // "&lt;a href=&quot;x&quot;&gt;"
 * ```
 */
export function xmlEscape(value: string): string {
  return value.replace(XML_INVALID, "\uFFFD").replace(/[&<>"']/g, (ch) => XML_ENTITIES[ch]);
}

const XML_ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
};
