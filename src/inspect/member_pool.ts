/**
 * Member-parallel ZIP content reading: worker threads (./member_worker.ts), each with its own
 * handle on the artifact, inflate, hash and sniff the members the main thread hands them, while
 * the main thread reads the others and does every structural check. The main thread hands a
 * member over only while a worker has less than {@link BACKLOG_KIB} of declared content
 * queued (read from a shared counter, without waiting for messages), so the two sides share
 * the work whatever the member sizes; everything else it reads itself, exactly as without a
 * pool. A failed worker's members resolve to `undefined`: the caller reads them itself.
 *
 * @example
 * ```ts
 * const pool = MemberPool.start("dist/x.whl", { maxCompressionRatio: 100 }, Date.now() + 60_000, 1);
 * const outcome = pool?.offer({ name: "a/b.so", method: 8, compressedSize: 9_000, size: 40_000, offset: 120, needs: { sha256: true, sha1: false } });
 * await pool?.close();
 * ```
 * @module
 */
import type { DigestNeeds } from "./hasher.ts";
import type { AnomalyKind, EntryInfo, InspectLimits } from "./types.ts";

/** A member for a worker: where its data starts and what it declares. */
export interface MemberJobSpec {
  name: string;
  method: number;
  compressedSize: number;
  /** Declared uncompressed size. */
  size: number;
  /** Offset of the member's data (after its local header). */
  offset: number;
  needs: DigestNeeds;
}

/** Requests a member worker understands. */
export type PoolRequest =
  | {
    t: "open";
    path: string;
    maxCompressionRatio: number;
    deadline: number;
    counters: SharedArrayBuffer;
  }
  | { t: "file"; path: string }
  | ({ t: "member"; id: number } & MemberJobSpec);

/** What reading one member showed (content facts, its anomalies, its digests). */
export interface MemberOutcome {
  id: number;
  /** Uncompressed bytes read. */
  bytes: number;
  anomalies: Array<{ kind: AnomalyKind; detail: string }>;
  /** The time budget ran out while reading. */
  stopped: boolean;
  complete: boolean;
  size: number;
  crc: number;
  magic?: EntryInfo["magic"];
  binary: boolean;
  inner?: EntryInfo["inner"];
  sha256?: string;
  sha1?: string;
}

/** A member worker's replies. */
export type PoolReply =
  | { t: "outcomes"; outcomes: MemberOutcome[] }
  | { t: "file"; sha256: string; size: number }
  | { t: "failed"; error: string };

/** Members smaller than this are read on the main thread (a message costs more than they do). */
export const MIN_OFFLOAD_BYTES = 16 * 1024;
/** A worker is handed another member while less than this much content is queued for it. */
export const BACKLOG_KIB = 1024;

const WORKER_URL = new URL("./member_worker.ts", import.meta.url);

/** True when workers may load their module and read `path` (both need read permission). */
export function poolAllowed(path: string): boolean {
  try {
    const query = (p: string | URL) =>
      Deno.permissions.querySync({ name: "read", path: p }).state === "granted";
    return WORKER_URL.protocol === "file:" && query(WORKER_URL) && query(path);
  } catch {
    return false;
  }
}

/** One worker, its queue counters and the outcomes it owes. */
class PoolWorker {
  readonly worker = new Worker(WORKER_URL, { type: "module" });
  /** [0]: KiB of declared content done (written by the worker). */
  readonly done = new Int32Array(new SharedArrayBuffer(4));
  sentKib = 0;
  readonly pending = new Map<number, (o: MemberOutcome | undefined) => void>();
  fileDigest: ((d: { sha256: string; size: number } | undefined) => void) | undefined;
  failed = false;

  constructor(path: string, limits: Pick<InspectLimits, "maxCompressionRatio">, deadline: number) {
    this.worker.onmessage = (event: MessageEvent<PoolReply>) => this.#receive(event.data);
    this.worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      this.fail();
    };
    this.worker.postMessage(
      {
        t: "open",
        path,
        maxCompressionRatio: limits.maxCompressionRatio,
        deadline,
        counters: this.done.buffer as SharedArrayBuffer,
      } satisfies PoolRequest,
    );
  }

  backlogKib(): number {
    return this.sentKib - Atomics.load(this.done, 0);
  }

  #receive(msg: PoolReply): void {
    if (msg.t === "outcomes") {
      for (const o of msg.outcomes) {
        this.pending.get(o.id)?.(o);
        this.pending.delete(o.id);
      }
    } else if (msg.t === "file") {
      this.fileDigest?.({ sha256: msg.sha256, size: msg.size });
      this.fileDigest = undefined;
    } else this.fail();
  }

  fail(): void {
    this.failed = true;
    for (const resolve of this.pending.values()) resolve(undefined);
    this.pending.clear();
    this.fileDigest?.(undefined);
    this.fileDigest = undefined;
    this.worker.terminate();
  }
}

/** Worker threads that read ZIP members for the main thread. */
export class MemberPool {
  #workers: PoolWorker[];
  #nextId = 1;
  /** Members handed to workers so far. */
  handed = 0;

  private constructor(workers: PoolWorker[]) {
    this.#workers = workers;
  }

  /**
   * Start `count` workers on the artifact at `path`, or none (undefined) when `count` is 0 or
   * workers are not permitted.
   */
  static start(
    path: string,
    limits: Pick<InspectLimits, "maxCompressionRatio">,
    deadline: number,
    count: number,
  ): MemberPool | undefined {
    if (count < 1 || !poolAllowed(path)) return undefined;
    try {
      return new MemberPool(
        Array.from({ length: count }, () => new PoolWorker(path, limits, deadline)),
      );
    } catch {
      return undefined;
    }
  }

  /**
   * Hand `spec` to the least busy worker if one has room; undefined means "read it yourself".
   * The promise resolves to undefined when the worker failed before reading it.
   */
  offer(spec: MemberJobSpec): Promise<MemberOutcome | undefined> | undefined {
    if (spec.size < MIN_OFFLOAD_BYTES) return undefined;
    let best: PoolWorker | undefined;
    let least = BACKLOG_KIB;
    for (const w of this.#workers) {
      if (w.failed) continue;
      const backlog = w.backlogKib();
      if (backlog < least) [best, least] = [w, backlog];
    }
    if (!best) return undefined;
    const worker = best;
    const id = this.#nextId++;
    this.handed++;
    worker.sentKib += Math.ceil(spec.size / 1024);
    const outcome = new Promise<MemberOutcome | undefined>((resolve) => {
      worker.pending.set(id, resolve);
    });
    worker.worker.postMessage({ t: "member", id, ...spec } satisfies PoolRequest);
    return outcome;
  }

  /** SHA-256 and size of the whole file, computed by the first worker (undefined if it failed). */
  fileDigest(path: string): Promise<{ sha256: string; size: number } | undefined> {
    const worker = this.#workers.find((w) => !w.failed && !w.fileDigest);
    if (!worker) return Promise.resolve(undefined);
    const digest = new Promise<{ sha256: string; size: number } | undefined>((resolve) => {
      worker.fileDigest = resolve;
    });
    worker.worker.postMessage({ t: "file", path } satisfies PoolRequest);
    return digest;
  }

  /** Stop the workers; members still owed resolve to undefined. */
  close(): void {
    for (const w of this.#workers) if (!w.failed) w.fail();
  }
}
