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
import type { HashReply, HashRequest } from "./hash_worker.ts";
import { zipJsWarnings } from "./zipjs.ts";

/** Digests of one member. */
export interface MemberDigest {
  sha256: string;
  /** Git blob id over the declared size (`blob <declared>\0` + content). */
  sha1: string;
}

/** Hashing of one member. */
export interface MemberHash {
  update(chunk: Uint8Array): void;
  finish(): Promise<MemberDigest>;
}

/** Where hashing happens. */
export interface Hasher {
  begin(declaredSize: number): MemberHash;
  /** SHA-256 and size of a whole file. */
  fileDigest(path: string): Promise<{ sha256: string; size: number }>;
  /** zip.js warnings for a ZIP file (`[]` when not enabled). */
  zipJs(path: string, enabled: boolean): Promise<string[]>;
  /** Resolves when few enough bytes are in flight; undefined when there is no need to wait. */
  pressure(): Promise<void> | undefined;
  close(): void;
}

/** SHA-256 and size of a file, streamed. */
export async function hashFile(path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  using file = await Deno.open(path, { read: true });
  const buf = new Uint8Array(1024 * 1024);
  while (true) {
    const n = await file.read(buf);
    if (n === null) break;
    hash.update(buf.subarray(0, n));
    size += n;
  }
  return { sha256: hash.digest("hex"), size };
}

/** Hashing on the calling thread. */
export class InlineHasher implements Hasher {
  begin(declaredSize: number): MemberHash {
    const sha256 = createHash("sha256");
    const sha1 = createHash("sha1").update(`blob ${declaredSize}\0`);
    return {
      update(chunk) {
        sha256.update(chunk);
        sha1.update(chunk);
      },
      finish: () => Promise.resolve({ sha256: sha256.digest("hex"), sha1: sha1.digest("hex") }),
    };
  }
  fileDigest(path: string) {
    return hashFile(path);
  }
  async zipJs(path: string, enabled: boolean): Promise<string[]> {
    using file = await Deno.open(path, { read: true });
    return await zipJsWarnings(file, (await file.stat()).size, enabled);
  }
  pressure(): undefined {
    return undefined;
  }
  close(): void {}
}

const STAGING = 1024 * 1024;
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

  #request<T>(msg: HashRequest): Promise<T> {
    if (this.#failed) return Promise.reject(this.#failed);
    const promise = new Promise<T>((resolve, reject) => {
      this.#pending.set(msg.id, { resolve: resolve as (v: never) => void, reject });
      this.#send(msg);
    });
    // Awaited later (digests are collected at the end); never an unhandled rejection meanwhile.
    promise.catch(() => undefined);
    return promise;
  }

  begin(declaredSize: number): MemberHash {
    const id = this.#nextId++;
    this.#send({ t: "begin", id, declaredSize });
    // Chunks are copied into a staging buffer (Buffer#slice would share memory) and the
    // buffer is transferred when full, so that messages carry about 1 MiB each.
    let staging: Uint8Array | undefined;
    let used = 0;
    const flush = () => {
      if (!staging || used === 0) return;
      const buf = used === staging.length ? staging.buffer : staging.slice(0, used).buffer;
      this.#inFlight += used;
      this.#send({ t: "data", id, buf: buf as ArrayBuffer }, [buf as ArrayBuffer]);
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
        flush();
        return this.#request<MemberDigest>({ t: "end", id });
      },
    };
  }

  fileDigest(path: string): Promise<{ sha256: string; size: number }> {
    return this.#request({ t: "file", id: this.#nextId++, path });
  }

  zipJs(path: string, enabled: boolean): Promise<string[]> {
    return this.#request({ t: "zipjs", id: this.#nextId++, path, enabled });
  }

  pressure(): Promise<void> | undefined {
    if (this.#inFlight <= HIGH_WATER || this.#failed) return undefined;
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  close(): void {
    this.#worker.terminate();
    this.#fail(new Error("hasher closed"));
  }
}
