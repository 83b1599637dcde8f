/**
 * Streaming verification of a whole ledger: canonical form, index continuity, origin, prev chain,
 * every stored checkpoint (signature, monotonic size, root recomputed from the entries) and
 * consistency with a pinned (trusted) checkpoint. Memory use is bounded by one line and the
 * compact range, whatever the ledger's size.
 *
 * @module
 */
import { EntryError, parseLine, ZERO_HASH } from "./entry.ts";
import { bytesEqual, toHex } from "./hash.ts";
import { CompactRange } from "./merkle.ts";
import { type Checkpoint, openCheckpoint } from "./checkpoint.ts";
import { type NoteVerifier, parseVerifierKey } from "./note.ts";
import { MAX_ENTRY_BYTES } from "./types.ts";
import type { LinePiece } from "./lines.ts";

/** What verification reads. */
export interface VerifySource {
  /** The ledger's lines in order (see {@link splitLines}). */
  lines: AsyncIterable<LinePiece>;
  /** Signed checkpoint notes in the order they were signed (may be empty). */
  checkpoints: AsyncIterable<string>;
  /** Whether the source carries the log's own checkpoints (then every entry must be covered). */
  hasCheckpoints: boolean;
}

/** Options of {@link verifyLedger}. */
export interface VerifyOptions {
  /**
   * Verifier-key string of the log's signing key. Without one, only an exported file with no
   * checkpoints can be checked, and only for its chain.
   */
  verifierKey?: string;
  /** Expected origin; default: the first checkpoint's. */
  origin?: string;
  /** A checkpoint note pinned earlier: the ledger must extend it. */
  trusted?: string;
}

/** Outcome of {@link verifyLedger}. */
export type VerifyReport =
  | {
    ok: true;
    /** Number of entries verified. */
    size: number;
    /** Hex root of all verified entries. */
    root: string;
    bytes: number;
    checkpointsChecked: number;
    latest: { size: number; root: string } | null;
    trusted: { size: number; root: string } | null;
    warnings: string[];
  }
  | {
    ok: false;
    /** First failing entry index (the entry count when the failure is about a missing tail). */
    index: number | null;
    reason: string;
    warnings: string[];
  };

class VerifyFailure extends Error {
  constructor(readonly index: number | null, reason: string) {
    super(reason);
  }
}

/**
 * Verify a ledger from a streaming source.
 *
 * @example
 * ```ts
 * const report = await verifyLedger(folderSource("ledger/data"), { verifierKey });
 * if (!report.ok) console.error(`entry ${report.index}: ${report.reason}`);
 * ```
 */
export async function verifyLedger(
  source: VerifySource,
  opts: VerifyOptions,
): Promise<VerifyReport> {
  const warnings: string[] = [];
  try {
    return { ...(await run(source, opts, warnings)), warnings };
  } catch (e) {
    if (e instanceof VerifyFailure) {
      return { ok: false, index: e.index, reason: e.message, warnings };
    }
    return { ok: false, index: null, reason: e instanceof Error ? e.message : String(e), warnings };
  }
}

async function run(source: VerifySource, opts: VerifyOptions, warnings: string[]) {
  let verifier: NoteVerifier | null = null;
  if (opts.verifierKey !== undefined) {
    try {
      verifier = parseVerifierKey(opts.verifierKey);
    } catch (e) {
      throw new VerifyFailure(null, `verifier key: ${(e as Error).message}`);
    }
  } else if (source.hasCheckpoints || opts.trusted !== undefined) {
    throw new VerifyFailure(null, "a verifier key is needed to check signed checkpoints");
  }
  let origin = opts.origin;
  let trusted: Checkpoint | null = null;
  if (opts.trusted !== undefined) {
    try {
      trusted = await openCheckpoint(opts.trusted, verifier!, origin);
    } catch (e) {
      throw new VerifyFailure(null, `trusted checkpoint: ${(e as Error).message}`);
    }
    origin ??= trusted.origin;
  }
  const cps = source.checkpoints[Symbol.asyncIterator]();
  let checked = 0;
  let lastSize = -1;
  let latest: Checkpoint | null = null;
  let pending: Checkpoint | null = null;
  const nextCheckpoint = async (): Promise<Checkpoint | null> => {
    const r = await cps.next();
    if (r.done) return null;
    let cp: Checkpoint;
    try {
      cp = await openCheckpoint(r.value, verifier!, origin);
    } catch (e) {
      throw new VerifyFailure(null, `checkpoint #${checked + 1}: ${(e as Error).message}`);
    }
    origin ??= cp.origin;
    if (cp.size < lastSize) {
      throw new VerifyFailure(
        cp.size,
        `checkpoint sizes go backwards (${lastSize} then ${cp.size})`,
      );
    }
    lastSize = cp.size;
    latest = cp;
    return cp;
  };
  pending = await nextCheckpoint();
  const range = new CompactRange();
  let count = 0;
  let bytes = 0;
  let prev = ZERO_HASH;
  let trustedChecked = false;
  const atBoundary = async () => {
    while (pending && pending.size === count) {
      if (!bytesEqual(range.root(), pending.root)) {
        throw new VerifyFailure(
          Math.max(0, count - 1),
          `the entries do not match the signed checkpoint of size ${count} (modified, reordered or forged history)`,
        );
      }
      checked++;
      pending = await nextCheckpoint();
    }
    if (trusted && !trustedChecked && trusted.size === count) {
      if (!bytesEqual(range.root(), trusted.root)) {
        throw new VerifyFailure(
          Math.max(0, count - 1),
          `the entries do not match the pinned checkpoint of size ${count} (history was rewritten or forked)`,
        );
      }
      trustedChecked = true;
    }
  };
  await atBoundary();
  for await (const piece of source.lines) {
    if (piece.kind === "partial") {
      warnings.push(
        `ignored a torn last line at entry ${count} (${piece.bytes.length} bytes without a final LF): an interrupted append, moved aside on the next writer open`,
      );
      break;
    }
    if (piece.kind === "too-long") {
      throw new VerifyFailure(count, `line is longer than ${MAX_ENTRY_BYTES} bytes`);
    }
    let leaf;
    try {
      const parsed = parseLine(piece.bytes, { index: count, prev, origin });
      origin ??= parsed.entry.origin;
      leaf = parsed.leaf;
      prev = parsed.leafHash;
    } catch (e) {
      throw new VerifyFailure(count, e instanceof EntryError ? e.message : String(e));
    }
    range.append(leaf);
    count++;
    bytes += piece.bytes.length + 1;
    if ((pending && pending.size === count) || (trusted && trusted.size === count)) {
      await atBoundary();
    }
  }
  if (pending) {
    throw new VerifyFailure(
      count,
      `a signed checkpoint covers ${
        (pending as Checkpoint).size
      } entries but the ledger has only ${count} (truncated)`,
    );
  }
  if (trusted && !trustedChecked) {
    throw new VerifyFailure(
      count,
      `the pinned checkpoint covers ${trusted.size} entries but the ledger has only ${count} (truncated or rewritten)`,
    );
  }
  const last = latest as Checkpoint | null;
  if (source.hasCheckpoints) {
    if (!last) {
      if (count > 0) throw new VerifyFailure(0, "no signed checkpoint covers the entries");
    } else if (last.size < count) {
      throw new VerifyFailure(
        last.size,
        "entry is not covered by any signed checkpoint (forged or unacknowledged tail)",
      );
    }
  } else if (!trusted) {
    warnings.push("no signed checkpoint: only the chain was checked, not who wrote it");
  } else if (trusted.size < count) {
    warnings.push(
      `entries ${trusted.size}..${
        count - 1
      } are beyond the pinned checkpoint and not covered by a signature`,
    );
  }
  const root = toHex(range.root());
  return {
    ok: true as const,
    size: count,
    root,
    bytes,
    checkpointsChecked: checked,
    latest: last ? { size: last.size, root: toHex(last.root) } : null,
    trusted: trusted ? { size: trusted.size, root: toHex(trusted.root) } : null,
  };
}
