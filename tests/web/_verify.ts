/**
 * Independent RFC 9162 proof verification for the tests (section 2.1.3.2 and 2.1.4.2).
 *
 * @module
 */
import { nodeHash, unhex } from "./_memory_ledger.ts";

function eq(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Root hash implied by an inclusion proof, or null when the proof is malformed. */
export async function rootFromInclusion(
  index: number,
  size: number,
  leaf: Uint8Array,
  proof: string[],
): Promise<Uint8Array | null> {
  if (index >= size) return null;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof.map(unhex)) {
    if (sn === 0) return null;
    if ((fn & 1) === 1 || fn === sn) {
      r = await nodeHash(p, r);
      if ((fn & 1) === 0) {
        while ((fn & 1) === 0 && fn !== 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else r = await nodeHash(r, p);
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 ? r : null;
}

/** True when `proof` shows the tree of `first` (root1) is a prefix of `second` (root2). */
export async function verifyConsistency(
  first: number,
  second: number,
  root1: Uint8Array,
  root2: Uint8Array,
  proofHex: string[],
): Promise<boolean> {
  let proof = proofHex.map(unhex);
  if (first === second) return proof.length === 0 && eq(root1, root2);
  if ((first & (first - 1)) === 0) proof = [root1, ...proof];
  if (proof.length === 0) return false;
  let fn = first - 1;
  let sn = second - 1;
  while ((fn & 1) === 1) {
    fn >>= 1;
    sn >>= 1;
  }
  let fr = proof[0];
  let sr = proof[0];
  for (const c of proof.slice(1)) {
    if (sn === 0) return false;
    if ((fn & 1) === 1 || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      if ((fn & 1) === 0) {
        while ((fn & 1) === 0 && fn !== 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else sr = await nodeHash(sr, c);
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 && eq(fr, root1) && eq(sr, root2);
}

/** Root hash bytes from a checkpoint note's third line. */
export function checkpointRoot(note: string): { size: number; root: Uint8Array } {
  const [, size, b64] = note.split("\n");
  return { size: Number(size), root: Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)) };
}
