/**
 * The ledger: append-only, hash-chained, Merkle-checkpointed and signed. Entry format, tree,
 * checkpoints, keys, proofs and store layouts are specified in docs/ledger.md.
 *
 * @example
 * ```ts
 * const { privateKey } = await generateSigningKey("example.org/ledger");
 * const ledger = await openLedger({ store: "file", path: "ledger/data", origin: "example.org/ledger", signingKey: privateKey });
 * await ledger.append([{ kind: "finding.opened", body: { project: "requests" } }]);
 * await ledger.close();
 * ```
 * @module
 */
import type { LedgerStore } from "./types.ts";
import { FileLedgerReader, openFileLedger } from "./file_store.ts";
import { KvLedgerReader, openKvLedger } from "./kv_store.ts";
import { hasControlChars } from "./note.ts";
import { registerSecrets } from "../redact.ts";

export type {
  EntryFilter,
  LedgerEntry,
  LedgerEventInput,
  LedgerStore,
  StoredEntry,
} from "./types.ts";
export { LEDGER_FORMAT_VERSION, LedgerEntrySchema, MAX_ENTRY_BYTES } from "./types.ts";
export {
  generateSigningKey,
  openNote,
  parseSigningKey,
  parseVerifierKey,
  signNote,
} from "./note.ts";
export {
  type Checkpoint,
  formatCheckpoint,
  openCheckpoint,
  parseCheckpoint,
} from "./checkpoint.ts";
export {
  consistencyProof,
  EMPTY_ROOT,
  inclusionProof,
  rootFromInclusionProof,
  verifyConsistency,
  verifyInclusion,
} from "./merkle.ts";
export { fromHex, hashLeaf, toHex } from "./hash.ts";
export {
  verifyLedger,
  type VerifyOptions,
  type VerifyReport,
  type VerifySource,
} from "./verify.ts";
export { folderSource, httpSource, jsonlSource, readerSource } from "./sources.ts";
export { escapeText, formatRow, summarize, TABLE_HEADER } from "./display.ts";
export { formatTlogProof, type VerifiedProof, verifyTlogProof } from "./tlog_proof.ts";
export { LedgerCorruptError } from "./file_store.ts";
export { matchesFilter } from "./filter.ts";

/** Default folder of the file store. */
export const DEFAULT_LEDGER_PATH = "ledger/data";

/** Options of {@link openLedger}. */
export interface OpenLedgerOptions {
  store: "file" | "kv";
  /** Folder of the file store (default `ledger/data`). */
  path?: string;
  /** Deno KV handle of the KV store. */
  kv?: Deno.Kv;
  /** KV key prefix (default `["ledger"]`). */
  kvPrefix?: Deno.KvKey;
  /** Log origin, e.g. `audit.example.org/ledger`. */
  origin: string;
  /** Private key string `PRIVATE+KEY+name+id+base64` (from LEDGER_SIGNING_KEY). */
  signingKey: string;
  now?: () => Date;
  /** File store: how long an append waits for another process's lock (default 10 s). */
  lockTimeoutMs?: number;
}

/**
 * Open a ledger for appending.
 *
 * @example
 * ```ts
 * const ledger = await openLedger({ store: "kv", kv: await Deno.openKv(), origin, signingKey });
 * ```
 */
export async function openLedger(opts: OpenLedgerOptions): Promise<LedgerStore> {
  checkOrigin(opts.origin);
  registerSecrets([opts.signingKey]);
  if (opts.store === "file") {
    return await openFileLedger({
      path: opts.path ?? DEFAULT_LEDGER_PATH,
      origin: opts.origin,
      signingKey: opts.signingKey,
      now: opts.now,
      lockTimeoutMs: opts.lockTimeoutMs,
    });
  }
  if (opts.store === "kv") {
    if (!opts.kv) throw new Error("the kv store needs a Deno.Kv handle");
    return await openKvLedger({
      kv: opts.kv,
      origin: opts.origin,
      signingKey: opts.signingKey,
      now: opts.now,
      prefix: opts.kvPrefix,
    });
  }
  throw new Error(`unknown ledger store ${String((opts as { store: unknown }).store)}`);
}

function checkOrigin(origin: string): void {
  if (
    typeof origin !== "string" || !origin || origin.length > 256 ||
    hasControlChars(origin)
  ) {
    throw new Error("invalid ledger origin");
  }
}

/** A read-only ledger: everything but append, plus the checkpoint history and stored key. */
export interface LedgerReader extends Omit<LedgerStore, "append"> {
  /** Every checkpoint note ever signed, oldest first. */
  checkpoints(): AsyncIterable<string>;
  /** The verifier key stored beside the ledger (convenience, not a trust anchor). */
  storedVerifierKey(): Promise<string | null>;
}

/** Options of {@link openLedgerReader}. */
export interface OpenLedgerReaderOptions {
  store: "file" | "kv";
  path?: string;
  kv?: Deno.Kv;
  kvPrefix?: Deno.KvKey;
  /** Default: read from the latest checkpoint. */
  origin?: string;
}

/**
 * Open a ledger read-only (no signing key, no lock): for verify, show and the web app. Its size
 * is the latest signed checkpoint's.
 *
 * @example
 * ```ts
 * const reader = await openLedgerReader({ store: "file", path: "ledger/data" });
 * for await (const e of reader.entries(0, 10)) console.log(e.line);
 * ```
 */
export async function openLedgerReader(opts: OpenLedgerReaderOptions): Promise<LedgerReader> {
  if (opts.store === "file") {
    return await new FileLedgerReader(opts.path ?? DEFAULT_LEDGER_PATH, opts.origin).init();
  }
  if (opts.store === "kv") {
    if (!opts.kv) throw new Error("the kv store needs a Deno.Kv handle");
    return await new KvLedgerReader(opts.kv, opts.origin, opts.kvPrefix).init();
  }
  throw new Error(`unknown ledger store ${String((opts as { store: unknown }).store)}`);
}
