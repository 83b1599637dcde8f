/**
 * The file store: a folder holding the ledger lines, the tree index and every signed checkpoint.
 *
 * Layout (see docs/ledger.md):
 * - `entries.jsonl`   the ledger, one canonical line per entry;
 * - `checkpoint`      the latest signed checkpoint (replaced atomically);
 * - `checkpoints.log` every checkpoint ever signed, one JSON line `{"note":...,"size":N}` each;
 * - `vkey`            the verifier key (convenience copy; verifiers should pin their own);
 * - `index/offsets.bin` 8-byte big-endian start offset of each line (derived);
 * - `tree/level-K.bin`  32-byte hashes of the complete subtrees of level K (derived);
 * - `lock`            the writers' lock file; `torn-<time>.bin` repaired torn tails.
 *
 * @module
 */
import type { LedgerEventInput, LedgerStore, StoredEntry } from "./types.ts";
import { MAX_ENTRY_BYTES } from "./types.ts";
import { buildEntry, type BuiltEntry, EntryError, parseLine, ZERO_HASH } from "./entry.ts";
import { bytesEqual, hashLeaf, sha256, toHex } from "./hash.ts";
import {
  CompactRange,
  consistencyProof,
  inclusionProof,
  type NodeId,
  peakIds,
  rootAt,
} from "./merkle.ts";
import { formatCheckpoint, openCheckpoint, parseCheckpoint, peekCheckpoint } from "./checkpoint.ts";
import { type NoteSigner, parseSigningKey, parseVerifierKey, signNote } from "./note.ts";
import { readChunks, splitLines } from "./lines.ts";

/** File names inside a ledger folder. */
export const FILES = {
  entries: "entries.jsonl",
  checkpoint: "checkpoint",
  checkpointLog: "checkpoints.log",
  vkey: "vkey",
  lock: "lock",
  offsets: "index/offsets.bin",
  level: (k: number) => `tree/level-${k}.bin`,
} as const;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Options of {@link openFileLedger}. */
export interface FileLedgerOptions {
  path: string;
  origin: string;
  signingKey: string;
  now?: () => Date;
  /** How long an append waits for another process's lock (default 10 s). */
  lockTimeoutMs?: number;
}

/** A ledger whose last complete line fails verification: appends are refused. */
export class LedgerCorruptError extends Error {
  constructor(readonly index: number, reason: string) {
    super(`ledger entry ${index} fails verification: ${reason}`);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await Deno.stat(path)).size;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return 0;
    throw e;
  }
}

async function readAt(file: Deno.FsFile, position: number, length: number): Promise<Uint8Array> {
  const buf = new Uint8Array(length);
  await file.seek(position, Deno.SeekMode.Start);
  let got = 0;
  while (got < length) {
    const n = await file.read(buf.subarray(got));
    if (n === null) throw new Error(`unexpected end of file at ${position + got}`);
    got += n;
  }
  return buf;
}

async function writeAll(file: Deno.FsFile, data: Uint8Array): Promise<void> {
  let done = 0;
  while (done < data.length) done += await file.write(data.subarray(done));
}

/** Serializes async work within one process. */
class Mutex {
  #tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn, fn);
    this.#tail = result.catch(() => {});
    return result;
  }
}

function offsetBytes(offsets: number[]): Uint8Array {
  const out = new Uint8Array(offsets.length * 8);
  const view = new DataView(out.buffer);
  offsets.forEach((o, i) => {
    view.setUint32(i * 8, Math.floor(o / 2 ** 32));
    view.setUint32(i * 8 + 4, o % 2 ** 32);
  });
  return out;
}

function readOffset(bytes: Uint8Array, at = 0): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return view.getUint32(at) * 2 ** 32 + view.getUint32(at + 4);
}

/**
 * Read-only access to a ledger folder: no lock, no repair, no signing key. The visible size is
 * the latest checkpoint's (entries beyond it are not yet acknowledged).
 *
 * @example
 * ```ts
 * const reader = new FileLedgerReader("ledger/data");
 * for await (const e of reader.entries()) console.log(e.entry.kind);
 * ```
 */
export class FileLedgerReader implements Omit<LedgerStore, "append"> {
  readonly dir: string;
  #origin: string | undefined;
  protected readMutex = new Mutex();
  protected handles = new Map<string, Deno.FsFile>();

  constructor(dir: string, origin?: string) {
    this.dir = dir;
    this.#origin = origin;
  }

  /** Path of a file in the folder. */
  file(name: string): string {
    return `${this.dir}/${name}`;
  }

  get origin(): string {
    return this.#origin ?? "";
  }

  protected set origin(value: string) {
    this.#origin = value;
  }

  /** Load the origin from the latest checkpoint when none was given. */
  async init(): Promise<this> {
    if (this.#origin === undefined) {
      const note = await this.checkpoint();
      if (note) this.#origin = this.peekCheckpointFile(note).origin;
    }
    return this;
  }

  /** The checkpoint in the `checkpoint` file, with an error naming the file when malformed. */
  protected peekCheckpointFile(note: string): ReturnType<typeof peekCheckpoint> {
    try {
      return peekCheckpoint(note);
    } catch (e) {
      throw new Error(
        `${this.file(FILES.checkpoint)}: not a checkpoint note: ${(e as Error).message}`,
      );
    }
  }

  /** The verifier key stored in the folder, if any. */
  async storedVerifierKey(): Promise<string | null> {
    try {
      return (await Deno.readTextFile(this.file(FILES.vkey))).trim();
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return null;
      throw e;
    }
  }

  async size(): Promise<number> {
    const note = await this.checkpoint();
    return note ? this.peekCheckpointFile(note).size : 0;
  }

  async checkpoint(): Promise<string | null> {
    try {
      return await Deno.readTextFile(this.file(FILES.checkpoint));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return null;
      throw e;
    }
  }

  /** Every checkpoint note ever signed, oldest first (streamed from checkpoints.log). */
  async *checkpoints(): AsyncGenerator<string> {
    const path = this.file(FILES.checkpointLog);
    if (!(await exists(path))) return;
    let line = 0;
    for await (const piece of splitLines(readChunks(path), 1 << 20)) {
      line++;
      if (piece.kind !== "line") return;
      let record: { note?: unknown } | null = null;
      try {
        record = JSON.parse(decoder.decode(piece.bytes));
      } catch { /* reported below */ }
      if (typeof record?.note !== "string") {
        throw new Error(`${path}: line ${line}: not a checkpoint record ({"note": …, "size": …})`);
      }
      yield record.note;
    }
  }

  /** The leaf hash the tree holds for entry `index` (from `tree/level-0.bin`). */
  async treeLeaf(index: number): Promise<Uint8Array> {
    return (await this.fetchNodes([{ level: 0, index }]))[0];
  }

  /**
   * Whether the stored line of entry `index` is that entry: it starts right after a line end
   * (by the offsets index) and its leaf hash is the tree's.
   */
  async lineMatchesTree(index: number): Promise<boolean> {
    const start = await this.lineOffset(index);
    if (start === null) return false;
    const f = await Deno.open(this.file(FILES.entries), { read: true });
    try {
      if (start > 0 && (await readAt(f, start - 1, 1))[0] !== 10) return false;
      for await (
        const piece of splitLines(readChunks(this.file(FILES.entries), start), MAX_ENTRY_BYTES)
      ) {
        if (piece.kind !== "line") return false;
        return toHex(hashLeaf(piece.bytes)) === toHex(await this.treeLeaf(index));
      }
      return false;
    } finally {
      f.close();
    }
  }

  /**
   * The first entry in `[0, upTo]` whose stored line no longer matches the signed tree (binary
   * search: a changed line, and every line after it when its length changed, mismatch), or
   * null when entry `upTo` matches.
   *
   * @example
   * ```ts
   * const bad = await reader.firstMismatch(41); // e.g. 17: entries.jsonl was edited at entry 17
   * ```
   */
  async firstMismatch(upTo: number): Promise<number | null> {
    if (await this.lineMatchesTree(upTo)) return null;
    let lo = 0;
    let hi = upTo;
    while (lo < hi) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (await this.lineMatchesTree(mid)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  protected async handle(name: string): Promise<Deno.FsFile> {
    let h = this.handles.get(name);
    if (!h) {
      h = await Deno.open(this.file(name), { read: true });
      this.handles.set(name, h);
    }
    return h;
  }

  /** Fetch complete-subtree hashes from the level files. */
  protected fetchNodes = (ids: NodeId[]): Promise<Uint8Array[]> =>
    this.readMutex.run(async () => {
      const out: Uint8Array[] = [];
      for (const { level, index } of ids) {
        const f = await this.handle(FILES.level(level));
        out.push(await readAt(f, index * 32, 32));
      }
      return out;
    });

  /** Byte offset where line `index` starts, from the offsets index (null when not indexed). */
  protected async lineOffset(index: number): Promise<number | null> {
    const length = await fileSize(this.file(FILES.offsets));
    if ((index + 1) * 8 > length) return null;
    return await this.readMutex.run(async () =>
      readOffset(await readAt(await this.handle(FILES.offsets), index * 8, 8))
    );
  }

  async *entries(from = 0, to?: number): AsyncIterable<StoredEntry> {
    const end = Math.min(to ?? Infinity, await this.size());
    if (from >= end) return;
    let index = from;
    let start = await this.lineOffset(from);
    if (start === null) {
      start = 0;
      index = 0;
    }
    for await (
      const piece of splitLines(readChunks(this.file(FILES.entries), start), MAX_ENTRY_BYTES)
    ) {
      if (piece.kind !== "line") throw new Error(`ledger entry ${index} is incomplete or too long`);
      if (index >= from) yield toStored(piece.bytes, index);
      index++;
      if (index >= end) return;
    }
    throw new Error(`ledger has fewer than ${end} entries`);
  }

  async inclusionProof(index: number, size?: number): Promise<string[]> {
    const n = size ?? await this.size();
    if (n > await this.size()) throw new RangeError(`tree size ${n} is beyond the ledger`);
    return (await inclusionProof(index, n, this.fetchNodes)).map(toHex);
  }

  async consistencyProof(from: number, to?: number): Promise<string[]> {
    const n = to ?? await this.size();
    if (n > await this.size()) throw new RangeError(`tree size ${n} is beyond the ledger`);
    return (await consistencyProof(from, n, this.fetchNodes)).map(toHex);
  }

  close(): Promise<void> {
    for (const h of this.handles.values()) h.close();
    this.handles.clear();
    return Promise.resolve();
  }
}

function toStored(bytes: Uint8Array, index: number): StoredEntry {
  const line = decoder.decode(bytes);
  let entry: StoredEntry["entry"];
  try {
    entry = JSON.parse(line);
  } catch {
    throw new Error(`ledger entry ${index} is not JSON`);
  }
  return { entry, line, leafHash: toHex(hashLeaf(bytes)) };
}

/** A pending repair of a torn tail, recorded as a `ledger.repaired` event. */
interface Repair {
  reason: string;
  bytes: number;
  sha256: string;
  file: string;
  entries?: number;
}

/**
 * The writing side of the file store. Each append takes the folder's exclusive lock, catches up
 * with other writers, writes all lines in one write, fdatasyncs, extends the tree index and signs
 * and atomically writes the new checkpoint before resolving.
 */
export class FileLedger extends FileLedgerReader implements LedgerStore {
  #signer: NoteSigner;
  #now: () => Date;
  #lockTimeout: number;
  #lockFile!: Deno.FsFile;
  #mutex = new Mutex();
  // In-memory view of the durable state, valid while the lock is held.
  #count = 0;
  #bytes = 0;
  #range = new CompactRange();
  #lastLeaf = ZERO_HASH;
  #checkpoint: string | null = null;
  #broken: LedgerCorruptError | null = null;

  constructor(opts: FileLedgerOptions, signer: NoteSigner) {
    super(opts.path, opts.origin);
    this.#signer = signer;
    this.#now = opts.now ?? (() => new Date());
    this.#lockTimeout = opts.lockTimeoutMs ?? 10_000;
  }

  /** Create the folder if needed, take the lock once to recover, and write the verifier key. */
  async open(): Promise<this> {
    await Deno.mkdir(this.file("index"), { recursive: true });
    await Deno.mkdir(this.file("tree"), { recursive: true });
    const stored = await this.storedVerifierKey();
    if (stored !== null && stored !== this.#signer.verifierKey) {
      throw new Error(
        "the signing key does not match the verifier key stored in the ledger folder",
      );
    }
    this.#lockFile = await Deno.open(this.file(FILES.lock), {
      create: true,
      read: true,
      write: true,
    });
    await this.#locked(async () => {
      if (stored === null) await atomicWrite(this.dir, FILES.vkey, this.#signer.verifierKey + "\n");
    });
    return this;
  }

  /** Run `fn` holding the in-process mutex and the folder's exclusive lock, state synced. */
  #locked<T>(fn: () => Promise<T>): Promise<T> {
    return this.#mutex.run(async () => {
      await this.#acquire();
      try {
        const repairs = await this.#sync();
        if (repairs.length > 0) await this.#appendBuilt(this.#build(repairs.map(repairEvent)));
        return await fn();
      } finally {
        await this.#lockFile.unlock();
      }
    });
  }

  async #acquire(): Promise<void> {
    const deadline = Date.now() + this.#lockTimeout;
    let wait = 2;
    while (!(await this.#lockFile.tryLock(true))) {
      if (Date.now() > deadline) {
        throw new Error(`ledger is locked by another process (waited ${this.#lockTimeout} ms)`);
      }
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(wait * 2, 50);
    }
  }

  append(events: LedgerEventInput[]): Promise<StoredEntry[]> {
    if (!Array.isArray(events)) return Promise.reject(new TypeError("append expects an array"));
    if (events.length === 0) return Promise.resolve([]);
    return this.#locked(async () => {
      if (this.#broken) throw this.#broken;
      const built = this.#build(events);
      await this.#appendBuilt(built);
      return built.map(({ entry, line, leafHash }) => ({ entry, line, leafHash }));
    });
  }

  #build(events: LedgerEventInput[]): BuiltEntry[] {
    const time = this.#now();
    let prev = this.#lastLeaf;
    return events.map((event, i) => {
      const built = buildEntry(event, { origin: this.origin, index: this.#count + i, time, prev });
      prev = built.leafHash;
      return built;
    });
  }

  async #appendBuilt(built: BuiltEntry[]): Promise<void> {
    try {
      await this.#writeAndSign(built);
    } catch (e) {
      // Whatever reached the disk is unacknowledged: force a full check (and set-aside of
      // unsigned lines) before the next append instead of signing over it.
      this.#bytes = -1;
      throw e;
    }
  }

  async #writeAndSign(built: BuiltEntry[]): Promise<void> {
    const total = built.reduce((n, b) => n + b.bytes.length + 1, 0);
    const data = new Uint8Array(total);
    const offsets: number[] = [];
    let at = 0;
    for (const b of built) {
      offsets.push(this.#bytes + at);
      data.set(b.bytes, at);
      at += b.bytes.length;
      data[at++] = 10;
    }
    {
      using f = await Deno.open(this.file(FILES.entries), { append: true, create: true });
      await writeAll(f, data);
      await f.syncData();
    }
    const range = this.#range.clone();
    const levels: Uint8Array[][] = [];
    for (const b of built) {
      range.append(b.leaf, (level, _i, hash) => (levels[level] ??= []).push(hash));
    }
    await this.#writeDerived(offsets, levels);
    this.#range = range;
    this.#count += built.length;
    this.#bytes += total;
    this.#lastLeaf = built[built.length - 1].leafHash;
    await this.#signHead();
  }

  async #writeDerived(offsets: number[], levels: Uint8Array[][]): Promise<void> {
    await appendFile(this.file(FILES.offsets), offsetBytes(offsets));
    for (let k = 0; k < levels.length; k++) {
      const hashes = levels[k];
      const buf = new Uint8Array(hashes.length * 32);
      hashes.forEach((h, i) => buf.set(h, i * 32));
      await appendFile(this.file(FILES.level(k)), buf);
    }
  }

  /** Sign a checkpoint for the current head; write it atomically and log it. */
  async #signHead(): Promise<void> {
    const body = formatCheckpoint({
      origin: this.origin,
      size: this.#count,
      root: this.#range.root(),
    });
    const note = await signNote(body, this.#signer);
    await atomicWrite(this.dir, FILES.checkpoint, note);
    await this.#logCheckpoint(note);
    this.#checkpoint = note;
  }

  async #logCheckpoint(note: string): Promise<void> {
    const record = encoder.encode(JSON.stringify({ note, size: peekCheckpoint(note).size }) + "\n");
    using f = await Deno.open(this.file(FILES.checkpointLog), { append: true, create: true });
    await writeAll(f, record);
    await f.syncData();
  }

  /**
   * Bring the in-memory state up to date with the folder (another writer may have appended, a
   * crash may have left a torn line or a stale index). Returns a repair to record, if any.
   */
  async #sync(): Promise<Repair[]> {
    const entriesPath = this.file(FILES.entries);
    const size = await fileSize(entriesPath);
    const indexed = Math.floor((await fileSize(this.file(FILES.offsets))) / 8);
    if (size === this.#bytes && indexed === this.#count && !this.#broken) {
      if (await this.#checkpointUnchanged()) return [];
    }
    this.#broken = null;
    const repairs: Repair[] = [];
    const torn = size > 0 ? await this.#repairTornTail(size) : null;
    if (torn) repairs.push(torn);
    const bytes = torn ? await fileSize(entriesPath) : size;
    await this.#loadDerived(bytes);
    await this.#indexNewLines(bytes);
    const signed = await this.#checkCheckpoint();
    if (this.#broken) return [];
    if (signed < this.#count) repairs.push(await this.#setAsideUnsigned(signed));
    return repairs;
  }

  async #checkpointUnchanged(): Promise<boolean> {
    const note = await this.checkpoint();
    return note === this.#checkpoint;
  }

  /**
   * Complete, valid lines beyond the latest signed checkpoint were never acknowledged (a crash
   * came between their fdatasync and the checkpoint) or were forged without the key: never sign
   * them after the fact. Move them aside and truncate them away.
   */
  async #setAsideUnsigned(signed: number): Promise<Repair> {
    let start: number;
    {
      using offsets = await Deno.open(this.file(FILES.offsets), { read: true });
      start = readOffset(await readAt(offsets, signed * 8, 8));
    }
    const removed = this.#count - signed;
    const repair = await this.#moveAside(
      start,
      this.#bytes,
      `unsigned-${this.#stamp(start)}.jsonl`,
    );
    await this.#truncateDerived(signed);
    await this.#loadPeaks(signed, start);
    return { ...repair, entries: removed, reason: "entries not covered by a signed checkpoint" };
  }

  #stamp(at: number): string {
    return `${this.#now().toISOString().replace(/[:.]/g, "-")}-${at}`;
  }

  /** Copy bytes [from, to) of the entries file to `name` (fsynced), then truncate at `from`. */
  async #moveAside(from: number, to: number, name: string): Promise<Repair> {
    using f = await Deno.open(this.file(FILES.entries), { read: true, write: true });
    const data = await readAt(f, from, to - from);
    {
      using out = await Deno.open(this.file(name), { write: true, createNew: true });
      await writeAll(out, data);
      await out.sync();
    }
    await f.truncate(from);
    await f.sync();
    await syncDir(this.dir);
    return { bytes: data.length, sha256: toHex(sha256(data)), file: name, reason: "" };
  }

  /** Move a torn last line (no final LF) aside and truncate it away. */
  async #repairTornTail(size: number): Promise<Repair | null> {
    let cut = 0;
    {
      using f = await Deno.open(this.file(FILES.entries), { read: true });
      if ((await readAt(f, size - 1, 1))[0] === 10) return null;
      let end = size;
      while (end > 0) {
        const start = Math.max(0, end - 65536);
        const nl = (await readAt(f, start, end - start)).lastIndexOf(10);
        if (nl >= 0) {
          cut = start + nl + 1;
          break;
        }
        end = start;
      }
    }
    const repair = await this.#moveAside(cut, size, `torn-${this.#stamp(cut)}.bin`);
    return { ...repair, reason: "torn last line (no final LF)" };
  }

  /** Load the derived index; rebuild it from scratch when it disagrees with the lines. */
  async #loadDerived(bytes: number): Promise<void> {
    let count = Math.floor((await fileSize(this.file(FILES.offsets))) / 8);
    let end = 0;
    let lastLeaf = ZERO_HASH;
    if (count > 0) {
      const checked = await this.#checkIndexedTail(count, bytes);
      if (checked) ({ end, lastLeaf } = checked);
      else count = 0;
    }
    if (!(await this.#truncateDerived(count))) return this.#resetDerived(bytes);
    await this.#loadPeaks(count, end, lastLeaf);
  }

  /** Cut the index down to `count` entries; false when it is shorter than that. */
  async #truncateDerived(count: number): Promise<boolean> {
    this.#closeHandles();
    if ((await fileSize(this.file(FILES.offsets))) < count * 8) return false;
    await Deno.truncate(this.file(FILES.offsets), count * 8).catch(ignoreNotFound);
    for (let k = 0; k < 54; k++) {
      const want = Math.floor(count / 2 ** k) * 32;
      const path = this.file(FILES.level(k));
      const have = await fileSize(path);
      if (have < want) return false;
      if (have > want) await Deno.truncate(path, want);
      if (have === 0 && want === 0) break;
    }
    return true;
  }

  /** Set the in-memory head to `count` entries ending at byte `end`, from the tree files. */
  async #loadPeaks(count: number, end: number, lastLeaf?: string): Promise<void> {
    this.#closeHandles();
    this.#range = new CompactRange(count, await this.fetchNodes(peakIds(count)));
    this.#count = count;
    this.#bytes = end;
    this.#lastLeaf = lastLeaf ??
      (count === 0
        ? ZERO_HASH
        : toHex((await this.fetchNodes([{ level: 0, index: count - 1 }]))[0]));
  }

  async #resetDerived(_bytes: number): Promise<void> {
    await Deno.truncate(this.file(FILES.offsets), 0).catch(ignoreNotFound);
    for (let k = 0; k < 54; k++) {
      await Deno.truncate(this.file(FILES.level(k)), 0).catch(ignoreNotFound);
    }
    this.#closeHandles();
    this.#range = new CompactRange();
    this.#count = 0;
    this.#bytes = 0;
    this.#lastLeaf = ZERO_HASH;
  }

  #closeHandles() {
    for (const h of this.handles.values()) h.close();
    this.handles.clear();
  }

  /** Check the last indexed line against the index; returns its end and leaf hash. */
  async #checkIndexedTail(
    count: number,
    bytes: number,
  ): Promise<{ end: number; lastLeaf: string } | null> {
    using offsets = await Deno.open(this.file(FILES.offsets), { read: true });
    const start = readOffset(await readAt(offsets, (count - 1) * 8, 8));
    if (start >= bytes) return null;
    let line: Uint8Array | null = null;
    for await (
      const piece of splitLines(readChunks(this.file(FILES.entries), start, bytes), MAX_ENTRY_BYTES)
    ) {
      if (piece.kind === "line") line = piece.bytes.slice();
      break;
    }
    if (!line) return null;
    const leafPath = this.file(FILES.level(0));
    if ((await fileSize(leafPath)) < count * 32) return null;
    using leaves = await Deno.open(leafPath, { read: true });
    const stored = await readAt(leaves, (count - 1) * 32, 32);
    const leaf = hashLeaf(line);
    if (!bytesEqual(stored, leaf)) return null;
    return { end: start + line.length + 1, lastLeaf: toHex(leaf) };
  }

  /** Verify and index the complete lines beyond the index (after a crash, another writer, a rebuild). */
  async #indexNewLines(bytes: number): Promise<void> {
    if (this.#bytes >= bytes) return;
    let index = this.#count;
    let prev = this.#lastLeaf;
    let offsets: number[] = [];
    let levels: Uint8Array[][] = [];
    let pending = 0;
    const flush = async () => {
      await this.#writeDerived(offsets, levels);
      offsets = [];
      levels = [];
      pending = 0;
    };
    for await (
      const piece of splitLines(
        readChunks(this.file(FILES.entries), this.#bytes, bytes),
        MAX_ENTRY_BYTES,
        this.#bytes,
      )
    ) {
      if (piece.kind !== "line") {
        this.#broken = new LedgerCorruptError(index, "line is longer than the limit");
        break;
      }
      let built: BuiltEntry;
      try {
        built = parseLine(piece.bytes, { index, prev, origin: this.origin });
      } catch (e) {
        this.#broken = new LedgerCorruptError(
          index,
          e instanceof EntryError ? e.message : String(e),
        );
        break;
      }
      offsets.push(piece.offset);
      this.#range.append(built.leaf, (level, _i, hash) => (levels[level] ??= []).push(hash));
      prev = built.leafHash;
      index++;
      this.#bytes = piece.offset + piece.bytes.length + 1;
      if (++pending >= 65536) await flush();
    }
    await flush();
    this.#closeHandles();
    this.#count = index;
    this.#lastLeaf = prev;
  }

  /** Compare the latest checkpoint with the lines: refuse truncated or rewritten history. */
  async #checkCheckpoint(): Promise<number> {
    const file = await this.checkpoint();
    const logged = await this.#lastLoggedNote();
    // The newest signed checkpoint wins: the file is replaced before the log is appended to, and
    // a crash may come in between (or someone may roll one of them back).
    let note = file;
    if (logged !== null && (file === null || sizeOf(logged) > sizeOf(file))) note = logged;
    this.#checkpoint = note;
    if (note === null) return 0;
    let cp;
    try {
      cp = await openCheckpoint(note, parseVerifierKey(this.#signer.verifierKey), this.origin);
    } catch (e) {
      this.#broken ??= new LedgerCorruptError(
        this.#count,
        `latest checkpoint: ${(e as Error).message}`,
      );
      return 0;
    }
    if (cp.size > this.#count) {
      this.#broken ??= new LedgerCorruptError(
        this.#count,
        `the ledger has ${this.#count} entries but its latest checkpoint covers ${cp.size}`,
      );
      return 0;
    }
    const root = await rootAt(cp.size, this.fetchNodes);
    if (!bytesEqual(root, cp.root)) {
      this.#broken ??= new LedgerCorruptError(
        cp.size - 1,
        "entries do not match the latest checkpoint's root",
      );
      return 0;
    }
    if (note !== file) await atomicWrite(this.dir, FILES.checkpoint, note);
    if (note !== logged) await this.#logCheckpoint(note);
    return cp.size;
  }

  /** The last note of checkpoints.log (a torn last record is cut away). */
  async #lastLoggedNote(): Promise<string | null> {
    const path = this.file(FILES.checkpointLog);
    const size = await fileSize(path);
    if (size === 0) return null;
    using f = await Deno.open(path, { read: true, write: true });
    const tailStart = Math.max(0, size - 65536);
    const tail = await readAt(f, tailStart, size - tailStart);
    let end = tail.length;
    if (tail[end - 1] !== 10) {
      const nl = tail.lastIndexOf(10);
      await f.truncate(tailStart + nl + 1);
      await f.sync();
      end = nl + 1;
    }
    if (end <= 0) return null;
    const prevNl = tail.lastIndexOf(10, end - 2);
    try {
      const note = JSON.parse(decoder.decode(tail.subarray(prevNl + 1, end - 1))).note;
      return typeof note === "string" ? note : null;
    } catch {
      return null;
    }
  }

  override async close(): Promise<void> {
    await this.#mutex.run(() => Promise.resolve());
    await super.close();
    this.#lockFile?.close();
  }
}

function repairEvent(r: Repair): LedgerEventInput {
  const body: Record<string, unknown> = {
    reason: r.reason,
    removed_bytes: r.bytes,
    removed_sha256: r.sha256,
    moved_to: r.file,
  };
  if (r.entries !== undefined) body.removed_entries = r.entries;
  return { kind: "ledger.repaired", body };
}

function sizeOf(note: string): number {
  try {
    return peekCheckpoint(note).size;
  } catch {
    return -1;
  }
}

function ignoreNotFound(e: unknown): void {
  if (!(e instanceof Deno.errors.NotFound)) throw e;
}

async function appendFile(path: string, data: Uint8Array): Promise<void> {
  if (data.length === 0) return;
  using f = await Deno.open(path, { append: true, create: true });
  await writeAll(f, data);
}

async function syncDir(dir: string): Promise<void> {
  using d = await Deno.open(dir, { read: true });
  await d.sync();
}

/** Write a file atomically: temp file, fsync, rename, fsync of the folder. */
export async function atomicWrite(dir: string, name: string, text: string): Promise<void> {
  const tmp = `${dir}/.${name}.tmp`;
  {
    using f = await Deno.open(tmp, { write: true, create: true, truncate: true });
    await writeAll(f, encoder.encode(text));
    await f.sync();
  }
  await Deno.rename(tmp, `${dir}/${name}`);
  await syncDir(dir);
}

/**
 * Open (creating if needed) a file-store ledger for appending.
 *
 * @example
 * ```ts
 * const ledger = await openFileLedger({ path: "ledger/data", origin: "example.org/ledger", signingKey });
 * ```
 */
export async function openFileLedger(opts: FileLedgerOptions): Promise<FileLedger> {
  const signer = await parseSigningKey(opts.signingKey);
  return await new FileLedger(opts, signer).open();
}

/** Re-export for callers that parse checkpoints from the folder. */
export { parseCheckpoint };
