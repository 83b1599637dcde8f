import { assert, assertEquals } from "./_assert.ts";
import { HOSTILE, HOSTILE_SHOWN, INVISIBLE_RE } from "./web/_fixtures.ts";
import { clearSecrets, registerSecrets } from "../src/redact.ts";
import {
  displayText,
  formatAge,
  formatDuration,
  formatUtc,
  jsonPreview,
  quoteText,
  safeHttpUrl,
  truncate,
  xmlEscape,
} from "../src/display.ts";

Deno.test("only absolute http(s) URLs without credentials are links", () => {
  assertEquals(safeHttpUrl("https://pypi.org/project/x/"), "https://pypi.org/project/x/");
  assertEquals(safeHttpUrl("http://example.org"), "http://example.org/");
  for (
    const bad of [
      "javascript:alert(1)",
      " javascript:alert(1)",
      "JAVASCRIPT:alert(1)",
      "data:text/html,<script>",
      "vbscript:x",
      "//evil.example/x",
      "/relative",
      "https://user:pass@example.org/",
      "https://" + "a".repeat(3000),
      42,
      null,
    ]
  ) {
    assertEquals(safeHttpUrl(bad), null, String(bad));
  }
});

Deno.test("truncation is bounded and keeps code points whole", () => {
  assertEquals(truncate("abcdef", 4), "abc…");
  assertEquals(truncate("abc", 4), "abc");
  assertEquals(truncate("😀😀😀😀😀", 3), "😀😀…");
  assertEquals(truncate(123, 4), "");
  assertEquals(truncate("x".repeat(1e6), 100).length, 100);
  assertEquals(jsonPreview({ a: "x".repeat(100) }, 20).length <= 20, true);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assertEquals(jsonPreview(cyclic, 100), "(unprintable)");
});

Deno.test("XML escaping drops characters XML cannot carry", () => {
  assertEquals(xmlEscape(`<a b="c">&'`), "&lt;a b=&quot;c&quot;&gt;&amp;&apos;");
  assertEquals(xmlEscape("a\u0000b\u001bc\ud800d"), "a\uFFFDb\uFFFDc\uFFFDd");
});

Deno.test("ages and durations", () => {
  const now = new Date("2026-01-02T00:00:00Z");
  assertEquals(formatAge("2026-01-01T23:59:30Z", now), "30 s");
  assertEquals(formatAge("2026-01-01T23:00:00Z", now), "1 h");
  assertEquals(formatAge("2026-01-01T23:58:02Z", now), "1 min", "never 118 s beside 2 min");
  assertEquals(formatAge("2025-12-01T00:00:00Z", now), "32 d");
  assertEquals(formatAge("garbage", now), "unknown");
  assertEquals(formatDuration(850), "850 ms");
  assertEquals(formatDuration(12_300), "12.3 s");
  assertEquals(formatDuration(242_000), "4 min 2 s");
});

Deno.test("invisible and reordering characters are shown as visible escapes", () => {
  assertEquals(displayText(HOSTILE.rlo, 200), HOSTILE.rlo.replace("\u202E", "\\u{202E}"));
  assertEquals(displayText(HOSTILE.invisible, 200), HOSTILE_SHOWN.invisible);
  for (const cp of [0x202A, 0x202B, 0x202C, 0x202D, 0x2066, 0x2067, 0x2068, 0x200D, 0x00AD]) {
    const ch = String.fromCodePoint(cp);
    assertEquals(
      displayText(`a${ch}b`, 50),
      `a\\u{${cp.toString(16).toUpperCase().padStart(4, "0")}}b`,
    );
  }
  assertEquals(displayText("a\uD800b", 50), "a\\u{D800}b", "lone surrogates");
  assertEquals(displayText("naïve 日本 ✓ 😀", 50), "naïve 日本 ✓ 😀", "visible text is kept");
  assertEquals(displayText("a\nb", 50), "a\\u{000A}b");
  assertEquals(displayText("a\nb\tc", 50, { multiline: true }), "a\nb\tc");
  assert(!INVISIBLE_RE.test(displayText(HOSTILE.invisible + HOSTILE.rlo, 500)));
});

Deno.test("displayText is bounded and never cuts an escape in half", () => {
  assertEquals(displayText("abcdef", 4), "abc…");
  assertEquals(displayText("abcd", 4), "abcd");
  assertEquals(displayText("ab\u202Ecd", 6), "ab…");
  assertEquals(displayText("\u202E".repeat(100_000), 20), "\\u{202E}\\u{202E}…");
  assertEquals(displayText(42, 10), "");
});

Deno.test("quoteText quotes, and escapes quotes and backslashes, so bounds are visible", () => {
  assertEquals(quoteText('x" \\ok\u202E', 100), '"x\\" \\\\ok\\u{202E}"');
  assertEquals(quoteText(HOSTILE.rlo, 200).startsWith('"evilpkg'), true);
});

Deno.test("formatUtc shows an absolute UTC time to the minute", () => {
  assertEquals(formatUtc("2026-03-24T10:52:31Z"), "2026-03-24 10:52 UTC");
  assertEquals(formatUtc("nope"), "unknown");
});

Deno.test("display: a configured secret or credential-shaped string never reaches a reader", () => {
  registerSecrets(["sentinel-display-secret-0042"]);
  try {
    const shown = displayText(
      "403; token sentinel-display-secret-0042 and ghp_0123456789abcdefghij0123",
      200,
    );
    assertEquals(shown, "403; token [redacted] and [redacted]");
    assertEquals(quoteText("x ghp_0123456789abcdefghij0123", 100), '"x [redacted]"');
  } finally {
    clearSecrets();
  }
});
