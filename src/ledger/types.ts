/**
 * The contract of the ledger, shared by every store (file, Deno KV) and every reader
 * (reconcile, CLI, web app). The format itself is specified in docs/ledger.md.
 *
 * @module
 */
import { z } from "zod";

/** Current entry format version. */
export const LEDGER_FORMAT_VERSION = 1;
export { MAX_ENTRY_BYTES } from "./limits.ts";

/** What a caller hands to {@link LedgerStore.append}: the store fills in the rest. */
export interface LedgerEventInput {
  /** Event kind, e.g. `finding.opened`; `[a-z]+(\.[a-z_]+)+`. */
  kind: string;
  /** JSON object; integers only (no floats), strings, booleans, null, arrays, objects. */
  body: Record<string, unknown>;
}

/** One ledger entry as stored (one canonical JSON line). */
export const LedgerEntrySchema = z.object({
  /** Format version. */
  v: z.literal(LEDGER_FORMAT_VERSION),
  /** Log origin (the checkpoint's first line). */
  origin: z.string(),
  /** 0-based position in the log. */
  index: z.number().int().min(0),
  /** RFC 3339 UTC time with millisecond precision, `2026-11-22T10:00:00.000Z`. */
  time: z.string(),
  kind: z.string(),
  /** Lowercase hex SHA-256 leaf hash of the previous entry; 64 zeros for index 0. */
  prev: z.string().regex(/^[0-9a-f]{64}$/),
  body: z.record(z.string(), z.unknown()),
});
/** See {@link LedgerEntrySchema}. */
export type LedgerEntry = z.infer<typeof LedgerEntrySchema>;

/** An entry together with its exact line bytes and leaf hash. */
export interface StoredEntry {
  entry: LedgerEntry;
  /** The canonical line, without the final LF. */
  line: string;
  /** Lowercase hex SHA-256(0x00 || line bytes). */
  leafHash: string;
}

/** Filters for reading entries. */
export interface EntryFilter {
  kind?: string;
  /** Matches `body.project`. */
  project?: string;
  since?: Date;
  until?: Date;
}

/** An append-only, Merkle-checkpointed, signed ledger. */
export interface LedgerStore {
  /** Log origin. */
  readonly origin: string;
  /**
   * Append events atomically and durably, advance the tree and sign a new checkpoint in the
   * same step. Resolves only once the entries are durable.
   */
  append(events: LedgerEventInput[]): Promise<StoredEntry[]>;
  /** Number of entries. */
  size(): Promise<number>;
  /** Entries with `from <= index < to` (defaults: all), in order, streamed. */
  entries(from?: number, to?: number): AsyncIterable<StoredEntry>;
  /** The latest signed checkpoint (C2SP signed note text), or null for an empty log. */
  checkpoint(): Promise<string | null>;
  /** RFC 9162 inclusion proof of `index` in the tree of `size` (default: current), hex hashes. */
  inclusionProof(index: number, size?: number): Promise<string[]>;
  /** RFC 9162 consistency proof from `from` to `to` (default: current), hex hashes. */
  consistencyProof(from: number, to?: number): Promise<string[]>;
  /** Release locks and handles. */
  close(): Promise<void>;
}
