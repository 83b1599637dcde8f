import { assertEquals } from "./_assert.ts";
import { concatBytes, readCapped } from "../src/bytes.ts";

Deno.test("concatBytes joins chunks in order", () => {
  assertEquals(concatBytes([]), new Uint8Array());
  assertEquals(
    concatBytes([new Uint8Array([1]), new Uint8Array(), new Uint8Array([2, 3])]),
    new Uint8Array([1, 2, 3]),
  );
});

Deno.test("readCapped reads up to the cap and cancels past it", async () => {
  const stream = (chunks: number[][]) => {
    let cancelled = false;
    const s = new ReadableStream<Uint8Array>({
      pull(c) {
        const next = chunks.shift();
        if (next) c.enqueue(new Uint8Array(next));
        else c.close();
      },
      cancel() {
        cancelled = true;
      },
    });
    return { s, cancelled: () => cancelled };
  };
  const ok = stream([[1, 2], [3]]);
  assertEquals(await readCapped(ok.s, 3), new Uint8Array([1, 2, 3]));
  const big = stream([[1, 2], [3, 4]]);
  assertEquals(await readCapped(big.s, 3), null);
  assertEquals(big.cancelled(), true);
  assertEquals(await readCapped(null, 3), new Uint8Array());
});
