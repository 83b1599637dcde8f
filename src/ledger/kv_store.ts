/**
 * The Deno KV store (Deno Deploy). Keys under a prefix (default `["ledger"]`):
 * - `[..., "head"]`              `{ size, lastLeaf, peaks, checkpoint }` (hex hashes, note text);
 * - `[..., "entry", i, part]`    the line bytes of entry i, split into parts of <= 60,000 bytes;
 * - `[..., "node", level, j]`    32-byte complete-subtree hashes (level 0: leaf hashes);
 * - `[..., "checkpoint", size]`  every signed checkpoint note;
 * - `[..., "vkey"]`              the verifier key.
 *
 * An append is split into commits within Deno KV's limits (1,000 mutations, 800 KiB); each commit
 * writes its entries, nodes and new signed checkpoint together with the head, guarded by a check
 * of the head's versionstamp, so no entry is ever visible beyond what the head says.
 *
 * @module
 */
import type { LedgerEventInput, LedgerStore, StoredEntry } from "./types.ts";
import { buildEntry, type BuiltEntry, ZERO_HASH } from "./entry.ts";
import { fromHex, hashLeaf, toHex } from "./hash.ts";
import { CompactRange, consistencyProof, inclusionProof, type NodeId } from "./merkle.ts";
import { formatCheckpoint, peekCheckpoint } from "./checkpoint.ts";
import { type NoteSigner, parseSigningKey, signNote } from "./note.ts";
import { concatBytes } from "../bytes.ts";

/** Largest part of an entry line stored in one KV value. */
export const KV_PART_BYTES = 60_000;
const MAX_MUTATIONS = 1000;
/** Deno KV allows 800 KiB per commit; keep a margin for encoding overhead. */
const MAX_COMMIT_BYTES = 720 * 1024;
/** Safety margin for key and encoding overhead per mutation. */
const KEY_OVERHEAD = 96;
const decoder = new TextDecoder();

/** The head record. */
interface Head {
  size: number;
  lastLeaf: string;
  peaks: string[];
  checkpoint: string | null;
}

const EMPTY_HEAD: Head = { size: 0, lastLeaf: ZERO_HASH, peaks: [], checkpoint: null };

/** Options of {@link openKvLedger}. */
export interface KvLedgerOptions {
  kv: Deno.Kv;
  origin: string;
  signingKey: string;
  now?: () => Date;
  prefix?: Deno.KvKey;
}

/**
 * Read-only view of a KV ledger.
 *
 * @example
 * ```ts
 * const reader = new KvLedgerReader(kv);
 * console.log(await reader.size());
 * ```
 */
export class KvLedgerReader implements Omit<LedgerStore, "append"> {
  protected kv: Deno.Kv;
  protected prefix: Deno.KvKey;
  #origin: string;

  constructor(kv: Deno.Kv, origin = "", prefix: Deno.KvKey = ["ledger"]) {
    this.kv = kv;
    this.prefix = prefix;
    this.#origin = origin;
  }

  get origin(): string {
    return this.#origin;
  }

  /** Load the origin from the head's checkpoint when none was given. */
  async init(): Promise<this> {
    if (!this.#origin) {
      const { head } = await this.readHead();
      if (head.checkpoint) this.#origin = peekCheckpoint(head.checkpoint).origin;
    }
    return this;
  }

  protected key(...parts: Deno.KvKeyPart[]): Deno.KvKey {
    return [...this.prefix, ...parts];
  }

  protected async readHead(): Promise<{ head: Head; versionstamp: string | null }> {
    const res = await this.kv.get<Head>(this.key("head"), { consistency: "strong" });
    return { head: res.value ?? EMPTY_HEAD, versionstamp: res.versionstamp };
  }

  async size(): Promise<number> {
    return (await this.readHead()).head.size;
  }

  async checkpoint(): Promise<string | null> {
    return (await this.readHead()).head.checkpoint;
  }

  /** The verifier key stored beside the ledger, if any. */
  async storedVerifierKey(): Promise<string | null> {
    return (await this.kv.get<string>(this.key("vkey"))).value;
  }

  /** Every checkpoint note ever signed, oldest first. */
  async *checkpoints(): AsyncGenerator<string> {
    for await (const item of this.kv.list<string>({ prefix: this.key("checkpoint") })) {
      yield item.value;
    }
  }

  async *entries(from = 0, to?: number): AsyncIterable<StoredEntry> {
    const end = Math.min(to ?? Infinity, await this.size());
    if (from >= end) return;
    const iter = this.kv.list<Uint8Array>(
      { start: this.key("entry", from), end: this.key("entry", end) },
      { batchSize: 500 },
    );
    let index = from;
    let parts: Uint8Array[] = [];
    const emit = (): StoredEntry => {
      const bytes = parts.length === 1 ? parts[0] : concatBytes(parts);
      const line = decoder.decode(bytes);
      parts = [];
      return { entry: JSON.parse(line), line, leafHash: toHex(hashLeaf(bytes)) };
    };
    for await (const item of iter) {
      const i = item.key[this.prefix.length + 1] as number;
      if (i !== index) {
        if (i !== index + 1 || parts.length === 0) {
          throw new Error(`ledger entry ${index} is missing`);
        }
        yield emit();
        index = i;
      }
      parts.push(item.value);
    }
    if (parts.length > 0) {
      yield emit();
      index++;
    }
    if (index !== end) throw new Error(`ledger entry ${index} is missing`);
  }

  /** Fetch complete-subtree hashes (getMany takes at most 10 keys). */
  protected fetchNodes = async (ids: NodeId[]): Promise<Uint8Array[]> => {
    const out: Uint8Array[] = [];
    for (let i = 0; i < ids.length; i += 10) {
      const keys = ids.slice(i, i + 10).map(({ level, index }) => this.key("node", level, index));
      const res = await this.kv.getMany<Uint8Array[]>(keys);
      for (const r of res) {
        if (!r.value) throw new Error(`tree node ${String(r.key.slice(-2))} is missing`);
        out.push(r.value);
      }
    }
    return out;
  };

  async inclusionProof(index: number, size?: number): Promise<string[]> {
    const current = await this.size();
    const n = size ?? current;
    if (n > current) throw new RangeError(`tree size ${n} is beyond the ledger`);
    return (await inclusionProof(index, n, this.fetchNodes)).map(toHex);
  }

  async consistencyProof(from: number, to?: number): Promise<string[]> {
    const current = await this.size();
    const n = to ?? current;
    if (n > current) throw new RangeError(`tree size ${n} is beyond the ledger`);
    return (await consistencyProof(from, n, this.fetchNodes)).map(toHex);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Count of complete nodes created by appending leaf `index` (the leaf plus its carries). */
function nodesCreated(index: number): number {
  let n = 1;
  while (index % 2 === 1) {
    n++;
    index = (index - 1) / 2;
  }
  return n;
}

/** The writing side of the KV store. */
export class KvLedger extends KvLedgerReader implements LedgerStore {
  #signer: NoteSigner;
  #now: () => Date;

  constructor(opts: KvLedgerOptions, signer: NoteSigner) {
    super(opts.kv, opts.origin, opts.prefix);
    this.#signer = signer;
    this.#now = opts.now ?? (() => new Date());
  }

  /** Store the verifier key, refusing a key that differs from the stored one. */
  async open(): Promise<this> {
    const stored = await this.storedVerifierKey();
    if (stored !== null && stored !== this.#signer.verifierKey) {
      throw new Error("the signing key does not match the verifier key stored with the ledger");
    }
    if (stored === null) await this.kv.set(this.key("vkey"), this.#signer.verifierKey);
    const { head } = await this.readHead();
    if (head.checkpoint && peekCheckpoint(head.checkpoint).origin !== this.origin) {
      throw new Error(
        `the ledger's origin is ${JSON.stringify(peekCheckpoint(head.checkpoint).origin)}`,
      );
    }
    return this;
  }

  async append(events: LedgerEventInput[]): Promise<StoredEntry[]> {
    if (!Array.isArray(events)) throw new TypeError("append expects an array");
    const time = this.#now();
    // Validate every event up front so that a bad event never leaves part of a batch behind.
    events.forEach((e, i) =>
      buildEntry(e, { origin: this.origin, index: i, time, prev: ZERO_HASH })
    );
    const out: StoredEntry[] = [];
    let rest = events;
    let attempts = 0;
    while (rest.length > 0) {
      const { head, versionstamp } = await this.readHead();
      const chunk = this.#buildChunk(rest, head, time);
      if (await this.#commit(chunk, head, versionstamp)) {
        out.push(...chunk.map(({ entry, line, leafHash }) => ({ entry, line, leafHash })));
        rest = rest.slice(chunk.length);
        attempts = 0;
      } else if (++attempts > 1000) {
        throw new Error("ledger head kept changing; append abandoned");
      }
    }
    return out;
  }

  /** Build as many entries as fit in one commit. */
  #buildChunk(events: LedgerEventInput[], head: Head, time: Date): BuiltEntry[] {
    const built: BuiltEntry[] = [];
    let mutations = 2; // head + checkpoint record
    let bytes = 2 * KEY_OVERHEAD + 4096;
    let prev = head.lastLeaf;
    for (const event of events) {
      const index = head.size + built.length;
      const b = buildEntry(event, { origin: this.origin, index, time, prev });
      const parts = Math.max(1, Math.ceil(b.bytes.length / KV_PART_BYTES));
      const nodes = nodesCreated(index);
      const addMutations = parts + nodes;
      const addBytes = b.bytes.length + parts * KEY_OVERHEAD + nodes * (32 + KEY_OVERHEAD);
      if (
        built.length > 0 &&
        (mutations + addMutations > MAX_MUTATIONS || bytes + addBytes > MAX_COMMIT_BYTES)
      ) {
        break;
      }
      built.push(b);
      mutations += addMutations;
      bytes += addBytes;
      prev = b.leafHash;
    }
    return built;
  }

  /** Number of commits lost to another writer (compare-and-set failures), for tests and metrics. */
  conflicts = 0;

  async #commit(chunk: BuiltEntry[], head: Head, versionstamp: string | null): Promise<boolean> {
    const range = new CompactRange(head.size, head.peaks.map(fromHex));
    const op = this.kv.atomic().check({ key: this.key("head"), versionstamp });
    chunk.forEach((b, i) => {
      const index = head.size + i;
      for (let p = 0; p * KV_PART_BYTES < b.bytes.length || p === 0; p++) {
        op.set(
          this.key("entry", index, p),
          b.bytes.slice(p * KV_PART_BYTES, (p + 1) * KV_PART_BYTES),
        );
      }
      range.append(b.leaf, (level, j, hash) => op.set(this.key("node", level, j), hash));
    });
    const size = range.size;
    const checkpoint = await signNote(
      formatCheckpoint({ origin: this.origin, size, root: range.root() }),
      this.#signer,
    );
    op.set(this.key("checkpoint", size), checkpoint);
    const next: Head = {
      size,
      lastLeaf: chunk[chunk.length - 1].leafHash,
      peaks: range.peaks.map(toHex),
      checkpoint,
    };
    op.set(this.key("head"), next);
    const res = await op.commit();
    if (!res.ok) this.conflicts++;
    return res.ok;
  }
}

/**
 * Open a KV ledger for appending.
 *
 * @example
 * ```ts
 * const ledger = await openKvLedger({ kv: await Deno.openKv(":memory:"), origin, signingKey });
 * ```
 */
export async function openKvLedger(opts: KvLedgerOptions): Promise<KvLedger> {
  return await new KvLedger(opts, await parseSigningKey(opts.signingKey)).open();
}
