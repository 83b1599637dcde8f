/**
 * Reading the head of a C2SP checkpoint (origin, tree size, root hash) from signed note text.
 *
 * @module
 */

/** Parsed checkpoint body lines. */
export interface CheckpointHead {
  origin: string;
  size: number;
  /** Base64 root hash as written in the note. */
  rootHash: string;
}

/**
 * Parse the first three lines of a checkpoint note, or null when malformed.
 *
 * @example
 * ```ts
 * parseCheckpointHead("example.org/log\n3\nAAAA...=\n\n— sig\n")?.size; // 3
 * ```
 */
export function parseCheckpointHead(note: string | null): CheckpointHead | null {
  if (note === null) return null;
  const [origin, size, rootHash] = note.split("\n", 3);
  if (!origin || !/^(0|[1-9][0-9]{0,15})$/.test(size ?? "") || !rootHash) return null;
  return { origin, size: Number(size), rootHash };
}
