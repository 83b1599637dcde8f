/**
 * Worker side of {@link ../hasher.ts}: SHA-256 and git blob SHA-1 of members, the SHA-256 of
 * the whole file, and zip.js's structural warnings, computed off the main thread so that they
 * overlap with decompression. Messages are processed in order.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { createHash, type Hash } from "node:crypto";
import { zipJsWarnings } from "./zipjs.ts";
import { hashFile, type HashReply, type HashRequest } from "./hasher.ts";

const open = new Map<number, { sha256: Hash; sha1: Hash }>();

let queue: Promise<void> = Promise.resolve();

self.onmessage = (event: MessageEvent<HashRequest>) => {
  const msg = event.data;
  switch (msg.t) {
    case "begin": {
      const entry = { sha256: createHash("sha256"), sha1: createHash("sha1") };
      entry.sha1.update(`blob ${msg.declaredSize}\0`);
      open.set(msg.id, entry);
      return;
    }
    case "data": {
      const entry = open.get(msg.id);
      const bytes = new Uint8Array(msg.buf);
      entry?.sha256.update(bytes);
      entry?.sha1.update(bytes);
      self.postMessage({ t: "ack", bytes: bytes.length } satisfies HashReply);
      return;
    }
    case "batch": {
      const bytes = new Uint8Array(msg.buf);
      let at = 0;
      const items = msg.items.map(({ id, declaredSize, length }) => {
        const data = bytes.subarray(at, at + length);
        at += length;
        return {
          id,
          sha256: createHash("sha256").update(data).digest("hex"),
          sha1: createHash("sha1").update(`blob ${declaredSize}\0`).update(data).digest("hex"),
        };
      });
      self.postMessage({ t: "digests", items } satisfies HashReply);
      self.postMessage({ t: "ack", bytes: bytes.length } satisfies HashReply);
      return;
    }
    case "end": {
      const entry = open.get(msg.id);
      open.delete(msg.id);
      if (!entry) return;
      self.postMessage(
        {
          t: "digest",
          id: msg.id,
          sha256: entry.sha256.digest("hex"),
          sha1: entry.sha1.digest("hex"),
        } satisfies HashReply,
      );
      return;
    }
    case "file":
      queue = queue.then(() =>
        hashFile(msg.path).then(
          (r) => self.postMessage({ t: "file", id: msg.id, ...r } satisfies HashReply),
          (e) =>
            self.postMessage(
              { t: "file", id: msg.id, sha256: "", size: 0, error: String(e) } satisfies HashReply,
            ),
        )
      );
      return;
    case "zipjs":
      queue = queue.then(async () => {
        let warnings: string[];
        try {
          using file = await Deno.open(msg.path, { read: true });
          warnings = await zipJsWarnings(file, (await file.stat()).size, msg.enabled);
        } catch (e) {
          warnings = [`zip.js: ${String(e).slice(0, 200)}`];
        }
        self.postMessage({ t: "zipjs", id: msg.id, warnings } satisfies HashReply);
      });
      return;
  }
};
