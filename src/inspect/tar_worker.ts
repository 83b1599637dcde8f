/**
 * Worker side of ./tar_split.ts: parses the uncompressed tar chunks the main thread sends (it
 * only reads and gunzips), hashes and sniffs every member, and sends back the finished
 * listing. Each chunk is acknowledged once parsed (the main thread keeps a bounded amount in
 * flight). After a stop (a bound was hit) or damage, the result goes back at once and later
 * chunks are only acknowledged.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { Collector } from "./collector.ts";
import { InlineHasher } from "./hasher.ts";
import { digestNeeds, memberRole } from "./roles.ts";
import { endTar, recordTarError, TarGzSink } from "./tar.ts";
import type { TarListing, TarReply, TarRequest } from "./tar_split.ts";

let collector: Collector | undefined;
let sink: TarGzSink | undefined;
let done = false;

function reply(msg: TarReply): void {
  self.postMessage(msg);
}

/** Settle the digests and send the listing (once). */
async function finish(): Promise<void> {
  if (done || !collector) return;
  done = true;
  await collector.settle();
  const listing: TarListing = {
    entries: collector.entries,
    anomalies: collector.anomalies,
    members: collector.members,
    record: collector.record,
    totals: collector.totals(0),
  };
  // As JSON: tens of thousands of small objects clone faster as one string.
  reply({ t: "result", listing: JSON.stringify(listing) });
}

async function handle(msg: TarRequest): Promise<void> {
  if (msg.t === "start") {
    await InlineHasher.ready();
    collector = new Collector(msg.limits, new InlineHasher(), digestNeeds("sdist-tar"));
    sink = new TarGzSink(collector, (p) => memberRole("sdist-tar", msg.filename, p));
    return;
  }
  if (msg.t === "data") {
    if (!done) {
      try {
        sink!.push(new Uint8Array(msg.buf, 0, msg.length), msg.compressed);
      } catch (e) {
        recordTarError(collector!, e);
        await finish();
      }
    }
    self.postMessage({ t: "ack", bytes: msg.length, buf: msg.buf } satisfies TarReply, [msg.buf]);
    return;
  }
  if (!done) {
    try {
      if (msg.t === "end") endTar(sink!, msg, collector!);
      else throw new Error(msg.error);
    } catch (e) {
      recordTarError(collector!, e);
    }
  }
  await finish();
}

// Messages are handled in order, each after the previous one (the start awaits the hashers).
let queue: Promise<void> = Promise.resolve();
self.onmessage = (event: MessageEvent<TarRequest>) => {
  const msg = event.data;
  queue = queue.then(() => handle(msg)).catch((e) => {
    done = true;
    reply({ t: "failed", error: String(e).slice(0, 200) });
  });
};
