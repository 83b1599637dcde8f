/**
 * A tiny ZIP writer for tests, written byte by byte so that each structure can be made
 * wrong on purpose: local vs central names, sizes and CRCs, data descriptors, zip64 records,
 * EOCD records, prefix and trailing bytes.
 *
 * @example
 * ```ts
 * const bytes = buildZip([{ name: "a.txt", data: text("hi") }]);
 * ```
 * @module
 */
import zlib from "node:zlib";

const crc32 = (zlib as unknown as { crc32(d: Uint8Array, v?: number): number }).crc32;

/** Encode a string as UTF-8. */
export const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** One member and the ways to falsify it. */
export interface ZipMember {
  name: string;
  data: Uint8Array;
  /** 0 stored, 8 deflate (default). */
  method?: 0 | 8;
  /** Bytes written as the member's data instead of `data` deflated (e.g. a broken stream). */
  payload?: Uint8Array;
  /** Unix mode including the file type bits (e.g. 0o100755, 0o120777 for a symlink). */
  unixMode?: number;
  /** Name written in the local header (default: `name`). */
  localName?: string;
  /** Override values in the local header. */
  localCrc?: number;
  localCompressedSize?: number;
  localSize?: number;
  /** Override values in the central directory. */
  centralCrc?: number;
  centralSize?: number;
  /** Write sizes after the data (flag bit 3); `descriptor` overrides its values. */
  dataDescriptor?: boolean;
  descriptor?: { crc?: number; compressedSize?: number; size?: number };
  /** Local header offset written in the central record (default: where it was written). */
  centralOffset?: number;
  /** Use zip64 markers and extra fields for this member's sizes and offset. */
  zip64?: boolean;
  /** Drop the zip64 extra field from the central record while keeping the markers. */
  zip64DropCentralExtra?: boolean;
  /** Raw name bytes (local and central), instead of `name` as UTF-8. */
  nameBytes?: Uint8Array;
  /** Set the UTF-8 flag (bit 11); default true. */
  utf8Flag?: boolean;
  /** Extra field bytes appended in the central record / the local header. */
  centralExtra?: Uint8Array;
  localExtra?: Uint8Array;
}

/**
 * An Info-ZIP Unicode Path extra field (0x7075) naming `unicodeName`, with the CRC-32 of
 * `headerName` (the raw header name it claims to translate).
 */
export function unicodePathExtra(headerName: Uint8Array, unicodeName: string): Uint8Array {
  const name = text(unicodeName);
  return new Record(9 + name.length).u16(0x7075).u16(5 + name.length).raw(new Uint8Array([1]))
    .u32(crc32(headerName) >>> 0).raw(name).bytes;
}

/** Archive-level falsifications. */
export interface ZipOptions {
  /** Bytes before the archive. */
  prefix?: Uint8Array;
  /** Whether offsets account for `prefix` (true: shifted archive as written by `zip -A`). */
  prefixInOffsets?: boolean;
  /** Bytes after the EOCD record. */
  trailing?: Uint8Array;
  /** EOCD comment. */
  comment?: Uint8Array;
  /** Append a second copy of the EOCD record. */
  duplicateEocd?: boolean;
  /** Write zip64 end records; `zip64Entries` overrides the zip64 entry count. */
  zip64End?: boolean;
  zip64Entries?: number;
  /** Override the EOCD entry count. */
  eocdEntries?: number;
  /** Bytes inserted between the last entry and the central directory. */
  gapBeforeCentral?: Uint8Array;
}

class Bytes {
  parts: Uint8Array[] = [];
  length = 0;
  push(b: Uint8Array): void {
    this.parts.push(b);
    this.length += b.length;
  }
  concat(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/** Little-endian record builder. */
class Record {
  view: DataView;
  bytes: Uint8Array;
  at = 0;
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }
  u16(v: number): this {
    this.view.setUint16(this.at, v, true);
    this.at += 2;
    return this;
  }
  u32(v: number): this {
    this.view.setUint32(this.at, v >>> 0, true);
    this.at += 4;
    return this;
  }
  u64(v: number): this {
    this.view.setBigUint64(this.at, BigInt(v), true);
    this.at += 8;
    return this;
  }
  raw(b: Uint8Array): this {
    this.bytes.set(b, this.at);
    this.at += b.length;
    return this;
  }
}

function concatExtra(a: Uint8Array, b?: Uint8Array): Uint8Array {
  if (!b) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Build a ZIP archive.
 *
 * @example
 * ```ts
 * buildZip([{ name: "a", data: text("x"), localName: "b" }]); // name mismatch
 * ```
 */
export function buildZip(members: ZipMember[], options: ZipOptions = {}): Uint8Array {
  const out = new Bytes();
  const prefix = options.prefix ?? new Uint8Array();
  if (prefix.length) out.push(prefix);
  const base = options.prefixInOffsets ? 0 : prefix.length;
  const central = new Bytes();
  for (const m of members) {
    const method = m.method ?? 8;
    const payload = m.payload ??
      (method === 8 ? new Uint8Array(zlib.deflateRawSync(m.data)) : m.data);
    const crc = crc32(m.data) >>> 0;
    const offset = out.length - base;
    const nameBytes = m.nameBytes ?? text(m.name);
    const localName = m.nameBytes ?? text(m.localName ?? m.name);
    const flags = (m.utf8Flag === false ? 0 : 0x0800) | (m.dataDescriptor ? 8 : 0);
    const zip64 = !!m.zip64;
    const localExtra = concatExtra(
      zip64
        ? new Record(20).u16(1).u16(16).u64(m.localSize ?? m.data.length)
          .u64(m.localCompressedSize ?? payload.length).bytes
        : new Uint8Array(),
      m.localExtra,
    );
    const local = new Record(30 + localName.length + localExtra.length)
      .u32(0x04034b50).u16(zip64 ? 45 : 20).u16(flags).u16(method).u16(0).u16(0x21)
      .u32(m.dataDescriptor ? 0 : m.localCrc ?? crc)
      .u32(zip64 ? 0xffffffff : m.dataDescriptor ? 0 : m.localCompressedSize ?? payload.length)
      .u32(zip64 ? 0xffffffff : m.dataDescriptor ? 0 : m.localSize ?? m.data.length)
      .u16(localName.length).u16(localExtra.length).raw(localName).raw(localExtra);
    out.push(local.bytes);
    out.push(payload);
    if (m.dataDescriptor) {
      const d = m.descriptor ?? {};
      out.push(
        new Record(16).u32(0x08074b50).u32(d.crc ?? crc).u32(d.compressedSize ?? payload.length)
          .u32(d.size ?? m.data.length).bytes,
      );
    }
    const size = m.centralSize ?? m.data.length;
    const centralExtra = concatExtra(
      zip64 && !m.zip64DropCentralExtra
        ? new Record(28).u16(1).u16(24).u64(size).u64(payload.length).u64(offset).bytes
        : new Uint8Array(),
      m.centralExtra,
    );
    const attrs = m.unixMode !== undefined ? (m.unixMode << 16) >>> 0 : (0o100644 << 16) >>> 0;
    central.push(
      new Record(46 + nameBytes.length + centralExtra.length)
        .u32(0x02014b50).u16((3 << 8) | 45).u16(zip64 ? 45 : 20).u16(flags).u16(method)
        .u16(0).u16(0x21).u32(m.centralCrc ?? crc)
        .u32(zip64 ? 0xffffffff : payload.length).u32(zip64 ? 0xffffffff : size)
        .u16(nameBytes.length).u16(centralExtra.length).u16(0).u16(0).u16(0).u32(attrs)
        .u32(zip64 ? 0xffffffff : m.centralOffset ?? offset).raw(nameBytes).raw(centralExtra).bytes,
    );
  }
  if (options.gapBeforeCentral) out.push(options.gapBeforeCentral);
  const cdOffset = out.length - base;
  for (const part of central.parts) out.push(part);
  const cdSize = central.length;
  const entries = options.eocdEntries ?? members.length;
  if (options.zip64End) {
    const zip64At = out.length - base;
    out.push(
      new Record(56).u32(0x06064b50).u64(44).u16(45).u16(45).u32(0).u32(0)
        .u64(options.zip64Entries ?? members.length).u64(options.zip64Entries ?? members.length)
        .u64(cdSize).u64(cdOffset).bytes,
    );
    out.push(new Record(20).u32(0x07064b50).u32(0).u64(zip64At).u32(1).bytes);
  }
  const comment = options.comment ?? new Uint8Array();
  const eocd = new Record(22 + comment.length).u32(0x06054b50).u16(0).u16(0)
    .u16(entries).u16(entries).u32(cdSize).u32(cdOffset).u16(comment.length).raw(comment).bytes;
  out.push(eocd);
  if (options.duplicateEocd) out.push(eocd);
  if (options.trailing) out.push(options.trailing);
  return out.concat();
}
