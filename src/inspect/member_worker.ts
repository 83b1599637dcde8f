/**
 * Worker side of ./member_pool.ts: reads the ZIP members it is handed from its own handle on
 * the artifact (no content crosses threads), inflates, hashes and sniffs them with the same
 * code as the main thread (./zip_content.ts, MemberSink), and sends back what each member
 * showed. Jobs run in the order they arrive; outcomes travel in batches. It imports no schema
 * library and no zip.js, so it starts fast.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { FileView } from "./byte_source.ts";
import { MemberSink, StopInspection } from "./collector.ts";
import { hashFile, InlineHasher } from "./hasher.ts";
import type { MemberOutcome, PoolReply, PoolRequest } from "./member_pool.ts";
import type { AnomalyKind } from "./types.ts";
import { type ContentContext, readContent, TINY_MEMBER } from "./zip_content.ts";

/** Outcomes sent in one message at most (fewer when the queue runs dry). */
const BATCH = 64;

let view: FileView | undefined;
let file: Deno.FsFile | undefined;
let limits = { maxCompressionRatio: 100 };
let deadline = Infinity;
let counters: Int32Array | undefined;
const queue: PoolRequest[] = [];
let running = false;
const scratch = new Uint8Array(TINY_MEMBER + 1);
const hasher = new InlineHasher();
const ready = InlineHasher.ready();
let outbox: MemberOutcome[] = [];

/** The per-member surroundings readContent needs: anomalies and bytes of this member only. */
class JobContext implements ContentContext {
  readonly anomalies: Array<{ kind: AnomalyKind; detail: string }> = [];
  bytes = 0;
  readonly limits = limits;
  addBytes(n: number): boolean {
    this.bytes += n;
    if (Date.now() > deadline) throw new StopInspection("time-budget");
    return true;
  }
  anomaly(kind: AnomalyKind, detail: string): void {
    if (this.anomalies.length < 20) this.anomalies.push({ kind, detail });
  }
  pressure(): undefined {
    return undefined;
  }
}

function flush(): void {
  if (outbox.length === 0) return;
  self.postMessage({ t: "outcomes", outcomes: outbox } satisfies PoolReply);
  outbox = [];
}

async function member(job: Extract<PoolRequest, { t: "member" }>): Promise<MemberOutcome> {
  const context = new JobContext();
  const sink = new MemberSink(hasher, job.size, undefined, true, false, job.needs);
  let complete = false;
  let stopped = false;
  try {
    complete = await readContent(view!, job.offset, job, sink, context, scratch);
  } catch (e) {
    if (!(e instanceof StopInspection)) throw e;
    stopped = true;
  }
  const result = sink.finish(complete);
  const digests = await result.digests;
  return {
    id: job.id,
    bytes: context.bytes,
    anomalies: context.anomalies,
    stopped,
    complete,
    size: result.size,
    crc: sink.crc >>> 0,
    magic: result.magic,
    binary: result.binary,
    inner: result.inner,
    sha256: digests.sha256,
    sha1: digests.sha1,
  };
}

async function run(): Promise<void> {
  running = true;
  await ready;
  while (queue.length > 0) {
    const msg = queue.shift()!;
    if (msg.t === "open") {
      file = Deno.openSync(msg.path, { read: true });
      view = new FileView(file, file.statSync().size);
      limits = { maxCompressionRatio: msg.maxCompressionRatio };
      deadline = msg.deadline;
      counters = new Int32Array(msg.counters);
    } else if (msg.t === "file") {
      const digest = await hashFile(msg.path);
      self.postMessage({ t: "file", ...digest } satisfies PoolReply);
    } else {
      outbox.push(await member(msg));
      Atomics.add(counters!, 0, Math.ceil(msg.size / 1024));
      if (outbox.length >= BATCH) flush();
    }
  }
  flush();
  running = false;
}

self.onmessage = (event: MessageEvent<PoolRequest>) => {
  queue.push(event.data);
  if (!running) {
    run().catch((e) => {
      // The pool treats a failed worker's members as not read and reads them itself.
      self.postMessage({ t: "failed", error: String(e).slice(0, 200) } satisfies PoolReply);
      file?.close();
      self.close();
    });
  }
};
