import { createHash } from "node:crypto";
import { assertEquals } from "./_assert.ts";
import {
  LeafRange,
  MAX_WASM_MESSAGE,
  wasmLeaf,
  wasmLeaves,
  wasmNode,
  wasmSha256,
  wasmSpecials,
} from "../../src/ledger/sha256_wasm.ts";
import { toHex } from "../../src/ledger/hash.ts";
import { CompactRange } from "../../src/ledger/merkle.ts";
import { assemble, MODULE_URL, moduleText, WAT_URL } from "../../scripts/build_sha256_wasm.ts";

const nodeHex = (...parts: Uint8Array[]) => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest("hex");
};
const LEAF = new Uint8Array([0]);
/** Random bytes of any length (getRandomValues fills at most 64 KiB per call). */
function random(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let at = 0; at < n; at += 65_536) crypto.getRandomValues(out.subarray(at, at + 65_536));
  return out;
}
const NODE = new Uint8Array([1]);

Deno.test("wasmSha256 matches node:crypto on random inputs of every length 0..2000", () => {
  for (let n = 0; n <= 2000; n++) {
    const data = crypto.getRandomValues(new Uint8Array(n));
    assertEquals(toHex(wasmSha256(data)), nodeHex(data), `length ${n}`);
  }
  const big = random(MAX_WASM_MESSAGE);
  assertEquals(toHex(wasmSha256(big)), nodeHex(big));
});

Deno.test("wasmSha256 gives the FIPS 180-4 example digests", () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  assertEquals(
    toHex(wasmSha256(enc(""))),
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
  assertEquals(
    toHex(wasmSha256(enc("abc"))),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  assertEquals(
    toHex(wasmSha256(enc("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
  );
});

Deno.test("wasmLeaves (four lanes at once) matches node:crypto for mixed lengths 0..2000", () => {
  // Lengths in a shuffled order, so each group of four mixes short and long messages.
  const lengths = Array.from({ length: 2001 }, (_, i) => i);
  for (let i = lengths.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [lengths[i], lengths[j]] = [lengths[j], lengths[i]];
  }
  // More lines than one table holds (4096), the longest line, and a tail group of three.
  for (let i = 0; i < 2200; i++) lengths.push(i % 120);
  lengths.push(65_536, 0, 65_536);
  const total = lengths.reduce((a, b) => a + b + 1, 0);
  const data = random(total);
  const starts = new Int32Array(lengths.length);
  const ends = new Int32Array(lengths.length);
  let at = 0;
  lengths.forEach((n, k) => {
    starts[k] = at;
    ends[k] = at + n;
    at += n + 1;
  });
  for (const n of [lengths.length, 1, 2, 3, 4, 5, 4097]) {
    const out = wasmLeaves(data, starts, ends, n);
    assertEquals(out.length, 32 * n);
    for (let k = 0; k < n; k++) {
      assertEquals(
        toHex(out.subarray(32 * k, 32 * k + 32)),
        nodeHex(LEAF, data.subarray(starts[k], ends[k])),
        `line ${k} of ${n}, length ${lengths[k]}`,
      );
    }
  }
});

Deno.test("wasmLeaf and wasmNode are the RFC 6962 leaf and node hashes", () => {
  for (const n of [0, 1, 55, 63, 64, 700, 65_536]) {
    const data = crypto.getRandomValues(new Uint8Array(n));
    assertEquals(toHex(wasmLeaf(data)), nodeHex(LEAF, data), `length ${n}`);
  }
  const left = crypto.getRandomValues(new Uint8Array(32));
  const right = crypto.getRandomValues(new Uint8Array(32));
  assertEquals(toHex(wasmNode(left, right)), nodeHex(NODE, left, right));
});

Deno.test("the committed WebAssembly module is assembled from src/ledger/wasm/sha256.wat", async () => {
  const text = moduleText(await assemble(await Deno.readTextFile(WAT_URL)));
  assertEquals(
    await Deno.readTextFile(MODULE_URL),
    text,
    "src/ledger/sha256_wasm_bytes.ts is stale: run `deno task build-wasm`",
  );
});

Deno.test("LeafRange gives CompactRange's root at every size, whatever the batch sizes", () => {
  const range = new LeafRange();
  const reference = new CompactRange();
  assertEquals(toHex(range.root()), toHex(reference.root()));
  const leaves = random(32 * 5000);
  let at = 0;
  for (const n of [1, 1, 2, 3, 7, 64, 1, 4096, 5, 4097 - 4096, 100, 600]) {
    range.append(leaves.subarray(32 * at), n);
    for (let k = at; k < at + n; k++) reference.append(leaves.subarray(32 * k, 32 * k + 32));
    at += n;
    assertEquals(range.size, at);
    assertEquals(toHex(range.root()), toHex(reference.root()), `size ${at}`);
  }
  range.append(leaves, 0);
  assertEquals(toHex(range.root()), toHex(reference.root()));
});

Deno.test("wasmSpecials marks control, non-ASCII, quote and backslash bytes, and all past the end", () => {
  let out: Int32Array = new Int32Array(0);
  for (let n = 0; n <= 300; n++) {
    const data = crypto.getRandomValues(new Uint8Array(n));
    // Mostly printable ASCII, so that plain bytes are common.
    for (let i = 0; i < n; i++) if (data[i] & 1) data[i] = 0x20 + (data[i] % 0x60);
    out = wasmSpecials(data, out);
    const words = (n >> 5) + 2;
    for (let i = 0; i < words * 32; i++) {
      const c = data[i];
      const want = i >= n || c < 0x20 || c >= 0x80 || c === 0x22 || c === 0x5c;
      assertEquals(((out[i >> 5] >>> (i & 31)) & 1) === 1, want, `length ${n}, byte ${i}`);
    }
    // The bytes stay in place for wasmLeaves.
    const leaves = wasmLeaves(data, Int32Array.of(0), Int32Array.of(n), 1);
    assertEquals(toHex(leaves), nodeHex(LEAF, data));
  }
});
