/**
 * Inclusion proofs in the C2SP tlog-proof text format (c2sp.org/tlog-proof@v1):
 *
 * ```
 * c2sp.org/tlog-proof@v1
 * extra <base64 of the entry line>
 * index <N>
 * <base64 proof hash>...
 *
 * <signed checkpoint note>
 * ```
 *
 * The optional `extra` line carries the entry itself, so one file checks one entry offline.
 *
 * @module
 */
import { fromBase64, fromHex, hashLeaf, toBase64, toHex } from "./hash.ts";
import { verifyInclusion } from "./merkle.ts";
import { openCheckpoint } from "./checkpoint.ts";
import { parseVerifierKey } from "./note.ts";
import type { LedgerEntry } from "./types.ts";
import { assertJsonValue } from "./entry.ts";
import canonicalize from "canonicalize";

const HEADER = "c2sp.org/tlog-proof@v1";
const encoder = new TextEncoder();
const MAX_PROOF_BYTES = 256 * 1024;

/**
 * Format a tlog-proof for the entry line at `index` with hex proof hashes and the signed
 * checkpoint the proof leads to.
 *
 * @example
 * ```ts
 * const text = formatTlogProof(line, 5, await ledger.inclusionProof(5), (await ledger.checkpoint())!);
 * ```
 */
export function formatTlogProof(
  line: string,
  index: number,
  proof: string[],
  checkpoint: string,
): string {
  const hashes = proof.map((h) => toBase64(fromHex(h)) + "\n").join("");
  return `${HEADER}\nextra ${
    toBase64(encoder.encode(line))
  }\nindex ${index}\n${hashes}\n${checkpoint}`;
}

/** What a verified proof shows. */
export interface VerifiedProof {
  index: number;
  treeSize: number;
  root: string;
  entry: LedgerEntry;
  line: string;
}

/**
 * Verify a tlog-proof carrying its entry: the checkpoint's signature, the inclusion of the
 * entry's leaf hash, and that the entry is canonical and claims the proof's index and origin.
 *
 * @example
 * ```ts
 * const { entry } = await verifyTlogProof(await Deno.readTextFile("proof.txt"), verifierKey);
 * ```
 */
export async function verifyTlogProof(text: string, verifierKey: string): Promise<VerifiedProof> {
  if (text.length > MAX_PROOF_BYTES) throw new Error("proof is too large");
  const lines = text.split("\n");
  if (lines[0] !== HEADER) throw new Error("not a c2sp.org/tlog-proof@v1 proof");
  let at = 1;
  let extra: Uint8Array | null = null;
  if (lines[at]?.startsWith("extra ")) {
    extra = fromBase64(lines[at].slice(6));
    at++;
  }
  const indexMatch = /^index (0|[1-9][0-9]{0,15})$/.exec(lines[at] ?? "");
  if (!indexMatch) throw new Error("proof has no valid index line");
  const index = Number(indexMatch[1]);
  at++;
  const hashes: Uint8Array[] = [];
  for (; at < lines.length && lines[at] !== ""; at++) {
    const h = fromBase64(lines[at]);
    if (h.length !== 32) throw new Error("proof hash is not 32 bytes");
    hashes.push(h);
  }
  if (at >= lines.length) throw new Error("proof has no checkpoint");
  const note = lines.slice(at + 1).join("\n");
  const cp = await openCheckpoint(note, parseVerifierKey(verifierKey));
  if (!extra) throw new Error("proof does not carry its entry (no extra line)");
  const line = new TextDecoder("utf-8", { fatal: true }).decode(extra);
  const entry = JSON.parse(line) as LedgerEntry;
  assertJsonValue(entry.body);
  if (canonicalize(entry) !== line) throw new Error("entry is not in canonical form");
  if (entry.index !== index) {
    throw new Error(`entry index ${entry.index} is not the proof's ${index}`);
  }
  if (entry.origin !== cp.origin) throw new Error("entry origin differs from the checkpoint's");
  if (!verifyInclusion(index, cp.size, hashLeaf(extra), hashes, cp.root)) {
    throw new Error(`inclusion proof does not lead to the checkpoint of size ${cp.size}`);
  }
  return { index, treeSize: cp.size, root: toHex(cp.root), entry, line };
}
