import { assert, assertEquals } from "./_assert.ts";
import { buildEntry, parseLine, ZERO_HASH } from "../../src/ledger/entry.ts";
import { fastCheckLine, fastOriginBytes, PREV_FROM_END } from "../../src/ledger/fast_line.ts";
import { wasmSpecials } from "../../src/ledger/sha256_wasm.ts";

const ORIGIN = "test.example/ledger";
const ORIGIN_BYTES = fastOriginBytes(ORIGIN)!;
const enc = (s: string) => new TextEncoder().encode(s);
const dec = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** A small seeded PRNG, so that a failure can be replayed from the seed in its message. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CHARS = [
  "a",
  "z",
  "A",
  "0",
  " ",
  '"',
  "\\",
  "/",
  "\n",
  "\t",
  "\b",
  "\f",
  "\r",
  "\u0000",
  "\u001f",
  "\u007f",
  "\u00e9",
  "\u2028",
  "\ufeff",
  "\ufffd",
  "\ud83d\ude00",
  "\uffff",
  "\u0800",
];

function randomString(r: () => number, max: number): string {
  let s = "";
  const n = Math.floor(r() * max);
  for (let i = 0; i < n; i++) s += CHARS[Math.floor(r() * CHARS.length)];
  return s;
}

function randomValue(r: () => number, depth: number, ascii: boolean): unknown {
  const k = Math.floor(r() * (depth > 4 ? 6 : 9));
  switch (k) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2:
      return Math.floor((r() - 0.5) * 2 ** Math.floor(r() * 54));
    case 3:
    case 4:
    case 5:
      return randomString(r, 12);
    case 6:
      return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1, ascii));
    default:
      return randomObject(r, depth + 1, ascii);
  }
}

const ASCII_KEYS = ["a", "b", "ab", "B", "10", "9", "", "__proto__", "x y", "~", "a_b"];
const KEYS = [...ASCII_KEYS, "\u00e9", 'k"q', "\ud83d\ude00"];

function randomObject(r: () => number, depth: number, ascii = false): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  const n = Math.floor(r() * 5);
  for (let i = 0; i < n; i++) {
    const key = ascii
      ? ASCII_KEYS[Math.floor(r() * ASCII_KEYS.length)]
      : r() < 0.7
      ? KEYS[Math.floor(r() * KEYS.length)]
      : randomString(r, 5);
    Object.defineProperty(o, key, {
      value: randomValue(r, depth, ascii),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return o;
}

/** What parseLine makes of a line at index `index`: its prev, or null when it rejects it. */
function slowPrev(bytes: Uint8Array, index: number): string | null {
  try {
    return parseLine(bytes, { index, origin: ORIGIN }).entry.prev;
  } catch {
    return null;
  }
}

/** The fast check's verdict as the same: prev text, or null when unsure. */
function fastPrev(bytes: Uint8Array, index: number): string | null {
  const end = fastCheckLine(bytes, 0, bytes.length, index, ORIGIN_BYTES);
  const withBitmap = fastCheckLine(
    bytes,
    0,
    bytes.length,
    index,
    ORIGIN_BYTES,
    wasmSpecials(bytes, new Int32Array(0)),
  );
  assertEquals(withBitmap, end, "the same verdict with the special-bytes bitmap");
  if (end < 0) return null;
  assertEquals(end, bytes.length);
  return dec.decode(bytes.subarray(end - PREV_FROM_END, end - PREV_FROM_END + 64));
}

/** The fast check never accepts what parseLine rejects, and agrees on the fields it reads. */
function assertSound(bytes: Uint8Array, index: number, what: string): boolean {
  const fast = fastPrev(bytes, index);
  if (fast === null) return false;
  assertEquals(slowPrev(bytes, index), fast, `fast check accepted ${what}`);
  return true;
}

function entry(body: Record<string, unknown>, index = 3, time = new Date(1_790_000_000_123)) {
  const prev = "0123456789abcdef".repeat(4);
  return buildEntry({ kind: "finding.opened", body }, { origin: ORIGIN, index, time, prev });
}

Deno.test("fastCheckLine: accepts the lines the ledger writes (ASCII and non-ASCII strings)", () => {
  const bodies: Record<string, unknown>[] = [
    {},
    { project: "p", n: 1 },
    {
      a: "\u00e9\u2028\ud83d\ude00",
      b: [1, -2, 0, null, true, false, [], {}],
      c: { d: { e: "" } },
    },
    { msg: 'quote " backslash \\ tab \t nl \n ctl \u0001 \u001f del \u007f' },
    { big: Number.MAX_SAFE_INTEGER, neg: -Number.MAX_SAFE_INTEGER, mid: 1234567890123456 },
  ];
  for (const body of bodies) {
    const e = entry(body);
    assert(fastPrev(e.bytes, 3) !== null, `unsure about ${e.line}`);
    assertSound(e.bytes, 3, e.line);
  }
  // The entry index and origin must be the expected ones.
  const e = entry({ a: 1 });
  assertEquals(fastCheckLine(e.bytes, 0, e.bytes.length, 4, ORIGIN_BYTES), -1);
  assertEquals(fastCheckLine(e.bytes, 0, e.bytes.length, 3, enc("other.example/ledger")), -1);
  assertEquals(fastOriginBytes('a"b'), null);
  assertEquals(fastOriginBytes("\u00e9"), null);
});

Deno.test("fastCheckLine: agrees with parseLine on random entries", () => {
  let accepted = 0;
  for (let seed = 1; seed <= 1500; seed++) {
    const r = rng(seed);
    const e = entry(randomObject(r, 0), seed);
    assert(slowPrev(e.bytes, seed) !== null, `seed ${seed}: built entry rejected`);
    if (assertSound(e.bytes, seed, `seed ${seed}: ${e.line}`)) accepted++;
  }
  assert(accepted > 400, `only ${accepted} of 1500 took the fast path`);
  // With ASCII keys (what the ledger's own bodies use) every random entry takes the fast path.
  for (let seed = 1; seed <= 500; seed++) {
    const e = entry(randomObject(rng(seed), 0, true), seed);
    assert(assertSound(e.bytes, seed, e.line), `seed ${seed}: unsure about ${e.line}`);
  }
});

const INSERTS = [" ", "\\", '"', "0", "-", ".", "e", "{", "}", "[", "]", ",", ":", "1", "a", "u"]
  .map((c) => c.charCodeAt(0)).concat([0x00, 0x0a, 0x7f, 0x80, 0xbf, 0xc0, 0xe0, 0xed, 0xf4, 0xff]);

Deno.test("fastCheckLine: never accepts a mutated line that parseLine rejects", () => {
  let mutants = 0;
  let fastAccepted = 0;
  for (let seed = 1; seed <= 400; seed++) {
    const r = rng(seed * 7919);
    const e = entry(randomObject(r, 0), seed);
    for (let m = 0; m < 40; m++) {
      const b = Array.from(e.bytes);
      const at = Math.floor(r() * b.length);
      const op = Math.floor(r() * 4);
      const byte = INSERTS[Math.floor(r() * INSERTS.length)];
      if (op === 0) b[at] = byte;
      else if (op === 1) b.splice(at, 0, byte);
      else if (op === 2) b.splice(at, 1);
      else {
        const to = Math.floor(r() * b.length);
        [b[at], b[to]] = [b[to], b[at]];
      }
      mutants++;
      if (assertSound(Uint8Array.from(b), seed, `seed ${seed} mutant ${m}`)) fastAccepted++;
    }
  }
  assert(mutants === 16_000 && fastAccepted > 0, `${fastAccepted} of ${mutants}`);
});

Deno.test("fastCheckLine: adversarial lines are left to parseLine", () => {
  const good = entry({ a: 1, b: "x", c: [1], d: { e: 2 } }).line;
  assert(fastPrev(enc(good), 3) !== null);
  const bad: [string, string][] = [
    ['"a":1', '"a":-0'],
    ['"a":1', '"a":1.0'],
    ['"a":1', '"a":1e0'],
    ['"a":1', '"a":01'],
    ['"a":1', '"a":9007199254740993'],
    ['"a":1', '"a":9007199254740992'],
    ['"a":1', '"a":-12345678901234567'],
    ['"b":"x"', '"b":"\\u0078"'],
    ['"b":"x"', '"b":"\\/"'],
    ['"b":"x"', '"b":"\\ud800"'],
    ['"b":"x"', '"b":"\\u001F"'],
    ['"b":"x"', '"b":"\\u000a"'],
    ['"b":"x"', '"b":"\x01"'],
    ['"b":"x"', '"b":"x","b":"x"'],
    ['"a":1,"b":"x"', '"b":"x","a":1'],
    ['"a":1', '"a": 1'],
    ['"a":1', '"a":1 '],
    ['"c":[1]', '"c":[1,]'],
    ['"d":{"e":2}', '"d":{"e":2,}'],
    ['"a":1', '"\\u0061":1'],
    ['"a":1', '"a":tru'],
    ['"a":1', '"a":nul'],
    ['"v":1}', '"v":2}'],
    ['"v":1}', '"v":1} '],
    ['"v":1}', '"v":1,"w":1}'],
    ['"index":3', '"index":03'],
    ['"index":3', '"index":-3'],
    ['"kind":"finding.opened"', '"kind":"Finding.opened"'],
    ['"kind":"finding.opened"', '"kind":"finding"'],
    ['"kind":"finding.opened"', '"kind":"finding."'],
    ['"prev":"0123', '"prev":"A123'],
    ['"time":"2026', '"time":"x026'],
    ['{"body"', '\ufeff{"body"'],
    ['{"body":{', '{"body":['],
  ];
  for (const [from, to] of bad) {
    assert(good.includes(from), from);
    const line = good.replace(from, to);
    assertEquals(fastPrev(enc(line), 3), null, line);
  }
  // A calendar date that does not exist; then the same time twice (the cached path).
  const feb30 = good.replace(/"time":"[^"]*"/, '"time":"2026-02-30T00:00:00.000Z"');
  assertEquals(fastPrev(enc(feb30), 3), null);
  assertEquals(fastPrev(enc(feb30), 3), null);
  // Invalid UTF-8 inside a string: overlong, surrogate, truncated, stray continuation.
  for (
    const seq of [[0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0x80], [0xf4, 0x90, 0x80, 0x80]]
  ) {
    const bytes = enc(good);
    const x = bytes.indexOf("x".charCodeAt(0));
    const out = new Uint8Array([...bytes.subarray(0, x), ...seq, ...bytes.subarray(x + 1)]);
    assertEquals(fastPrev(out, 3), null, seq.join(","));
    assertEquals(slowPrev(out, 3), null);
  }
  // Nesting: the fast path stops short of parseLine's limit of 32.
  let deep: unknown = 1;
  for (let i = 0; i < 31; i++) deep = { a: deep };
  const d = entry(deep as Record<string, unknown>);
  assertEquals(fastPrev(d.bytes, 3), null);
  assert(slowPrev(d.bytes, 3) !== null);
});

Deno.test("fastCheckLine: a line followed by more data is judged only up to its LF", () => {
  const e = entry({ a: "x" });
  const n = e.bytes.length;
  const withNext = new Uint8Array([...e.bytes, 10, ...e.bytes]);
  assertEquals(fastCheckLine(withNext, 0, n, 3, ORIGIN_BYTES), n);
  assertEquals(fastCheckLine(withNext, 0, withNext.length, 3, ORIGIN_BYTES), n);
  assertEquals(fastCheckLine(withNext, n + 1, withNext.length, 3, ORIGIN_BYTES), 2 * n + 1);
  assertEquals(fastCheckLine(withNext, 0, n - 1, 3, ORIGIN_BYTES), -1);
  const bits = wasmSpecials(withNext, new Int32Array(0));
  assertEquals(fastCheckLine(withNext, 0, n, 3, ORIGIN_BYTES, bits), n);
  assertEquals(fastCheckLine(withNext, n + 1, withNext.length, 3, ORIGIN_BYTES, bits), 2 * n + 1);
  assertEquals(fastCheckLine(withNext, 0, n - 1, 3, ORIGIN_BYTES, bits), -1);
  assertEquals(fastCheckLine(withNext, 0, n - 30, 3, ORIGIN_BYTES, bits), -1);
  // An LF inside the line ends it: the rest is not part of it.
  const split = e.bytes.slice();
  split[split.indexOf(0x78)] = 10; // the "x"
  assertEquals(fastCheckLine(split, 0, split.length, 3, ORIGIN_BYTES), -1);
  // Anything but an LF right after the closing brace.
  assertEquals(fastCheckLine(new Uint8Array([...e.bytes, 32, 10]), 0, n + 2, 3, ORIGIN_BYTES), -1);
  assertEquals(ZERO_HASH.length, 64);
});
