/**
 * A KV index of the ledger, so that no web request has to scan the ledger.
 *
 * Every entry gets a short, bounded summary and pointer keys by kind, project, project+kind
 * and finding id. Lists are read newest first with `kv.list(..., { reverse: true })`.
 *
 * KV layout:
 * - `["index", "entry", ledgerIndex]` → {@link IndexRecord}
 * - `["index", "kind", kind, ledgerIndex]` → 1
 * - `["index", "project", project, ledgerIndex]` → kind
 * - `["index", "project-kind", project, kind, ledgerIndex]` → 1
 * - `["index", "finding", findingId, ledgerIndex]` → kind
 * - `["meta", "indexed"]` → number of ledger entries indexed
 *
 * @module
 */
import type { LedgerStore, StoredEntry } from "../ledger/types.ts";
import { SEVERITIES, type Severity } from "../../rules/types.ts";
import { truncate } from "../display.ts";

/** A bounded summary of one ledger entry, enough for timelines, feeds and browsing. */
export interface IndexRecord {
  index: number;
  time: string;
  kind: string;
  leafHash: string;
  project?: string;
  /** Finding id (finding.* kinds). */
  id?: string;
  rule?: string;
  severity?: Severity;
  subject?: string;
  /** One line describing the event. */
  summary: string;
}

/** Kinds shown in feeds. */
export const FEED_KINDS = [
  "finding.opened",
  "finding.resolved",
  "finding.waived",
  "release.observed",
  "posture.changed",
  "access.changed",
] as const;

/** Longest project name kept in index keys. */
const MAX_KEY_TEXT = 200;
const INDEXED_KEY = ["meta", "indexed"] as const;
/** Entries per atomic commit during catch-up (each entry is at most 5 mutations). */
const BATCH = 100;

function str(value: unknown, max: number): string | undefined {
  return typeof value === "string" && value.length > 0 ? truncate(value, max) : undefined;
}

/** Summary line of an entry's body, bounded. */
function summarize(kind: string, body: Record<string, unknown>): string {
  switch (kind) {
    case "finding.opened":
    case "finding.waived":
      return truncate(body.message, 300);
    case "finding.resolved":
      return truncate(body.reason, 300);
    case "release.observed": {
      const files = Array.isArray(body.files) ? body.files.length : 0;
      return `version ${truncate(body.version, 100)} (${files} file${files === 1 ? "" : "s"})`;
    }
    case "coverage.changed":
      return `${truncate(body.scope, 150)} ${
        body.observable === true ? "observable again" : "not observable"
      }: ${truncate(body.reason, 150)}`;
    case "sweep.completed":
    case "sweep.incomplete":
      return `${truncate(body.job, 20)}: ${
        typeof body.durationMs === "number" ? body.durationMs : "?"
      } ms, ${typeof body.errors === "number" ? body.errors : "?"} errors`;
    default: {
      const changes = body.changes;
      if (Array.isArray(changes)) return `${changes.length} change(s)`;
      let text = "";
      try {
        text = JSON.stringify(changes ?? body) ?? "";
      } catch { /* unprintable */ }
      return truncate(text, 300);
    }
  }
}

/**
 * Build the index record of a stored entry (pure).
 *
 * @example
 * ```ts
 * const record = toIndexRecord(stored);
 * ```
 */
export function toIndexRecord(stored: StoredEntry): IndexRecord {
  const { entry } = stored;
  const body = entry.body ?? {};
  const severity = SEVERITIES.includes(body.severity as Severity)
    ? body.severity as Severity
    : undefined;
  const record: IndexRecord = {
    index: entry.index,
    time: entry.time,
    kind: truncate(entry.kind, 64),
    leafHash: stored.leafHash,
    summary: summarize(entry.kind, body),
  };
  const project = str(body.project, MAX_KEY_TEXT);
  if (project) record.project = project;
  if (entry.kind.startsWith("finding.")) {
    const id = str(body.id, 64);
    if (id) record.id = id;
    const rule = str(body.rule, 100);
    if (rule) record.rule = rule;
    const subject = str(body.subject, 300);
    if (subject) record.subject = subject;
  }
  if (severity) record.severity = severity;
  return record;
}

function addMutations(op: Deno.AtomicOperation, record: IndexRecord): void {
  const i = record.index;
  op.set(["index", "entry", i], record);
  op.set(["index", "kind", record.kind, i], 1);
  if (record.project !== undefined) {
    op.set(["index", "project", record.project, i], record.kind);
    op.set(["index", "project-kind", record.project, record.kind, i], 1);
  }
  if (record.id !== undefined) op.set(["index", "finding", record.id, i], record.kind);
}

/** Number of ledger entries indexed so far. */
export async function indexedCount(kv: Deno.Kv): Promise<number> {
  return (await kv.get<number>(INDEXED_KEY)).value ?? 0;
}

/**
 * Index one new ledger entry (idempotent). Call it right after the state projection applied
 * the entry; `["meta", "indexed"]` only ever moves forward.
 *
 * @example
 * ```ts
 * for (const stored of await ledger.append(events)) {
 *   await applyEntry(kv, stored);
 *   await indexEntry(kv, stored);
 * }
 * ```
 */
export async function indexEntry(kv: Deno.Kv, stored: StoredEntry): Promise<void> {
  const record = toIndexRecord(stored);
  for (let attempt = 0; attempt < 10; attempt++) {
    const meta = await kv.get<number>(INDEXED_KEY);
    const op = kv.atomic().check(meta);
    addMutations(op, record);
    if ((meta.value ?? 0) < record.index + 1) op.set(INDEXED_KEY, record.index + 1);
    if ((await op.commit()).ok) return;
  }
  throw new Error(`web index: could not index ledger entry ${record.index}`);
}

/**
 * Index every ledger entry not yet indexed (after a crash, or on first start with an existing
 * ledger). Returns the number of entries indexed.
 *
 * @example
 * ```ts
 * await catchUpIndex(kv, ledger);
 * ```
 */
export async function catchUpIndex(kv: Deno.Kv, ledger: LedgerStore): Promise<number> {
  const from = await indexedCount(kv);
  const to = await ledger.size();
  if (from > to) {
    throw new Error(
      `web index: ${from} entries indexed but the ledger holds ${to}: the ledger was truncated or replaced`,
    );
  }
  if (from === to) return 0;
  let batch: IndexRecord[] = [];
  let n = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const meta = await kv.get<number>(INDEXED_KEY);
    const op = kv.atomic().check(meta);
    for (const record of batch) addMutations(op, record);
    const next = batch[batch.length - 1].index + 1;
    if ((meta.value ?? 0) < next) op.set(INDEXED_KEY, next);
    if (!(await op.commit()).ok) throw new Error("web index: concurrent index update, retry");
    n += batch.length;
    batch = [];
  };
  for await (const stored of ledger.entries(from, to)) {
    batch.push(toIndexRecord(stored));
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  return n;
}

/** Which index to read. */
export type IndexSelector =
  | { all: true }
  | { kind: string }
  | { project: string }
  | { project: string; kind: string }
  | { finding: string };

function prefixOf(selector: IndexSelector): Deno.KvKey {
  if ("all" in selector) return ["index", "entry"];
  if ("finding" in selector) return ["index", "finding", selector.finding];
  if ("project" in selector && "kind" in selector) {
    return ["index", "project-kind", selector.project, selector.kind];
  }
  if ("project" in selector) return ["index", "project", selector.project];
  return ["index", "kind", selector.kind];
}

/**
 * Ledger indexes matching a selector, newest first, strictly below `before` when given.
 *
 * @example
 * ```ts
 * await listIndexes(kv, { project: "litellm" }, { limit: 50 });
 * ```
 */
export async function listIndexes(
  kv: Deno.Kv,
  selector: IndexSelector,
  options: { before?: number; limit: number },
): Promise<number[]> {
  const prefix = prefixOf(selector);
  const sel: Deno.KvListSelector = options.before === undefined
    ? { prefix }
    : { prefix, end: [...prefix, options.before] };
  const out: number[] = [];
  for await (const item of kv.list(sel, { reverse: true, limit: options.limit })) {
    const last = item.key[item.key.length - 1];
    if (typeof last === "number") out.push(last);
  }
  return out;
}

/**
 * Index records of the given ledger indexes (missing ones are skipped), in the given order.
 *
 * @example
 * ```ts
 * const records = await getRecords(kv, [41, 40, 12]);
 * ```
 */
export async function getRecords(kv: Deno.Kv, indexes: number[]): Promise<IndexRecord[]> {
  const chunks: number[][] = [];
  for (let i = 0; i < indexes.length; i += 10) chunks.push(indexes.slice(i, i + 10));
  const results = await Promise.all(
    chunks.map((chunk) => kv.getMany<IndexRecord[]>(chunk.map((i) => ["index", "entry", i]))),
  );
  return results.flat().flatMap((r) => (r.value ? [r.value] : []));
}

/**
 * The latest `limit` feed-worthy records ({@link FEED_KINDS}), globally or for one project.
 *
 * @example
 * ```ts
 * const items = await latestFeedRecords(kv, { limit: 50, project: "litellm" });
 * ```
 */
export async function latestFeedRecords(
  kv: Deno.Kv,
  options: { limit: number; project?: string },
): Promise<IndexRecord[]> {
  const lists = await Promise.all(
    FEED_KINDS.map((kind) =>
      listIndexes(
        kv,
        options.project === undefined ? { kind } : { project: options.project, kind },
        { limit: options.limit },
      )
    ),
  );
  const merged = lists.flat().sort((a, b) => b - a).slice(0, options.limit);
  return await getRecords(kv, merged);
}
