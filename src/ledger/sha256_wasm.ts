/**
 * SHA-256 in WebAssembly (src/ledger/wasm/sha256.wat, embedded by scripts/build_sha256_wasm.ts):
 * RFC 6962 leaf hashes of a whole block of lines in one call, interior node hashes and plain
 * digests. One call per block removes the per-hash call overhead that made node:crypto and
 * hash-wasm no faster than TypeScript on ~700-byte ledger lines. Checked against node:crypto in
 * tests/ledger/sha256_wasm_test.ts.
 *
 * @module
 */
import { SHA256_WASM_BASE64 } from "./sha256_wasm_bytes.ts";

interface Exports {
  memory: WebAssembly.Memory;
  base: WebAssembly.Global;
  sha256(src: number, len: number, out: number): void;
  node(src: number, out: number): void;
  leaf(src: number, len: number, out: number): void;
  leaves(tab: number, n: number, out: number): void;
  nodes(src: number, n: number, tab: number, out: number): void;
  specials(src: number, len: number, out: number): void;
}

function instantiate(): Exports {
  const bin = atob(SHA256_WASM_BASE64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as unknown as Exports;
}

const wasm = instantiate();
const BASE: number = wasm.base.value;
/** Largest message a single call hashes (the scratch area's size). */
export const MAX_WASM_MESSAGE = 65_537;
/** Lines per `leaves` call, which bounds the line table. */
const TABLE_LINES = 4096;

let mem = new Uint8Array(wasm.memory.buffer);
let words = new Int32Array(wasm.memory.buffer);
/**
 * The array whose bytes {@link wasmSpecials} left at BASE, which {@link wasmLeaves} then need not
 * copy again; null once anything else wrote there.
 */
let loaded: Uint8Array | null = null;

/** Make sure the memory reaches `end`; views are refreshed when it grows. */
function reserve(end: number): void {
  if (end > wasm.memory.buffer.byteLength) {
    wasm.memory.grow(Math.ceil((end - wasm.memory.buffer.byteLength) / 65536));
  }
  if (mem.buffer !== wasm.memory.buffer) {
    mem = new Uint8Array(wasm.memory.buffer);
    words = new Int32Array(wasm.memory.buffer);
  }
}

/**
 * SHA-256 of `data` (at most {@link MAX_WASM_MESSAGE} bytes).
 *
 * @example
 * ```ts
 * wasmSha256(new TextEncoder().encode("abc")); // ba7816bf...
 * ```
 */
export function wasmSha256(data: Uint8Array): Uint8Array {
  if (data.length > MAX_WASM_MESSAGE) throw new RangeError("message too long for wasmSha256");
  reserve(BASE + data.length + 32);
  loaded = null;
  mem.set(data, BASE + 32);
  wasm.sha256(BASE + 32, data.length, BASE);
  return mem.slice(BASE, BASE + 32);
}

/**
 * RFC 6962 leaf hash SHA-256(0x00 || data) (`data` at most {@link MAX_WASM_MESSAGE} - 1 bytes).
 *
 * @example
 * ```ts
 * const leaf = wasmLeaf(new TextEncoder().encode('{"v":1}'));
 * ```
 */
export function wasmLeaf(data: Uint8Array): Uint8Array {
  if (data.length >= MAX_WASM_MESSAGE) throw new RangeError("line too long for wasmLeaf");
  reserve(BASE + data.length + 32);
  loaded = null;
  mem.set(data, BASE + 32);
  wasm.leaf(BASE + 32, data.length, BASE);
  return mem.slice(BASE, BASE + 32);
}

/**
 * RFC 6962 interior node hash SHA-256(0x01 || left || right) of two 32-byte hashes.
 *
 * @example
 * ```ts
 * const parent = wasmNode(leftHash, rightHash);
 * ```
 */
export function wasmNode(left: Uint8Array, right: Uint8Array): Uint8Array {
  loaded = null;
  mem.set(left, BASE + 32);
  mem.set(right, BASE + 64);
  wasm.node(BASE + 32, BASE);
  return mem.slice(BASE, BASE + 32);
}

/**
 * The bitmap of the bytes of `data` that a canonical JSON string cannot hold as they are (below
 * 0x20, from 0x80, the quote, the backslash), for fast_line.ts: bit `i & 31` of word `i >> 5` for
 * `data[i]`, and every bit from `data.length` on set, through at least one more whole word. In
 * `out` when it is large enough, else in a new array. Also leaves `data` in the module's memory,
 * where a {@link wasmLeaves} call on the same unchanged array that comes next finds it.
 *
 * @example
 * ```ts
 * const bits = wasmSpecials(new TextEncoder().encode('"a"'), new Int32Array(2)); // bits 0, 2, 3.. set
 * ```
 */
export function wasmSpecials(data: Uint8Array, out: Int32Array): Int32Array {
  const n = (data.length >> 5) + 2;
  if (out.length < n) out = new Int32Array(n + (n >> 2));
  const at = BASE + ((data.length + 63) & ~63) + 64; // past every byte the scan reads
  reserve(at + n * 4 + 64);
  mem.set(data, BASE);
  loaded = data;
  wasm.specials(BASE, data.length, at);
  out.set(words.subarray(at >> 2, (at >> 2) + n));
  const last = data.length >> 5;
  out[last] |= -1 << (data.length & 31);
  for (let w = last + 1; w < n; w++) out[w] = -1;
  return out;
}

/**
 * RFC 6962 leaf hashes SHA-256(0x00 || line) of `n` lines of `data`: line k is
 * `data[starts[k], ends[k])`, each at most {@link MAX_WASM_MESSAGE} - 1 bytes. Returns 32n bytes.
 *
 * @example
 * ```ts
 * const leaves = wasmLeaves(block, Int32Array.of(0), Int32Array.of(block.length - 1), 1);
 * ```
 */
export function wasmLeaves(
  data: Uint8Array,
  starts: Int32Array,
  ends: Int32Array,
  n: number,
): Uint8Array {
  const out = new Uint8Array(n * 32);
  const dataAt = BASE;
  const tabAt = dataAt + ((data.length + 7) & ~7);
  const outAt = tabAt + TABLE_LINES * 8;
  reserve(outAt + TABLE_LINES * 32);
  if (loaded !== data) mem.set(data, dataAt);
  loaded = null; // the table and the hashes go right after the data
  for (let first = 0; first < n; first += TABLE_LINES) {
    const count = Math.min(TABLE_LINES, n - first);
    let w = tabAt >> 2;
    for (let k = first; k < first + count; k++) {
      const len = ends[k] - starts[k];
      if (len < 0 || len >= MAX_WASM_MESSAGE || ends[k] > data.length) {
        throw new RangeError(`line ${k} is out of range`);
      }
      words[w++] = dataAt + starts[k];
      words[w++] = len;
    }
    wasm.leaves(tabAt, count, outAt);
    out.set(mem.subarray(outAt, outAt + count * 32), first * 32);
  }
  return out;
}

/**
 * An RFC 6962 compact range (the peaks of the Merkle tree of the leaves so far) that takes
 * leaf hashes in batches and computes the interior nodes in WebAssembly, level by level, four
 * at a time: the same tree as merkle.ts's CompactRange, without a call and an allocation per node.
 *
 * @example
 * ```ts
 * const range = new LeafRange();
 * range.append(leaves, leaves.length / 32);
 * const root = range.root();
 * ```
 */
export class LeafRange {
  #size = 0;
  /** The peak of each level at 32·level; a level has one when its bit of the size is set. */
  #peaks = new Uint8Array(64 * 32);

  /** Number of leaves. */
  get size(): number {
    return this.#size;
  }

  /** Append the first `n` 32-byte leaf hashes of `leaves`. */
  append(leaves: Uint8Array, n: number): void {
    for (let first = 0; first < n; first += TABLE_LINES) {
      const count = Math.min(TABLE_LINES, n - first);
      this.#appendRun(leaves.subarray(first * 32, (first + count) * 32), count);
    }
  }

  /**
   * One level at a time: the run of new nodes (with the level's old peak in front when the run
   * starts at an odd position) is paired into the next level's run; an unpaired last node is the
   * level's new peak. Levels the run never reaches keep their peaks.
   */
  #appendRun(leaves: Uint8Array, n: number): void {
    const area = (n + 2) * 32;
    const areas = [BASE, BASE + area];
    const tab = BASE + 2 * area;
    reserve(tab + (n + 2) * 4);
    loaded = null;
    let cur = areas[0] + 32;
    mem.set(leaves, cur);
    let len = n;
    let pos = this.#size; // position of the run's first node within its level
    for (let level = 0, side = 1; len > 0; level++, side ^= 1) {
      if (pos % 2 === 1) {
        cur -= 32;
        mem.set(this.#peaks.subarray(level * 32, level * 32 + 32), cur);
        len++;
        pos--;
      }
      const pairs = len >> 1;
      if (len % 2 === 1) {
        this.#peaks.set(mem.subarray(cur + pairs * 64, cur + pairs * 64 + 32), level * 32);
      }
      const next = areas[side] + 32;
      if (pairs > 0) wasm.nodes(cur, pairs, tab, next);
      cur = next;
      len = pairs;
      pos /= 2;
    }
    this.#size += n;
  }

  /** Merkle tree hash of the leaves so far (SHA-256 of nothing for none). */
  root(): Uint8Array {
    if (this.#size === 0) return wasmSha256(new Uint8Array(0));
    let acc: Uint8Array | null = null;
    for (let level = 0, rest = this.#size; rest > 0; level++, rest = Math.floor(rest / 2)) {
      if (rest % 2 === 0) continue;
      const peak = this.#peaks.subarray(level * 32, level * 32 + 32);
      acc = acc === null ? peak.slice() : wasmNode(peak, acc);
    }
    return acc!;
  }
}
