/**
 * C2SP tlog-checkpoint bodies (c2sp.org/tlog-checkpoint): origin line, decimal tree size, base64
 * root hash, each ending in LF.
 *
 * @module
 */
import { fromBase64, toBase64 } from "./hash.ts";
import { type NoteVerifier, openNote } from "./note.ts";

/** A parsed checkpoint. */
export interface Checkpoint {
  origin: string;
  size: number;
  root: Uint8Array;
}

/**
 * Checkpoint body text.
 *
 * @example
 * ```ts
 * formatCheckpoint({ origin: "example.org/ledger", size: 1, root }); // "example.org/ledger\n1\n...=\n"
 * ```
 */
export function formatCheckpoint(cp: Checkpoint): string {
  if (!cp.origin || cp.origin.includes("\n")) throw new Error("invalid checkpoint origin");
  if (!Number.isSafeInteger(cp.size) || cp.size < 0) throw new Error("invalid checkpoint size");
  if (cp.root.length !== 32) throw new Error("invalid checkpoint root");
  return `${cp.origin}\n${cp.size}\n${toBase64(cp.root)}\n`;
}

/**
 * Parse a checkpoint body (extension lines after the third are allowed and ignored).
 *
 * @example
 * ```ts
 * const cp = parseCheckpoint("example.org/ledger\n1\n" + b64 + "\n");
 * ```
 */
export function parseCheckpoint(text: string): Checkpoint {
  const lines = text.split("\n");
  if (lines.length < 4 || lines[lines.length - 1] !== "") throw new Error("malformed checkpoint");
  const [origin, sizeText, rootText] = lines;
  if (!origin) throw new Error("checkpoint has an empty origin");
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) {
    throw new Error("malformed checkpoint size");
  }
  let root: Uint8Array;
  try {
    root = fromBase64(rootText);
  } catch {
    throw new Error("malformed checkpoint root");
  }
  if (root.length !== 32) throw new Error("checkpoint root is not 32 bytes");
  return { origin, size: Number(sizeText), root };
}

/**
 * Verify a signed checkpoint note and parse it; `origin`, when given, must match.
 *
 * @example
 * ```ts
 * const cp = await openCheckpoint(note, parseVerifierKey(vkey), "example.org/ledger");
 * ```
 */
export async function openCheckpoint(
  note: string,
  verifier: NoteVerifier,
  origin?: string,
): Promise<Checkpoint> {
  const cp = parseCheckpoint(await openNote(note, verifier));
  if (origin !== undefined && cp.origin !== origin) {
    throw new Error(
      `checkpoint origin ${JSON.stringify(cp.origin)} is not ${JSON.stringify(origin)}`,
    );
  }
  return cp;
}

/** Parse a checkpoint note's body without verifying the signature (display only). */
export function peekCheckpoint(note: string): Checkpoint {
  const split = note.indexOf("\n\n");
  if (split < 0) throw new Error("malformed note");
  return parseCheckpoint(note.slice(0, split + 1));
}
