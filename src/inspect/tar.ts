/**
 * Streaming `.tar.gz` reading: bytes (a file read synchronously, or bytes in memory) go
 * through node:zlib's gunzip, and each uncompressed chunk is parsed at once by the push-based
 * {@link TarReader}. {@link TarGzSink} holds what both the inline reader and the tar worker
 * (./tar_split.ts) do with the uncompressed chunks: the bomb bounds on the raw stream, then
 * the parser. Limits (entries, bytes, ratio, time) stop the reading.
 *
 * @example
 * ```ts
 * await readTarGz("dist/pkg-1.0.tar.gz", collector, () => undefined);
 * ```
 * @module
 */
import type { Hash } from "node:crypto";
import { createGunzip } from "node:zlib";
import { type Collector, StopInspection } from "./collector.ts";
import { RATIO_FLOOR_BYTES } from "./bounds.ts";
import { TarReader } from "./tar_reader.ts";
import type { MemberRole } from "./types.ts";

/**
 * Bytes per read and per gunzip output chunk, the same on every path (inline, in memory, two
 * threads), so that bounds are hit at the same byte and the listings are identical.
 */
export const TAR_CHUNK = 1024 * 1024;

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
 * Gunzip what `next` returns (null at the end) and hand each output chunk to `onRaw` as it
 * comes (the chunk is not valid after the call), in pieces of at most `chunkSize` bytes.
 * `onRaw` may return a promise: the gunzip
 * pauses until it settles. Rejects with the first error of either.
 *
 * @example
 * ```ts
 * await gunzipChunks(() => chunks.shift() ?? null, (raw) => sink.push(raw, 0));
 * ```
 */
export function gunzipChunks(
  next: () => Uint8Array | null,
  onRaw: (raw: Uint8Array) => Promise<void> | void,
  chunkSize = TAR_CHUNK,
): Promise<void> {
  const gunzip = createGunzip({ chunkSize });
  return new Promise<void>((resolve, reject) => {
    let failed = false;
    const fail = (e: unknown) => {
      if (failed) return;
      failed = true;
      gunzip.destroy();
      reject(e);
    };
    gunzip.on("data", (raw: Uint8Array) => {
      if (failed) return;
      try {
        const wait = onRaw(raw);
        if (wait) {
          gunzip.pause();
          wait.then(() => failed || gunzip.resume(), fail);
        }
      } catch (e) {
        fail(e);
      }
    });
    gunzip.on("end", () => failed || resolve());
    // zlib drops the output of the write that failed (e.g. junk after the gzip stream, which
    // tarfile never reads): say where, and that what followed was not inspected.
    let written = 0;
    let writing = 0;
    gunzip.on("error", (e: Error) =>
      fail(
        new Error(
          `gzip: ${e.message} in the compressed bytes ${
            written - writing
          }-${written}; the members they hold were not inspected`,
        ),
      ));
    const pump = () => {
      while (!failed) {
        let chunk: Uint8Array | null;
        try {
          chunk = next();
        } catch (e) {
          fail(e);
          return;
        }
        if (chunk === null) {
          gunzip.end();
          return;
        }
        written += chunk.length;
        writing = chunk.length;
        if (!gunzip.write(chunk)) {
          gunzip.once("drain", pump);
          return;
        }
      }
    };
    pump();
  });
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
      const next = () => {
        const buf = new Uint8Array(TAR_CHUNK);
        const n = file!.readSync(buf);
        if (n === null || n === 0) return null;
        const chunk = buf.subarray(0, n);
        fileHash?.update(chunk);
        compressed += n;
        return chunk;
      };
      await gunzipChunks(next, (raw) => {
        sink.push(raw, compressed);
        return collector.pressure();
      });
      sink.end();
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
    const next = () => {
      if (at >= bytes.length) return null;
      const end = Math.min(bytes.length, at + TAR_CHUNK);
      const chunk = bytes.subarray(at, end);
      at = end;
      return chunk;
    };
    await gunzipChunks(next, (raw) => {
      sink.push(raw, at);
      return collector.pressure();
    });
    sink.end();
  });
}

/** Hash the bytes of the file after `offset` (when the reading stopped early). */
function hashRest(path: string, offset: number, hash: Hash): void {
  using file = Deno.openSync(path, { read: true });
  file.seekSync(offset, Deno.SeekMode.Start);
  const buf = new Uint8Array(1024 * 1024);
  while (true) {
    const n = file.readSync(buf);
    if (n === null || n === 0) break;
    hash.update(buf.subarray(0, n));
  }
}

function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0].slice(0, 200);
}
