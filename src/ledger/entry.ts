/**
 * Ledger entry lines: building (RFC 8785 canonical JSON via the `canonicalize` package), body
 * validation (integers only, bounded size) and strict parsing of a stored line.
 *
 * @module
 */
import { containsSecret, redact, redactValue } from "../redact.ts";
import canonicalize from "canonicalize";
import {
  LEDGER_FORMAT_VERSION,
  type LedgerEntry,
  type LedgerEventInput,
  MAX_ENTRY_BYTES,
  type StoredEntry,
} from "./types.ts";
import { hashLeaf, toHex } from "./hash.ts";

/** prev of entry 0. */
export const ZERO_HASH = "0".repeat(64);
/** Allowed event kinds: `[a-z]+(\.[a-z_]+)+`. */
export const KIND_PATTERN = /^[a-z]+(\.[a-z_]+)+$/;
const TIME_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const HASH_PATTERN = /^[0-9a-f]{64}$/;
const MAX_DEPTH = 32;
const ENTRY_KEYS = ["body", "index", "kind", "origin", "prev", "time", "v"];

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** A line that is not a valid entry. */
export class EntryError extends Error {}

/**
 * Throws an {@link EntryError} unless `value` is JSON made of objects, arrays, strings (well
 * formed UTF-16), booleans, null and safe integers, nested at most 32 deep.
 *
 * @example
 * ```ts
 * assertJsonValue({ project: "x", count: 3 }); // ok
 * assertJsonValue({ ratio: 0.5 }); // throws: floats are not allowed
 * ```
 */
export function assertJsonValue(value: unknown, path = "body"): void {
  walkJson(value, path);
}

/** Path of the value being checked, kept as a stack (joined only for an error message). */
const trail: (string | number)[] = [];

function fail(root: string, message: string): never {
  const where = root + trail.map((p) => typeof p === "number" ? `[${p}]` : `.${p}`).join("");
  trail.length = 0;
  throw new EntryError(`${where}: ${message}`);
}

/**
 * Validate a JSON value (see {@link assertJsonValue}); returns whether every object's keys are
 * in RFC 8785 order (ascending UTF-16 code units), as they appear in iteration order.
 */
function walkJson(value: unknown, root: string): boolean {
  trail.length = 0;
  return walk(value, root, 0);
}

function walk(value: unknown, root: string, depth: number): boolean {
  if (depth > MAX_DEPTH) fail(root, "nested too deeply");
  if (value === null || typeof value === "boolean") return true;
  if (typeof value === "string") {
    if (!value.isWellFormed()) fail(root, "string is not well-formed UTF-16");
    return true;
  }
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) fail(root, `only safe integers are allowed, got ${value}`);
    return true;
  }
  if (Array.isArray(value)) {
    let sorted = true;
    for (let i = 0; i < value.length; i++) {
      trail.push(i);
      if (!walk(value[i], root, depth + 1)) sorted = false;
      trail.pop();
    }
    return sorted;
  }
  if (typeof value === "object") {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) fail(root, "only plain objects are allowed");
    let sorted = true;
    let prev: string | null = null;
    for (const k in value) {
      if (!Object.hasOwn(value, k)) continue;
      trail.push(k);
      if (!k.isWellFormed()) fail(root, "key is not well-formed UTF-16");
      if (prev !== null && !(prev < k)) sorted = false;
      prev = k;
      if (!walk((value as Record<string, unknown>)[k], root, depth + 1)) sorted = false;
      trail.pop();
    }
    return sorted;
  }
  return fail(root, `${typeof value} is not a JSON value`);
}

/**
 * True when `line` is the RFC 8785 canonical form of `value` (parsed from `line`).
 *
 * Fast path: RFC 8785 serializes strings, numbers and literals exactly as ECMAScript's
 * JSON.stringify does and differs only in sorting object keys by UTF-16 code units. So when
 * JSON.stringify reproduces the line byte for byte and every object's keys are already in that
 * order, the line is canonical. Otherwise (for example integer-like keys, which JavaScript
 * objects reorder) the `canonicalize` package decides.
 */
function isCanonical(value: unknown, line: string, keysSorted: boolean): boolean {
  if (keysSorted && JSON.stringify(value) === line) return true;
  return canonicalize(value) === line;
}

/** Current time as RFC 3339 UTC with milliseconds. @example `formatTime(new Date(0))` */
export function formatTime(date: Date): string {
  const text = date.toISOString();
  if (!TIME_PATTERN.test(text)) throw new EntryError(`time out of range: ${text}`);
  return text;
}

/** Fields the store fills in around an event. */
export interface EntryPosition {
  origin: string;
  index: number;
  time: Date;
  /** Hex leaf hash of the previous entry ({@link ZERO_HASH} for index 0). */
  prev: string;
}

/** A built entry: line bytes (without LF) plus the parsed view. */
export interface BuiltEntry extends StoredEntry {
  bytes: Uint8Array;
  leaf: Uint8Array;
}

/**
 * Build the canonical line of an event at a position; validates the kind, the body and the size,
 * and replaces every secret in the body with `[redacted]` (`src/redact.ts`).
 *
 * @example
 * ```ts
 * const e = buildEntry({ kind: "finding.opened", body: { project: "x" } },
 *   { origin: "example.org/ledger", index: 0, time: new Date(), prev: ZERO_HASH });
 * ```
 */
export function buildEntry(event: LedgerEventInput, at: EntryPosition): BuiltEntry {
  if (typeof event?.kind !== "string" || !KIND_PATTERN.test(event.kind)) {
    throw new EntryError(
      `invalid event kind ${JSON.stringify(String(redact(String(event?.kind)))).slice(0, 80)}`,
    );
  }
  if (containsSecret(event.kind)) throw new EntryError("event kind holds a secret");
  // The last check before signing, shared by both stores: a signed line cannot be removed, so
  // configured secrets and credential-shaped strings become `[redacted]` (and are counted).
  const body = redactValue(event.body);
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new EntryError("event body must be a JSON object");
  }
  assertJsonValue(body);
  const entry: LedgerEntry = {
    v: LEDGER_FORMAT_VERSION,
    origin: at.origin,
    index: at.index,
    time: formatTime(at.time),
    kind: event.kind,
    prev: at.prev,
    body, // the caller's object: the line is the record
  };
  const line = canonicalize(entry);
  if (line === undefined) throw new EntryError("entry cannot be canonicalized");
  const bytes = encoder.encode(line);
  if (bytes.length > MAX_ENTRY_BYTES) {
    throw new EntryError(`entry is ${bytes.length} bytes, above the ${MAX_ENTRY_BYTES} limit`);
  }
  const leaf = hashLeaf(bytes);
  return { entry, line, bytes, leaf, leafHash: toHex(leaf) };
}

/** What a line must match to be accepted at its position. */
export interface LineExpectation {
  index: number;
  /** Expected prev; undefined skips the check (the caller compares the chain itself). */
  prev?: string;
  origin?: string;
}

/**
 * Parse and check one stored line (bytes without LF): UTF-8, size, canonical form (re-canonicalized
 * bytes must be identical), fields, integers-only body, index, prev and origin. `decoded` is the
 * line's text when the caller already decoded it (strictly) from `bytes`.
 *
 * @example
 * ```ts
 * const e = parseLine(bytes, { index: 0, prev: ZERO_HASH, origin: "example.org/ledger" });
 * ```
 */
export function parseLine(
  bytes: Uint8Array,
  expect: LineExpectation,
  decoded?: string,
): BuiltEntry {
  if (bytes.length > MAX_ENTRY_BYTES) {
    throw new EntryError(`line is ${bytes.length} bytes, above the limit`);
  }
  let line: string;
  if (decoded !== undefined) line = decoded;
  else {
    try {
      line = decoder.decode(bytes);
    } catch {
      throw new EntryError("line is not valid UTF-8");
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new EntryError("line is not JSON");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new EntryError("line is not a JSON object");
  }
  const entry = value as LedgerEntry;
  const order = Object.keys(entry);
  const topSorted = order.length === ENTRY_KEYS.length &&
    order.every((k, i) => k === ENTRY_KEYS[i]);
  if (!topSorted) {
    const keys = [...order].sort();
    if (keys.length !== ENTRY_KEYS.length || keys.some((k, i) => k !== ENTRY_KEYS[i])) {
      throw new EntryError(`fields must be exactly ${ENTRY_KEYS.join(",")}`);
    }
  }
  if (entry.v !== LEDGER_FORMAT_VERSION) {
    throw new EntryError(`unsupported format version ${entry.v}`);
  }
  if (typeof entry.origin !== "string") throw new EntryError("origin is not a string");
  if (expect.origin !== undefined && entry.origin !== expect.origin) {
    throw new EntryError(
      `origin ${JSON.stringify(entry.origin)} is not ${JSON.stringify(expect.origin)}`,
    );
  }
  if (entry.index !== expect.index) {
    throw new EntryError(`index ${entry.index} where ${expect.index} was expected`);
  }
  if (typeof entry.time !== "string" || !TIME_PATTERN.test(entry.time) || !validTime(entry.time)) {
    throw new EntryError("time is not RFC 3339 UTC with milliseconds");
  }
  if (typeof entry.kind !== "string" || !KIND_PATTERN.test(entry.kind)) {
    throw new EntryError("invalid kind");
  }
  if (typeof entry.prev !== "string" || !HASH_PATTERN.test(entry.prev)) {
    throw new EntryError("invalid prev");
  }
  if (expect.prev !== undefined && entry.prev !== expect.prev) {
    throw new EntryError("prev does not match the previous entry's leaf hash");
  }
  if (entry.body === null || typeof entry.body !== "object" || Array.isArray(entry.body)) {
    throw new EntryError("body is not an object");
  }
  const keysSorted = walkJson(entry.body, "body") && topSorted;
  if (!isCanonical(entry, line, keysSorted)) {
    throw new EntryError("line is not in RFC 8785 canonical form");
  }
  const leaf = hashLeaf(bytes);
  return { entry, line, bytes, leaf, leafHash: toHex(leaf) };
}

/** The last time text found valid: the entries of one append share their time. */
let lastValidTime = "";

function validTime(text: string): boolean {
  if (text === lastValidTime) return true;
  const d = new Date(text);
  const ok = !Number.isNaN(d.getTime()) && d.toISOString() === text;
  if (ok) lastValidTime = text;
  return ok;
}
