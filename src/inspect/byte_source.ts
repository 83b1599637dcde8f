/**
 * Positional reads over an archive's bytes: a file ({@link FileView}, with a read-ahead
 * window) or bytes in memory ({@link MemoryView}). The ZIP reader and the member worker share
 * them.
 *
 * @example
 * ```ts
 * using file = await Deno.open("dist/pkg-1.0-py3-none-any.whl");
 * const view = new FileView(file, (await file.stat()).size);
 * const firstBytes = view.read(0, 4);
 * ```
 * @module
 */

/** Positional reads over the bytes of an archive (a file, or bytes in memory). */
export interface ByteSource {
  readonly size: number;
  /** Up to `length` bytes at `offset` (fewer at the end). */
  read(offset: number, length: number): Uint8Array;
}

/** Positional reads over bytes in memory (a download that was never written to disk). */
export class MemoryView implements ByteSource {
  constructor(readonly bytes: Uint8Array) {}
  get size(): number {
    return this.bytes.length;
  }
  read(offset: number, length: number): Uint8Array {
    const start = Math.max(0, Math.min(offset, this.bytes.length));
    return this.bytes.subarray(start, Math.min(this.bytes.length, start + Math.max(0, length)));
  }
}

/** Bytes read from the file at once by {@link FileView} (entries are visited in file order). */
const WINDOW = 1024 * 1024;

/**
 * Positional reads over an open file, served from a 1 MiB read-ahead window: a wheel of
 * 100,000 tiny members otherwise costs three seek+read system calls per member. A refill
 * allocates a new window, so a view handed out earlier stays valid.
 */
export class FileView implements ByteSource {
  #window: Uint8Array = new Uint8Array();
  #windowAt = 0;

  constructor(readonly file: Deno.FsFile, readonly size: number) {}

  /** Read up to `length` bytes at `offset` (fewer at end of file). */
  read(offset: number, length: number): Uint8Array {
    const len = Math.max(0, Math.min(length, this.size - offset));
    if (len === 0) return new Uint8Array();
    const start = offset - this.#windowAt;
    if (start >= 0 && start + len <= this.#window.length) {
      return this.#window.subarray(start, start + len);
    }
    if (len >= WINDOW) return this.#readAt(offset, len);
    this.#window = this.#readAt(offset, Math.min(WINDOW, this.size - offset));
    this.#windowAt = offset;
    return this.#window.subarray(0, Math.min(len, this.#window.length));
  }

  #readAt(offset: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    this.file.seekSync(offset, Deno.SeekMode.Start);
    let at = 0;
    while (at < len) {
      const n = this.file.readSync(out.subarray(at));
      if (n === null || n === 0) break;
      at += n;
    }
    return at === len ? out : out.subarray(0, at);
  }
}
