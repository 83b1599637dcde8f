/**
 * Where `verify` reads a ledger from: a ledger folder, an exported `.jsonl` file, or the HTTP
 * endpoints of a running status page (`/ledger/checkpoint`, `/ledger/entries?from=A&to=B`).
 *
 * @module
 */
import { FileLedgerReader, FILES } from "./file_store.ts";
import { readChunks } from "./lines.ts";
import { peekCheckpoint } from "./checkpoint.ts";
import { MAX_ENTRY_BYTES } from "./types.ts";
import type { ByteReader, VerifySource } from "./verify.ts";
import { readCapped } from "../bytes.ts";

/** Largest checkpoint response accepted over HTTP. */
const MAX_NOTE_BYTES = 64 * 1024;

/**
 * A ledger folder: all lines, every logged checkpoint, then the latest checkpoint file if the log
 * does not end with it.
 *
 * @example
 * ```ts
 * const report = await verifyLedger(folderSource("ledger/data"), { verifierKey });
 * ```
 */
export function folderSource(dir: string): VerifySource {
  const reader = new FileLedgerReader(dir);
  let logged = 0;
  let fromFile = false;
  async function* checkpoints(): AsyncGenerator<string> {
    let last: string | null = null;
    for await (const note of reader.checkpoints()) {
      last = note;
      logged++;
      yield note;
    }
    const latest = await reader.checkpoint();
    if (latest !== null && latest !== last) {
      fromFile = true;
      yield latest;
    }
  }
  const path = `${dir}/${FILES.entries}`;
  return {
    bytes: fileBytes(path),
    reader: () => fileReader(path),
    checkpoints: checkpoints(),
    hasCheckpoints: true,
    checkpointName: (n) =>
      fromFile && n > logged
        ? `${dir}/${FILES.checkpoint}`
        : `${dir}/${FILES.checkpointLog} line ${n}`,
  };
}

async function* fileBytes(path: string): AsyncGenerator<Uint8Array> {
  try {
    await Deno.stat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw e;
  }
  // One reused 1 MiB buffer (verify copies each chunk into its blocks at once): large
  // short-lived buffers would make the allocator hold on to freed memory, small reads are slow.
  yield* readChunks(path, 0, Infinity, 1 << 20, true);
}

/** The file at `path` read into the caller's buffers; a missing file is empty. */
function fileReader(path: string): ByteReader {
  let file: Deno.FsFile | null | undefined; // undefined until opened, null when missing or closed
  return {
    async read(into) {
      if (file === undefined) {
        try {
          file = await Deno.open(path, { read: true });
        } catch (e) {
          if (!(e instanceof Deno.errors.NotFound)) throw e;
          file = null;
        }
      }
      if (file === null) return 0;
      return (await file.read(into)) ?? 0;
    },
    close() {
      file?.close();
      file = null;
    },
  };
}

/**
 * An exported `.jsonl` file: lines only (pin a checkpoint with `trusted` to authenticate them).
 *
 * @example
 * ```ts
 * const report = await verifyLedger(jsonlSource("export.jsonl"), { verifierKey, trusted });
 * ```
 */
export function jsonlSource(path: string): VerifySource {
  return {
    bytes: fileBytes(path),
    reader: () => fileReader(path),
    checkpoints: empty(),
    hasCheckpoints: false,
  };
}

async function* empty(): AsyncGenerator<string> {}

/** Options of {@link httpSource}. */
export interface HttpSourceOptions {
  /** Entries asked for per request (the server may return fewer). */
  pageSize?: number;
  /** Time limit of each request, body included (default 60 s). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * A running status page: the latest checkpoint, then the entries it covers, paged.
 *
 * @example
 * ```ts
 * const report = await verifyLedger(await httpSource("https://status.example.org"), { verifierKey });
 * ```
 */
export async function httpSource(
  baseUrl: string,
  opts: HttpSourceOptions = {},
): Promise<VerifySource> {
  const doFetch = opts.fetch ?? fetch;
  const base = baseUrl.replace(/\/+$/, "");
  const pageSize = opts.pageSize ?? 10_000;
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const res = await doFetch(`${base}/ledger/checkpoint`, {
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (res.status === 404) {
    await res.body?.cancel();
    return { bytes: emptyBytes(), checkpoints: empty(), hasCheckpoints: true };
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`GET ${base}/ledger/checkpoint: HTTP ${res.status}`);
  }
  const note = await boundedText(res, MAX_NOTE_BYTES);
  const size = peekCheckpoint(note).size;
  /** Page through the entries; each page is streamed and its complete lines counted. */
  async function* bytes(): AsyncGenerator<Uint8Array> {
    let from = 0;
    while (from < size) {
      const to = Math.min(size, from + pageSize);
      const url = `${base}/ledger/entries?from=${from}&to=${to}`;
      const page = await doFetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      if (!page.ok || !page.body) {
        await page.body?.cancel();
        throw new Error(`GET ${url}: HTTP ${page.status}`);
      }
      const want = to - from;
      let got = 0;
      let tail = 0; // bytes after the page's last LF
      const reader = page.body.getReader();
      try {
        while (got < want) {
          const { done, value: chunk } = await reader.read();
          if (done) break;
          let cut = chunk.length;
          for (let p = chunk.indexOf(10); p >= 0; p = chunk.indexOf(10, p + 1)) {
            if (++got === want) {
              cut = p + 1; // never read more than asked for: a hostile server cannot stream forever
              break;
            }
          }
          const piece = chunk.subarray(0, cut);
          const last = piece.lastIndexOf(10);
          tail = last < 0 ? tail + piece.length : piece.length - last - 1;
          yield piece;
          if (tail > MAX_ENTRY_BYTES + 1) return;
        }
      } finally {
        await reader.cancel().catch(() => {});
      }
      if (tail > 0 || got === 0) return; // torn page or no more entries: verify reports it
      from += got;
    }
  }
  return { bytes: bytes(), checkpoints: one(note), hasCheckpoints: true };
}

async function* one(note: string): AsyncGenerator<string> {
  yield note;
}

async function* emptyBytes(): AsyncGenerator<Uint8Array> {}

async function boundedText(res: Response, max: number): Promise<string> {
  const bytes = await readCapped(res.body, max);
  if (bytes === null) throw new Error("checkpoint response is too large");
  return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
}

/** What {@link readerSource} needs from a ledger reader. */
export interface ReadableLedger {
  entries(from?: number, to?: number): AsyncIterable<{ line: string }>;
  checkpoints(): AsyncIterable<string>;
}

/**
 * Any opened ledger (a KV store on Deno Deploy, say) as a verification source: its lines up to the
 * signed head and every checkpoint it signed.
 *
 * @example
 * ```ts
 * const reader = await openLedgerReader({ store: "kv", kv });
 * const report = await verifyLedger(readerSource(reader), { verifierKey });
 * ```
 */
export function readerSource(reader: ReadableLedger): VerifySource {
  const encoder = new TextEncoder();
  async function* bytes(): AsyncGenerator<Uint8Array> {
    let batch: string[] = [];
    let size = 0;
    for await (const e of reader.entries()) {
      batch.push(e.line, "\n");
      size += e.line.length;
      if (size >= 1 << 20) {
        yield encoder.encode(batch.join(""));
        batch = [];
        size = 0;
      }
    }
    if (batch.length > 0) yield encoder.encode(batch.join(""));
  }
  return { bytes: bytes(), checkpoints: reader.checkpoints(), hasCheckpoints: true };
}
