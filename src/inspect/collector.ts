/**
 * Shared bookkeeping of one inspection: the entry listing (capped), anomalies, totals, the
 * deadline, and per-member hashing (SHA-256, git blob SHA-1, CRC-32, first bytes, bounded
 * text capture). Readers (ZIP, tar) feed it chunk by chunk; nothing is held beyond the caps.
 *
 * @example
 * ```ts
 * const c = new Collector(limits);
 * const sink = c.beginMember("a/b.py", 3, "pyprojectToml");
 * sink.update(new TextEncoder().encode("abc"));
 * c.addEntry({ path: "a/b.py", type: "file", ...sink.finish(true) });
 * ```
 * @module
 */
import zlib from "node:zlib";
import { concatBytes } from "../bytes.ts";
import {
  ALL_DIGESTS,
  type DigestNeeds,
  type Hasher,
  type MemberDigest,
  type MemberHash,
} from "./hasher.ts";
import { detectMagic, isBinaryBytes, MAGIC_WINDOW } from "./magic.ts";
import { recordHash, RecordParser } from "./record.ts";
import { SNIFF_HEAD_BYTES, SNIFF_TAIL_BYTES, sniffInner } from "./sniff.ts";
import type {
  Anomaly,
  AnomalyKind,
  EntryInfo,
  InspectLimits,
  MemberRole,
  Members,
  RecordFacts,
  Totals,
} from "./types.ts";

/** Yield to the event loop after this many uncompressed bytes. */
const YIELD_EVERY_BYTES = 8 * 1024 * 1024;
const MAX_DETAIL = 300;

/** Thrown inside readers to stop reading; caught by the inspector, never escapes. */
export class StopInspection extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "StopInspection";
  }
}

const crc32 = (zlib as unknown as { crc32(data: Uint8Array, value?: number): number }).crc32;

/** The digest-independent result of a member, and its digests to come. */
export interface SinkResult {
  size: number;
  magic?: EntryInfo["magic"];
  binary: boolean;
  inner?: EntryInfo["inner"];
  /** The digests (or their promise); only meaningful when the content was read completely. */
  digests: MemberDigest | Promise<MemberDigest>;
  complete: boolean;
  declaredSize: number;
}

/** Hashes and captures one member's content while it streams by. */
export class MemberSink {
  #hash: MemberHash;
  #head: Uint8Array | undefined;
  #headLength = 0;
  #headIsView = false;
  #text: Uint8Array[] | undefined;
  #textBytes = 0;
  #textTruncated = false;
  /** Prefix and rolling suffix of a compressed member, for {@link sniffInner}. */
  #sniffHead: Uint8Array[] | undefined;
  #sniffHeadBytes = 0;
  #sniffTail: Uint8Array[] = [];
  #sniffTailBytes = 0;
  /** Streaming RECORD parser, when this member is the wheel's RECORD. */
  readonly record: RecordParser | undefined;
  /** Bytes seen so far. */
  size = 0;
  /** Running CRC-32 of the content (only when asked for: ZIP members). */
  crc = 0;

  constructor(
    hasher: Hasher,
    readonly declaredSize: number,
    readonly captureLimit: number | undefined,
    readonly withCrc: boolean,
    record = false,
    needs: DigestNeeds = ALL_DIGESTS,
  ) {
    this.#hash = hasher.begin(declaredSize, needs);
    if (captureLimit !== undefined) this.#text = [];
    this.record = record ? new RecordParser() : undefined;
  }

  #sniff(chunk: Uint8Array): void {
    if (this.size === 0) {
      const b = chunk;
      const container = (b[0] === 0x50 && b[1] === 0x4b && b[2] === 3 && b[3] === 4) ||
        (b[0] === 0x1f && b[1] === 0x8b) ||
        (b.length >= 262 && b[257] === 0x75 && b[258] === 0x73 && b[259] === 0x74 &&
          b[260] === 0x61 && b[261] === 0x72);
      if (container) this.#sniffHead = [];
    }
    if (!this.#sniffHead) return;
    if (this.#sniffHeadBytes < SNIFF_HEAD_BYTES) {
      const part = chunk.slice(0, SNIFF_HEAD_BYTES - this.#sniffHeadBytes);
      this.#sniffHead.push(part);
      this.#sniffHeadBytes += part.length;
    }
    const tail = chunk.length > SNIFF_TAIL_BYTES ? chunk.slice(-SNIFF_TAIL_BYTES) : chunk.slice();
    this.#sniffTail.push(tail);
    this.#sniffTailBytes += tail.length;
    while (this.#sniffTailBytes - this.#sniffTail[0].length >= SNIFF_TAIL_BYTES) {
      this.#sniffTailBytes -= this.#sniffTail.shift()!.length;
    }
  }

  /** Feed the next chunk of content. */
  update(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#hash.update(chunk);
    this.record?.push(chunk);
    if (this.size === 0 || this.#sniffHead) this.#sniff(chunk);
    if (this.withCrc) this.crc = crc32(chunk, this.crc);
    if (this.#headLength < MAGIC_WINDOW) {
      if (
        this.#headLength === 0 &&
        (chunk.length >= MAGIC_WINDOW || this.declaredSize <= chunk.length)
      ) {
        // The usual case: the first chunk holds the whole window; keep a view, copy nothing
        // (see ownViews when the chunk's buffer is reused before the member ends).
        this.#head = chunk.subarray(0, Math.min(MAGIC_WINDOW, chunk.length));
        this.#headLength = this.#head.length;
        this.#headIsView = true;
      } else {
        const window = new Uint8Array(MAGIC_WINDOW);
        if (this.#head) window.set(this.#head.subarray(0, this.#headLength));
        const take = Math.min(MAGIC_WINDOW - this.#headLength, chunk.length);
        window.set(chunk.subarray(0, take), this.#headLength);
        this.#head = window;
        this.#headLength += take;
        this.#headIsView = false;
      }
    }
    if (this.#text && this.captureLimit !== undefined) {
      const room = this.captureLimit - this.#textBytes;
      if (room > 0) {
        const part = chunk.subarray(0, room);
        const copy = new Uint8Array(part.length);
        copy.set(part);
        this.#text.push(copy);
        this.#textBytes += part.length;
      }
      if (chunk.length > room) this.#textTruncated = true;
    }
    this.size += chunk.length;
  }

  /**
   * Copy what this sink still views of the chunks fed so far: call it when their buffers are
   * about to be reused or handed away while the member is not finished.
   */
  ownViews(): void {
    if (this.#head && this.#headIsView) {
      this.#head = new Uint8Array(this.#head);
      this.#headIsView = false;
    }
  }

  /** Buffers to free when the member is finished (see {@link adopt}). */
  #adopted: ArrayBuffer[] = [];

  /**
   * Hand over a buffer that only this member's chunks view (a one-shot inflate's output): it
   * is freed at {@link finish} (detached), not left for the GC, which otherwise lets ~100 MB of
   * spent output pile up on a large wheel.
   */
  adopt(buffer: ArrayBufferLike): void {
    if (buffer instanceof ArrayBuffer && this.#adopted.length < 64) this.#adopted.push(buffer);
  }

  /** Captured text (UTF-8, replacement characters for bad bytes). */
  text(): { text: string; truncated: boolean } | undefined {
    if (!this.#text) return undefined;
    const all = new Uint8Array(this.#textBytes);
    let at = 0;
    for (const part of this.#text) {
      all.set(part, at);
      at += part.length;
    }
    return { text: new TextDecoder().decode(all), truncated: this.#textTruncated };
  }

  /** End of content. `complete` says the whole content was read. */
  finish(complete: boolean): SinkResult {
    const head = this.#head?.subarray(0, this.#headLength) ?? new Uint8Array();
    const inner = this.#sniffHead
      ? sniffInner(concatBytes(this.#sniffHead), concatBytes(this.#sniffTail), this.size)
      : undefined;
    this.#sniffHead = undefined;
    this.#sniffTail = [];
    const result: SinkResult = {
      size: this.size,
      magic: detectMagic(head),
      binary: isBinaryBytes(head.subarray(0, 1024)),
      inner,
      digests: this.#hash.finish(),
      complete,
      declaredSize: this.declaredSize,
    };
    this.#head = undefined;
    for (const buffer of this.#adopted) if (!buffer.detached) buffer.transfer(0);
    this.#adopted = [];
    return result;
  }
}

/** Entry listing, anomalies and totals of one inspection. */
export class Collector {
  readonly entries: EntryInfo[] = [];
  readonly anomalies: Anomaly[] = [];
  readonly members: Members = {};
  readonly started = Date.now();
  readonly deadline: number;
  entriesSeen = 0;
  files = 0;
  uncompressedBytes = 0;
  truncated = false;
  #anomalyKeys = new Set<string>();

  #pending: Array<{ entry: EntryInfo; result: SinkResult }> = [];
  #lastYield = 0;

  /**
   * `needs` says which digests a member needs (e.g. a wheel: SHA-256 of every member for
   * RECORD, git blob SHA-1 only of `.py` files for source parity; an sdist: SHA-1 only).
   */
  constructor(
    readonly limits: InspectLimits,
    readonly hasher: Hasher,
    readonly needs: (path: string) => DigestNeeds = () => ALL_DIGESTS,
  ) {
    this.deadline = this.started + limits.timeBudgetMs;
  }

  /** For each anomaly, the entry being read when it was raised (see {@link anomaly}). */
  #anomalyOrder: number[] = [];
  #outOfOrder = false;

  /**
   * Record an anomaly (deduplicated, at most 1,000 kept). `order` is the entry it belongs to
   * (default: the one being read); anomalies of members read by a worker arrive late and are
   * put back in entry order by {@link settle}, so the result does not depend on the timing.
   */
  anomaly(kind: AnomalyKind, detail: string, path?: string, order = this.entriesSeen): void {
    const key = `${kind}\0${path ?? ""}\0${detail}`;
    if (this.#anomalyKeys.has(key) || this.anomalies.length >= 1000) return;
    this.#anomalyKeys.add(key);
    if (order < (this.#anomalyOrder.at(-1) ?? 0)) this.#outOfOrder = true;
    this.#anomalyOrder.push(order);
    this.anomalies.push({ kind, detail: detail.slice(0, MAX_DETAIL), path: path?.slice(0, 4096) });
  }

  /** Stop reading: record why, mark the listing truncated, and throw {@link StopInspection}. */
  stop(kind: AnomalyKind, detail: string, path?: string): never {
    this.anomaly(kind, detail, path);
    this.truncated = true;
    throw new StopInspection(kind);
  }

  /** Throw when the time budget is spent. */
  checkTime(): void {
    if (Date.now() > this.deadline) {
      this.stop("time-budget", `inspection exceeded ${this.limits.timeBudgetMs} ms`);
    }
  }

  /** Count an entry before reading it; stops at the entry cap. */
  countEntry(): void {
    this.entriesSeen++;
    if (this.entriesSeen > this.limits.maxEntries) {
      this.stop("too-many-entries", `more than ${this.limits.maxEntries} entries`);
    }
  }

  /** True once the uncompressed-bytes budget is spent: later members are listed, not read. */
  budgetSpent = false;
  /** The wheel's RECORD, parsed while it streamed by. */
  #record: { path: string; parser: RecordParser } | undefined;

  /**
   * Account uncompressed bytes; false once past the absolute limit (recorded once as a
   * decompression bomb; the caller stops reading this member and only lists the rest).
   * Throws {@link StopInspection} past the time budget.
   */
  addBytes(n: number, path?: string): boolean {
    this.uncompressedBytes += n;
    this.checkTime();
    if (this.uncompressedBytes <= this.limits.maxUncompressedBytes) return true;
    if (!this.budgetSpent) {
      this.budgetSpent = true;
      this.anomaly(
        "decompression-bomb",
        `more than ${this.limits.maxUncompressedBytes} uncompressed bytes; later members listed unread`,
        path,
      );
    }
    return false;
  }

  /** Like {@link addBytes}, but stops the inspection (streams that cannot skip, e.g. tar). */
  addBytesOrStop(n: number, path?: string): void {
    if (!this.addBytes(n, path)) {
      this.stop(
        "decompression-bomb",
        `more than ${this.limits.maxUncompressedBytes} uncompressed bytes`,
        path,
      );
    }
  }

  /**
   * Start hashing a member; `role` names the text member to capture (RECORD is parsed while
   * streaming instead), `captureBytes` asks for a capture without a role (a symlink's target).
   */
  beginMember(
    declaredSize: number,
    role?: MemberRole,
    captureBytes?: number,
    withCrc = false,
    path = "",
  ): MemberSink {
    const isRecord = role === "record" && !this.#record;
    const capture = role && role !== "record" && !this.members[role]
      ? this.limits.maxTextMemberBytes
      : captureBytes;
    const needs = this.needs(path);
    return new MemberSink(this.hasher, declaredSize, capture, withCrc, isRecord, needs);
  }

  /** Keep a captured text member (or the parsed RECORD). */
  keepText(role: MemberRole, path: string, sink: MemberSink): void {
    if (role === "record") {
      if (sink.record && !this.#record) {
        sink.record.end();
        this.#record = { path, parser: sink.record };
      }
      return;
    }
    const text = sink.text();
    if (text && !this.members[role]) this.members[role] = { path, ...text };
  }

  /** Add a listed entry; with `result`, its size, head, magic and (later) digests are filled in. */
  addEntry(entry: EntryInfo, result?: SinkResult): void {
    if (entry.type === "file") this.files++;
    if (result) this.fillEntry(entry, result);
    this.entries.push(entry);
  }

  /** Fill in a listed entry's size, head, magic and (maybe later) digests from `result`. */
  fillEntry(entry: EntryInfo, result: SinkResult): void {
    entry.size = result.size;
    if (entry.type === "file") {
      entry.magic = result.magic;
      entry.binary = result.binary;
      if (result.inner) entry.inner = result.inner;
    }
    if (result.digests instanceof Promise) this.#pending.push({ entry, result });
    else fill(entry, result, result.digests);
  }

  /** Wait for the digests of every listed member and fill them in; compare with RECORD. */
  async settle(): Promise<void> {
    const pending = this.#pending;
    this.#pending = [];
    this.hasher.flush();
    const digests = await Promise.all(pending.map((p) => p.result.digests));
    pending.forEach(({ entry, result }, i) => fill(entry, result, digests[i]));
    if (this.#outOfOrder) this.#sortAnomalies();
    if (this.#record) this.record = compareRecord(this.#record, this.entries, !this.truncated);
  }

  /** Stable sort of the anomalies by the entry they belong to. */
  #sortAnomalies(): void {
    const order = this.#anomalyOrder;
    const sorted = this.anomalies.map((a, i) => ({ a, i })).sort((x, y) =>
      order[x.i] - order[y.i] || x.i - y.i
    );
    this.anomalies.splice(0, this.anomalies.length, ...sorted.map((s) => s.a));
    this.#anomalyOrder = sorted.map((s) => order[s.i]);
    this.#outOfOrder = false;
  }

  /** RECORD facts, after {@link settle}. */
  record: RecordFacts | undefined;

  /**
   * Wait while the hasher has too much in flight, and yield to the event loop every few MiB
   * (readers otherwise run on microtasks only, and timers, servers and signals would starve).
   */
  pressure(): Promise<void> | undefined {
    const hashing = this.hasher.pressure();
    if (hashing) return hashing;
    if (this.uncompressedBytes - this.#lastYield < YIELD_EVERY_BYTES) return undefined;
    this.#lastYield = this.uncompressedBytes;
    return new Promise((resolve) => setTimeout(resolve, 0));
  }

  /** Totals for the result. */
  totals(archiveBytes: number): Totals {
    return {
      entries: this.entriesSeen,
      files: this.files,
      uncompressedBytes: this.uncompressedBytes,
      archiveBytes,
      truncated: this.truncated,
      elapsedMs: Date.now() - this.started,
    };
  }
}

/** Put a member's digests on its entry (only for files read completely). */
function fill(entry: EntryInfo, result: SinkResult, digest: MemberDigest): void {
  if (entry.type !== "file" || !result.complete) return;
  if (digest.sha256) entry.sha256 = digest.sha256;
  if (digest.sha1 && result.size === result.declaredSize) entry.gitSha1 = digest.sha1;
}

const RECORD_SIGNATURE = /\.dist-info\/RECORD(\.jws|\.p7s)?$/;

/** Compare each member with its RECORD row (facts only: which rows differ, and how). */
function compareRecord(
  record: { path: string; parser: RecordParser },
  entries: EntryInfo[],
  listingComplete: boolean,
): RecordFacts {
  const rows = record.parser.rows;
  const seen = new Set<string>();
  for (const entry of entries) {
    if (entry.type === "dir") continue;
    seen.add(entry.path);
    if (RECORD_SIGNATURE.test(entry.path)) continue;
    const claim = rows.get(entry.path);
    if (!claim) {
      entry.record = "unlisted";
      continue;
    }
    if (entry.sha256 === undefined) continue; // unread content is an anomaly of its own
    const [algorithm] = claim.hash.split("=", 1);
    let status: EntryInfo["record"];
    if (!claim.hash) status = "no-digest";
    else if (algorithm !== "sha256") status = "other-algorithm";
    else {
      const actual = recordHash(entry.sha256);
      const digestOk = actual === claim.hash;
      const sizeOk = claim.size === String(entry.size);
      status = digestOk ? (sizeOk ? "ok" : "size") : (sizeOk ? "digest" : "digest+size");
    }
    entry.record = status;
    if (status !== "ok") {
      entry.recordClaim = { hash: claim.hash.slice(0, 200), size: claim.size.slice(0, 40) };
      entry.actualHash = recordHash(entry.sha256);
    }
  }
  const phantoms: string[] = [];
  let phantomCount = 0;
  if (listingComplete) {
    for (const path of rows.keys()) {
      if (seen.has(path)) continue;
      phantomCount++;
      if (phantoms.length < 200) phantoms.push(path.slice(0, 4096));
    }
  }
  return {
    path: record.path,
    rows: rows.size,
    duplicates: record.parser.duplicates.map((p) => p.slice(0, 4096)),
    phantoms,
    phantomCount,
  };
}
