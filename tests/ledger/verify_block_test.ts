import { assertEquals } from "./_assert.ts";
import { buildEntry, ZERO_HASH } from "../../src/ledger/entry.ts";
import { checkBlock } from "../../src/ledger/verify_block.ts";
import { toHex } from "../../src/ledger/hash.ts";

const ORIGIN = "test.example/ledger";

function block(bodies: Record<string, unknown>[]): { data: Uint8Array; leaves: string[] } {
  let prev = ZERO_HASH;
  const parts: Uint8Array[] = [];
  const leaves: string[] = [];
  bodies.forEach((body, index) => {
    const e = buildEntry({ kind: "finding.opened", body }, {
      origin: ORIGIN,
      index,
      time: new Date(0),
      prev,
    });
    prev = e.leafHash;
    leaves.push(e.leafHash);
    parts.push(e.bytes, new Uint8Array([10]));
  });
  const data = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    data.set(p, at);
    at += p.length;
  }
  return { data, leaves };
}

Deno.test("checkBlock: leaf hashes and prevs of every line; genuine U+FFFD is fine", () => {
  const { data, leaves } = block([{ a: "x" }, { a: "\ufffd replacement" }, { a: "\u00e9" }]);
  const r = checkBlock(data, 0, ORIGIN);
  assertEquals(r.error, null);
  assertEquals(r.count, 3);
  assertEquals(r.bytes, data.length);
  for (let i = 0; i < 3; i++) {
    assertEquals(toHex(r.leaves.subarray(32 * i, 32 * i + 32)), leaves[i]);
  }
  assertEquals(toHex(r.firstPrev), "00".repeat(32));
});

Deno.test("checkBlock: a broken chain inside the block is reported at its line", () => {
  const { data, leaves } = block([{ a: "x" }, { a: "y" }, { a: "z" }, { a: "w" }]);
  const bad = data.slice();
  // Change one digit of line 2's prev (still lowercase hex, so the line itself is canonical).
  const third = bad.indexOf(10, bad.indexOf(10) + 1) + 1;
  const prev = third + new TextDecoder().decode(bad.subarray(third)).indexOf('"prev":"') + 8;
  bad[prev] = bad[prev] === 0x30 ? 0x31 : 0x30;
  const r = checkBlock(bad, 0, ORIGIN);
  assertEquals(r.error, { index: 2, reason: "prev does not match the previous entry's leaf hash" });
  assertEquals(r.count, 2);
  assertEquals(r.bytes, third);
  assertEquals(toHex(r.leaves), leaves[0] + leaves[1]);
});

Deno.test("checkBlock: invalid UTF-8 is reported at its line, earlier lines are kept", () => {
  const { data } = block([{ a: "x" }, { a: "yy" }, { a: "z" }]);
  const bad = data.slice();
  const second = bad.indexOf(10) + 1;
  const y = bad.indexOf("y".charCodeAt(0), second);
  bad[y] = 0xff;
  const r = checkBlock(bad, 0, ORIGIN);
  assertEquals(r.count, 1);
  assertEquals(r.error, { index: 1, reason: "line is not valid UTF-8" });
  const wrongOrigin = checkBlock(data, 0, "other/ledger");
  assertEquals(wrongOrigin.error?.index, 0);
});
