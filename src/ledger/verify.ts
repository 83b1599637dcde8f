/**
 * Streaming verification of a whole ledger: canonical form, index continuity, origin, prev chain,
 * every stored checkpoint (signature, monotonic size, root recomputed from the entries) and
 * consistency with a pinned (trusted) checkpoint. Memory use is bounded by a few blocks of lines
 * and the compact range, whatever the ledger's size. Lines are checked in blocks of about 1 MiB,
 * optionally on worker threads; the chain and the tree are assembled in order on the calling
 * thread either way.
 *
 * @module
 */
import { bytesEqual, toHex } from "./hash.ts";
import { LeafRange } from "./sha256_wasm.ts";
import { type Checkpoint, openCheckpoint } from "./checkpoint.ts";
import { type NoteVerifier, parseVerifierKey } from "./note.ts";
import { MAX_ENTRY_BYTES } from "./types.ts";
import { type BlockResult, checkBlock } from "./verify_block.ts";
import type { BlockRequest } from "./verify_worker.ts";

/** What verification reads. */
export interface VerifySource {
  /**
   * The ledger's raw bytes in order: LF-terminated lines (a final partial line is torn). A chunk
   * may be overwritten once the next is pulled.
   */
  bytes: AsyncIterable<Uint8Array>;
  /**
   * Optionally the same bytes read straight into verify's block buffers, which saves copying
   * every chunk; used instead of `bytes` when present.
   */
  reader?: () => ByteReader;
  /** Signed checkpoint notes in the order they were signed (may be empty). */
  checkpoints: AsyncIterable<string>;
  /** Whether the source carries the log's own checkpoints (then every entry must be covered). */
  hasCheckpoints: boolean;
  /** Where the `n`-th checkpoint (from 1) came from, for errors, e.g. "ledger/checkpoints.log line 3". */
  checkpointName?: (n: number) => string;
}

/** Reads a byte stream into buffers the caller provides. */
export interface ByteReader {
  /** Read up to `into.length` (> 0) bytes into `into`: the number read, 0 at the end. */
  read(into: Uint8Array): Promise<number>;
  /** Release the stream (also when it was not read to the end). */
  close(): Promise<void> | void;
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
  /**
   * Worker threads that check blocks of lines in parallel (default 0). The calling thread checks
   * a block itself whenever every worker has its hands full, so no more than one fewer than the
   * machine's cores (`navigator.hardwareConcurrency`) are started, and at least one when asked:
   * more threads than cores only add start-up and switching. Each costs about 25 MB of memory
   * (its own heap and up to six blocks); they pay off on multi-core machines with idle cores for
   * ledgers above a few MB.
   */
  workers?: number;
  /** Bytes per block of lines handed to a worker (default 1 MiB). */
  blockBytes?: number;
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

const BLOCK_BYTES = 1 << 20;

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
  const cores = navigator.hardwareConcurrency || 2;
  const workers = Math.min(opts.workers ?? 0, Math.max(1, cores - 1));
  const blockBytes = opts.blockBytes ?? BLOCK_BYTES;
  const buffers = new BufferPool(blockBytes + MAX_ENTRY_BYTES + 2);
  const pool = workers > 0 ? BlockPool.create(workers, buffers) : null;
  try {
    return { ...(await run(source, opts, warnings, pool, buffers, blockBytes)), warnings };
  } catch (e) {
    if (e instanceof VerifyFailure) {
      return { ok: false, index: e.index, reason: e.message, warnings };
    }
    return { ok: false, index: null, reason: e instanceof Error ? e.message : String(e), warnings };
  } finally {
    pool?.close();
  }
}

/** Whether the 32-byte `prev` equals `leaf`. */
function samePrev(prev: Uint8Array, leaf: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) if (prev[i] !== leaf[i]) return false;
  return true;
}

/** A piece of the byte stream: complete lines, a torn tail, or an over-long line. */
type Block =
  | { kind: "lines"; data: Uint8Array }
  | { kind: "partial"; length: number }
  | { kind: "too-long" };

function countLines(data: Uint8Array): number {
  let n = 0;
  for (let p = data.indexOf(10); p >= 0; p = data.indexOf(10, p + 1)) n++;
  return n;
}

/**
 * Reusable block buffers. Allocating a fresh megabyte per block makes the allocator keep freed
 * memory around (peak RSS grew with the ledger's size); recycled buffers keep it flat.
 */
class BufferPool {
  #free: ArrayBuffer[] = [];
  constructor(readonly size: number) {}
  get(): Uint8Array {
    return new Uint8Array(this.#free.pop() ?? new ArrayBuffer(this.size));
  }
  put(buffer: ArrayBuffer): void {
    if (buffer.byteLength === this.size && this.#free.length < 8) this.#free.push(buffer);
  }
}

/** A {@link ByteReader} over chunks, copying from each (a chunk may be reused once the next is pulled). */
function chunkReader(chunks: AsyncIterable<Uint8Array>): ByteReader {
  const it = chunks[Symbol.asyncIterator]();
  let chunk: Uint8Array = new Uint8Array(0);
  let at = 0;
  return {
    async read(into) {
      while (at >= chunk.length) {
        const next = await it.next();
        if (next.done) return 0;
        chunk = next.value;
        at = 0;
      }
      const n = Math.min(into.length, chunk.length - at);
      into.set(chunk.subarray(at, at + n), 0);
      at += n;
      return n;
    },
    async close() {
      await it.return?.();
    },
  };
}

/**
 * Cut a byte stream into blocks of whole lines of about `blockBytes`, each starting at offset 0
 * of its own pooled buffer (return it with `pool.put(block.data.buffer)` once checked). The
 * bytes are read into the block buffers directly.
 */
async function* blocks(
  source: VerifySource,
  blockBytes: number,
  pool: BufferPool,
): AsyncGenerator<Block> {
  const reader = source.reader?.() ?? chunkReader(source.bytes);
  let cur = pool.get();
  let fill = 0;
  /** The complete lines in `cur` (the rest carried into a fresh buffer), too-long, or null. */
  function cut(): Block | null {
    const last = cur.subarray(0, fill).lastIndexOf(10);
    if (last < 0) return fill > MAX_ENTRY_BYTES + 1 ? { kind: "too-long" } : null;
    const next = pool.get();
    next.set(cur.subarray(last + 1, fill), 0);
    const data = cur.subarray(0, last + 1);
    fill -= last + 1;
    cur = next;
    return { kind: "lines", data };
  }
  /** Read into `cur` up to `blockBytes`, then (a line longer than the rest) to its end. */
  const readMore = () =>
    reader.read(cur.subarray(fill, fill < blockBytes ? blockBytes : cur.length));
  // The next read starts before a block is handed out, so that it overlaps checking the block.
  let reading: Promise<number> | null = readMore();
  try {
    for (;;) {
      const n = await reading;
      reading = null;
      if (n === 0) break;
      fill += n;
      if (fill < blockBytes) {
        reading = readMore();
        continue;
      }
      const b = cut();
      if (b?.kind === "too-long" || (b === null && fill >= cur.length)) {
        yield { kind: "too-long" };
        return;
      }
      reading = readMore(); // into the fresh buffer: the block's own is left alone
      if (b) yield b;
    }
  } finally {
    if (reading) await reading.catch(() => 0);
    await reader.close();
  }
  const b = cut();
  if (b) {
    yield b;
    if (b.kind === "too-long") return;
  }
  if (fill > MAX_ENTRY_BYTES + 1) yield { kind: "too-long" };
  else if (fill > 0) yield { kind: "partial", length: fill };
}

/** Worker threads that run {@link checkBlock}. */
class BlockPool {
  #workers: Worker[];
  /** Blocks handed to each worker and not yet answered. */
  #busy: number[];
  #id = 0;
  #pending = new Map<
    number,
    { worker: number; resolve: (r: BlockResult) => void; reject: (e: Error) => void }
  >();

  private constructor(workers: Worker[], readonly buffers: BufferPool) {
    this.#workers = workers;
    this.#busy = workers.map(() => 0);
    for (const w of workers) {
      w.onmessage = (e: MessageEvent<{ id: number; result: BlockResult; data: ArrayBuffer }>) => {
        const p = this.#pending.get(e.data.id);
        this.#pending.delete(e.data.id);
        this.buffers.put(e.data.data);
        if (p) this.#busy[p.worker]--;
        p?.resolve(e.data.result);
      };
      w.onerror = (e) => {
        e.preventDefault();
        for (const p of this.#pending.values()) {
          p.reject(new Error(`verify worker failed: ${e.message}`));
        }
        this.#pending.clear();
      };
    }
  }

  /** Start `n` workers; null when workers are unavailable. */
  static create(n: number, buffers: BufferPool): BlockPool | null {
    try {
      const url = new URL("./verify_worker.ts", import.meta.url).href;
      return new BlockPool(
        Array.from({ length: n }, () => new Worker(url, { type: "module" })),
        buffers,
      );
    } catch {
      return null;
    }
  }

  /** The least busy worker when it has fewer than `max` blocks in hand, else -1. */
  free(max: number): number {
    let best = -1;
    for (let i = 0; i < this.#busy.length; i++) {
      if (this.#busy[i] < max && (best < 0 || this.#busy[i] < this.#busy[best])) best = i;
    }
    return best;
  }

  run(worker: number, data: Uint8Array, start: number, origin?: string): Promise<BlockResult> {
    const id = this.#id++;
    this.#busy[worker]++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { worker, resolve, reject });
      const msg: BlockRequest = {
        id,
        data: data.buffer as ArrayBuffer,
        length: data.length,
        start,
        origin,
      };
      this.#workers[worker].postMessage(msg, [data.buffer as ArrayBuffer]);
    });
  }

  close(): void {
    for (const w of this.#workers) w.terminate();
  }
}

/** A checkpoint note opened ahead of use: its checkpoint, why it failed, or what the source threw. */
type Opened = { cp: Checkpoint } | { error: string } | { thrown: unknown };

/**
 * Reads checkpoint notes and verifies their signatures a few ahead of use, so the signature
 * checks (asynchronous Web Crypto) overlap with checking lines instead of stalling between
 * blocks. Results come out in source order; nothing rejects unobserved.
 */
class CheckpointLookahead {
  #notes: AsyncIterator<string>;
  #queue: Promise<Opened | null>[] = [];
  #done = false;
  constructor(notes: AsyncIterable<string>, readonly verifier: NoteVerifier | null) {
    this.#notes = notes[Symbol.asyncIterator]();
  }

  /** The next opened checkpoint in source order, or null after the last. */
  next(): Promise<Opened | null> {
    while (!this.#done && this.#queue.length < LOOKAHEAD) this.#queue.push(this.#open());
    return this.#queue.shift() ?? Promise.resolve(null);
  }

  async #open(): Promise<Opened | null> {
    let note: IteratorResult<string>;
    try {
      note = await this.#notes.next();
    } catch (e) {
      this.#done = true;
      return { thrown: e };
    }
    if (note.done) {
      this.#done = true;
      return null;
    }
    try {
      return { cp: await openCheckpoint(note.value, this.verifier!) };
    } catch (e) {
      return { error: (e as Error).message };
    }
  }
}

/**
 * Blocks a worker holds at most (one being checked, the rest waiting). The calling thread checks
 * a block itself only when every worker holds this many, so a deeper queue hands the workers a
 * larger share, which they need: the calling thread also reads, folds in and checks signatures.
 * About 1 MiB each.
 */
const PER_WORKER = 6;
/**
 * Results waiting to be folded in, at most (small: a block's buffer goes back to the pool once
 * it is checked, and workers hold at most {@link PER_WORKER} each).
 */
const MAX_QUEUED = 24;

/** Checkpoint notes verified ahead of use. */
const LOOKAHEAD = 16;

async function run(
  source: VerifySource,
  opts: VerifyOptions,
  warnings: string[],
  pool: BlockPool | null,
  buffers: BufferPool,
  blockBytes: number,
) {
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
  const ahead = new CheckpointLookahead(source.checkpoints, verifier);
  let checked = 0;
  let lastSize = -1;
  let latest: Checkpoint | null = null;
  const nextCheckpoint = async (): Promise<Checkpoint | null> => {
    const opened = await ahead.next();
    if (opened === null) return null;
    if ("thrown" in opened) throw opened.thrown;
    const name = () => source.checkpointName?.(checked + 1) ?? `checkpoint #${checked + 1}`;
    if ("error" in opened) throw new VerifyFailure(null, `${name()}: ${opened.error}`);
    const cp = opened.cp;
    if (origin !== undefined && cp.origin !== origin) {
      throw new VerifyFailure(
        null,
        `${name()}: checkpoint origin ${JSON.stringify(cp.origin)} is not ${
          JSON.stringify(origin)
        }`,
      );
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
  let pending = await nextCheckpoint();
  const range = new LeafRange();
  let count = 0;
  let bytes = 0;
  let prevLeaf: Uint8Array = new Uint8Array(32);
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
  /** Fold a checked block into the chain and the tree, in order. */
  const absorb = async (r: BlockResult) => {
    if (r.origin !== null) {
      if (origin === undefined) origin = r.origin;
      else if (r.origin !== origin && r.count > 0) {
        throw new VerifyFailure(
          count,
          `origin ${JSON.stringify(r.origin)} is not ${JSON.stringify(origin)}`,
        );
      }
    }
    // checkBlock compared every prev in the block but the first.
    if (r.count > 0 && !samePrev(r.firstPrev, prevLeaf)) {
      throw new VerifyFailure(count, "prev does not match the previous entry's leaf hash");
    }
    // Runs of leaves up to the next checkpoint size, appended at once.
    let k = 0;
    while (k < r.count) {
      let stop = r.count;
      const next = Math.min(
        pending ? pending.size : Infinity,
        trusted && trusted.size > count ? trusted.size : Infinity,
      );
      if (next > count && next - count < stop - k) stop = k + (next - count);
      range.append(r.leaves.subarray(k * 32, stop * 32), stop - k);
      count += stop - k;
      k = stop;
      if ((pending && pending.size === count) || (trusted && trusted.size === count)) {
        await atBoundary();
      }
    }
    if (r.count > 0) prevLeaf = r.leaves.subarray(r.count * 32 - 32, r.count * 32);
    bytes += r.bytes;
    if (r.error) throw new VerifyFailure(r.error.index, r.error.reason);
  };
  await atBoundary();
  /** Results in block order, each with whether it has arrived. */
  const queue: { result: Promise<BlockResult>; settled: boolean }[] = [];
  const drain = async () => {
    while (queue.length) await absorb(await queue.shift()!.result);
  };
  let dispatched = 0;
  for await (const block of blocks(source, blockBytes, buffers)) {
    if (block.kind === "too-long") {
      await drain();
      throw new VerifyFailure(count, `line is longer than ${MAX_ENTRY_BYTES} bytes`);
    }
    if (block.kind === "partial") {
      await drain();
      warnings.push(
        `ignored a torn last line at entry ${count} (${block.length} bytes without a final LF): an interrupted append, moved aside on the next writer open`,
      );
      break;
    }
    const worker = pool && origin !== undefined ? pool.free(PER_WORKER) : -1;
    if (worker >= 0) {
      const lines = countLines(block.data); // before the buffer is transferred
      const slot = { result: pool!.run(worker, block.data, dispatched, origin), settled: false };
      const settle = () => void (slot.settled = true);
      slot.result.then(settle, settle);
      queue.push(slot);
      dispatched += lines;
    } else if (pool && origin !== undefined) {
      // Every worker has its hands full: this thread checks the block itself.
      const result = checkBlock(block.data, dispatched, origin);
      buffers.put(block.data.buffer as ArrayBuffer);
      queue.push({ result: Promise.resolve(result), settled: true });
      dispatched += result.count; // short only on an error, which ends verification
    } else {
      await drain();
      const result = checkBlock(block.data, dispatched, origin);
      buffers.put(block.data.buffer as ArrayBuffer);
      await absorb(result); // throws unless every line of the block was checked
      dispatched += result.count;
    }
    // Fold in the results that have arrived; wait for one only when many are queued.
    while (queue.length && (queue[0].settled || queue.length > MAX_QUEUED)) {
      await absorb(await queue.shift()!.result);
    }
  }
  await drain();
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
  return {
    ok: true as const,
    size: count,
    root: toHex(range.root()),
    bytes,
    checkpointsChecked: checked,
    latest: last ? { size: last.size, root: toHex(last.root) } : null,
    trusted: trusted ? { size: trusted.size, root: toHex(trusted.root) } : null,
  };
}
