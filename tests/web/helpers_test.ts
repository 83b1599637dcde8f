import { assertEquals } from "./_assert.ts";
import { acceptsGzip, rendered } from "../../src/web/rendered.ts";
import { type HttpError, intParam } from "../../src/web/params.ts";
import { bearerMatches } from "../../src/web/auth.ts";
import { badgeFor, renderBadge } from "../../src/web/badge.ts";
import { labelValue } from "../../src/web/metrics.ts";
import { parseCheckpointHead } from "../../src/web/checkpoint.ts";
import { gunzipSync } from "node:zlib";

Deno.test("gzip is negotiated and round-trips", () => {
  assertEquals(acceptsGzip("gzip, deflate, br"), true);
  assertEquals(acceptsGzip("br;q=1, gzip;q=0.5"), true);
  assertEquals(acceptsGzip("gzip;q=0"), false);
  assertEquals(acceptsGzip("identity"), false);
  assertEquals(acceptsGzip(undefined), false);
  const r = rendered("<p>héllo</p>".repeat(100));
  assertEquals(new TextDecoder().decode(gunzipSync(r.gzip)), "<p>héllo</p>".repeat(100));
  assertEquals(r.gzip.length < r.raw.length, true);
});

Deno.test("integer query parameters are strict", () => {
  const url = (q: string) => new URL(`http://x/?${q}`);
  assertEquals(intParam(url("a=0"), "a", { min: 0, max: 5 }), 0);
  assertEquals(intParam(url(""), "a", { min: 0, max: 5, fallback: 3 }), 3);
  for (const q of ["a=-1", "a=6", "a=1.5", "a=+1", "a=0x1", "a=1e2", "a= 1", "a=01", "a=1&a=2"]) {
    let status = 0;
    try {
      intParam(url(q), "a", { min: 0, max: 5 });
    } catch (e) {
      status = (e as HttpError).status;
    }
    assertEquals(status, 400, q);
  }
});

Deno.test("bearer tokens compare exactly", async () => {
  assertEquals(await bearerMatches("Bearer abc", "abc"), true);
  assertEquals(await bearerMatches("Bearer abcd", "abc"), false);
  assertEquals(await bearerMatches("Bearer ab", "abc"), false);
  assertEquals(await bearerMatches("bearer abc", "abc"), false);
  assertEquals(await bearerMatches("Bearer  abc", "abc"), false);
  assertEquals(await bearerMatches(undefined, "abc"), false);
  assertEquals(await bearerMatches("Bearer ", ""), false);
});

Deno.test("badges escape their text and pick a color by state", () => {
  const svg = renderBadge("a<b", "1 critical", "#b0001e");
  assertEquals(svg.includes("a&lt;b"), true);
  assertEquals(svg.includes("<b"), false);
  assertEquals(renderBadge("x", "y", 'red;"><script>').includes("#6c6c6c"), true);
  assertEquals(badgeFor(undefined).message, "unknown");
});

Deno.test("Prometheus label values are escaped", () => {
  assertEquals(labelValue('a"b\\c\nd'), 'a\\"b\\\\c\\nd');
});

Deno.test("checkpoint heads are parsed strictly", () => {
  assertEquals(parseCheckpointHead("o/l\n12\nAAAA\n\n— sig\n")?.size, 12);
  assertEquals(parseCheckpointHead("o/l\n-1\nAAAA\n"), null);
  assertEquals(parseCheckpointHead("o/l\n"), null);
  assertEquals(parseCheckpointHead(null), null);
});
