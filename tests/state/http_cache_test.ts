import assert from "node:assert/strict";
import {
  CHUNK_BYTES,
  conditionalHeaders,
  forget,
  MAX_CACHED_BODY_BYTES,
  readCached,
  rememberResponse,
  writeCached,
} from "../../src/state/http_cache.ts";

const assertEquals = (a: unknown, b: unknown) => assert.deepEqual(a, b);

const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * seed) & 0xff);

Deno.test("bodies above 64 KiB are chunked and read back intact", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const body = bytes(5 * CHUNK_BYTES + 123, 7);
    assert.equal(
      await writeCached(kv, "https://x/a", { etag: '"e1"', contentType: "application/json", body }),
      "stored",
    );
    const hit = await readCached(kv, "https://x/a");
    assert.equal(hit?.etag, '"e1"');
    assert.deepEqual(hit?.body, body);
    // A smaller body replaces it; the extra chunks are deleted.
    await writeCached(kv, "https://x/a", {
      lastModified: "Tue, 10 Oct 2017 16:00:00 GMT",
      contentType: "application/json",
      body: bytes(10),
    });
    const again = await readCached(kv, "https://x/a");
    assert.equal(again?.body.byteLength, 10);
    assert.equal(again?.etag, undefined);
    let keys = 0;
    for await (const _ of kv.list({ prefix: ["http", "https://x/a"] })) keys++;
    assert.equal(keys, 1);
    await forget(kv, "https://x/a");
    assert.equal(await readCached(kv, "https://x/a"), undefined);
  } finally {
    kv.close();
  }
});

Deno.test("too large, too long or without validators: not cached", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const ct = "application/json";
    assert.equal(
      await writeCached(kv, "u", {
        etag: '"e"',
        contentType: ct,
        body: bytes(MAX_CACHED_BODY_BYTES + 1),
      }),
      "too-large",
    );
    assert.equal(
      await writeCached(kv, "u".repeat(2000), { etag: '"e"', contentType: ct, body: bytes(1) }),
      "url-too-long",
    );
    assert.equal(await writeCached(kv, "u", { contentType: ct, body: bytes(1) }), "no-validator");
    assert.equal(await readCached(kv, "u"), undefined);
  } finally {
    kv.close();
  }
});

Deno.test("a corrupted chunk is a cache miss, not wrong data", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    await writeCached(kv, "u", {
      etag: '"e"',
      contentType: "application/json",
      body: bytes(CHUNK_BYTES * 2),
    });
    await kv.set(["http", "u", 1], bytes(CHUNK_BYTES, 3));
    assert.equal(await readCached(kv, "u"), undefined);
    await kv.set(["http", "u"], { nonsense: true });
    assert.equal(await readCached(kv, "u"), undefined);
  } finally {
    kv.close();
  }
});

Deno.test("conditionalHeaders: ETag first, Last-Modified only without one, nothing uncached", () => {
  const body = new Uint8Array([1]);
  assertEquals(conditionalHeaders(undefined), {});
  assertEquals(
    conditionalHeaders({
      etag: '"v1"',
      lastModified: "Tue, 01 Dec 2026 00:00:00 GMT",
      contentType: "",
      body,
    }),
    { "if-none-match": '"v1"' },
  );
  assertEquals(
    conditionalHeaders({ lastModified: "Tue, 01 Dec 2026 00:00:00 GMT", contentType: "", body }),
    { "if-modified-since": "Tue, 01 Dec 2026 00:00:00 GMT" },
  );
});

Deno.test("rememberResponse: stores validators, and forgets an entry a response can no longer revalidate", async () => {
  const kv = await Deno.openKv(":memory:");
  const url = "https://api.github.com/repos/o/r";
  const body = new TextEncoder().encode("{}");
  const withTag = new Headers({ etag: '"v1"', "content-type": "application/json", link: "<x>" });
  assertEquals(
    await rememberResponse(kv, url, withTag, body, { contentType: "", keepLink: true }),
    "stored",
  );
  const hit = await readCached(kv, url);
  assertEquals([hit?.etag, hit?.contentType, hit?.link], ['"v1"', "application/json", "<x>"]);
  assertEquals(
    await rememberResponse(kv, url, new Headers(), body, { contentType: "" }),
    "no-validator",
  );
  assertEquals(await readCached(kv, url), undefined);
  kv.close();
});
