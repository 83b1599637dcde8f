/**
 * Streaming `.tar.gz` reader: the file streams through node:zlib's gunzip into tar-stream;
 * each member is hashed chunk by chunk. Limits (entries, bytes, ratio, time) stop the stream.
 *
 * @example
 * ```ts
 * await readTarGz("dist/pkg-1.0.tar.gz", collector, () => undefined);
 * ```
 * @module
 */
import type { Hash } from "node:crypto";
import { Readable, Transform, type TransformCallback } from "node:stream";
import { createGunzip } from "node:zlib";
import tar from "tar-stream";
import { type Collector, StopInspection } from "./collector.ts";
import { RATIO_FLOOR_BYTES } from "./bounds.ts";
import type { EntryType, MemberRole } from "./types.ts";

const TAR_TYPES: Record<string, EntryType> = {
  "file": "file",
  "contiguous-file": "file",
  "directory": "dir",
  "symlink": "symlink",
  "link": "hardlink",
  "character-device": "device",
  "block-device": "device",
  "fifo": "fifo",
};

/**
 * Read every member of a gzip-compressed tar archive into `collector`.
 * Never throws for archive content: problems become anomalies.
 */
export async function readTarGz(
  path: string,
  collector: Collector,
  roleOf: (path: string) => MemberRole | undefined,
  fileHash?: Hash,
): Promise<void> {
  const read = { bytes: 0 };
  try {
    await readStream(
      () =>
        syncFileStream(path, (chunk) => {
          fileHash?.update(chunk);
          read.bytes += chunk.length;
        }),
      collector,
      roleOf,
    );
  } finally {
    if (fileHash) hashRest(path, read.bytes, fileHash);
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
  await readStream(() => bytesStream(bytes), collector, roleOf);
}

/** A readable stream over bytes in memory, in 256 KiB pieces (no copy). */
function bytesStream(bytes: Uint8Array, chunkSize = 256 * 1024): Readable {
  let at = 0;
  return new Readable({
    highWaterMark: chunkSize,
    read() {
      if (at >= bytes.length) {
        this.push(null);
        return;
      }
      const end = Math.min(bytes.length, at + chunkSize);
      this.push(bytes.subarray(at, end));
      at = end;
    },
  });
}

/** Hash the bytes of the file after `offset` (when the stream stopped early). */
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

async function readStream(
  open: () => Readable,
  collector: Collector,
  roleOf: (path: string) => MemberRole | undefined,
): Promise<void> {
  let compressedRead = 0;
  const input = open();
  const gunzip = createGunzip({ chunkSize: 128 * 1024 });
  input.on("data", (c: string | Uint8Array) => compressedRead += c.length);
  input.on("error", (e: Error) => gunzip.destroy(e));
  input.pipe(gunzip);
  try {
    await readRawTar(gunzip, () => compressedRead, collector, roleOf);
  } finally {
    input.destroy();
  }
}

/**
 * Read the members of an uncompressed tar stream (`raw`, e.g. a gunzip's output) into
 * `collector`; `compressedRead` tells how many compressed bytes produced it so far (the ratio
 * bound). Never throws for archive content: an error of `raw` is a `corrupt` anomaly.
 *
 * @example
 * ```ts
 * await readRawTar(gunzip, () => compressedBytes, collector, () => undefined);
 * ```
 */
export async function readRawTar(
  raw: Readable,
  compressedRead: () => number,
  collector: Collector,
  roleOf: (path: string) => MemberRole | undefined,
  onChunk?: (bytes: number) => void,
): Promise<void> {
  const limits = collector.limits;
  let rawBytes = 0;
  const rawLimit = limits.maxUncompressedBytes + 1024 * limits.maxEntries + 1024 * 1024;
  let stopError: StopInspection | undefined;
  const guard = new Transform({
    transform(chunk: Uint8Array, _enc: BufferEncoding, done: TransformCallback) {
      rawBytes += chunk.length;
      onChunk?.(chunk.length);
      try {
        if (rawBytes > rawLimit) {
          collector.stop("decompression-bomb", `tar stream exceeded ${rawLimit} bytes`);
        }
        if (
          rawBytes > RATIO_FLOOR_BYTES && rawBytes > limits.maxCompressionRatio * compressedRead()
        ) {
          collector.stop(
            "decompression-bomb",
            `compression ratio above ${limits.maxCompressionRatio}`,
          );
        }
      } catch (e) {
        stopError = e as StopInspection;
        done(e as Error);
        return;
      }
      done(null, chunk);
    },
  });
  // Names as bytes (latin1 is one char per byte), decoded strictly below: a name that is not
  // UTF-8 is flagged instead of silently turned into U+FFFD.
  const extract = tar.extract({ filenameEncoding: "latin1" } as Parameters<typeof tar.extract>[0]);
  let failure: unknown;
  const fail = (e: unknown) => {
    failure ??= e;
    extract.destroy(e as Error);
  };
  raw.on("error", fail);
  guard.on("error", fail);
  extract.on("error", (e: unknown) => failure ??= e);
  raw.pipe(guard).pipe(extract);
  try {
    for await (const entry of extract) {
      await readEntry(entry, collector, roleOf);
    }
  } catch (e) {
    failure ??= e;
  } finally {
    raw.destroy();
    guard.destroy();
    extract.destroy();
  }
  if (stopError) return;
  if (failure instanceof StopInspection) return;
  if (failure) {
    collector.anomaly("corrupt", `tar.gz unreadable: ${message(failure)}`);
    collector.truncated = true;
  }
}

async function readEntry(
  entry: tar.Extract extends AsyncIterable<infer S> ? S : never,
  collector: Collector,
  roleOf: (path: string) => MemberRole | undefined,
): Promise<void> {
  collector.checkTime();
  collector.countEntry();
  const header = entry.header;
  const type = TAR_TYPES[header.type] ?? "other";
  const pax = header.pax as Record<string, string> | undefined;
  const path = memberName(header.name, pax?.path !== undefined, collector);
  const declaredSize = Math.max(0, header.size ?? 0);
  const role = type === "file" ? roleOf(path) : undefined;
  const sink = collector.beginMember(declaredSize, role, undefined, false, path);
  for await (const chunk of entry as AsyncIterable<Uint8Array>) {
    collector.addBytesOrStop(chunk.length, path);
    sink.update(chunk);
    const wait = collector.pressure();
    if (wait) await wait;
  }
  if (role) collector.keepText(role, path, sink);
  collector.addEntry({
    path,
    type,
    declaredSize,
    size: 0,
    mode: header.mode === undefined ? undefined : header.mode & 0o7777,
    linkTarget: type === "symlink" || type === "hardlink"
      ? memberName(header.linkname ?? "", pax?.linkpath !== undefined, collector)
      : undefined,
  }, sink.finish(true));
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const lenientUtf8 = new TextDecoder("utf-8");

/**
 * A tar name: header names arrive as latin1 (one char per byte) and are decoded as UTF-8
 * here; pax names arrive decoded (U+FFFD where bytes were not UTF-8). A name that is not
 * valid UTF-8 is recorded as a `name-encoding` anomaly.
 */
function memberName(raw: string, fromPax: boolean, collector: Collector): string {
  if (fromPax) {
    if (raw.includes("\uFFFD")) {
      collector.anomaly("name-encoding", "pax name is not valid UTF-8", raw);
    }
    return raw;
  }
  let ascii = true;
  for (let i = 0; i < raw.length; i++) {
    if (raw.charCodeAt(i) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return raw;
  const bytes = Uint8Array.from(raw, (c) => c.charCodeAt(0) & 0xff);
  try {
    return strictUtf8.decode(bytes);
  } catch {
    const name = lenientUtf8.decode(bytes);
    const hex = [...bytes.subarray(0, 60)].map((b) => b.toString(16).padStart(2, "0")).join("");
    collector.anomaly("name-encoding", `name is not valid UTF-8 (bytes ${hex})`, name);
    return name;
  }
}

/**
 * A readable stream over a file with synchronous reads (page-cache reads are faster than a
 * round trip through the thread pool for each chunk).
 */
function syncFileStream(
  path: string,
  onChunk: (chunk: Uint8Array) => void,
  chunkSize = 256 * 1024,
): Readable {
  let file: Deno.FsFile | undefined;
  return new Readable({
    highWaterMark: chunkSize,
    read() {
      try {
        file ??= Deno.openSync(path, { read: true });
        const buf = new Uint8Array(chunkSize);
        const n = file.readSync(buf);
        if (n === null || n === 0) {
          file.close();
          file = undefined;
          this.push(null);
        } else {
          const chunk = n === chunkSize ? buf : buf.subarray(0, n);
          onChunk(chunk);
          this.push(chunk);
        }
      } catch (e) {
        this.destroy(e as Error);
      }
    },
    destroy(error, callback) {
      file?.close();
      file = undefined;
      callback(error);
    },
  });
}

function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0].slice(0, 200);
}
