/**
 * Reading one ZIP member's content into a {@link MemberSink}: stored, or inflated (our own
 * inflater for tiny members, one node:zlib call up to 1 MiB, a node:zlib stream beyond), with
 * the per-member bounds (declared size, compression ratio past a floor). The ZIP reader runs it
 * on the main thread and ./member_worker.ts runs it for the members it is handed.
 *
 * @example
 * ```ts
 * const ok = await readContent(view, dataOffset, record, sink, context, new Uint8Array(TINY_MEMBER + 1));
 * ```
 * @module
 */
import { createInflateRaw, inflateRawSync } from "node:zlib";
import { RATIO_FLOOR_BYTES } from "./bounds.ts";
import type { ByteSource } from "./byte_source.ts";
import { type MemberSink, StopInspection } from "./collector.ts";
import { InflateError, inflateRawInto } from "./inflate.ts";
import type { AnomalyKind, InspectLimits } from "./types.ts";

/** zlib's smallest output chunk. */
const MIN_ZLIB_CHUNK = 64;
/** Node's Buffer pool slab (Buffer.poolSize): small buffers may share one. */
const POOL_SLAB = 8 * 1024;
/** Positional reads of stored or compressed content go in chunks of this size. */
const CHUNK = 256 * 1024;

/** What a member's content reading needs of its surroundings (the collector, or a worker's). */
export interface ContentContext {
  readonly limits: Pick<InspectLimits, "maxCompressionRatio">;
  /** Account `n` uncompressed bytes; false when the budget is spent (stop reading). */
  addBytes(n: number, path?: string): boolean;
  anomaly(kind: AnomalyKind, detail: string, path?: string): void;
  /** A promise to await before going on (back-pressure, a turn of the event loop), or none. */
  pressure(): Promise<void> | undefined;
}

/** The central-directory fields content reading uses. */
export interface ContentRecord {
  name: string;
  /** 0 stored, 8 deflate (the caller rejects others). */
  method: number;
  compressedSize: number;
  /** Declared uncompressed size. */
  size: number;
}

/** Stream the content into `sink`; false when it could not be read completely. */
export async function readContent(
  view: ByteSource,
  offset: number,
  record: ContentRecord,
  sink: MemberSink,
  collector: ContentContext,
  scratch: Uint8Array,
): Promise<boolean> {
  const limits = collector.limits;
  const ratioLimit = limits.maxCompressionRatio * Math.max(1, record.compressedSize);
  const accept = (chunk: Uint8Array): boolean => {
    if (!collector.addBytes(chunk.length, record.name)) return false;
    sink.update(chunk);
    if (sink.size > RATIO_FLOOR_BYTES && sink.size > ratioLimit) {
      collector.anomaly(
        "decompression-bomb",
        `compression ratio above ${limits.maxCompressionRatio} past ${sink.size} bytes; rest not read`,
        record.name,
      );
      return false;
    }
    if (sink.size > record.size) {
      tooLarge(record, collector);
      return false;
    }
    return true;
  };
  if (record.method === 0) {
    for (let done = 0; done < record.compressedSize;) {
      const chunk = view.read(offset + done, Math.min(CHUNK, record.compressedSize - done));
      if (chunk.length === 0) return false;
      done += chunk.length;
      if (!accept(chunk)) return false;
      const wait = collector.pressure();
      if (wait) await wait;
    }
    return true;
  }
  if (record.size <= SMALL_MEMBER && record.compressedSize <= SMALL_MEMBER) {
    return inflateSmall(view, offset, record, sink, accept, collector, scratch);
  }
  return await inflate(view, offset, record, sink, accept, collector);
}

/** Record that a member's content runs past its declared size. */
export function tooLarge(record: ContentRecord, collector: ContentContext): void {
  collector.anomaly(
    "size-mismatch",
    `content exceeds the declared ${record.size} bytes`,
    record.name,
  );
}

/** Members up to this size (declared and compressed) are inflated in one bounded call. */
export const SMALL_MEMBER = 1024 * 1024;

/**
 * Members up to this size (declared and compressed) are inflated by ./inflate.ts (pure JS,
 * no allocation per call): a node:zlib one-shot call allocates a native stream per member
 * that only a later GC frees (100,000 tiny members cost ~100 MB of RSS and most of the time),
 * and fflate builds lookup tables per block (~20 MB more peak RSS at 100,000 members).
 */
export const TINY_MEMBER = 8 * 1024;

/**
 * One-shot inflate, output capped at the declared size (more is a size mismatch). Tiny
 * members inflate into `scratch` (at least {@link TINY_MEMBER} + 1 bytes).
 */
function inflateSmall(
  view: ByteSource,
  offset: number,
  record: ContentRecord,
  sink: MemberSink,
  accept: (chunk: Uint8Array) => boolean,
  collector: ContentContext,
  scratch: Uint8Array,
): boolean {
  const input = view.read(offset, record.compressedSize);
  let output: Uint8Array;
  try {
    if (record.size <= TINY_MEMBER && record.compressedSize <= TINY_MEMBER) {
      // One byte of room past the declared size tells a lying size. The output lives in the
      // inspection's scratch buffer: the sink copies what it keeps before the next member.
      const n = inflateRawInto(input, scratch.subarray(0, record.size + 1));
      if (n > record.size) {
        tooLarge(record, collector);
        return false;
      }
      output = scratch.subarray(0, n);
    } else {
      // One output buffer of the declared size (plus room to see a lie), so zlib does not
      // concatenate 16 KiB pieces.
      output = inflateRawSync(input, {
        maxOutputLength: Math.max(1, record.size),
        chunkSize: Math.max(MIN_ZLIB_CHUNK, record.size + 1),
      });
      // A buffer zlib allocated for this call (larger than Node's 8 KiB pool slab, so not
      // shared): freed as soon as the member is done.
      if (output.byteOffset === 0 && output.buffer.byteLength > 2 * POOL_SLAB) {
        sink.adopt(output.buffer);
      }
    }
  } catch (e) {
    if (
      (e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE" ||
      (e instanceof InflateError && e.overflow)
    ) {
      tooLarge(record, collector);
    } else {
      collector.anomaly("corrupt", `deflate stream: ${message(e)}`, record.name);
    }
    return false;
  }
  if (output.length > record.size) {
    tooLarge(record, collector);
    return false;
  }
  return accept(output);
}

async function inflate(
  view: ByteSource,
  offset: number,
  record: ContentRecord,
  sink: MemberSink,
  accept: (chunk: Uint8Array) => boolean,
  collector: ContentContext,
): Promise<boolean> {
  const inflater = createInflateRaw({ chunkSize: 128 * 1024 });
  let fed = 0;
  const feed = () => {
    while (fed < record.compressedSize) {
      const chunk = view.read(offset + fed, Math.min(CHUNK, record.compressedSize - fed));
      if (chunk.length === 0) break;
      fed += chunk.length;
      if (!inflater.write(chunk)) {
        inflater.once("drain", feed);
        return;
      }
    }
    inflater.end();
  };
  let ok = true;
  try {
    queueMicrotask(feed);
    // Spent output buffers are freed as the stream moves on to a new one; the first stays
    // until the member is finished (the sink keeps a view of its first bytes).
    let firstBuffer: ArrayBufferLike | undefined;
    let previous: ArrayBufferLike | undefined;
    for await (const out of inflater as AsyncIterable<Uint8Array>) {
      if (!accept(out)) {
        ok = false;
        break;
      }
      const buffer = out.buffer;
      if (firstBuffer === undefined) {
        firstBuffer = buffer;
        sink.adopt(buffer);
      } else if (previous !== buffer && previous !== firstBuffer) release(previous);
      previous = buffer;
      const wait = collector.pressure();
      if (wait) await wait;
    }
  } catch (e) {
    if (e instanceof StopInspection) throw e;
    collector.anomaly("corrupt", `deflate stream: ${message(e)}`, record.name);
    ok = false;
  } finally {
    inflater.removeAllListeners("drain");
    inflater.destroy();
  }
  return ok;
}

/** Free a spent output buffer now (a plain, exclusively owned ArrayBuffer only). */
function release(buffer: ArrayBufferLike | undefined): void {
  if (buffer instanceof ArrayBuffer && !buffer.detached) buffer.transfer(0);
}

function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0].slice(0, 200);
}
