/**
 * A gzip stream read in bounded chunks: a file (or bytes) goes through node:zlib's gunzip and
 * each uncompressed chunk is handed on as it comes, with the position of a zlib error found
 * to the byte; with it the file input and {@link hashRest}, which finishes a file digest after
 * an early stop. It imports only node:zlib (and a type of node:crypto), so the gunzip worker
 * (./gunzip_worker.ts) that runs it starts fast; the tar reading (./tar.ts) runs it inline.
 *
 * @example
 * ```ts
 * using file = Deno.openSync("dist/pkg-1.0.tar.gz");
 * const { failure } = await gunzipChunks(fileInput(file, () => {}), (raw) => console.log(raw.length));
 * ```
 * @module
 */
import type { Hash } from "node:crypto";
import { createGunzip } from "node:zlib";

/**
 * Bytes per read and per gunzip output chunk, the same on every path (inline, in memory, two
 * threads), so that bounds are hit at the same byte and the listings are identical.
 */
export const TAR_CHUNK = 1024 * 1024;

/** Compressed input of {@link gunzipChunks}. */
export interface GzipInput {
  /** The next bytes of the stream, null at the end (each read once, in order). */
  next(): Uint8Array | null;
  /** Bytes `[offset, offset + length)` again (a replay after a gzip error). */
  reread(offset: number, length: number): Uint8Array;
  /** zlib is done with a chunk {@link next} returned: its buffer may be reused. */
  release?(chunk: Uint8Array): void;
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
  const first = await gunzipPass(() => input.next(), countingInto(0), input.release);
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
    release?: (chunk: Uint8Array) => void,
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
          const sent = chunk;
          if (!gunzip.write(chunk, release && (() => release(sent)))) {
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
 * A file as gzip input: read in order in {@link TAR_CHUNK} pieces (each seen by `onRead`),
 * reread by position; the file position is restored after a reread. Read buffers zlib is done
 * with are reused (fresh ones cost a page fault per 4 KiB).
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
  const free: Uint8Array[] = [];
  return {
    next() {
      if (stop()) return null;
      const buf = free.pop() ?? new Uint8Array(TAR_CHUNK);
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
    release(chunk) {
      if (chunk.buffer.byteLength === TAR_CHUNK && free.length < MAX_FREE_READS) {
        free.push(new Uint8Array(chunk.buffer));
      }
    },
  };
}

/** Read buffers {@link fileInput} keeps for reuse (zlib holds one at a time). */
const MAX_FREE_READS = 2;

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
