/**
 * A `.tar.gz` inspected on two threads: a worker (./gunzip_worker.ts) reads the file, takes
 * its SHA-256 and gunzips it (a gzip stream cannot be split); the calling thread parses the
 * tar, hashes and sniffs every member as the chunks arrive. The listing is the one the inline
 * reader makes (tests/inspect/tar_split_test.ts compares them): the chunks and the bounds
 * are the same, only the gunzip runs elsewhere.
 *
 * @example
 * ```ts
 * const inspection = await inspectTarSplit("dist/pkg-1.0.tar.gz", "pkg-1.0.tar.gz", limits, size);
 * ```
 * @module
 */
import { Collector } from "./collector.ts";
import { InlineHasher } from "./hasher.ts";
import { digestNeeds, memberRole } from "./roles.ts";
import { endTar, recordTarError, TarGzSink } from "./tar.ts";
import type { ArchiveInspection, InspectLimits } from "./types.ts";

/** Requests the gunzip worker understands. */
export type GunzipRequest =
  | { t: "start"; path: string }
  /** A chunk was parsed; its buffer goes back for reuse. */
  | { t: "ack"; bytes: number; buf: ArrayBuffer }
  /** The inspection stopped (a bound or damage): read no further. */
  | { t: "stop" };

/** The gunzip worker's replies. */
export type GunzipReply =
  /** `length` uncompressed bytes, produced by `compressed` compressed bytes so far. */
  | { t: "data"; buf: ArrayBuffer; length: number; compressed: number }
  /**
   * The stream ended (or the worker stopped); `failure`: where zlib stopped reading it (see
   * gunzipChunks); `sha256`: of the whole file.
   */
  | { t: "end"; failure: { at: number; message: string } | undefined; sha256: string }
  | { t: "failed"; error: string };

type End = Extract<GunzipReply, { t: "end" }>;

const WORKER_URL = new URL("./gunzip_worker.ts", import.meta.url);

/**
 * Whether the gunzip worker may run: it needs read permission for its module and for the
 * artifact.
 *
 * @example
 * ```ts
 * const inspection = tarWorkerAllowed(path) ? await inspectTarSplit(path, name, limits, size) : undefined;
 * ```
 */
export function tarWorkerAllowed(path: string): boolean {
  try {
    const readable = (p: string | URL) =>
      Deno.permissions.querySync({ name: "read", path: p }).state === "granted";
    return WORKER_URL.protocol === "file:" && readable(WORKER_URL) && readable(path);
  } catch {
    return false;
  }
}

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
  const hasher = new InlineHasher();
  try {
    // The worker loads and starts reading meanwhile.
    worker.postMessage({ t: "start", path } satisfies GunzipRequest);
    await InlineHasher.ready();
    const collector = new Collector(limits, hasher, digestNeeds("sdist-tar"));
    const sink = new TarGzSink(collector, (p) => memberRole("sdist-tar", filename, p));
    let reading = true;
    const end = await new Promise<End | undefined>((resolve) => {
      worker.onmessage = (event: MessageEvent<GunzipReply>) => {
        const msg = event.data;
        if (msg.t !== "data") return resolve(msg.t === "end" ? msg : undefined);
        if (reading) {
          try {
            sink.push(new Uint8Array(msg.buf, 0, msg.length), msg.compressed);
          } catch (e) {
            recordTarError(collector, e);
            reading = false;
            worker.postMessage({ t: "stop" } satisfies GunzipRequest);
          }
        }
        const ack: GunzipRequest = { t: "ack", bytes: msg.length, buf: msg.buf };
        worker.postMessage(ack, [msg.buf]);
      };
      worker.onerror = (event: ErrorEvent) => {
        event.preventDefault();
        resolve(undefined);
      };
    });
    if (!end) return undefined;
    if (reading) {
      try {
        endTar(sink, end, collector);
      } catch (e) {
        recordTarError(collector, e);
      }
    }
    await collector.settle();
    return {
      filename,
      kind: "sdist-tar",
      sha256: end.sha256,
      entries: collector.entries,
      members: collector.members,
      record: collector.record,
      anomalies: collector.anomalies,
      totals: collector.totals(size),
    };
  } finally {
    hasher.close();
    worker.terminate();
  }
}
