import { assert, assertEquals, assertThrows } from "./_assert.ts";
import { buildEntry, parseLine, ZERO_HASH } from "../../src/ledger/entry.ts";
import { hashLeaf, toHex } from "../../src/ledger/hash.ts";
import { MAX_ENTRY_BYTES } from "../../src/ledger/types.ts";
import canonicalize from "canonicalize";

const AT = {
  origin: "test.example/ledger",
  index: 0,
  time: new Date("2026-11-22T10:00:00Z"),
  prev: ZERO_HASH,
};
const enc = (s: string) => new TextEncoder().encode(s);

Deno.test("entry: canonical line with the exact field set, sorted keys and leaf hash", () => {
  const e = buildEntry({
    kind: "finding.opened",
    body: { z: 1, a: "\u00e9\u2028", n: { b: [3, null, true], a: -2 } },
  }, AT);
  assertEquals(
    e.line,
    '{"body":{"a":"\u00e9\u2028","n":{"a":-2,"b":[3,null,true]},"z":1},"index":0,"kind":"finding.opened",' +
      '"origin":"test.example/ledger","prev":"' + ZERO_HASH +
      '","time":"2026-11-22T10:00:00.000Z","v":1}',
  );
  assertEquals(e.leafHash, toHex(hashLeaf(enc(e.line))));
  const parsed = parseLine(e.bytes, { index: 0, prev: ZERO_HASH, origin: AT.origin });
  assertEquals(canonicalize(parsed.entry), canonicalize(e.entry));
});

Deno.test("entry: integer-like keys (reordered by JavaScript) are still judged canonical", () => {
  const e = buildEntry({ kind: "finding.opened", body: { "10": 1, "9": 2, "a": 3 } }, AT);
  assert(e.line.includes('{"10":1,"9":2,"a":3}'));
  parseLine(e.bytes, { index: 0, prev: ZERO_HASH });
});

Deno.test("entry: non-canonical or invalid lines are rejected", () => {
  const good = buildEntry({ kind: "finding.opened", body: { project: "p", n: 1 } }, AT).line;
  const bad: [string, string][] = [
    [good.replace('{"body"', '{ "body"'), "canonical"],
    [good.replace('"n":1,"project":"p"', '"project":"p","n":1'), "canonical"],
    [good.replace('"n":1', '"n":1.0'), "canonical"],
    [good.replace('"n":1', '"n":1e0'), "canonical"],
    [good.replace('"project":"p"', '"project":"\\u0070"'), "canonical"],
    [good.replace('"n":1', '"n":1.5'), "safe integers"],
    [good.replace('"n":1', '"n":9007199254740993'), "safe integers"],
    [good.replace('"v":1', '"v":2'), "version"],
    [good.replace('"v":1}', '"v":1,"x":0}'), "fields"],
    [good.replace('"index":0', '"index":1'), "index"],
    [good.replace("2026-11-22T10:00:00.000Z", "2026-11-22T10:00:00Z"), "time"],
    [good.replace("2026-11-22T10:00:00.000Z", "2026-02-30T10:00:00.000Z"), "time"],
    [good.replace("finding.opened", "Finding"), "kind"],
    [good.replace(ZERO_HASH, "1".repeat(64)), "prev"],
    [good.replace("test.example/ledger", "other/ledger"), "origin"],
    ["\ufeff" + good, "JSON"],
    ["[1,2]", "object"],
    ["not json", "JSON"],
  ];
  for (const [line, why] of bad) {
    assertThrows(() => parseLine(enc(line), { index: 0, prev: ZERO_HASH, origin: AT.origin }), why);
  }
  assertThrows(
    () => parseLine(new Uint8Array([0x7b, 0xff, 0x7d]), { index: 0, prev: ZERO_HASH }),
    "UTF-8",
  );
  // Duplicate keys: JSON.parse keeps the last one, so re-serialization differs.
  assertThrows(
    () => parseLine(enc(good.replace('"n":1', '"n":1,"n":1')), { index: 0, prev: ZERO_HASH }),
    "canonical",
  );
});

Deno.test("entry: body rules and the 64 KiB bound", () => {
  const t = (body: unknown) => () =>
    buildEntry({ kind: "finding.opened", body: body as Record<string, unknown> }, AT);
  assertThrows(t({ x: 0.1 }), "safe integers");
  assertThrows(t({ x: NaN }), "safe integers");
  assertThrows(t({ x: [Infinity] }), "safe integers");
  assertThrows(t({ x: new Map() }), "plain objects");
  assertThrows(t({ x: Symbol("s") }), "not a JSON value");
  let deep: Record<string, unknown> = {};
  for (let i = 0; i < 40; i++) deep = { d: deep };
  assertThrows(t(deep), "nested too deeply");
  const fits = buildEntry({
    kind: "finding.opened",
    body: { s: "a".repeat(MAX_ENTRY_BYTES - 200) },
  }, AT);
  assert(fits.bytes.length <= MAX_ENTRY_BYTES);
  assertThrows(t({ s: "a".repeat(MAX_ENTRY_BYTES) }), "limit");
  // The canonicalize package and our line agree.
  assertEquals(fits.line, canonicalize(fits.entry));
});
