/**
 * Snappy block-format decoder (https://github.com/google/snappy/blob/main/format_description.txt).
 *
 * GitHub serves attestation bundles behind `bundle_url` snappy-compressed (the GitHub CLI
 * decodes them the same way). Output size is bounded before anything is allocated; malformed
 * input throws a one-line error.
 *
 * @example
 * ```ts
 * const json = new TextDecoder().decode(snappyDecode(body, 8 * 1024 * 1024));
 * ```
 * @module
 */

/** Snappy input was malformed or too large. */
export class SnappyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SnappyError";
  }
}

function readVarint(input: Uint8Array): { value: number; next: number } {
  let value = 0;
  for (let i = 0; i < 5 && i < input.length; i++) {
    const byte = input[i];
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return { value, next: i + 1 };
  }
  throw new SnappyError("snappy: bad length preamble");
}

/**
 * Decode one snappy block.
 *
 * @example
 * ```ts
 * snappyDecode(new Uint8Array([3, 8, 97, 98, 99])); // "abc" as bytes
 * ```
 * @throws {SnappyError} when the input is malformed or decodes to more than `maxBytes`.
 */
export function snappyDecode(input: Uint8Array, maxBytes = 64 * 1024 * 1024): Uint8Array {
  const { value: length, next } = readVarint(input);
  if (length > maxBytes) throw new SnappyError(`snappy: output larger than ${maxBytes} bytes`);
  const out = new Uint8Array(length);
  let o = 0;
  let i = next;
  const need = (n: number) => {
    if (i + n > input.length) throw new SnappyError("snappy: truncated input");
  };
  while (i < input.length) {
    const tag = input[i++];
    const type = tag & 3;
    if (type === 0) {
      let len = tag >> 2;
      if (len >= 60) {
        const extra = len - 59;
        need(extra);
        len = 0;
        for (let k = 0; k < extra; k++) len += input[i + k] * 2 ** (8 * k);
        i += extra;
      }
      len += 1;
      need(len);
      if (o + len > length) throw new SnappyError("snappy: literal overruns the stated length");
      out.set(input.subarray(i, i + len), o);
      i += len;
      o += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (type === 1) {
      need(1);
      len = 4 + ((tag >> 2) & 7);
      offset = ((tag >> 5) << 8) | input[i++];
    } else if (type === 2) {
      need(2);
      len = 1 + (tag >> 2);
      offset = input[i] | (input[i + 1] << 8);
      i += 2;
    } else {
      need(4);
      len = 1 + (tag >> 2);
      offset = (input[i] | (input[i + 1] << 8) | (input[i + 2] << 16)) + input[i + 3] * 2 ** 24;
      i += 4;
    }
    if (offset === 0 || offset > o) throw new SnappyError("snappy: copy offset out of range");
    if (o + len > length) throw new SnappyError("snappy: copy overruns the stated length");
    for (let k = 0; k < len; k++, o++) out[o] = out[o - offset];
  }
  if (o !== length) throw new SnappyError("snappy: output shorter than the stated length");
  return out;
}
