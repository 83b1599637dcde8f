/**
 * A push-based tar parser: uncompressed tar bytes go in chunk by chunk ({@link TarReader.push}),
 * synchronously, and each member is listed, hashed and sniffed into a {@link Collector} as its
 * bytes pass, without copying them and without a stream or a promise per member. It reads the
 * POSIX ustar, GNU and v7 header formats, pax extended headers (per-file `x`, global `g`, as
 * Python's tarfile applies them: a global record holds for every later member) and GNU long
 * names (`L`, `K`, `N`). All-zero blocks are skipped: members after an end-of-archive marker are
 * still read (more is seen, not less) and flagged, since Python's tarfile stops at the marker. Damaged input throws {@link TarCorrupt}; a limit throws
 * the collector's StopInspection.
 *
 * @example
 * ```ts
 * const reader = new TarReader(collector, () => undefined);
 * for (const chunk of rawChunks) reader.push(chunk);
 * reader.end();
 * ```
 * @module
 */
import type { Collector, MemberSink } from "./collector.ts";
import type { EntryInfo, EntryType, MemberRole } from "./types.ts";

/** The tar bytes cannot be read on (bad header checksum, truncated member, …). */
export class TarCorrupt extends Error {}

const BLOCK = 512;
/** Longest GNU long name or link read (no file system takes more; longer is an attack). */
const MAX_LONG_NAME = 64 * 1024;
/** Most pax bytes in force at once (global records plus those for the next member). */
const MAX_PAX_BYTES = 1024 * 1024;

const TYPES: Record<number, EntryType> = {
  0: "file",
  0x30: "file",
  0x37: "file", // contiguous file
  0x31: "hardlink",
  0x32: "symlink",
  0x33: "device",
  0x34: "device",
  0x35: "dir",
  0x36: "fifo",
};
const PAX = 0x78; // x
const PAX_GLOBAL = 0x67; // g
const GNU_LONG_NAME = 0x4c; // L
const GNU_LONG_LINK = 0x4b; // K
const GNU_OLD_LONG_NAME = 0x4e; // N

/** A header block, decoded. */
interface Header {
  type: number;
  nameBytes: Uint8Array;
  linkBytes: Uint8Array;
  mode: number;
  size: number;
}

/** What the previous pax and GNU records said about the next member. */
interface Pending {
  pax: Record<string, string> | undefined;
  longName: Uint8Array | undefined;
  longLink: Uint8Array | undefined;
}

/** Bytes of `block` from `at` up to the first NUL within `length` (a view). */
function field(block: Uint8Array, at: number, length: number): Uint8Array {
  let end = at;
  const stop = at + length;
  while (end < stop && block[end] !== 0) end++;
  return block.subarray(at, end);
}

/**
 * A numeric header field: octal digits (leading spaces or NULs skipped, ending at a space or
 * NUL), or GNU base-256 when the first byte has its high bit set. NaN when malformed.
 */
function numeric(block: Uint8Array, at: number, length: number): number {
  if (block[at] & 0x80) {
    if (block[at] === 0xff) return NaN; // negative
    let value = block[at] & 0x7f;
    for (let i = 1; i < length; i++) value = value * 256 + block[at + i];
    return value;
  }
  let i = at;
  const end = at + length;
  while (i < end && (block[i] === 0x20 || block[i] === 0)) i++;
  if (i === end) return 0;
  let value = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = block[i];
    if (c === 0x20 || c === 0) break;
    if (c < 0x30 || c > 0x37) return NaN;
    value = value * 8 + (c - 0x30);
    digits++;
  }
  return digits === 0 ? NaN : value;
}

/** Whether the header's checksum is right (unsigned or, as old tars wrote it, signed). */
function checksumOk(block: Uint8Array): boolean {
  const stored = numeric(block, 148, 8);
  let unsigned = 8 * 0x20;
  for (let i = 0; i < 148; i++) unsigned += block[i];
  for (let i = 156; i < BLOCK; i++) unsigned += block[i];
  if (stored === unsigned) return true;
  let high = 0; // bytes >= 128 count 256 less when summed as signed
  for (let i = 0; i < BLOCK; i++) if ((i < 148 || i >= 156) && block[i] >= 128) high++;
  return stored === unsigned - 256 * high;
}

function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

/** "ustar\0" at offset 257: the POSIX format. */
function isUstar(b: Uint8Array): boolean {
  return b[257] === 0x75 && b[258] === 0x73 && b[259] === 0x74 && b[260] === 0x61 &&
    b[261] === 0x72 && b[262] === 0;
}

function decodeHeader(block: Uint8Array): Header {
  if (!checksumOk(block)) {
    throw new TarCorrupt("invalid tar header (checksum mismatch)");
  }
  let nameBytes = field(block, 0, 100);
  // POSIX ustar keeps a prefix of long names; the GNU format uses those bytes otherwise.
  if (isUstar(block) && block[345] !== 0) {
    const prefix = field(block, 345, 155);
    const joined = new Uint8Array(prefix.length + 1 + nameBytes.length);
    joined.set(prefix);
    joined[prefix.length] = 0x2f;
    joined.set(nameBytes, prefix.length + 1);
    nameBytes = joined;
  }
  const size = numeric(block, 124, 12);
  if (!(size >= 0) || !Number.isSafeInteger(size)) {
    throw new TarCorrupt("invalid tar header (size)");
  }
  let type = block[156];
  // Old tars mark directories with a trailing slash only.
  if ((type === 0 || type === 0x30) && nameBytes.at(-1) === 0x2f) type = 0x35;
  return { type, nameBytes, linkBytes: field(block, 157, 100), mode: numeric(block, 100, 8), size };
}

const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/** Records of a pax extended header (`<length> <key>=<value>\n`); values are UTF-8. */
function parsePax(bytes: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < bytes.length) {
    let space = at;
    let length = 0;
    while (space < bytes.length && bytes[space] >= 0x30 && bytes[space] <= 0x39) {
      length = length * 10 + bytes[space] - 0x30;
      space++;
    }
    if (bytes[space] !== 0x20 || length <= space - at + 1 || at + length > bytes.length) break;
    const record = bytes.subarray(space + 1, at + length - 1); // without the final LF
    const eq = record.indexOf(0x3d);
    if (eq < 0) break;
    out[utf8.decode(record.subarray(0, eq))] = utf8.decode(record.subarray(eq + 1));
    at += length;
  }
  return out;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * A member name from header bytes: UTF-8, or a `name-encoding` anomaly (what the bytes were)
 * and the name with U+FFFD where they were not.
 */
function headerName(bytes: Uint8Array, collector: Collector): string {
  if (bytes.length <= 256) {
    let ascii = true;
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  }
  try {
    return strictUtf8.decode(bytes);
  } catch {
    const name = utf8.decode(bytes);
    const hex = [...bytes.subarray(0, 60)].map((b) => b.toString(16).padStart(2, "0")).join("");
    collector.anomaly("name-encoding", `name is not valid UTF-8 (bytes ${hex})`, name);
    return name;
  }
}

/** A pax name (decoded already, U+FFFD where its bytes were not UTF-8). */
function paxName(name: string, collector: Collector): string {
  if (name.includes("\uFFFD")) {
    collector.anomaly("name-encoding", "pax name is not valid UTF-8", name);
  }
  return name;
}

/** The member being read. */
interface Member {
  entry: EntryInfo;
  sink: MemberSink;
  role: MemberRole | undefined;
}

/** Push-based tar parser feeding a collector (see the module comment). */
export class TarReader {
  /** The header block being filled. */
  #block = new Uint8Array(BLOCK);
  #blockFill = 0;
  /** Bytes of the current member or long record still to come, then padding to skip. */
  #left = 0;
  #padding = 0;
  #member: Member | undefined;
  /** A pax or GNU record being gathered, and its type. */
  #long: { type: number; bytes: Uint8Array; fill: number } | undefined;
  #pending: Pending = { pax: undefined, longName: undefined, longLink: undefined };
  #globalPax: Record<string, string> = {};
  #globalPaxBytes = 0;
  /** A zero block was seen (where Python's tarfile stops reading), and whether that was said. */
  #ended = false;
  #flaggedAfterEnd = false;
  #pendingPaxBytes = 0;

  constructor(
    readonly collector: Collector,
    readonly roleOf: (path: string) => MemberRole | undefined,
  ) {}

  /** Parse the next uncompressed bytes (not viewed after the call returns). */
  push(chunk: Uint8Array): void {
    this.#push(chunk);
    // A member continuing into the next chunk: its sink must not keep views of this one.
    this.#member?.sink.ownViews();
  }

  #push(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.#left > 0) {
        const n = Math.min(this.#left, chunk.length - at);
        this.#data(chunk.subarray(at, at + n));
        at += n;
        this.#left -= n;
        if (this.#left === 0) this.#dataDone();
      } else if (this.#padding > 0) {
        const n = Math.min(this.#padding, chunk.length - at);
        at += n;
        this.#padding -= n;
      } else {
        const n = Math.min(BLOCK - this.#blockFill, chunk.length - at);
        this.#block.set(chunk.subarray(at, at + n), this.#blockFill);
        this.#blockFill += n;
        at += n;
        if (this.#blockFill === BLOCK) {
          this.#blockFill = 0;
          this.#header();
        }
      }
    }
  }

  /** The input ended: throws {@link TarCorrupt} when it ended inside a header or member. */
  end(): void {
    if (this.#left > 0 || this.#padding > 0 || this.#blockFill > 0 || this.#long) {
      throw new TarCorrupt("unexpected end of data");
    }
  }

  #header(): void {
    const block = this.#block;
    if (isZeroBlock(block)) {
      this.#ended = true;
      return;
    }
    const header = decodeHeader(block);
    if (this.#ended && !this.#flaggedAfterEnd) {
      this.#flaggedAfterEnd = true;
      this.collector.anomaly(
        "trailing-bytes",
        "tar members after the end-of-archive marker: Python's tarfile (pip, build) stops at the first zero block, other tools read on",
      );
    }
    const type = header.type;
    if (
      type === PAX || type === PAX_GLOBAL || type === GNU_LONG_NAME || type === GNU_LONG_LINK ||
      type === GNU_OLD_LONG_NAME
    ) {
      const pax = type === PAX || type === PAX_GLOBAL;
      const room = pax
        ? MAX_PAX_BYTES - this.#globalPaxBytes - this.#pendingPaxBytes
        : MAX_LONG_NAME;
      if (header.size > room) {
        throw new TarCorrupt(
          pax
            ? `pax headers of more than ${MAX_PAX_BYTES} bytes`
            : `long name of ${header.size} bytes`,
        );
      }
      this.#long = { type, bytes: new Uint8Array(header.size), fill: 0 };
      this.#expect(header.size);
      if (header.size === 0) this.#dataDone();
      return;
    }
    this.#begin(header);
  }

  #expect(size: number): void {
    this.#left = size;
    this.#padding = (BLOCK - (size % BLOCK)) % BLOCK;
  }

  /** A member header: count and list it, then stream its bytes into a sink. */
  #begin(header: Header): void {
    const c = this.collector;
    c.checkTime();
    c.countEntry();
    const pending = this.#pending;
    this.#pending = { pax: undefined, longName: undefined, longLink: undefined };
    this.#pendingPaxBytes = 0;
    const pax = pending.pax === undefined
      ? this.#globalPax
      : { ...this.#globalPax, ...pending.pax };
    const path = pax.path !== undefined
      ? paxName(pax.path, c)
      : headerName(pending.longName ?? header.nameBytes, c);
    let size = header.size;
    if (pax.size !== undefined && /^\d{1,15}$/.test(pax.size)) size = Number(pax.size);
    const type = TYPES[header.type] ?? "other";
    const linkTarget = type === "symlink" || type === "hardlink"
      ? pax.linkpath !== undefined
        ? paxName(pax.linkpath, c)
        : headerName(pending.longLink ?? header.linkBytes, c)
      : undefined;
    const role = type === "file" ? this.roleOf(path) : undefined;
    const entry: EntryInfo = {
      path,
      type,
      declaredSize: size,
      size: 0,
      mode: Number.isNaN(header.mode) ? undefined : header.mode & 0o7777,
      linkTarget,
    };
    this.#member = { entry, sink: c.beginMember(size, role, undefined, false, path), role };
    this.#expect(size);
    if (size === 0) this.#dataDone();
  }

  #data(bytes: Uint8Array): void {
    const long = this.#long;
    if (long) {
      long.bytes.set(bytes, long.fill);
      long.fill += bytes.length;
      return;
    }
    const member = this.#member!;
    this.collector.addBytesOrStop(bytes.length, member.entry.path);
    member.sink.update(bytes);
  }

  /** The current member's (or record's) bytes are all in. */
  #dataDone(): void {
    const long = this.#long;
    if (long) {
      this.#long = undefined;
      this.#record(long.type, long.bytes);
      return;
    }
    const { entry, sink, role } = this.#member!;
    this.#member = undefined;
    if (role) this.collector.keepText(role, entry.path, sink);
    this.collector.addEntry(entry, sink.finish(true));
  }

  #record(type: number, bytes: Uint8Array): void {
    if (type === PAX_GLOBAL) {
      this.#globalPax = { ...this.#globalPax, ...parsePax(bytes) };
      this.#globalPaxBytes += bytes.length;
    } else if (type === PAX) {
      this.#pending.pax = { ...this.#pending.pax, ...parsePax(bytes) };
      this.#pendingPaxBytes += bytes.length;
    } else {
      const end = bytes.indexOf(0);
      const name = end < 0 ? bytes : bytes.subarray(0, end);
      if (type === GNU_LONG_LINK) this.#pending.longLink = name;
      else this.#pending.longName = name;
    }
  }
}
