import { assertEquals } from "../_assert.ts";
import { deleteJson, getJson, MAX_BLOB_BYTES, setJson } from "../../src/state/blob.ts";

Deno.test("values larger than one KV value round-trip through chunks", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const big = { text: "x".repeat(300 * 1024), n: 1 };
    assertEquals(await setJson(kv, ["k"], big), true);
    assertEquals(await getJson(kv, ["k"]), big);
    // Shrinking removes the chunks no longer needed.
    assertEquals(await setJson(kv, ["k"], { small: true }), true);
    assertEquals(await getJson(kv, ["k"]), { small: true });
    let chunks = 0;
    for await (const _ of kv.list({ prefix: ["k", "chunk"] })) chunks++;
    assertEquals(chunks, 1);
    await deleteJson(kv, ["k"]);
    assertEquals(await getJson(kv, ["k"]), undefined);
  } finally {
    kv.close();
  }
});

Deno.test("a value over the cap is refused and nothing stale remains", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    await setJson(kv, ["k"], { a: 1 });
    assertEquals(await setJson(kv, ["k"], { text: "y".repeat(MAX_BLOB_BYTES + 1) }), false);
    assertEquals(await getJson(kv, ["k"]), undefined);
  } finally {
    kv.close();
  }
});
