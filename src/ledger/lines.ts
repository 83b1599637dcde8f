/**
 * Streaming LF-terminated line splitting with a bounded line length, so that a huge or
 * hostile file never makes a reader buffer more than one maximal line.
 *
 * @module
 */

/** One piece of a split stream. */
export type LinePiece =
  /** A complete line (without LF). The bytes may be a view into a reused chunk: copy to keep. */
  | { kind: "line"; bytes: Uint8Array; offset: number }
  /** Bytes after the last LF at the end of the stream (a torn line). */
  | { kind: "partial"; bytes: Uint8Array; offset: number }
  /** A line longer than the limit; splitting stops here. */
  | { kind: "too-long"; offset: number };

/**
 * Split a byte stream into lines of at most `maxLine` bytes.
 *
 * @example
 * ```ts
 * for await (const piece of splitLines(file.readable, 65536)) {
 *   if (piece.kind === "line") handle(piece.bytes);
 * }
 * ```
 */
export async function* splitLines(
  chunks: AsyncIterable<Uint8Array>,
  maxLine: number,
  startOffset = 0,
): AsyncGenerator<LinePiece> {
  let carry: Uint8Array | null = null;
  let carryOffset = startOffset;
  let offset = startOffset;
  for await (const chunk of chunks) {
    let pos = 0;
    if (carry) {
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        if (carry.length + chunk.length > maxLine) {
          yield { kind: "too-long", offset: carryOffset };
          return;
        }
        carry = concat(carry, chunk);
        offset += chunk.length;
        continue;
      }
      const line = concat(carry, chunk.subarray(0, nl));
      if (line.length > maxLine) {
        yield { kind: "too-long", offset: carryOffset };
        return;
      }
      yield { kind: "line", bytes: line, offset: carryOffset };
      carry = null;
      pos = nl + 1;
    }
    while (pos < chunk.length) {
      const nl = chunk.indexOf(10, pos);
      if (nl < 0) break;
      if (nl - pos > maxLine) {
        yield { kind: "too-long", offset: offset + pos };
        return;
      }
      yield { kind: "line", bytes: chunk.subarray(pos, nl), offset: offset + pos };
      pos = nl + 1;
    }
    if (pos < chunk.length) {
      if (chunk.length - pos > maxLine) {
        yield { kind: "too-long", offset: offset + pos };
        return;
      }
      carry = chunk.slice(pos);
      carryOffset = offset + pos;
    }
    offset += chunk.length;
  }
  if (carry && carry.length > 0) yield { kind: "partial", bytes: carry, offset: carryOffset };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/**
 * Read a file from `start` (to `end`, default EOF) in large chunks. With `reuse`, every chunk is
 * a view of one buffer, valid only until the next one is pulled (the caller copies what it keeps):
 * several times faster for big chunks, since nothing is allocated per read.
 *
 * @example
 * ```ts
 * for await (const chunk of readChunks("ledger/data/entries.jsonl", 0)) total += chunk.length;
 * ```
 */
export async function* readChunks(
  path: string,
  start = 0,
  end = Infinity,
  chunkSize = 1 << 20,
  reuse = false,
): AsyncGenerator<Uint8Array> {
  using file = await Deno.open(path, { read: true });
  if (start > 0) await file.seek(start, Deno.SeekMode.Start);
  let remaining = end - start;
  const shared = reuse ? new Uint8Array(Math.min(chunkSize, remaining)) : null;
  while (remaining > 0) {
    const size = Math.min(chunkSize, remaining);
    const buf = shared ? shared.subarray(0, size) : new Uint8Array(size);
    const n = await file.read(buf);
    if (n === null) return;
    remaining -= n;
    yield n === buf.length ? buf : buf.subarray(0, n);
  }
}
