/**
 * ZIP reader for wheels and `.zip` sdists, with the structural checks PyPI applies against
 * ZIP confusion: every local header is compared with its central-directory record, the
 * end-of-central-directory (EOCD) records, zip64 records, data descriptors, and the bytes
 * between them are accounted for. Content is inflated with node:zlib one chunk at a time from
 * positional reads of the file (`Deno.FsFile` seek/read), so memory stays bounded.
 *
 * @example
 * ```ts
 * await readZip("dist/pkg-1.0-py3-none-any.whl", collector, () => undefined);
 * ```
 * @module
 */
import zlib from "node:zlib";
import { RATIO_FLOOR_BYTES } from "./bounds.ts";
import { type ByteSource, FileView, MemoryView } from "./byte_source.ts";
import { type Collector, StopInspection } from "./collector.ts";
import { type MemberOutcome, type MemberPool, MIN_OFFLOAD_BYTES } from "./member_pool.ts";
import type { EntryInfo, EntryType, MemberRole } from "./types.ts";
import { readContent, TINY_MEMBER } from "./zip_content.ts";
import { zipJsBytes } from "./zipjs.ts";

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_DESCRIPTOR = 0x08074b50;
const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;
const EOCD_SIZE = 22;
/**
 * zip.js's second opinion is skipped above this many entries: it allocates several KiB per
 * entry, and the checks of this module cover the same ambiguities.
 */
const ZIPJS_MAX_ENTRIES = 2_000;
/** A central directory larger than this is not read (no honest wheel comes close). */
const MAX_CENTRAL_DIRECTORY = 256 * 1024 * 1024;

/** A central directory record. */
interface CentralRecord {
  index: number;
  rawName: Uint8Array;
  name: string;
  madeBy: number;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  externalAttrs: number;
  localOffset: number;
  zip64: boolean;
  versionNeeded: number;
}

/** Where the archive's directory is, after EOCD and zip64 checks. */
interface Directory {
  cdOffset: number;
  cdSize: number;
  entries: number;
  /** Offset of the first byte of the end records (zip64 EOCD, or the EOCD). */
  endRecords: number;
}

const u16 = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
const u32 = (b: Uint8Array, o: number) =>
  (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 0x1000000;
const u64 = (b: Uint8Array, o: number) => u32(b, o) + u32(b, o + 4) * 0x100000000;
const decoder = new TextDecoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const UNICODE_PATH = 0x7075;
const UTF8_FLAG = 0x0800;
const PATCHED_DATA_FLAG = 0x0020;

/**
 * Read a ZIP archive into `collector`. Never throws for archive content.
 */
export async function readZip(
  path: string,
  collector: Collector,
  roleOf: (path: string) => MemberRole | undefined,
  pool?: PoolStarter,
): Promise<void> {
  const file = await Deno.open(path, { read: true });
  try {
    const view = new FileView(file, (await file.stat()).size);
    const zipJs = (on: boolean) => collector.hasher.zipJs(path, on);
    await readZipGuarded(view, collector, roleOf, zipJs, pool);
  } finally {
    file.close();
  }
}

/**
 * Read a ZIP archive held in memory into `collector` (no file: Deno Deploy, `--deny-write`).
 * Never throws for archive content.
 *
 * @example
 * ```ts
 * await readZipBytes(bytes, collector, () => undefined);
 * ```
 */
export async function readZipBytes(
  bytes: Uint8Array,
  collector: Collector,
  roleOf: (path: string) => MemberRole | undefined,
): Promise<void> {
  await readZipGuarded(new MemoryView(bytes), collector, roleOf, (on) => zipJsBytes(bytes, on));
}

async function readZipGuarded(
  view: ByteSource,
  collector: Collector,
  roleOf: (path: string) => MemberRole | undefined,
  zipJs: (enabled: boolean) => Promise<string[]>,
  pool?: PoolStarter,
): Promise<void> {
  try {
    await readZipFrom(view, collector, roleOf, zipJs, pool);
  } catch (e) {
    if (!(e instanceof StopInspection)) {
      collector.anomaly("corrupt", `zip unreadable: ${message(e)}`);
      collector.truncated = true;
    }
  }
}

async function readZipFrom(
  view: ByteSource,
  collector: Collector,
  roleOf: (path: string) => MemberRole | undefined,
  zipJsOf: (enabled: boolean) => Promise<string[]>,
  pool?: PoolStarter,
): Promise<void> {
  const dir = locateDirectory(view, collector);
  const base = dir.endRecords - dir.cdSize - dir.cdOffset;
  if (base < 0) {
    collector.stop("corrupt", "central directory extends past the end records");
  }
  if (base > 0) {
    collector.anomaly(
      "prefix-bytes",
      `${base} bytes before the archive (offsets shifted, as in a self-extracting archive)`,
    );
  }
  if (dir.entries > collector.limits.maxEntries) {
    collector.entriesSeen = dir.entries;
    collector.stop("too-many-entries", `central directory declares ${dir.entries} entries`);
  }
  const listing = readCentralDirectory(view, dir, base, collector);
  const count = listing.offsets.length;
  if (count !== dir.entries) {
    collector.anomaly(
      "entry-count-mismatch",
      `end record declares ${dir.entries} entries, central directory holds ${count}`,
    );
  }
  const zipJs = zipJsOf(count <= ZIPJS_MAX_ENTRIES)
    .catch((e) => [`zip.js: ${message(e)}`]);

  const offsets = listing.offsets;
  const ordered = Array.from({ length: count }, (_, i) => i)
    .sort((a, b) => offsets[a] - offsets[b]);
  if (count > 0 && offsets[ordered[0]] > base) {
    collector.anomaly(
      "prefix-bytes",
      `${offsets[ordered[0]] - base} bytes before the first entry`,
    );
  }
  if (listing.declaredTotal > collector.limits.maxUncompressedBytes) {
    collector.anomaly(
      "decompression-bomb",
      `entries declare ${listing.declaredTotal} uncompressed bytes (limit ${collector.limits.maxUncompressedBytes})`,
    );
  }
  checkOrder(listing, collector);
  let previousEnd = base;
  const pass: Pass = {
    view,
    collector,
    roleOf,
    // Output of tiny members, reused: one allocation per inspection instead of one per member.
    scratch: new Uint8Array(TINY_MEMBER + 1),
    // Members may go to workers only when their declared sizes fit the budget together: a
    // member never yields more than it declares, so the budget cannot be overrun unseen.
    pool: listing.declaredTotal <= collector.limits.maxUncompressedBytes
      ? pool?.(listing.largeTotal)
      : undefined,
    handedOver: [],
    unread: [],
  };
  for (const index of ordered) {
    // Parsed again (checks ran in readCentralDirectory; repeated anomalies are deduplicated):
    // 100,000 records kept as objects until their entry is read were ~20 MB of the peak.
    const at = listing.positions[index];
    const record = parseCentralRecord(listing.cd, at, index, collector, listing.names[index]);
    record.localOffset += base;
    collector.checkTime();
    collector.countEntry();
    if (record.localOffset < previousEnd) {
      collector.anomaly(
        "overlapping-entries",
        "local header overlaps the previous entry",
        record.name,
      );
    } else if (record.localOffset > previousEnd) {
      collector.anomaly(
        "gap-bytes",
        `${record.localOffset - previousEnd} unaccounted bytes before entry`,
        record.name,
      );
    }
    previousEnd = await readEntry(pass, record);
    const wait = collector.pressure();
    if (wait) await wait;
  }
  await collectHandedOver(pass);
  for (const w of await zipJs) collector.anomaly("zipjs-warning", w);
  const cdStart = dir.cdOffset + base;
  if (count > 0 && previousEnd < cdStart) {
    collector.anomaly(
      "gap-bytes",
      `${cdStart - previousEnd} unaccounted bytes before the central directory`,
    );
  } else if (previousEnd > cdStart) {
    collector.anomaly("overlapping-entries", "entry data overlaps the central directory");
  }
}

/** Find and check the EOCD, its comment, the zip64 records and what surrounds them. */
function locateDirectory(view: ByteSource, collector: Collector): Directory {
  if (view.size < EOCD_SIZE) collector.stop("not-an-archive", "file too small for a ZIP archive");
  const tailStart = Math.max(0, view.size - (EOCD_SIZE + U16_MAX + 1024));
  const tail = view.read(tailStart, view.size - tailStart);
  const candidates: number[] = [];
  for (let i = tail.length - EOCD_SIZE; i >= 0; i--) {
    if (tail[i] === 0x50 && u32(tail, i) === SIG_EOCD) candidates.push(i);
  }
  if (candidates.length === 0) {
    collector.stop("not-an-archive", "no end of central directory record");
  }
  const exact = candidates.find((i) => i + EOCD_SIZE + u16(tail, i + 20) === tail.length);
  const fitting = exact ?? candidates.find((i) => i + EOCD_SIZE + u16(tail, i + 20) <= tail.length);
  if (fitting === undefined) {
    collector.stop("corrupt", "end of central directory comment runs past the file");
  }
  const at = fitting;
  const eocd = tail.subarray(at, at + EOCD_SIZE);
  const commentEnd = at + EOCD_SIZE + u16(eocd, 20);
  if (commentEnd < tail.length) {
    collector.anomaly(
      "trailing-bytes",
      `${tail.length - commentEnd} bytes after the end of central directory record`,
    );
  }
  if (u16(eocd, 4) !== 0 || u16(eocd, 6) !== 0) {
    collector.stop("corrupt", "multi-disk archives are not supported");
  }
  let dir: Directory = {
    cdOffset: u32(eocd, 16),
    cdSize: u32(eocd, 12),
    entries: u16(eocd, 10),
    endRecords: tailStart + at,
  };
  if (u16(eocd, 8) !== u16(eocd, 10)) {
    collector.anomaly("entry-count-mismatch", "end record disk and total entry counts differ");
  }
  const locatorAt = tailStart + at - 20;
  const locator = locatorAt >= 0 ? view.read(locatorAt, 20) : new Uint8Array();
  if (locator.length === 20 && u32(locator, 0) === SIG_ZIP64_LOCATOR) {
    dir = readZip64(view, collector, eocd, u64(locator, 8), locatorAt);
  } else if (dir.cdOffset === U32_MAX || dir.cdSize === U32_MAX) {
    collector.anomaly(
      "zip64-inconsistent",
      "end record uses zip64 markers but no zip64 locator is present",
    );
  }
  const cdEndCandidates = candidates.filter((i) =>
    i !== at && tailStart + i >= dir.cdOffset + dir.cdSize
  );
  if (cdEndCandidates.length > 0) {
    collector.anomaly(
      "multiple-eocd",
      `${cdEndCandidates.length + 1} end of central directory records`,
    );
  }
  return dir;
}

function readZip64(
  view: ByteSource,
  collector: Collector,
  eocd: Uint8Array,
  recordAt: number,
  locatorAt: number,
): Directory {
  const rec = view.read(recordAt, 56);
  if (rec.length < 56 || u32(rec, 0) !== SIG_ZIP64_EOCD) {
    collector.stop("zip64-inconsistent", "zip64 locator does not point to a zip64 end record");
  }
  const recordEnd = recordAt + 12 + u64(rec, 4);
  if (recordEnd !== locatorAt) {
    collector.anomaly("zip64-inconsistent", "zip64 end record does not end at its locator");
  }
  const dir: Directory = {
    entries: u64(rec, 32),
    cdSize: u64(rec, 40),
    cdOffset: u64(rec, 48),
    endRecords: recordAt,
  };
  if (u64(rec, 24) !== dir.entries) {
    collector.anomaly(
      "entry-count-mismatch",
      "zip64 end record disk and total entry counts differ",
    );
  }
  const pairs: Array<[number, number, number, string]> = [
    [u16(eocd, 10), U16_MAX, dir.entries, "entry count"],
    [u32(eocd, 12), U32_MAX, dir.cdSize, "directory size"],
    [u32(eocd, 16), U32_MAX, dir.cdOffset, "directory offset"],
  ];
  for (const [small, marker, big, what] of pairs) {
    if (small !== marker && small !== big) {
      collector.anomaly(
        "zip64-inconsistent",
        `${what}: end record says ${small}, zip64 record says ${big}`,
      );
    }
  }
  return dir;
}

/**
 * The central directory, compactly: its bytes, where each record starts, each entry's name
 * and local header offset (records are parsed again, one at a time, when their entry is read).
 */
interface CentralListing {
  cd: Uint8Array;
  positions: number[];
  names: string[];
  /** Local header offsets, `base` included. */
  offsets: number[];
  declaredTotal: number;
  /** Declared bytes of the members large enough to hand to a worker. */
  largeTotal: number;
}

/**
 * Parse the record at `p` of `cd` (zip64 values applied, `base` not added); `name` is its
 * name when already decoded.
 */
function parseCentralRecord(
  cd: Uint8Array,
  p: number,
  index: number,
  collector: Collector,
  name?: string,
): CentralRecord {
  const nameLen = u16(cd, p + 28);
  const extraLen = u16(cd, p + 30);
  const rawName = cd.subarray(p + 46, p + 46 + nameLen);
  const record: CentralRecord = {
    index,
    rawName,
    name: name ?? decoder.decode(rawName),
    madeBy: u16(cd, p + 4),
    flags: u16(cd, p + 8),
    method: u16(cd, p + 10),
    crc: u32(cd, p + 16),
    compressedSize: u32(cd, p + 20),
    size: u32(cd, p + 24),
    externalAttrs: u32(cd, p + 38),
    localOffset: u32(cd, p + 42),
    zip64: false,
    versionNeeded: u16(cd, p + 6),
  };
  applyZip64Extra(cd.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen), record, collector);
  return record;
}

function readCentralDirectory(
  view: ByteSource,
  dir: Directory,
  base: number,
  collector: Collector,
): CentralListing {
  if (dir.cdSize > MAX_CENTRAL_DIRECTORY) {
    collector.stop("corrupt", `central directory of ${dir.cdSize} bytes`);
  }
  const cd = view.read(dir.cdOffset + base, dir.cdSize);
  if (cd.length < dir.cdSize) {
    collector.stop("corrupt", "central directory runs past the end of file");
  }
  const listing: CentralListing = {
    cd,
    positions: [],
    names: [],
    offsets: [],
    declaredTotal: 0,
    largeTotal: 0,
  };
  let p = 0;
  while (p + 46 <= cd.length && u32(cd, p) === SIG_CENTRAL) {
    const count = listing.positions.length;
    if (count >= collector.limits.maxEntries) {
      collector.entriesSeen = count + 1;
      collector.stop("too-many-entries", `more than ${collector.limits.maxEntries} entries`);
    }
    const nameLen = u16(cd, p + 28);
    const extraLen = u16(cd, p + 30);
    const commentLen = u16(cd, p + 32);
    const end = p + 46 + nameLen + extraLen + commentLen;
    if (end > cd.length) {
      collector.stop("corrupt", "central directory record runs past the directory");
    }
    const record = parseCentralRecord(cd, p, count, collector);
    const extra = cd.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen);
    checkName(record, collector);
    checkExtra(extra, record, collector, "central directory");
    listing.positions.push(p);
    listing.names.push(record.name);
    listing.offsets.push(record.localOffset + base);
    listing.declaredTotal += record.size;
    if (record.size >= MIN_OFFLOAD_BYTES) listing.largeTotal += record.size;
    p = end;
  }
  if (p !== cd.length) {
    collector.anomaly("trailing-bytes", `${cd.length - p} unparsed bytes in the central directory`);
  }
  return listing;
}

/** Replace 0xFFFFFFFF markers with the zip64 extra field's values, in the order of the spec. */
function applyZip64Extra(extra: Uint8Array, record: CentralRecord, collector: Collector): void {
  const needs = {
    size: record.size === U32_MAX,
    compressed: record.compressedSize === U32_MAX,
    offset: record.localOffset === U32_MAX,
  };
  let field: Uint8Array | undefined;
  for (let i = 0; i + 4 <= extra.length;) {
    const id = u16(extra, i);
    const len = u16(extra, i + 2);
    if (id === 0x0001) field = extra.subarray(i + 4, Math.min(extra.length, i + 4 + len));
    i += 4 + len;
  }
  if (!field) {
    if (needs.size || needs.compressed || needs.offset) {
      collector.anomaly(
        "zip64-inconsistent",
        "zip64 markers without a zip64 extra field",
        record.name,
      );
    }
    return;
  }
  record.zip64 = true;
  let at = 0;
  const take = (): number | undefined => {
    if (at + 8 > field!.length) return undefined;
    const v = u64(field!, at);
    at += 8;
    return v;
  };
  for (const key of ["size", "compressed", "offset"] as const) {
    if (!needs[key]) continue;
    const v = take();
    if (v === undefined) {
      collector.anomaly("zip64-inconsistent", `zip64 extra field lacks the ${key}`, record.name);
      continue;
    }
    if (key === "size") record.size = v;
    else if (key === "compressed") record.compressedSize = v;
    else record.localOffset = v;
  }
}

function entryType(record: CentralRecord): { type: EntryType; mode?: number } {
  const host = record.madeBy >> 8;
  const unixMode = host === 3 ? record.externalAttrs >>> 16 : 0;
  const fmt = unixMode & 0o170000;
  const mode = unixMode ? unixMode & 0o7777 : undefined;
  if (record.name.endsWith("/") || fmt === 0o040000) return { type: "dir", mode };
  if (fmt === 0o120000) return { type: "symlink", mode };
  if (fmt === 0o020000 || fmt === 0o060000) return { type: "device", mode };
  if (fmt === 0o010000) return { type: "fifo", mode };
  if (fmt === 0o140000) return { type: "other", mode };
  return { type: "file", mode };
}

/**
 * Starts member workers for an archive whose members large enough to hand over declare
 * `largeBytes` in all (or declines: undefined). Called once, after the central directory.
 */
export type PoolStarter = (largeBytes: number) => MemberPool | undefined;

/** One reading of an archive: where from, into what, and the members handed to workers. */
interface Pass {
  view: ByteSource;
  collector: Collector;
  roleOf: (path: string) => MemberRole | undefined;
  scratch: Uint8Array;
  pool: MemberPool | undefined;
  /** Outcomes still owed by workers (each applies itself when it arrives). */
  handedOver: Array<Promise<void>>;
  /** Members a failed worker did not read: read here at the end. */
  unread: HandedOver[];
}

/** A member given to a worker: its listed entry, record, data offset and entry number. */
interface HandedOver {
  entry: EntryInfo;
  record: CentralRecord;
  dataOffset: number;
  order: number;
}

/** Check the local header, read the content, check the descriptor. Returns the entry's end. */
async function readEntry(pass: Pass, record: CentralRecord): Promise<number> {
  const { view, collector, roleOf } = pass;
  const path = record.name;
  const header = view.read(record.localOffset, 30);
  const { type, mode } = entryType(record);
  const listed = {
    path,
    type,
    mode,
    declaredSize: record.size,
    compressedSize: record.compressedSize,
  };
  if (header.length < 30 || u32(header, 0) !== SIG_LOCAL) {
    collector.anomaly("local-header-mismatch", "no local file header at the recorded offset", path);
    collector.addEntry({ ...listed, size: 0 });
    return record.localOffset;
  }
  const nameLen = u16(header, 26);
  const extraLen = u16(header, 28);
  const variable = view.read(record.localOffset + 30, nameLen + extraLen);
  const localName = variable.subarray(0, nameLen);
  const dataOffset = record.localOffset + 30 + nameLen + extraLen;
  compareLocalHeader(header, localName, variable.subarray(nameLen), record, collector);
  checkExtra(variable.subarray(nameLen), record, collector, "local header");
  if (record.flags & 1) {
    collector.anomaly("encrypted", "entry is encrypted", path);
    collector.addEntry({ ...listed, size: 0 });
    return dataOffset + record.compressedSize;
  }
  if (record.method !== 0 && record.method !== 8) {
    collector.anomaly("unsupported-method", `compression method ${record.method}`, path);
    collector.addEntry({ ...listed, size: 0 });
    return dataOffset + record.compressedSize;
  }
  if (dataOffset + record.compressedSize > view.size) {
    collector.anomaly("corrupt", "entry data runs past the end of file", path);
    collector.addEntry({ ...listed, size: 0 });
    return dataOffset;
  }
  const limits = collector.limits;
  const end = () =>
    record.flags & 8
      ? checkDescriptor(view, dataOffset + record.compressedSize, record, collector)
      : dataOffset + record.compressedSize;
  if (
    record.size > RATIO_FLOOR_BYTES &&
    record.size > limits.maxCompressionRatio * Math.max(1, record.compressedSize)
  ) {
    collector.anomaly(
      "decompression-bomb",
      `declared ratio ${
        Math.round(record.size / Math.max(1, record.compressedSize))
      }:1 for ${record.size} bytes; not read`,
      path,
    );
    collector.addEntry({ ...listed, size: record.size });
    return end();
  }
  if (collector.budgetSpent && type === "file") {
    collector.addEntry({ ...listed, size: record.size });
    return end();
  }
  const role = type === "file" ? roleOf(path) : undefined;
  if (type === "file" && role === undefined && handOver(pass, record, dataOffset, listed)) {
    return end();
  }
  const sink = collector.beginMember(
    record.size,
    role,
    type === "symlink" ? 4096 : undefined,
    true,
    path,
  );
  const complete = await readContent(view, dataOffset, record, sink, collector, pass.scratch);
  if (complete) checkContent(record, sink.size, sink.crc >>> 0, collector);
  if (role && complete) collector.keepText(role, path, sink);
  const linkTarget = type === "symlink" ? sink.text()?.text ?? "" : undefined;
  collector.addEntry({ ...listed, size: 0, linkTarget }, sink.finish(complete));
  return end();
}

/** Compare what a member's content showed with its central-directory record. */
function checkContent(
  record: CentralRecord,
  size: number,
  crc: number,
  collector: Collector,
  order?: number,
): void {
  if (size !== record.size) {
    collector.anomaly(
      "size-mismatch",
      `central directory says ${record.size} bytes, content has ${size}`,
      record.name,
      order,
    );
  }
  if (crc !== record.crc) {
    collector.anomaly(
      "crc-mismatch",
      "CRC-32 of the content differs from the central directory",
      record.name,
      order,
    );
  }
}

/**
 * Give a plain file member to a worker if one has room: its entry is listed now and filled in
 * when the outcome arrives (anomalies keep the entry's place). False: read it here.
 */
function handOver(
  pass: Pass,
  record: CentralRecord,
  dataOffset: number,
  listed: Omit<EntryInfo, "size">,
): boolean {
  const { collector } = pass;
  const outcome = pass.pool?.offer({
    name: record.name,
    method: record.method,
    compressedSize: record.compressedSize,
    size: record.size,
    offset: dataOffset,
    needs: collector.needs(record.name),
  });
  if (!outcome) return false;
  const given: HandedOver = {
    entry: { ...listed, size: 0, linkTarget: undefined },
    record,
    dataOffset,
    order: collector.entriesSeen,
  };
  collector.addEntry(given.entry);
  pass.handedOver.push(outcome.then((o) => {
    if (o) applyOutcome(collector, given, o);
    else pass.unread.push(given);
  }));
  return true;
}

/** Put a worker's outcome on its entry, as if the member had been read here. */
function applyOutcome(collector: Collector, given: HandedOver, o: MemberOutcome): void {
  const { record, order, entry } = given;
  collector.uncompressedBytes += o.bytes;
  for (const a of o.anomalies) collector.anomaly(a.kind, a.detail, record.name, order);
  if (o.stopped) {
    collector.anomaly(
      "time-budget",
      `inspection exceeded ${collector.limits.timeBudgetMs} ms`,
      undefined,
      order,
    );
    collector.truncated = true;
  }
  if (o.complete) checkContent(record, o.size, o.crc, collector, order);
  collector.fillEntry(entry, {
    size: o.size,
    magic: o.magic,
    binary: o.binary,
    inner: o.inner,
    digests: { sha256: o.sha256, sha1: o.sha1 },
    complete: o.complete,
    declaredSize: record.size,
  });
}

/** Wait for every member handed to a worker; read here those a failed worker left. */
async function collectHandedOver(pass: Pass): Promise<void> {
  await Promise.all(pass.handedOver);
  const { view, collector } = pass;
  for (const { entry, record, dataOffset } of pass.unread) {
    const sink = collector.beginMember(record.size, undefined, undefined, true, record.name);
    const complete = await readContent(view, dataOffset, record, sink, collector, pass.scratch);
    if (complete) checkContent(record, sink.size, sink.crc >>> 0, collector);
    collector.fillEntry(entry, sink.finish(complete));
  }
}

function compareLocalHeader(
  header: Uint8Array,
  localName: Uint8Array,
  localExtra: Uint8Array,
  record: CentralRecord,
  collector: Collector,
): void {
  const path = record.name;
  const mismatch = (what: string) => collector.anomaly("local-header-mismatch", what, path);
  if (!sameBytes(localName, record.rawName)) {
    mismatch(
      `local header names the entry ${JSON.stringify(decoder.decode(localName).slice(0, 200))}`,
    );
  }
  const flags = u16(header, 6);
  if ((flags & 0x0809) !== (record.flags & 0x0809)) mismatch("general purpose flags differ");
  if (u16(header, 8) !== record.method) mismatch("compression method differs");
  const crc = u32(header, 14);
  let csize = u32(header, 18);
  let usize = u32(header, 22);
  if (usize === U32_MAX || csize === U32_MAX) {
    const z = zip64Sizes(localExtra);
    if (z) [usize, csize] = z;
    else mismatch("local header uses zip64 markers without a zip64 extra field");
  }
  if (flags & 8) {
    if (
      (crc !== 0 && crc !== record.crc) || (csize !== 0 && csize !== record.compressedSize) ||
      (usize !== 0 && usize !== record.size)
    ) {
      mismatch("local header values contradict the central directory (data descriptor entry)");
    }
    return;
  }
  if (crc !== record.crc) mismatch("CRC-32 differs between local header and central directory");
  if (csize !== record.compressedSize) {
    mismatch("compressed size differs between local header and central directory");
  }
  if (usize !== record.size) {
    mismatch("uncompressed size differs between local header and central directory");
  }
}

function zip64Sizes(extra: Uint8Array): [number, number] | undefined {
  for (let i = 0; i + 4 <= extra.length;) {
    const id = u16(extra, i);
    const len = u16(extra, i + 2);
    if (id === 0x0001 && len >= 16 && i + 20 <= extra.length) {
      return [u64(extra, i + 4), u64(extra, i + 12)];
    }
    i += 4 + len;
  }
  return undefined;
}

/** Compare a data descriptor with the central directory; returns the descriptor's end. */
function checkDescriptor(
  view: ByteSource,
  at: number,
  record: CentralRecord,
  collector: Collector,
): number {
  const d = view.read(at, 24);
  let p = 0;
  if (d.length >= 4 && u32(d, 0) === SIG_DESCRIPTOR) p = 4;
  const wide = record.zip64;
  const need = p + (wide ? 20 : 12);
  if (d.length < need) {
    collector.anomaly("data-descriptor-mismatch", "data descriptor missing", record.name);
    return at;
  }
  const crc = u32(d, p);
  const csize = wide ? u64(d, p + 4) : u32(d, p + 4);
  const usize = wide ? u64(d, p + 12) : u32(d, p + 8);
  if (crc !== record.crc || csize !== record.compressedSize || usize !== record.size) {
    collector.anomaly(
      "data-descriptor-mismatch",
      "data descriptor differs from the central directory",
      record.name,
    );
  }
  return at + need;
}

/** Entry names: the UTF-8 flag (bit 11) and what the bytes are. */
function checkName(record: CentralRecord, collector: Collector): void {
  const raw = record.rawName;
  let ascii = true;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return;
  let utf8 = true;
  try {
    strictUtf8.decode(raw);
  } catch {
    utf8 = false;
  }
  if (record.flags & UTF8_FLAG) {
    if (!utf8) {
      collector.anomaly(
        "name-encoding",
        `name is flagged UTF-8 but is not valid UTF-8 (bytes ${hexOf(raw)})`,
        record.name,
      );
    }
    return;
  }
  // Without bit 11, pip (Python's zipfile) decodes the name as CP437; other tools as UTF-8.
  collector.anomaly(
    "name-encoding",
    `non-ASCII name without the UTF-8 flag (bit 11): pip reads it as CP437, other tools as UTF-8 (bytes ${
      hexOf(raw)
    })`,
    record.name,
  );
}

/**
 * Extra fields: records must tile the block exactly (zip.js: "malformed extra field"), and an
 * Info-ZIP Unicode Path field (0x7075) must appear at most once and name the entry as its
 * header does: `unzip` extracts the Unicode Path name, pip ignores it.
 */
function checkExtra(
  extra: Uint8Array,
  record: CentralRecord,
  collector: Collector,
  where: string,
): void {
  let i = 0;
  let unicodePaths = 0;
  while (i + 4 <= extra.length) {
    const id = u16(extra, i);
    const len = u16(extra, i + 2);
    if (i + 4 + len > extra.length) break;
    if (id === UNICODE_PATH) {
      unicodePaths++;
      const body = extra.subarray(i + 4, i + 4 + len);
      if (body.length < 5 || body[0] !== 1) {
        collector.anomaly(
          "unicode-path",
          `${where}: malformed Unicode Path extra field`,
          record.name,
        );
      } else {
        const named = decoder.decode(body.subarray(5));
        if (named !== record.name) {
          const stale = (u32(body, 1) >>> 0) !== (crc32Of(record.rawName) >>> 0);
          collector.anomaly(
            "unicode-path",
            `${where}: Unicode Path extra field names ${JSON.stringify(named.slice(0, 200))}${
              stale ? " (stale CRC)" : ""
            }; unzip and pip extract different names`,
            record.name,
          );
        }
      }
    }
    i += 4 + len;
  }
  if (i !== extra.length) {
    collector.anomaly(
      "unicode-path",
      `${where}: malformed extra field (records do not tile the ${extra.length}-byte block)`,
      record.name,
    );
  }
  if (unicodePaths > 1) {
    collector.anomaly(
      "unicode-path",
      `${where}: ${unicodePaths} Unicode Path extra fields (readers pick different ones)`,
      record.name,
    );
  }
  if (record.flags & PATCHED_DATA_FLAG) {
    collector.anomaly("local-header-mismatch", "compressed patched data (flag bit 5)", record.name);
  }
  if ((record.versionNeeded & 0xff) > 63) {
    collector.anomaly(
      "local-header-mismatch",
      `unknown version needed to extract (${record.versionNeeded & 0xff})`,
      record.name,
    );
  }
}

/** Central directory records out of local-offset order (zip.js: "unsorted central directory"). */
function checkOrder(listing: CentralListing, collector: Collector): void {
  const offsets = listing.offsets;
  for (let i = 1; i < offsets.length; i++) {
    if (offsets[i] < offsets[i - 1]) {
      collector.anomaly(
        "overlapping-entries",
        "central directory is not in the order of the entries' data (unsorted)",
        listing.names[i],
      );
      return;
    }
  }
}

const crc32Of = (zlib as unknown as { crc32(data: Uint8Array, value?: number): number }).crc32;

function hexOf(bytes: Uint8Array): string {
  return [...bytes.subarray(0, 60)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0].slice(0, 200);
}
