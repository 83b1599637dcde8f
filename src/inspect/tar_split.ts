/**
 * A `.tar.gz` inspected on two threads: the calling thread reads the file, takes its SHA-256
 * and gunzips it (a gzip stream cannot be split); a worker (./tar_worker.ts) parses the tar,
 * hashes and sniffs every member and returns the listing. At most {@link HIGH_WATER}
 * uncompressed bytes are in flight; the worker's acknowledgements resume the gunzip. The
 * listing is the one the inline reader makes (tests/inspect/tar_split_test.ts compares them).
 *
 * @example
 * ```ts
 * const inspection = await inspectTarSplit("dist/pkg-1.0.tar.gz", "pkg-1.0.tar.gz", limits, size);
 * ```
 * @module
 */
import { createHash } from "node:crypto";
import { fileInput, gunzipChunks, hashRest, TAR_CHUNK } from "./tar.ts";
import type { ArchiveInspection, InspectLimits, Totals } from "./types.ts";

/** Requests the tar worker understands. */
export type TarRequest =
  | { t: "start"; limits: InspectLimits; filename: string }
  | { t: "data"; buf: ArrayBuffer; length: number; compressed: number }
  /** The stream ended; `failure`: where zlib stopped reading it (see gunzipChunks). */
  | { t: "end"; failure: { at: number; message: string } | undefined }
  | { t: "fail"; error: string };

/** The tar worker's replies. */
export type TarReply =
  /** A chunk was parsed; its buffer comes back for reuse. */
  | { t: "ack"; bytes: number; buf: ArrayBuffer }
  /** The finished listing, as the JSON of a {@link TarListing}. */
  | { t: "result"; listing: string }
  | { t: "failed"; error: string };

/** What the worker found. */
export interface TarListing {
  entries: ArchiveInspection["entries"];
  anomalies: ArchiveInspection["anomalies"];
  members: ArchiveInspection["members"];
  record: ArchiveInspection["record"];
  totals: Totals;
}

const WORKER_URL = new URL("./tar_worker.ts", import.meta.url);
/** Uncompressed bytes in flight before the gunzip pauses, and where it resumes. */
const HIGH_WATER = 8 * 1024 * 1024;
const LOW_WATER = 4 * 1024 * 1024;
/** Chunk buffers kept for reuse (4 MiB). */
const MAX_SPARE = 4;

/**
 * Whether the tar worker's module may be loaded (it needs read permission for it; it reads
 * no file itself).
 *
 * @example
 * ```ts
 * const inspection = tarWorkerAllowed() ? await inspectTarSplit(path, name, limits, size) : undefined;
 * ```
 */
export function tarWorkerAllowed(): boolean {
  try {
    return WORKER_URL.protocol === "file:" &&
      Deno.permissions.querySync({ name: "read", path: WORKER_URL }).state === "granted";
  } catch {
    return false;
  }
}

/** The worker's listing came back before the stream ended (it stopped at a bound). */
const FINISHED = Symbol("finished");

/**
 * Inspect the `.tar.gz` at `path` on two threads; undefined when the worker cannot be
 * started or fails (nothing is lost: the caller then inspects inline).
 */
export async function inspectTarSplit(
  path: string,
  filename: string,
  limits: InspectLimits,
  size: number,
): Promise<ArchiveInspection | undefined> {
  let worker: Worker;
  try {
    worker = new Worker(WORKER_URL, { type: "module" });
  } catch {
    return undefined;
  }
  const started = Date.now();
  const fileHash = createHash("sha256");
  let file: Deno.FsFile | undefined;
  let finished = false;
  let inFlight = 0;
  let resume: (() => void) | undefined;
  // Chunk buffers travel to the worker and back: fresh ones for each chunk would cost page
  // faults and a garbage heap of about the archive's uncompressed size.
  const spare: ArrayBuffer[] = [];
  try {
    file = Deno.openSync(path, { read: true });
    const result = new Promise<TarListing | undefined>((resolve) => {
      worker.onmessage = (event: MessageEvent<TarReply>) => {
        const msg = event.data;
        if (msg.t === "ack") {
          inFlight -= msg.bytes;
          if (msg.buf.byteLength === TAR_CHUNK && spare.length < MAX_SPARE) spare.push(msg.buf);
          if (resume && inFlight <= LOW_WATER) {
            resume();
            resume = undefined;
          }
          return;
        }
        resolve(msg.t === "result" ? JSON.parse(msg.listing) as TarListing : undefined);
      };
      worker.onerror = (event: ErrorEvent) => {
        event.preventDefault();
        resolve(undefined);
      };
    }).finally(() => {
      // Whatever the stream is doing, it stops now (a paused gunzip is released to end).
      finished = true;
      resume?.();
    });
    worker.postMessage({ t: "start", limits, filename } satisfies TarRequest);
    let compressed = 0;
    const input = fileInput(file, (chunk) => {
      fileHash.update(chunk);
      compressed += chunk.length;
    }, () => finished);
    const feeding = gunzipChunks(input, (raw) => {
      if (finished) throw FINISHED;
      // A chunk that fills zlib's output buffer is the last use of that buffer: it moves to
      // the worker as is. A part of one (zlib goes on writing behind it) is copied.
      let buf: ArrayBuffer;
      if (raw.byteOffset === 0 && raw.length === raw.buffer.byteLength) {
        buf = raw.buffer as ArrayBuffer;
      } else {
        if (raw.length > TAR_CHUNK) throw new Error("gunzip chunk larger than asked for");
        buf = spare.pop() ?? new ArrayBuffer(TAR_CHUNK);
        new Uint8Array(buf).set(raw);
      }
      inFlight += raw.length;
      worker.postMessage(
        { t: "data", buf, length: raw.length, compressed } satisfies TarRequest,
        [buf],
      );
      if (inFlight > HIGH_WATER) return new Promise<void>((r) => resume = r);
    }).then(
      (end) =>
        finished || worker.postMessage({ t: "end", failure: end.failure } satisfies TarRequest),
      (e) => {
        if (e === FINISHED || finished) return;
        const error = e instanceof Error ? e.message : String(e);
        worker.postMessage({ t: "fail", error } satisfies TarRequest);
      },
    );
    const done = await result;
    await feeding;
    if (!done) return undefined;
    // The worker may have stopped early (a bound): the digest still covers the whole file.
    hashRest(path, compressed, fileHash);
    return {
      filename,
      kind: "sdist-tar",
      sha256: fileHash.digest("hex"),
      entries: done.entries,
      members: done.members,
      record: done.record,
      anomalies: done.anomalies,
      totals: { ...done.totals, archiveBytes: size, elapsedMs: Date.now() - started },
    };
  } finally {
    file?.close();
    worker.terminate();
  }
}
