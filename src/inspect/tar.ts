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

/** Compressed input of {@link gunzipChunks}. */
export interface GzipInput {
  /** The next bytes of the stream, null at the end (each read once, in order). */
  next(): Uint8Array | null;
  /** Bytes `[offset, offset + length)` again (a replay after a gzip error). */
  reread(offset: number, length: number): Uint8Array;
}

/** A zlib error in the compressed bytes `[from, to)` (written to zlib in one piece). */
class GzipFailure {
  constructor(readonly error: Error, readonly from: number, readonly to: number) {}
}

/** Pieces the failing range is replayed in, narrower each time, down to the byte. */
const REPLAY_PIECES = [4096, 64, 1];

/**
 * Gunzip `input` and hand each output chunk to `onRaw` as it comes (the chunk is not valid
 * after the call), in pieces of at most `chunkSize` bytes. `onRaw` may return a promise: the
 * gunzip pauses until it settles; its errors reject. A zlib error loses the output of the
 * write that failed, so the stream is replayed with that range written in ever smaller
 * pieces, until the output is delivered up to the byte zlib rejects: the result says where
 * that is (junk after the gzip stream, which tarfile never reads, or damage), or undefined
 * when the stream was read to its end.
 *
 * @example
 * ```ts
 * const { failure } = await gunzipChunks(input, (raw) => sink.push(raw, 0));
 * ```
 */
export async function gunzipChunks(
  input: GzipInput,
  onRaw: (raw: Uint8Array) => Promise<void> | void,
  chunkSize = TAR_CHUNK,
): Promise<{ failure: { at: number; message: string } | undefined }> {
  let delivered = 0;
  const first = await gunzipPass(() => input.next(), countingInto(0));
  if (!first) return { failure: undefined };
  let failure = first;
  for (const piece of REPLAY_PIECES) {
    const { from, to } = failure;
    let at = 0;
    // Everything before the failing write again in large writes, then the failing range in
    // pieces of `piece` bytes; output already delivered is skipped.
    const next = () => {
      if (at >= to) return null;
      const length = at < from ? Math.min(chunkSize, from - at) : Math.min(piece, to - at);
      const chunk = input.reread(at, length);
      at += length;
      return chunk;
    };
    const again = await gunzipPass(next, countingInto(delivered));
    if (!again) break; // read further than before (should not happen): keep what came
    failure = again;
  }
  return {
    failure: { at: failure.from, message: failure.error.message.split("\n")[0].slice(0, 200) },
  };

  /** An output handler that skips the first `skip` bytes (delivered by an earlier pass). */
  function countingInto(skip: number) {
    let seen = 0;
    return (raw: Uint8Array) => {
      const start = seen;
      seen += raw.length;
      if (seen <= skip) return;
      const part = start >= skip ? raw : raw.subarray(skip - start);
      delivered += part.length;
      return onRaw(part);
    };
  }

  /** One gunzip over `next`'s bytes: undefined at a clean end, or the zlib failure. */
  function gunzipPass(
    next: () => Uint8Array | null,
    out: (raw: Uint8Array) => Promise<void> | void,
  ): Promise<GzipFailure | undefined> {
    const gunzip = createGunzip({ chunkSize });
    return new Promise((resolve, reject) => {
      let failed = false;
      let written = 0;
      let writing = 0;
      const fail = (e: unknown) => {
        if (failed) return;
        failed = true;
        gunzip.destroy();
        reject(e);
      };
      gunzip.on("data", (raw: Uint8Array) => {
        if (failed) return;
        try {
          const wait = out(raw);
          if (wait) {
            gunzip.pause();
            wait.then(() => failed || gunzip.resume(), fail);
          }
        } catch (e) {
          fail(e);
        }
      });
      gunzip.on("end", () => failed || resolve(undefined));
      gunzip.on("error", (e: Error) => {
        if (failed) return;
        failed = true;
        gunzip.destroy();
        resolve(new GzipFailure(e, written - writing, written));
      });
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

/**
 * A file as gzip input: read in order in {@link TAR_CHUNK} pieces (each seen by `onRead`),
 * reread by position; the file position is restored after a reread.
 *
 * @example
 * ```ts
 * const input = fileInput(Deno.openSync("x.tar.gz"), () => {});
 * ```
 */
export function fileInput(
  file: Deno.FsFile,
  onRead: (chunk: Uint8Array) => void,
  stop: () => boolean = () => false,
): GzipInput {
  let position = 0;
  return {
    next() {
      if (stop()) return null;
      const buf = new Uint8Array(TAR_CHUNK);
      const n = file.readSync(buf);
      if (n === null || n === 0) return null;
      const chunk = buf.subarray(0, n);
      position += n;
      onRead(chunk);
      return chunk;
    },
    reread(offset, length) {
      const buf = new Uint8Array(length);
      file.seekSync(offset, Deno.SeekMode.Start);
      let got = 0;
      while (got < length) {
        const n = file.readSync(buf.subarray(got));
        if (n === null || n === 0) break;
        got += n;
      }
      file.seekSync(position, Deno.SeekMode.Start);
      return buf.subarray(0, got);
    },
  };
}

/**
 * Hash the bytes of the file after `offset` (when the reading stopped early).
 *
 * @example
 * ```ts
 * hashRest("dist/pkg-1.0.tar.gz", bytesReadSoFar, hash);
 * ```
 */
export function hashRest(path: string, offset: number, hash: Hash): void {
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
