/**
 * Content hashing for inspections: SHA-256 and git blob SHA-1 of each member, the SHA-256 of
 * the whole artifact, and the zip.js second opinion. {@link InlineHasher} does it on the
 * calling thread; {@link WorkerHasher} hands it to a worker so that it overlaps with
 * decompression (2x on two cores), with back-pressure so that at most a few MiB are in flight.
 *
 * @example
 * ```ts
 * const hasher = await createHasher(true);
 * const member = hasher.begin(3);
 * member.update(new TextEncoder().encode("abc"));
 * console.log((await member.finish()).sha256);
 * hasher.close();
 * ```
 * @module
 */
import { createHash } from "node:crypto";
import { createSHA1, createSHA256, type IHasher } from "hash-wasm";

/** Requests the hash worker (./hash_worker.ts) understands. */
export type HashRequest =
  | { t: "begin"; id: number; declaredSize: number }
  | { t: "data"; id: number; buf: ArrayBuffer }
  | { t: "end"; id: number }
  | {
    t: "batch";
    items: Array<{ id: number; declaredSize: number; length: number }>;
    buf: ArrayBuffer;
  }
  | { t: "file"; id: number; path: string }
  | { t: "zipjs"; id: number; path: string; enabled: boolean };

/** The hash worker's replies. */
export type HashReply =
  | { t: "ack"; bytes: number }
  | { t: "digest"; id: number; sha256: string; sha1: string }
  | { t: "digests"; items: Array<{ id: number; sha256: string; sha1: string }> }
  | { t: "file"; id: number; sha256: string; size: number; error?: string }
  | { t: "zipjs"; id: number; warnings: string[] };

/** Digests of one member (a digest the member does not need is absent). */
export interface MemberDigest {
  sha256?: string;
  /** Git blob id over the declared size (`blob <declared>\0` + content). */
  sha1?: string;
}

/** Which digests a member needs (each is computed once, only when needed). */
export interface DigestNeeds {
  sha256: boolean;
  sha1: boolean;
}

/** Both digests. */
export const ALL_DIGESTS: DigestNeeds = { sha256: true, sha1: true };

/** Hashing of one member. */
export interface MemberHash {
  update(chunk: Uint8Array): void;
  /** The digests: at once (inline hashing) or later (in a worker). */
  finish(): MemberDigest | Promise<MemberDigest>;
}

/** Where hashing happens. */
export interface Hasher {
  begin(declaredSize: number, needs?: DigestNeeds): MemberHash;
  /** SHA-256 and size of a whole file. */
  fileDigest(path: string): Promise<{ sha256: string; size: number }>;
  /** zip.js warnings for a ZIP file (`[]` when not enabled). */
  zipJs(path: string, enabled: boolean): Promise<string[]>;
  /** Resolves when few enough bytes are in flight; undefined when there is no need to wait. */
  pressure(): Promise<void> | undefined;
  /** Send whatever is buffered (call before awaiting digests). */
  flush(): void;
  close(): void;
}

/** SHA-256 and size of a file, read synchronously in 1 MiB chunks. */
export function hashFile(path: string): Promise<{ sha256: string; size: number }> {
  try {
    const hash = createHash("sha256");
    let size = 0;
    using file = Deno.openSync(path, { read: true });
    const buf = new Uint8Array(1024 * 1024);
    while (true) {
      const n = file.readSync(buf);
      if (n === null || n === 0) break;
      hash.update(buf.subarray(0, n));
      size += n;
    }
    return Promise.resolve({ sha256: hash.digest("hex"), size });
  } catch (e) {
    return Promise.reject(e);
  }
}

/**
 * Members up to this size are hashed by one reused WASM hasher per digest (hash-wasm): a
 * node:crypto hash allocates a native context per member that only a later GC frees, which
 * costs ~30 MB of RSS per 100,000 members and digest. Larger members use node:crypto, which
 * is ~10x faster per byte (SHA extensions), so only tiny members take the WASM path: at
 * 8 KiB, a 200 MB sdist of 2-18 KiB members spent 12% more time than at 2 KiB.
 */
export const WASM_HASH_MAX = 2 * 1024;

/** The shared WASM hashers, once compiled (no top-level await: the worker imports this). */
let wasm: { sha256: IHasher; sha1: IHasher } | undefined;
const wasmReady: Promise<void> = Promise.all([createSHA256(), createSHA1()])
  .then(([sha256, sha1]) => {
    wasm = { sha256, sha1 };
  })
  .catch(() => undefined);
let wasmBusy = false;

/** Room for `blob <size>\0` with any safe integer size. */
const blobHeaderBytes = new Uint8Array(32);
blobHeaderBytes.set([0x62, 0x6c, 0x6f, 0x62, 0x20]); // "blob "

/**
 * The git blob header `blob <size>\0` as bytes, in a shared buffer (valid until the next
 * call): hash-wasm turns a string into a Buffer per call, a third of the hashing time of a
 * tiny member.
 */
function blobHeader(size: number): Uint8Array {
  const digits = String(size);
  let at = 5;
  for (let i = 0; i < digits.length; i++) blobHeaderBytes[at++] = digits.charCodeAt(i);
  blobHeaderBytes[at++] = 0;
  return blobHeaderBytes.subarray(0, at);
}

/** A member hash on the shared WASM hashers (one member at a time). */
function wasmMemberHash(declaredSize: number, needs: DigestNeeds): MemberHash {
  wasmBusy = true;
  const sha256: IHasher | undefined = needs.sha256 ? wasm!.sha256.init() : undefined;
  const sha1: IHasher | undefined = needs.sha1
    ? wasm!.sha1.init().update(blobHeader(declaredSize))
    : undefined;
  return {
    update(chunk) {
      sha256?.update(chunk);
      sha1?.update(chunk);
    },
    finish: () => {
      const digest = { sha256: sha256?.digest("hex"), sha1: sha1?.digest("hex") };
      wasmBusy = false;
      return digest;
    },
  };
}

/** Hashing on the calling thread. */
export class InlineHasher implements Hasher {
  /** Resolves when the WASM hashers for small members are ready (before that: node:crypto). */
  static ready(): Promise<void> {
    return wasmReady;
  }

  begin(declaredSize: number, needs: DigestNeeds = ALL_DIGESTS): MemberHash {
    if (wasm && declaredSize <= WASM_HASH_MAX && !wasmBusy) {
      return wasmMemberHash(declaredSize, needs);
    }
    const sha256 = needs.sha256 ? createHash("sha256") : undefined;
    const sha1 = needs.sha1 ? createHash("sha1").update(`blob ${declaredSize}\0`) : undefined;
    return {
      update(chunk) {
        sha256?.update(chunk);
        sha1?.update(chunk);
      },
      finish: () => ({ sha256: sha256?.digest("hex"), sha1: sha1?.digest("hex") }),
    };
  }
  fileDigest(path: string) {
    return hashFile(path);
  }
  async zipJs(path: string, enabled: boolean): Promise<string[]> {
    if (!enabled) return [];
    // Loaded on first use: the member worker imports this module and needs no zip.js.
    const { zipJsWarnings } = await import("./zipjs.ts");
    using file = await Deno.open(path, { read: true });
    return await zipJsWarnings(file, (await file.stat()).size, enabled);
  }
  pressure(): undefined {
    return undefined;
  }
  flush(): void {}
  close(): void {}
}

const STAGING = 1024 * 1024;
const MAX_BATCH_ITEMS = 512;

/** One member inside a batch message. */
export interface BatchItem {
  id: number;
  declaredSize: number;
  length: number;
}
const HIGH_WATER = 16 * 1024 * 1024;
const LOW_WATER = 4 * 1024 * 1024;

const WORKER_URL = new URL("./hash_worker.ts", import.meta.url);

/**
 * True when a worker may load its module and read `artifactPath` (both need read permission).
 *
 * @example
 * ```ts
 * const hasher = workerAllowed("/tmp/x.whl") ? new WorkerHasher() : new InlineHasher();
 * ```
 */
export function workerAllowed(artifactPath: string): boolean {
  try {
    const query = (path: string | URL) =>
      Deno.permissions.querySync({ name: "read", path }).state === "granted";
    return WORKER_URL.protocol === "file:" && query(WORKER_URL) && query(artifactPath);
  } catch {
    return false;
  }
}

/** Hashing in a worker thread. */
export class WorkerHasher implements Hasher {
  #worker: Worker;
  #nextId = 1;
  #inFlight = 0;
  #waiters: Array<() => void> = [];
  #pending = new Map<number, { resolve: (v: never) => void; reject: (e: Error) => void }>();
  #failed: Error | undefined;

  constructor() {
    this.#worker = new Worker(WORKER_URL, { type: "module" });
    this.#worker.onmessage = (event: MessageEvent<HashReply>) => this.#receive(event.data);
    this.#worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      this.#fail(new Error(`hash worker failed: ${event.message}`));
    };
  }

  #receive(msg: HashReply): void {
    if (msg.t === "ack") {
      this.#inFlight -= msg.bytes;
      if (this.#inFlight <= LOW_WATER) this.#wake();
      return;
    }
    if (msg.t === "digests") {
      for (const d of msg.items) {
        const pending = this.#pending.get(d.id);
        this.#pending.delete(d.id);
        pending?.resolve({ sha256: d.sha256, sha1: d.sha1 } as never);
      }
      return;
    }
    const pending = this.#pending.get(msg.id);
    this.#pending.delete(msg.id);
    if (!pending) return;
    if (msg.t === "digest") pending.resolve({ sha256: msg.sha256, sha1: msg.sha1 } as never);
    else if (msg.t === "file") {
      if (msg.error) pending.reject(new Error(msg.error));
      else pending.resolve({ sha256: msg.sha256, size: msg.size } as never);
    } else pending.resolve(msg.warnings as never);
  }

  #fail(error: Error): void {
    this.#failed = error;
    for (const p of this.#pending.values()) p.reject(error);
    this.#pending.clear();
    this.#inFlight = 0;
    this.#wake();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  #send(msg: HashRequest, transfer: Transferable[] = []): void {
    if (this.#failed) return;
    this.#worker.postMessage(msg, transfer);
  }

  #request<T>(msg: Extract<HashRequest, { id: number }>): Promise<T> {
    if (this.#failed) return Promise.reject(this.#failed);
    const promise = new Promise<T>((resolve, reject) => {
      this.#pending.set(msg.id, { resolve: resolve as (v: never) => void, reject });
      this.#send(msg);
    });
    // Awaited later (digests are collected at the end); never an unhandled rejection meanwhile.
    promise.catch(() => undefined);
    return promise;
  }

  /** Small members waiting to go to the worker together. */
  #batch: { items: BatchItem[]; buf: Uint8Array; used: number } | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * Members that fit in one staging buffer travel in batches (one message for many files);
   * larger ones stream in ~1 MiB messages. Chunks are always copied (Buffer#slice would
   * share memory), so that a transfer detaches only our copy.
   */
  begin(declaredSize: number, needs: DigestNeeds = ALL_DIGESTS): MemberHash {
    const hash = this.#begin(declaredSize);
    if (needs.sha256 && needs.sha1) return hash;
    const keep = (d: MemberDigest): MemberDigest => ({
      sha256: needs.sha256 ? d.sha256 : undefined,
      sha1: needs.sha1 ? d.sha1 : undefined,
    });
    return {
      update: (chunk) => hash.update(chunk),
      finish: () => Promise.resolve(hash.finish()).then(keep),
    };
  }

  #begin(declaredSize: number): MemberHash {
    const id = this.#nextId++;
    let staging: Uint8Array | undefined;
    let used = 0;
    let streaming = false;
    const flush = () => {
      if (!streaming) {
        this.#send({ t: "begin", id, declaredSize });
        streaming = true;
      }
      if (!staging || used === 0) return;
      const buf = (used === staging.length ? staging : staging.slice(0, used))
        .buffer as ArrayBuffer;
      this.#inFlight += used;
      this.#send({ t: "data", id, buf }, [buf]);
      staging = undefined;
      used = 0;
    };
    return {
      update: (chunk) => {
        for (let at = 0; at < chunk.length;) {
          staging ??= new Uint8Array(
            Math.min(STAGING, Math.max(chunk.length - at, declaredSize, 1)),
          );
          const take = Math.min(staging.length - used, chunk.length - at);
          staging.set(chunk.subarray(at, at + take), used);
          used += take;
          at += take;
          if (used === staging.length) flush();
        }
      },
      finish: () => {
        if (streaming) {
          flush();
          return this.#request<MemberDigest>({ t: "end", id });
        }
        return this.#enqueue(id, declaredSize, staging?.subarray(0, used) ?? new Uint8Array());
      },
    };
  }

  #enqueue(id: number, declaredSize: number, data: Uint8Array): Promise<MemberDigest> {
    if (this.#batch && this.#batch.used + data.length > this.#batch.buf.length) this.flush();
    if (!this.#batch) {
      this.#batch = { items: [], buf: new Uint8Array(Math.max(STAGING, data.length)), used: 0 };
      // Whoever awaits a digest without calling flush() still gets it on the next turn.
      this.#timer = setTimeout(() => this.flush(), 0);
    }
    const batch = this.#batch;
    batch.buf.set(data, batch.used);
    batch.items.push({ id, declaredSize, length: data.length });
    batch.used += data.length;
    const promise = new Promise<MemberDigest>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: never) => void, reject });
    });
    promise.catch(() => undefined);
    if (batch.items.length >= MAX_BATCH_ITEMS) this.flush();
    return promise;
  }

  /** Send the pending batch of small members. */
  flush(): void {
    clearTimeout(this.#timer);
    const batch = this.#batch;
    this.#batch = undefined;
    if (!batch || batch.items.length === 0) return;
    const buf = batch.buf.slice(0, batch.used).buffer as ArrayBuffer;
    this.#inFlight += batch.used;
    this.#send({ t: "batch", items: batch.items, buf }, [buf]);
  }

  fileDigest(path: string): Promise<{ sha256: string; size: number }> {
    return this.#request({ t: "file", id: this.#nextId++, path });
  }

  zipJs(path: string, enabled: boolean): Promise<string[]> {
    return this.#request({ t: "zipjs", id: this.#nextId++, path, enabled });
  }

  pressure(): Promise<void> | undefined {
    if (this.#inFlight <= HIGH_WATER || this.#failed) return undefined;
    this.flush();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#worker.terminate();
    this.#fail(new Error("hasher closed"));
  }
}
