/**
 * RFC 9162 (RFC 6962) Merkle tree: an incremental compact range (right-edge stack), proof
 * generation over stored complete subtrees, and proof verification.
 *
 * Nodes are addressed as (level, index): the complete subtree of 2^level leaves starting at leaf
 * `index * 2^level`. Level 0 holds the leaf hashes.
 *
 * @module
 */
import { bytesEqual, hashChildren, sha256 } from "./hash.ts";

/** A complete-subtree node address. */
export interface NodeId {
  level: number;
  index: number;
}

/** Fetches stored complete-subtree hashes; must return them in the order asked. */
export type NodeFetcher = (ids: NodeId[]) => Promise<Uint8Array[]>;

/** Root of the empty tree: SHA-256 of the empty string. */
export const EMPTY_ROOT: Uint8Array = sha256();

const pow2 = (level: number) => 2 ** level;

/**
 * The right edge of a tree: one hash per set bit of `size`, highest level first. Appending a leaf
 * costs O(log n) and reports each newly completed node.
 *
 * @example
 * ```ts
 * const range = new CompactRange();
 * range.append(hashLeaf(bytes));
 * const root = range.root();
 * ```
 */
export class CompactRange {
  #size: number;
  #peaks: Uint8Array[];

  constructor(size = 0, peaks: Uint8Array[] = []) {
    if (peaks.length !== popCount(size)) throw new Error("compact range: peak count mismatch");
    this.#size = size;
    this.#peaks = [...peaks];
  }

  /** Number of leaves. */
  get size(): number {
    return this.#size;
  }

  /** The peaks, highest level (leftmost) first. */
  get peaks(): Uint8Array[] {
    return [...this.#peaks];
  }

  /** Append a leaf hash; `onNode` sees the leaf (level 0) and every completed parent. */
  append(leaf: Uint8Array, onNode?: (level: number, index: number, hash: Uint8Array) => void) {
    let hash = leaf;
    let level = 0;
    let index = this.#size;
    onNode?.(0, index, leaf);
    while (index % 2 === 1) {
      hash = hashChildren(this.#peaks.pop()!, hash);
      level++;
      index = (index - 1) / 2;
      onNode?.(level, index, hash);
    }
    this.#peaks.push(hash);
    this.#size++;
  }

  /** Merkle tree hash of the leaves so far. */
  root(): Uint8Array {
    return foldRight(this.#peaks);
  }

  /** An independent copy. */
  clone(): CompactRange {
    return new CompactRange(this.#size, this.#peaks);
  }
}

/** Number of set bits of a non-negative safe integer. */
export function popCount(n: number): number {
  let count = 0;
  while (n > 0) {
    count += n % 2;
    n = Math.floor(n / 2);
  }
  return count;
}

/** Peak node ids of a tree of `size` leaves, highest level first. */
export function peakIds(size: number): NodeId[] {
  const ids: NodeId[] = [];
  let start = 0;
  for (let level = 53; level >= 0; level--) {
    const width = pow2(level);
    if (start + width <= size) {
      ids.push({ level, index: start / width });
      start += width;
    }
  }
  return ids;
}

function foldRight(hashes: Uint8Array[]): Uint8Array {
  if (hashes.length === 0) return EMPTY_ROOT;
  let acc = hashes[hashes.length - 1];
  for (let i = hashes.length - 2; i >= 0; i--) acc = hashChildren(hashes[i], acc);
  return acc;
}

/** Complete-subtree decomposition of the leaf range [start, end), left to right. */
function rangeNodes(start: number, end: number): NodeId[] {
  const ids: NodeId[] = [];
  while (start < end) {
    let level = 0;
    while (start % pow2(level + 1) === 0 && start + pow2(level + 1) <= end) level++;
    ids.push({ level, index: start / pow2(level) });
    start += pow2(level);
  }
  return ids;
}

/** Largest power of two strictly smaller than n (n >= 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

type Range = [number, number];

/** RFC 9162 2.1.3.1 PATH(m, D[start:end]) as a list of subtree ranges. */
function inclusionRanges(m: number, start: number, end: number, out: Range[]): void {
  const n = end - start;
  if (n <= 1) return;
  const k = splitPoint(n);
  if (m < k) {
    inclusionRanges(m, start, start + k, out);
    out.push([start + k, end]);
  } else {
    inclusionRanges(m - k, start + k, end, out);
    out.push([start, start + k]);
  }
}

/** RFC 9162 2.1.4.1 SUBPROOF(m, D[start:end], b) as a list of subtree ranges. */
function consistencyRanges(m: number, start: number, end: number, b: boolean, out: Range[]) {
  const n = end - start;
  if (m === n) {
    if (!b) out.push([start, end]);
    return;
  }
  const k = splitPoint(n);
  if (m <= k) {
    consistencyRanges(m, start, start + k, b, out);
    out.push([start + k, end]);
  } else {
    consistencyRanges(m - k, start + k, end, false, out);
    out.push([start, start + k]);
  }
}

async function resolveRanges(ranges: Range[], fetch: NodeFetcher): Promise<Uint8Array[]> {
  const perRange = ranges.map(([a, b]) => rangeNodes(a, b));
  const hashes = await fetch(perRange.flat());
  let at = 0;
  return perRange.map((ids) => {
    const part = hashes.slice(at, at + ids.length);
    at += ids.length;
    return foldRight(part);
  });
}

function checkSafe(...values: number[]) {
  for (const v of values) {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`invalid tree position ${v}`);
  }
}

/**
 * Inclusion proof of leaf `index` in the tree of `size` leaves (RFC 9162 2.1.3.1).
 *
 * @example
 * ```ts
 * const proof = await inclusionProof(3, 8, fetchNodes);
 * ```
 */
export function inclusionProof(
  index: number,
  size: number,
  fetch: NodeFetcher,
): Promise<Uint8Array[]> {
  checkSafe(index, size);
  if (index >= size) throw new RangeError(`index ${index} is not below tree size ${size}`);
  const ranges: Range[] = [];
  inclusionRanges(index, 0, size, ranges);
  return resolveRanges(ranges, fetch);
}

/**
 * Consistency proof from the tree of `from` leaves to the tree of `to` leaves (RFC 9162
 * 2.1.4.1); empty when `from` is 0 or equals `to`.
 *
 * @example
 * ```ts
 * const proof = await consistencyProof(3, 8, fetchNodes);
 * ```
 */
export function consistencyProof(
  from: number,
  to: number,
  fetch: NodeFetcher,
): Promise<Uint8Array[]> {
  checkSafe(from, to);
  if (from > to) throw new RangeError(`consistency from ${from} is above ${to}`);
  if (from === 0 || from === to) return Promise.resolve([]);
  const ranges: Range[] = [];
  consistencyRanges(from, 0, to, true, ranges);
  return resolveRanges(ranges, fetch);
}

/**
 * Merkle tree hash of the first `size` leaves, from stored complete subtrees.
 *
 * @example
 * ```ts
 * const root = await rootAt(5, fetchNodes);
 * ```
 */
export async function rootAt(size: number, fetch: NodeFetcher): Promise<Uint8Array> {
  checkSafe(size);
  return foldRight(await fetch(peakIds(size)));
}

/**
 * Root implied by an inclusion proof (RFC 9162 2.1.3.2); throws when the proof is malformed.
 *
 * @example
 * ```ts
 * const root = rootFromInclusionProof(2, 5, leafHash, proof);
 * ```
 */
export function rootFromInclusionProof(
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: Uint8Array[],
): Uint8Array {
  checkSafe(index, size);
  if (index >= size) throw new Error(`index ${index} is not below tree size ${size}`);
  if (leafHash.length !== 32) throw new Error("leaf hash must be 32 bytes");
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (p.length !== 32) throw new Error("proof hash must be 32 bytes");
    if (sn === 0) throw new Error("inclusion proof is too long");
    if (fn % 2 === 1 || fn === sn) {
      r = hashChildren(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn /= 2;
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new Error("inclusion proof is too short");
  return r;
}

/**
 * True when `proof` shows leaf `leafHash` at `index` in the tree of `size` with root `root`.
 *
 * @example
 * ```ts
 * verifyInclusion(2, 5, leafHash, proof, root); // true or false
 * ```
 */
export function verifyInclusion(
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: Uint8Array[],
  root: Uint8Array,
): boolean {
  try {
    return bytesEqual(rootFromInclusionProof(index, size, leafHash, proof), root);
  } catch {
    return false;
  }
}

/**
 * True when `proof` shows that the tree of size `from` (root `fromRoot`) is a prefix of the tree
 * of size `to` (root `toRoot`), per RFC 9162 2.1.4.2.
 *
 * @example
 * ```ts
 * verifyConsistency(3, 8, root3, root8, proof); // true or false
 * ```
 */
export function verifyConsistency(
  from: number,
  to: number,
  fromRoot: Uint8Array,
  toRoot: Uint8Array,
  proof: Uint8Array[],
): boolean {
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || from > to) {
    return false;
  }
  if (proof.some((p) => p.length !== 32)) return false;
  if (from === to) return proof.length === 0 && bytesEqual(fromRoot, toRoot);
  if (from === 0) return proof.length === 0;
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(from) ? [fromRoot, ...proof] : proof;
  let fn = from - 1;
  let sn = to - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn /= 2;
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && bytesEqual(fr, fromRoot) && bytesEqual(sr, toRoot);
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && 2 ** Math.round(Math.log2(n)) === n;
}

/**
 * An in-memory node store built from leaf hashes (tests, small exports).
 *
 * @example
 * ```ts
 * const mem = MemoryTree.fromLeaves(leaves);
 * const proof = await inclusionProof(0, leaves.length, mem.fetch);
 * ```
 */
export class MemoryTree {
  readonly levels: Uint8Array[][] = [];
  readonly range = new CompactRange();

  /** Append one leaf hash. */
  append(leaf: Uint8Array): void {
    this.range.append(leaf, (level, index, hash) => {
      (this.levels[level] ??= [])[index] = hash;
    });
  }

  /** Build from a list of leaf hashes. */
  static fromLeaves(leaves: Uint8Array[]): MemoryTree {
    const t = new MemoryTree();
    for (const l of leaves) t.append(l);
    return t;
  }

  /** A {@link NodeFetcher} over this tree. */
  fetch: NodeFetcher = (ids) =>
    Promise.resolve(ids.map(({ level, index }) => {
      const h = this.levels[level]?.[index];
      if (!h) throw new Error(`missing node ${level}/${index}`);
      return h;
    }));
}
