/**
 * Safe display of upstream (attacker-controlled) text, for every surface: pages, feeds,
 * webhooks, terminal output and SARIF. Invisible and reordering characters (bidirectional
 * controls, zero-width and other format characters, C0/C1 controls, line and paragraph
 * separators) are shown as visible escapes such as `\u{202E}`, so a file name like
 * `"DROCER ni detsil ton si "yp.exe.png` (with U+202E) reads as what it is. Also: truncation,
 * link vetting, ages and times.
 *
 * Display is also the last redaction step before a person reads anything: every configured
 * secret and credential-shaped string becomes `[redacted]` (src/redact.ts), whatever path the
 * text took to get here.
 *
 * @module
 */
import { redact } from "./redact.ts";

/**
 * Characters shown as escapes: controls (Cc), format characters (Cf: bidi embeddings,
 * overrides and isolates, U+200B–U+200F, U+2060–U+2064, U+061C, U+FEFF, soft hyphen, …), lone
 * surrogates (Cs), U+2028/U+2029, and blank fillers that render as nothing (Hangul fillers,
 * U+3164, U+FFA0, U+034F, U+115F/U+1160, U+17B4/U+17B5, U+180B–U+180F, variation selectors).
 */
const INVISIBLE =
  /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\u034F\u115F\u1160\u17B4\u17B5\u180B-\u180F\u3164\uFFA0\uFE00-\uFE0F\u{E0100}-\u{E01EF}]/u;

/** The visible escape of one code point, e.g. `\u{202E}`. */
function escapeChar(ch: string): string {
  return `\\u{${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}}`;
}

/**
 * Upstream text made safe to read: every invisible or reordering character replaced by a
 * visible escape (`\u{202E}`), at most `max` characters long (an ellipsis marks a cut; an
 * escape is never cut in half). Newlines and tabs are kept only with `multiline`.
 * Non-strings become "".
 *
 * @example
 * ```ts
 * displayText("a\u202Egnp.exe", 100); // "a\\u{202E}gnp.exe"
 * displayText("abcdef", 4); // "abc…"
 * ```
 */
export function displayText(
  value: unknown,
  max: number,
  options: { multiline?: boolean } = {},
): string {
  if (typeof value !== "string") return "";
  const text = redact(value);
  let out = "";
  let width = 0;
  let cut = -1;
  for (const ch of text) {
    const keep = options.multiline && (ch === "\n" || ch === "\t");
    const shown = !keep && INVISIBLE.test(ch) ? escapeChar(ch) : ch;
    const w = shown === ch ? 1 : shown.length;
    if (width + w > max) return out.slice(0, cut < 0 ? out.length : cut) + "…";
    if (width + w > max - 1 && cut < 0) cut = out.length;
    out += shown;
    width += w;
  }
  return out;
}

/**
 * Upstream text for a terminal or a one-line message: {@link displayText} inside double
 * quotes, with `"` and `\` escaped, so the string's bounds are visible and it cannot pose as
 * the text around it.
 *
 * @example
 * ```ts
 * quoteText('x" ok', 100); // '"x\\" ok"'
 * ```
 */
export function quoteText(value: unknown, max: number): string {
  const raw = typeof value === "string" ? value.replace(/["\\]/g, "\\$&") : "";
  return `"${displayText(raw, max)}"`;
}

/**
 * An absolute time in UTC, to the minute: "2026-03-24 10:52 UTC" ("unknown" when unparsable).
 *
 * @example
 * ```ts
 * formatUtc("2026-03-24T10:52:31Z"); // "2026-03-24 10:52 UTC"
 * ```
 */
export function formatUtc(time: Date | string): string {
  const t = typeof time === "string" ? Date.parse(time) : time.getTime();
  if (!Number.isFinite(t)) return "unknown";
  return `${new Date(t).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

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
 * Human age of `then` relative to `now`, in the largest unit that fits, one unit per range so
 * that ages side by side compare at a glance: "42 s" (< 1 min), "5 min" (< 1 h), "3 h"
 * (< 2 d), "2 d".
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
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
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
  if (typeof value === "string") return displayText(value, max, { multiline: true });
  let text: string;
  try {
    text = JSON.stringify(value, null, 2) ?? "";
  } catch {
    text = "(unprintable)";
  }
  return displayText(text, max, { multiline: true });
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
