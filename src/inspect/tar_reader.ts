/**
 * A push-based tar parser: uncompressed tar bytes go in chunk by chunk ({@link TarReader.push}),
 * synchronously, and each member is listed, hashed and sniffed into a {@link Collector} as its
 * bytes pass, without copying them and without a stream or a promise per member.
 *
 * It reads an archive the way Python's tarfile does (what pip and build extract an sdist
 * with), so that no member can hide between two readings: numeric fields as `nti` reads them,
 * data skipped only for regular files and unknown types, pax records (`x`, `X`, `g`) and GNU
 * long names (`L`, `K`) parsed from their whole padded blocks with the outermost record
 * winning, the ustar prefix joined for every type but `L`, `K` and `S`, a trailing slash
 * making a directory only of type `\0`. Where other readers would see something else (data
 * after a directory header, a regular file named like a directory, members after the
 * end-of-archive marker, which tarfile stops at and others read on), an anomaly says so.
 * GNU sparse members, which no build backend writes, stop the reading as damage. Damage
 * throws {@link TarCorrupt}; a limit throws the collector's StopInspection.
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
/** Longest member name kept (Linux's PATH_MAX): longer cannot be installed anywhere. */
const MAX_NAME_BYTES = 4096;
/** Most characters of names and link targets the listing holds (memory of the listing). */
const MAX_LISTING_CHARS = 32 * 1024 * 1024;

const REGULAR = new Set([0, 0x30, 0x37, 0x53]); // \0, 0, 7 (contiguous), S (sparse)
const TYPES: Record<number, EntryType> = {
  0: "file",
  0x30: "file",
  0x37: "file",
  0x31: "hardlink",
  0x32: "symlink",
  0x33: "device",
  0x34: "device",
  0x35: "dir",
  0x36: "fifo",
};
const PAX = 0x78; // x
const PAX_SOLARIS = 0x58; // X, read as x by tarfile
const PAX_GLOBAL = 0x67; // g
const GNU_LONG_NAME = 0x4c; // L
const GNU_LONG_LINK = 0x4b; // K
const GNU_SPARSE = 0x53; // S

/** A header block, decoded. */
interface Header {
  type: number;
  nameBytes: Uint8Array;
  linkBytes: Uint8Array;
  mode: number;
  size: number;
}

/** What the records before a member said about it: the first (outermost) record wins. */
interface Pending {
  name: string | Uint8Array | undefined;
  link: string | Uint8Array | undefined;
  size: number | undefined;
}

const none = (): Pending => ({ name: undefined, link: undefined, size: undefined });

/** Bytes of `block` from `at` up to the first NUL within `length` (a view). */
function field(block: Uint8Array, at: number, length: number): Uint8Array {
  let end = at;
  const stop = at + length;
  while (end < stop && block[end] !== 0) end++;
  return block.subarray(at, end);
}

/** Bytes Python's `str.strip()` removes (ASCII whitespace, including 0x1c-0x1f). */
function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f);
}

/** What Python's `int(text, 8)` accepts: a sign, an optional 0o, digits with single underscores. */
const PY_OCTAL = /^([+-]?)(?:0[oO]_?)?([0-7](?:_?[0-7])*)$/;
/** What Python's `int(text)` accepts in ASCII (base 10). */
const PY_DECIMAL = /^([+-]?)([0-9](?:_?[0-9])*)$/;

/** A string as Python's `int()` reads it with `pattern`, or NaN (also for negative values). */
function pythonInt(text: string, pattern: RegExp, radix: number): number {
  let from = 0;
  let to = text.length;
  while (from < to && isSpace(text.charCodeAt(from))) from++;
  while (to > from && isSpace(text.charCodeAt(to - 1))) to--;
  const m = pattern.exec(text.slice(from, to));
  if (!m) return NaN;
  const value = parseInt(m[2].replaceAll("_", ""), radix);
  return m[1] === "-" && value !== 0 ? NaN : value;
}

/**
 * A numeric header field as tarfile's `nti` reads it: base-256 after a 0x80 byte (0xff:
 * negative), otherwise the ASCII up to the first NUL, stripped, in octal (empty: 0). NaN when
 * tarfile would call the header invalid, or the value is negative.
 */
function numeric(block: Uint8Array, at: number, length: number): number {
  const first = block[at];
  if (first === 0x80) {
    let value = 0;
    for (let i = 1; i < length; i++) value = value * 256 + block[at + i];
    return value;
  }
  if (first === 0xff) return NaN;
  // The common case first: octal digits, then NULs or spaces.
  let value = 0;
  let i = at;
  const end = at + length;
  while (i < end && block[i] >= 0x30 && block[i] <= 0x37) value = value * 8 + block[i++] - 0x30;
  if (i > at && (i === end || block[i] === 0 || block[i] === 0x20)) {
    let j = i;
    while (j < end && block[j] === 0x20) j++;
    if (j === end || block[j] === 0) return value;
  }
  let text = "";
  for (let k = at; k < end && block[k] !== 0; k++) {
    if (block[k] >= 0x80) return NaN; // not ASCII: invalid
    text += String.fromCharCode(block[k]);
  }
  let from = 0;
  while (from < text.length && isSpace(text.charCodeAt(from))) from++;
  if (from === text.length) return 0;
  return pythonInt(text, PY_OCTAL, 8);
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

/** The numeric fields tarfile decodes (an invalid one makes it stop at this header). */
const NUMERIC_FIELDS: Array<[number, number]> = [
  [108, 8], // uid
  [116, 8], // gid
  [136, 12], // mtime
  [329, 8], // devmajor
  [337, 8], // devminor
];

function decodeHeader(block: Uint8Array): Header {
  if (!checksumOk(block)) {
    throw new TarCorrupt("invalid tar header (checksum mismatch)");
  }
  const size = numeric(block, 124, 12);
  const mode = numeric(block, 100, 8);
  if (!(size >= 0) || !Number.isSafeInteger(size) || Number.isNaN(mode)) {
    throw new TarCorrupt("invalid tar header (size or mode)");
  }
  for (const [at, length] of NUMERIC_FIELDS) {
    if (Number.isNaN(numeric(block, at, length))) {
      throw new TarCorrupt("invalid tar header (a numeric field tarfile cannot read)");
    }
  }
  let type = block[156];
  let nameBytes = field(block, 0, 100);
  // A trailing slash makes a directory of an old-style (type \0) member only.
  if (type === 0 && nameBytes.at(-1) === 0x2f) type = 0x35;
  if (block[345] !== 0 && type !== GNU_LONG_NAME && type !== GNU_LONG_LINK && type !== GNU_SPARSE) {
    // tarfile joins the ustar prefix whatever the magic says.
    const prefix = field(block, 345, 155);
    const joined = new Uint8Array(prefix.length + 1 + nameBytes.length);
    joined.set(prefix);
    joined[prefix.length] = 0x2f;
    joined.set(nameBytes, prefix.length + 1);
    nameBytes = joined;
  }
  return { type, nameBytes, linkBytes: field(block, 157, 100), mode, size };
}

const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });
/**
 * Records of a pax extended header block, as tarfile parses them: at each position
 * `<digits> <key>=` (the key: any bytes but "="), the value up to the record's last byte,
 * the next record `length` bytes on; it stops where no record starts. Keys and values are
 * UTF-8 (U+FFFD for bad bytes). A zero length is damage.
 */
function parsePax(bytes: Uint8Array): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let at = 0;
  while (at < bytes.length) {
    let p = at;
    let length = 0;
    // A float past 2^53 is fine: such a length only ever runs past the end.
    while (p < bytes.length && bytes[p] >= 0x30 && bytes[p] <= 0x39) {
      length = length * 10 + bytes[p++] - 0x30;
    }
    if (p === at || bytes[p] !== 0x20 || p + 1 >= bytes.length || bytes[p + 1] === 0x3d) break;
    const eq = bytes.indexOf(0x3d, p + 1);
    if (eq < 0) break;
    if (length === 0) throw new TarCorrupt("pax record of length 0");
    const key = utf8.decode(bytes.subarray(p + 1, eq));
    const end = Math.min(bytes.length, Math.max(eq + 1, at + length - 1));
    const value = utf8.decode(bytes.subarray(eq + 1, end));
    out.push([key, value]);
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
  if (bytes.length > MAX_NAME_BYTES) throw new TarCorrupt(`member name of ${bytes.length} bytes`);
  let ascii = true;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return String.fromCharCode.apply(null, bytes as unknown as number[]);
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
  if (name.length > MAX_NAME_BYTES) throw new TarCorrupt(`member name of ${name.length} chars`);
  if (name.includes("\uFFFD")) {
    collector.anomaly("name-encoding", "pax name is not valid UTF-8", name);
  }
  return name;
}

function nameOf(value: string | Uint8Array, collector: Collector): string {
  return typeof value === "string" ? paxName(value, collector) : headerName(value, collector);
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
  /** A pax or GNU record being gathered (with its padding, as tarfile reads it). */
  #long: { type: number; bytes: Uint8Array; fill: number } | undefined;
  #pending: Pending = none();
  /** Global pax records in force (later ones replace earlier keys). */
  #global = new Map<string, string>();
  #paxBytes = 0;
  /** A zero block was seen (where Python's tarfile stops reading), and whether that was said. */
  #ended = false;
  #flaggedAfterEnd = false;

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
    const p = this.#pending;
    if (p.name !== undefined || p.link !== undefined || p.size !== undefined) {
      throw new TarCorrupt("an extended header with no member after it");
    }
  }

  /**
   * Whether an end-of-archive marker was read and nothing is open after it (a member, a
   * record, a header begun with anything but zeros): the point where tarfile stops.
   */
  endedAtMarker(): boolean {
    if (!this.#ended || this.#left > 0 || this.#padding > 0 || this.#long) return false;
    const p = this.#pending;
    if (p.name !== undefined || p.link !== undefined || p.size !== undefined) return false;
    for (let i = 0; i < this.#blockFill; i++) if (this.#block[i] !== 0) return false;
    return true;
  }

  #header(): void {
    const block = this.#block;
    if (isZeroBlock(block)) {
      this.#ended = true;
      return;
    }
    this.collector.checkTime();
    const header = decodeHeader(block);
    if (this.#ended && !this.#flaggedAfterEnd) {
      this.#flaggedAfterEnd = true;
      this.collector.anomaly(
        "trailing-bytes",
        "tar members after the end-of-archive marker: Python's tarfile (pip, build) stops at the first zero block, other tools read on",
      );
    }
    const type = header.type;
    if (type === GNU_SPARSE) throw new TarCorrupt("GNU sparse member (not inspected)");
    const pax = type === PAX || type === PAX_SOLARIS || type === PAX_GLOBAL;
    if (pax || type === GNU_LONG_NAME || type === GNU_LONG_LINK) {
      const room = pax ? MAX_PAX_BYTES - this.#paxBytes : MAX_LONG_NAME;
      if (header.size > room) {
        throw new TarCorrupt(
          pax
            ? `pax headers of more than ${MAX_PAX_BYTES} bytes`
            : `long name of ${header.size} bytes`,
        );
      }
      // tarfile reads the record's whole padded block.
      const padded = Math.ceil(header.size / BLOCK) * BLOCK;
      this.#long = { type, bytes: new Uint8Array(padded), fill: 0 };
      this.#left = padded;
      this.#padding = 0;
      if (padded === 0) this.#dataDone();
      return;
    }
    this.#begin(header);
  }

  /** A member header: count and list it, then stream its bytes (if it has any) into a sink. */
  #begin(header: Header): void {
    const c = this.collector;
    c.countEntry();
    const pending = this.#pending;
    this.#pending = none();
    this.#paxBytes = this.#globalBytes;
    const global = this.#global;
    // tarfile (and so pip) treats a member of an unknown type as a regular file.
    const known = TYPES[header.type] !== undefined;
    const type = TYPES[header.type] ?? "file";
    let path = pending.name !== undefined
      ? nameOf(pending.name, c)
      : global.has("path")
      ? paxName(global.get("path")!.replace(/\/+$/, ""), c)
      : headerName(header.nameBytes, c);
    if (type === "file" && path.endsWith("/")) {
      // tarfile extracts a file (without the slash); readers of the old format make a folder.
      c.anomaly(
        "tar-ambiguity",
        "a regular file named like a directory: tarfile writes a file, other readers a folder",
        path,
      );
      path = path.replace(/\/+$/, "");
    }
    if (!known) {
      c.anomaly(
        "tar-ambiguity",
        `member type ${
          JSON.stringify(String.fromCharCode(header.type))
        } is unknown: tarfile and pip write it as a regular file, other readers skip it`,
        path,
      );
    }
    // Data follows regular files and unknown types only (tarfile's rule for the next header).
    const hasData = REGULAR.has(header.type) || !known;
    const size = pending.size ?? header.size;
    if (!hasData && size > 0) {
      c.anomaly(
        "tar-ambiguity",
        `a ${type} member declares ${size} bytes of data: tarfile reads the next header right after it, other readers skip the bytes`,
        path,
      );
    }
    if (global.has("size") && pending.size === undefined) {
      throw new TarCorrupt("a global pax size (readers disagree where members end)");
    }
    const link = pending.link ?? global.get("linkpath");
    const linkTarget = type === "symlink" || type === "hardlink"
      ? nameOf(link ?? header.linkBytes, c)
      : undefined;
    this.#listingChars += path.length + (linkTarget?.length ?? 0);
    if (this.#listingChars > MAX_LISTING_CHARS) {
      c.stop("too-many-entries", `member names above ${MAX_LISTING_CHARS} characters in total`);
    }
    const role = type === "file" ? this.roleOf(path) : undefined;
    const dataSize = hasData ? size : 0;
    const entry: EntryInfo = {
      path,
      type,
      declaredSize: dataSize,
      size: 0,
      mode: header.mode & 0o7777,
      linkTarget,
    };
    this.#member = { entry, sink: c.beginMember(dataSize, role, undefined, false, path), role };
    this.#left = dataSize;
    this.#padding = (BLOCK - (dataSize % BLOCK)) % BLOCK;
    if (dataSize === 0) this.#dataDone();
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

  /** Pax bytes of the global records (they stay in force). */
  #globalBytes = 0;
  /** Characters of the names and link targets listed so far. */
  #listingChars = 0;

  #record(type: number, bytes: Uint8Array): void {
    const p = this.#pending;
    if (type === GNU_LONG_NAME || type === GNU_LONG_LINK) {
      const end = bytes.indexOf(0);
      const name = end < 0 ? bytes : bytes.subarray(0, end);
      if (type === GNU_LONG_NAME) p.name ??= name;
      else p.link ??= name;
      return;
    }
    this.#paxBytes += bytes.length;
    if (type === PAX_GLOBAL) this.#globalBytes += bytes.length;
    const records = parsePax(bytes);
    if (records.some(([key]) => key.startsWith("GNU.sparse."))) {
      throw new TarCorrupt("GNU sparse member (not inspected)");
    }
    if (type === PAX_GLOBAL) {
      for (const [key, value] of records) this.#global.set(key, value);
      return;
    }
    // Within one record the last key wins (a dict); across records the first record wins.
    const own = new Map(records);
    const path = own.get("path");
    if (path !== undefined) p.name ??= path.replace(/\/+$/, "");
    const linkpath = own.get("linkpath");
    if (linkpath !== undefined) p.link ??= linkpath;
    const size = own.get("size");
    if (size !== undefined && p.size === undefined) {
      // tarfile: int(value), 0 when it is not a number.
      const value = pythonInt(size, PY_DECIMAL, 10);
      if (!/^[0-9]{1,15}$/.test(size)) {
        this.collector.anomaly(
          "tar-ambiguity",
          `pax size ${JSON.stringify(size.slice(0, 40))} is not plain digits`,
        );
      }
      p.size = Number.isSafeInteger(value) ? value : 0;
    }
  }
}
