/**
 * Streaming `.tar.gz` reading: bytes (a file read synchronously, or bytes in memory) go
 * through node:zlib's gunzip (./gzip_stream.ts), and each uncompressed chunk is parsed at once
 * by the push-based {@link TarReader}. {@link TarGzSink} holds what both the inline reader and
 * the two-thread reading (./tar_split.ts) do with the uncompressed chunks: the bomb bounds on
 * the raw stream, then the parser. Limits (entries, bytes, ratio, time) stop the reading.
 *
 * @example
 * ```ts
 * await readTarGz("dist/pkg-1.0.tar.gz", collector, () => undefined);
 * ```
 * @module
 */
import type { Hash } from "node:crypto";
import { type Collector, StopInspection } from "./collector.ts";
import { RATIO_FLOOR_BYTES } from "./bounds.ts";
import { TarReader } from "./tar_reader.ts";
import { fileInput, gunzipChunks, type GzipInput, hashRest, TAR_CHUNK } from "./gzip_stream.ts";
import type { MemberRole } from "./types.ts";

/**
 * The uncompressed side of a `.tar.gz`: raw-stream bounds (total size, ratio to the
 * compressed bytes read) and the tar parser.
 *
 * @example
 * ```ts
 * const sink = new TarGzSink(collector, () => undefined);
 * sink.push(rawChunk, compressedBytesSoFar);
 * sink.end();
 * ```
 */
export class TarGzSink {
  #reader: TarReader;
  #raw = 0;
  readonly #rawLimit: number;

  constructor(readonly collector: Collector, roleOf: (path: string) => MemberRole | undefined) {
    this.#reader = new TarReader(collector, roleOf);
    const limits = collector.limits;
    // Headers and padding come on top of the member bytes that addBytes counts.
    this.#rawLimit = limits.maxUncompressedBytes + 1024 * limits.maxEntries + 1024 * 1024;
  }

  /** Uncompressed bytes, produced by `compressed` compressed bytes so far. */
  push(chunk: Uint8Array, compressed: number): void {
    this.#raw += chunk.length;
    const c = this.collector;
    if (this.#raw > this.#rawLimit) {
      c.stop("decompression-bomb", `tar stream exceeded ${this.#rawLimit} bytes`);
    }
    const ratio = c.limits.maxCompressionRatio;
    if (this.#raw > RATIO_FLOOR_BYTES && this.#raw > ratio * compressed) {
      c.stop("decompression-bomb", `compression ratio above ${ratio}`);
    }
    this.#reader.push(chunk);
  }

  /** The stream ended (throws when it ended inside a member). */
  end(): void {
    this.#reader.end();
  }

  /** Whether the tar's end-of-archive marker was read and nothing is open after it. */
  endedAtMarker(): boolean {
    return this.#reader.endedAtMarker();
  }
}

/**
 * How a `.tar.gz` reading ended: a stop (a limit, already recorded) is fine; any other error
 * (gunzip, tar structure, reading) is a `corrupt` anomaly and a truncated listing.
 *
 * @example
 * ```ts
 * await recordTarFailure(collector, () => readAll());
 * ```
 */
export async function recordTarFailure(
  collector: Collector,
  read: () => Promise<void>,
): Promise<void> {
  try {
    await read();
  } catch (e) {
    recordTarError(collector, e);
  }
}

/**
 * Record why a `.tar.gz` reading ended early (see {@link recordTarFailure}).
 *
 * @example
 * ```ts
 * recordTarError(collector, new Error("unexpected end of file"));
 * ```
 */
export function recordTarError(collector: Collector, e: unknown): void {
  if (e instanceof StopInspection) return;
  collector.anomaly("corrupt", `tar.gz unreadable: ${message(e)}`);
  collector.truncated = true;
}

/**
 * Close the tar after the gzip stream: a clean end; junk after the gzip stream once the tar's
 * end-of-archive marker was read (tarfile never reads it: `trailing-bytes`); anything else
 * is damage (throws, the listing is truncated).
 *
 * @example
 * ```ts
 * endTar(sink, await gunzipChunks(input, onRaw), collector);
 * ```
 */
export function endTar(
  sink: TarGzSink,
  end: { failure: { at: number; message: string } | undefined },
  collector: Collector,
): void {
  const failure = end.failure;
  if (failure === undefined) return sink.end();
  if (sink.endedAtMarker()) {
    collector.anomaly(
      "trailing-bytes",
      `bytes after the gzip stream (zlib rejects compressed byte ${failure.at}: ${failure.message}); tarfile stops at the end-of-archive marker before them, other tools may not`,
    );
    return;
  }
  throw new Error(
    `gzip: ${failure.message} at compressed byte ${failure.at}; the members after it were not inspected`,
  );
}

/**
 * Read every member of a gzip-compressed tar archive into `collector`; `fileHash`, when
 * given, gets every byte of the file (also those after an early stop).
 * Never throws for archive content: problems become anomalies.
 */
export async function readTarGz(
  path: string,
  collector: Collector,
  roleOf: (path: string) => MemberRole | undefined,
  fileHash?: Hash,
): Promise<void> {
  let compressed = 0;
  let file: Deno.FsFile | undefined;
  try {
    await recordTarFailure(collector, async () => {
      file = Deno.openSync(path, { read: true });
      const sink = new TarGzSink(collector, roleOf);
      const input = fileInput(file, (chunk) => {
        fileHash?.update(chunk);
        compressed += chunk.length;
      });
      const end = await gunzipChunks(input, (raw) => {
        sink.push(raw, compressed);
        return collector.pressure();
      });
      endTar(sink, end, collector);
    });
  } finally {
    file?.close();
    if (fileHash) hashRest(path, compressed, fileHash);
  }
}

/**
 * Read a gzip-compressed tar archive held in memory (no file: Deno Deploy, `--deny-write`).
 *
 * @example
 * ```ts
 * await readTarGzBytes(bytes, collector, () => undefined);
 * ```
 */
export async function readTarGzBytes(
  bytes: Uint8Array,
  collector: Collector,
  roleOf: (path: string) => MemberRole | undefined,
): Promise<void> {
  await recordTarFailure(collector, async () => {
    const sink = new TarGzSink(collector, roleOf);
    let at = 0;
    const input: GzipInput = {
      next() {
        if (at >= bytes.length) return null;
        const end = Math.min(bytes.length, at + TAR_CHUNK);
        const chunk = bytes.subarray(at, end);
        at = end;
        return chunk;
      },
      reread: (offset, length) => bytes.subarray(offset, offset + length),
    };
    const end = await gunzipChunks(input, (raw) => {
      sink.push(raw, at);
      return collector.pressure();
    });
    endTar(sink, end, collector);
  });
}

function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0].slice(0, 200);
}
