/**
 * A second opinion on ZIP structure from @zip.js/zip.js: its reader, run in tolerant mode
 * over a synchronous random-access view of a `Deno.FsFile`, reports ambiguities (appended or
 * prepended data, several EOCD records, zip64 mismatches, duplicate names, trailing
 * directory data...) as warnings. They complement the reader in `zip.ts`.
 *
 * @example
 * ```ts
 * const file = await Deno.open("x.whl");
 * const warnings = await zipJsWarnings(file, (await file.stat()).size, true);
 * ```
 * @module
 */
import { configure, Reader, Uint8ArrayReader, ZipReader } from "@zip.js/zip.js";

configure({ useWebWorkers: false });

/** zip.js reader over an open file, reading synchronously at any offset. */
class FsFileSyncReader extends Reader<Deno.FsFile> {
  constructor(readonly file: Deno.FsFile, fileSize: number) {
    super(file);
    this.size = fileSize;
  }

  override init(): Promise<void> {
    return Promise.resolve();
  }

  override readUint8Array(index: number, length: number): Promise<Uint8Array> {
    const len = Math.max(0, Math.min(length, this.size - index));
    const out = new Uint8Array(len);
    this.file.seekSync(index, Deno.SeekMode.Start);
    let at = 0;
    while (at < len) {
      const n = this.file.readSync(out.subarray(at));
      if (n === null || n === 0) break;
      at += n;
    }
    return Promise.resolve(at === len ? out : out.subarray(0, at));
  }
}

/**
 * zip.js's warnings for the archive in `file` (`[]` when `enabled` is false). An error
 * zip.js raises is returned as a warning too; it never throws.
 */
export async function zipJsWarnings(
  file: Deno.FsFile,
  size: number,
  enabled: boolean,
): Promise<string[]> {
  if (!enabled) return [];
  return await warningsOf(new FsFileSyncReader(file, size));
}

/**
 * zip.js's warnings for an archive held in memory (`[]` when `enabled` is false).
 *
 * @example
 * ```ts
 * const warnings = await zipJsBytes(bytes, true);
 * ```
 */
export async function zipJsBytes(bytes: Uint8Array, enabled: boolean): Promise<string[]> {
  if (!enabled) return [];
  return await warningsOf(new Uint8ArrayReader(bytes));
}

async function warningsOf(source: Reader<unknown>): Promise<string[]> {
  const reader = new ZipReader(source, { strictness: "tolerant" });
  try {
    // Iterate without keeping the entries: memory stays flat whatever the entry count.
    for await (const _entry of reader.getEntriesGenerator()) {
      // zip.js records its warnings on the reader while it walks the directory.
    }
    return (reader.warnings ?? []).map((w) =>
      w.filename === undefined ? w.reason : `${w.reason} (${w.filename.slice(0, 200)})`
    );
  } catch (e) {
    const err = e as Error & { reason?: string };
    return [`zip.js: ${err.message}${err.reason ? `: ${err.reason}` : ""}`.slice(0, 300)];
  } finally {
    await reader.close().catch(() => undefined);
  }
}
