import { createHash } from "node:crypto";
import { assertEquals } from "./_assert.ts";
import { sha256Small } from "../../src/ledger/sha256.ts";
import { toHex } from "../../src/ledger/hash.ts";

Deno.test("sha256Small matches node:crypto for every length around the block boundaries", () => {
  for (let n = 0; n < 600; n++) {
    const data = crypto.getRandomValues(new Uint8Array(n));
    const want = createHash("sha256").update(data).digest("hex");
    assertEquals(toHex(sha256Small([data])), want, `length ${n}`);
    assertEquals(toHex(sha256Small([data.subarray(0, n >> 1), data.subarray(n >> 1)])), want);
  }
  const big = crypto.getRandomValues(new Uint8Array(60_000));
  assertEquals(toHex(sha256Small([big])), createHash("sha256").update(big).digest("hex"));
  // FIPS 180-4 example "abc".
  assertEquals(
    toHex(sha256Small([new TextEncoder().encode("abc")])),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
});
