/**
 * Worker side of ./tar_split.ts: reads the `.tar.gz` it is given, takes its SHA-256 and
 * gunzips it, posting each uncompressed chunk (1 MiB) to the main thread, which parses the
 * tar. At most {@link HIGH_WATER} bytes are in flight: the main thread's acknowledgements
 * (which bring the buffers back for reuse) resume the gunzip. On a stop (the inspection hit a
 * bound) it reads no further; the digest still covers the whole file. It imports only node
 * modules and ./gzip_stream.ts, so it starts fast.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { createHash } from "node:crypto";
import { fileInput, gunzipChunks, hashRest, TAR_CHUNK } from "./gzip_stream.ts";
import type { GunzipReply, GunzipRequest } from "./tar_split.ts";

/** Uncompressed bytes in flight before the gunzip pauses, and where it resumes. */
const HIGH_WATER = 8 * 1024 * 1024;
const LOW_WATER = 4 * 1024 * 1024;
/** Chunk buffers kept for reuse. */
const MAX_SPARE = 8;

/** The main thread asked to stop (thrown out of the gunzip's output handler). */
const STOPPED = Symbol("stopped");

const spare: ArrayBuffer[] = [];
let inFlight = 0;
let stopped = false;
let resume: (() => void) | undefined;

function reply(msg: GunzipReply, transfer: Transferable[] = []): void {
  self.postMessage(msg, transfer);
}

/** Gunzip the file at `path` into data messages, then send the end (or the failure). */
async function run(path: string): Promise<void> {
  using file = Deno.openSync(path, { read: true });
  const fileHash = createHash("sha256");
  let compressed = 0;
  const input = fileInput(file, (chunk) => {
    fileHash.update(chunk);
    compressed += chunk.length;
  }, () => stopped);
  let failure: { at: number; message: string } | undefined;
  try {
    ({ failure } = await gunzipChunks(input, (raw) => {
      if (stopped) throw STOPPED;
      // A chunk that fills zlib's output buffer is the last use of that buffer: it moves to
      // the main thread as is. A part of one (zlib goes on writing behind it) is copied.
      let buf: ArrayBuffer;
      if (raw.byteOffset === 0 && raw.length === raw.buffer.byteLength) {
        buf = raw.buffer as ArrayBuffer;
      } else {
        if (raw.length > TAR_CHUNK) throw new Error("gunzip chunk larger than asked for");
        buf = spare.pop() ?? new ArrayBuffer(TAR_CHUNK);
        new Uint8Array(buf).set(raw);
      }
      inFlight += raw.length;
      reply({ t: "data", buf, length: raw.length, compressed }, [buf]);
      if (inFlight > HIGH_WATER) return new Promise<void>((r) => resume = r);
    }));
  } catch (e) {
    if (e !== STOPPED) throw e;
  }
  // After a stop the digest still covers the whole file.
  hashRest(path, compressed, fileHash);
  reply({ t: "end", failure, sha256: fileHash.digest("hex") });
}

self.onmessage = (event: MessageEvent<GunzipRequest>) => {
  const msg = event.data;
  if (msg.t === "start") {
    run(msg.path).catch((e) => {
      const error = (e instanceof Error ? e.message : String(e)).split("\n")[0].slice(0, 200);
      reply({ t: "failed", error });
    });
    return;
  }
  if (msg.t === "ack") {
    inFlight -= msg.bytes;
    // A buffer not kept is freed now: left to the GC, spent chunks pile up to tens of MB.
    if (msg.buf.byteLength === TAR_CHUNK && spare.length < MAX_SPARE) spare.push(msg.buf);
    else msg.buf.transfer(0);
    if (resume && inFlight > LOW_WATER) return;
  } else stopped = true;
  resume?.();
  resume = undefined;
};
