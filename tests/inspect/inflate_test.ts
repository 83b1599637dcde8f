import assert from "node:assert/strict";
import zlib from "node:zlib";
import { InflateError, inflateRawInto } from "../../src/inspect/inflate.ts";

/** Deterministic xorshift generator. */
function generator(seed: number): () => number {
  return () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 4294967296;
  };
}

const WORDS = ["def ", "return ", "self", "(", ")", "\n", "    ", "import ", "x", "y = ", "0"];

/** Random bytes, text-like bytes, or long runs (stored, fixed, dynamic and RLE blocks). */
function sample(rnd: () => number, i: number): Uint8Array {
  const n = Math.floor(rnd() * (rnd() < 0.2 ? 9000 : 600));
  const data = new Uint8Array(n);
  for (let at = 0; at < n;) {
    if (i % 3 === 0) data[at++] = Math.floor(rnd() * 256);
    else if (i % 3 === 1) {
      const w = WORDS[Math.floor(rnd() * WORDS.length)];
      for (let k = 0; k < w.length && at < n; k++) data[at++] = w.charCodeAt(k);
    } else data[at++] = rnd() < 0.9 ? 97 : Math.floor(rnd() * 4);
  }
  return data;
}

function zlibInflate(input: Uint8Array): Uint8Array | "error" {
  try {
    return new Uint8Array(zlib.inflateRawSync(input, { maxOutputLength: 1 << 20 }));
  } catch {
    return "error";
  }
}

function ownInflate(input: Uint8Array): Uint8Array | "error" {
  const out = new Uint8Array(1 << 20);
  try {
    return out.slice(0, inflateRawInto(input, out));
  } catch (e) {
    if (!(e instanceof InflateError)) throw e;
    return "error";
  }
}

Deno.test("inflate: every level and strategy of zlib round-trips, byte for byte", () => {
  const rnd = generator(12345);
  for (let i = 0; i < 3000; i++) {
    const data = sample(rnd, i);
    const packed = new Uint8Array(zlib.deflateRawSync(data, { level: i % 10, strategy: i % 5 }));
    const out = new Uint8Array(data.length + 1);
    const n = inflateRawInto(packed, out);
    assert.deepEqual(out.subarray(0, n), data, `sample ${i}`);
  }
});

Deno.test("inflate: content larger than the output buffer is an overflow, never a write past it", () => {
  const data = new TextEncoder().encode("abc".repeat(500));
  const packed = new Uint8Array(zlib.deflateRawSync(data));
  const out = new Uint8Array(data.length + 2);
  const view = out.subarray(0, data.length - 1);
  assert.throws(() => inflateRawInto(packed, view), (e) => e instanceof InflateError && e.overflow);
  assert.equal(out[data.length], 0);
  assert.equal(out[data.length + 1], 0);
});

Deno.test("inflate: corrupt and truncated streams are accepted or refused exactly as zlib does", () => {
  const rnd = generator(777);
  let refused = 0;
  for (let i = 0; i < 3000; i++) {
    const packed = new Uint8Array(zlib.deflateRawSync(sample(rnd, i), { strategy: i % 5 }));
    const bad = packed.slice(0, rnd() < 0.5 ? packed.length : Math.floor(rnd() * packed.length));
    if (bad.length) bad[Math.floor(rnd() * bad.length)] ^= 1 << Math.floor(rnd() * 8);
    const expected = zlibInflate(bad);
    if (expected === "error") refused++;
    assert.deepEqual(ownInflate(bad), expected, `sample ${i}`);
  }
  assert.ok(refused > 500, `only ${refused} corrupt samples refused: the test lost its teeth`);
});

Deno.test("inflate: zlib's strictness cases", () => {
  // Block type 3, a stored block with a bad NLEN, an empty input, a distance before the start.
  assert.equal(ownInflate(new Uint8Array([0x07])), "error");
  assert.equal(ownInflate(new Uint8Array([0x01, 0x05, 0x00, 0x00, 0x00])), "error");
  assert.equal(ownInflate(new Uint8Array()), "error");
  // Fixed block: length 3 at distance 1 with nothing written yet.
  assert.equal(zlibInflate(new Uint8Array([0x03, 0x02, 0x00])), "error");
  assert.equal(ownInflate(new Uint8Array([0x03, 0x02, 0x00])), "error");
});
