/**
 * Independent RFC 9162 proof verification for the tests (section 2.1.3.2 and 2.1.4.2).
 *
 * @module
 */
const enc = new TextEncoder();

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
}

/** Hex of bytes. */
export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Bytes of hex. */
export function unhex(text: string): Uint8Array {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** RFC 6962 leaf hash SHA-256(0x00 || line). */
export async function leafHash(line: string): Promise<Uint8Array> {
  const bytes = enc.encode(line);
  const buf = new Uint8Array(bytes.length + 1);
  buf.set(bytes, 1);
  return await sha256(buf);
}

/** RFC 6962 node hash SHA-256(0x01 || left || right). */
export async function nodeHash(left: Uint8Array, right: Uint8Array): Promise<Uint8Array> {
  const buf = new Uint8Array(65);
  buf[0] = 1;
  buf.set(left, 1);
  buf.set(right, 33);
  return await sha256(buf);
}

/** RFC 6962 root of a list of leaf hashes, computed recursively (independent of the store). */
export async function rootOf(leaves: Uint8Array[]): Promise<Uint8Array> {
  if (leaves.length === 1) return leaves[0];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return await nodeHash(await rootOf(leaves.slice(0, k)), await rootOf(leaves.slice(k)));
}

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
