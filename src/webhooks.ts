/**
 * Webhooks: tell subscribers about every `finding.opened` / `finding.resolved` in the ledger
 * at or above their severity threshold, whoever appended it (a scheduled sweep, `serve`, or
 * `main.ts audit` run on its own).
 *
 * The queue is derived from the ledger: each hook has a cursor over the ledger's KV index
 * (`["webhook", "enqueued", hook]` = `{ urlHash, next }`: every entry below `next` has been
 * looked at). {@link syncWebhookQueue} walks the `finding.*` kind index from the cursor to the
 * indexed head and queues one delivery per entry, keyed by ledger index, so queueing twice is
 * a no-op and a delivery is idempotent by ledger index (`X-Auditor-Delivery`). A new hook
 * starts at index 0 (it receives the history); a hook whose URL changed keeps its cursor and
 * drops its old deliveries.
 *
 * At least once: a delivery is queued durably in KV before anything is sent, and removed only
 * after a 2xx answer. Failures are retried with exponential backoff, a bounded number of
 * times, then kept aside as dead. The body is JSON (or a Slack-compatible `{text, blocks}`),
 * signed with HMAC-SHA256 over `<timestamp>.<body>`:
 * `X-Auditor-Signature: t=<unix seconds>,sha256=<hex>` (see docs/webhooks.md).
 *
 * KV layout:
 * - `["webhook", "pending", hookIndex, ledgerIndex]` → {@link PendingDelivery}
 * - `["webhook", "dead", hookIndex, ledgerIndex]` → {@link PendingDelivery} (gave up)
 * - `["webhook", "enqueued", hookIndex]` → `{ urlHash, next }` (the hook's cursor)
 *
 * Secrets come from the environment through {@link Secrets}; neither they nor the hook URLs
 * (which often embed tokens) are ever logged.
 *
 * @module
 */
import type { Config } from "./config.ts";
import type { Secrets } from "./config.ts";
import type { LedgerStore, StoredEntry } from "./ledger/types.ts";
import { FindingOpenedSchema, FindingResolvedSchema } from "./events.ts";
import { atLeast, type Severity, SeveritySchema } from "../rules/types.ts";
import { getRecords, indexedCount, listIndexes } from "./state/ledger_index.ts";
import { displayText, safeHttpUrl, truncate } from "./display.ts";

/** One queued delivery. */
export interface PendingDelivery {
  hook: number;
  ledgerIndex: number;
  /** First 16 hex of SHA-256 of the hook URL when queued (a changed URL drops the delivery). */
  urlHash: string;
  kind: string;
  /** The exact body to send (and sign). */
  body: string;
  attempts: number;
  /** Unix ms of the next attempt. */
  nextAttemptAt: number;
  lastError?: string;
}

/** Options of {@link deliverPending}. */
export interface DeliverOptions {
  /** Clock in Unix ms (tests). */
  now?: () => number;
  /** Attempts before a delivery is given up (default 8). */
  maxAttempts?: number;
  /** Delay after the first failure (default 30 s); doubles on each further failure. */
  baseDelayMs?: number;
  /** Longest delay between attempts (default 1 h). */
  maxDelayMs?: number;
  /** Time-out of one request (default 10 s). */
  timeoutMs?: number;
  /** Most deliveries looked at in one call (default 500). */
  limit?: number;
}

/** Outcome of one {@link deliverPending} call. */
export interface DeliverResult {
  delivered: number;
  retrying: number;
  dead: number;
  /** Queued but not due yet (or not tried because the hook just failed). */
  waiting: number;
}

const enc = new TextEncoder();
const ENQUEUE_BATCH = 50;

function hex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function urlHash(url: string): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", enc.encode(url))).slice(0, 16);
}

/**
 * The signature header value of a body sent at `timestamp` (Unix seconds):
 * `t=<timestamp>,sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the secret>`.
 *
 * @example
 * ```ts
 * const header = await signBody("s3cret", '{"event":"finding.opened"}', 1767225600);
 * // "t=1767225600,sha256=…"
 * ```
 */
export async function signBody(secret: string, body: string, timestamp: number): Promise<string> {
  const key = await hmacKey(secret);
  const mac = await crypto.subtle.sign("HMAC", key, enc.encode(`${timestamp}.${body}`));
  return `t=${timestamp},sha256=${hex(mac)}`;
}

function hmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    "raw",
    enc.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign", "verify"],
  );
}

/**
 * What a receiver does: check a signature header against the exact body bytes, and refuse
 * timestamps further than `toleranceS` (default 300 s) from `now` (replays). Constant-time
 * comparison (WebCrypto `verify`).
 *
 * @example
 * ```ts
 * const ok = await verifySignature("s3cret", req.headers.get("X-Auditor-Signature"), body);
 * ```
 */
export async function verifySignature(
  secret: string,
  header: string | null,
  body: string,
  now: number = Date.now(),
  toleranceS = 300,
): Promise<boolean> {
  const m = /^t=(\d{1,12}),sha256=([0-9a-f]{64})$/.exec(header ?? "");
  if (!m) return false;
  const t = Number(m[1]);
  if (Math.abs(now / 1000 - t) > toleranceS) return false;
  const mac = Uint8Array.from(m[2].match(/../g)!, (h) => parseInt(h, 16));
  return await crypto.subtle.verify("HMAC", await hmacKey(secret), mac, enc.encode(`${t}.${body}`));
}

/** What a hook is told about one entry. */
interface Notice {
  event: "finding.opened" | "finding.resolved";
  project: string;
  id: string;
  rule: string;
  severity: Severity;
  subject: string;
  message: string;
  upstream?: string;
}

/** Severity of a finding before it was resolved, from the web index. */
async function priorSeverity(kv: Deno.Kv, id: string, before: number): Promise<Severity | null> {
  const indexes = await listIndexes(kv, { finding: id }, { before, limit: 20 });
  for (const r of await getRecords(kv, indexes)) if (r.severity) return r.severity;
  return null;
}

async function noticeOf(kv: Deno.Kv, stored: StoredEntry): Promise<Notice | null> {
  const { entry } = stored;
  if (entry.kind === "finding.opened") {
    const b = FindingOpenedSchema.safeParse(entry.body);
    if (!b.success) return null;
    return {
      event: "finding.opened",
      project: b.data.project,
      id: b.data.id,
      rule: b.data.rule,
      severity: b.data.severity,
      subject: b.data.subject,
      message: b.data.message,
      upstream: safeHttpUrl(b.data.evidence?.url) ?? undefined,
    };
  }
  if (entry.kind === "finding.resolved") {
    const b = FindingResolvedSchema.safeParse(entry.body);
    if (!b.success) return null;
    const severity = await priorSeverity(kv, b.data.id, entry.index);
    if (!severity || !SeveritySchema.safeParse(severity).success) return null;
    return {
      event: "finding.resolved",
      project: b.data.project,
      id: b.data.id,
      rule: b.data.rule,
      severity,
      subject: b.data.subject,
      message: b.data.reason,
    };
  }
  return null;
}

function slackEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * The body sent for a notice, JSON or Slack-compatible, bounded in size (pure).
 */
function buildBody(
  format: "json" | "slack",
  notice: Notice,
  stored: StoredEntry,
  base: string | undefined,
): string {
  const findingUrl = base ? `${base}/findings/${encodeURIComponent(notice.id)}` : undefined;
  const proofUrl = base ? `${base}/ledger/proof/inclusion?index=${stored.entry.index}` : undefined;
  // Upstream text with invisible and reordering characters shown as escapes.
  const subject = displayText(notice.subject, 500);
  const message = displayText(notice.message, 1000);
  const project = displayText(notice.project, 200);
  if (format === "json") {
    return JSON.stringify({
      event: notice.event,
      delivery: String(stored.entry.index),
      time: stored.entry.time,
      ledger: {
        origin: truncate(stored.entry.origin, 255),
        index: stored.entry.index,
        leafHash: stored.leafHash,
      },
      finding: {
        project,
        id: truncate(notice.id, 64),
        rule: truncate(notice.rule, 100),
        severity: notice.severity,
        subject,
        message,
        upstream: notice.upstream,
      },
      links: findingUrl ? { finding: findingUrl, proof: proofUrl } : undefined,
    });
  }
  const verb = notice.event === "finding.opened" ? "opened" : "resolved";
  const headline = `[${notice.severity}] finding ${verb} in ${project}: ${
    displayText(notice.rule, 100)
  }`;
  const link = findingUrl ? `<${findingUrl}|${slackEscape(headline)}>` : slackEscape(headline);
  return JSON.stringify({
    text: `${headline} ("${subject}")`,
    blocks: [
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text: `*${link}*\n\`${slackEscape(subject)}\`\n${slackEscape(message)}`,
        },
      },
      {
        type: "context",
        elements: [{
          type: "mrkdwn",
          text: `Ledger index ${stored.entry.index} · leaf ${stored.leafHash.slice(0, 16)}`,
        }],
      },
    ],
  });
}

/** Most ledger entries one {@link syncWebhookQueue} call looks at per hook. */
export const SYNC_LIMIT = 5000;
const NOTICE_KINDS = ["finding.opened", "finding.resolved"] as const;

/** Ledger indexes of `finding.opened` / `finding.resolved` in `[from, to)`, ascending. */
async function noticeIndexes(kv: Deno.Kv, from: number, to: number, limit: number) {
  const lists = await Promise.all(NOTICE_KINDS.map(async (kind) => {
    const out: number[] = [];
    const prefix = ["index", "kind", kind];
    const iter = kv.list({ start: [...prefix, from], end: [...prefix, to] }, { limit });
    for await (const item of iter) {
      const i = item.key[item.key.length - 1];
      if (typeof i === "number") out.push(i);
    }
    return out;
  }));
  return lists.flat().sort((a, b) => a - b).slice(0, limit);
}

/**
 * Bring every hook's queue up to the ledger's indexed head: one pending delivery per
 * `finding.opened` / `finding.resolved` entry at or above the hook's threshold, read from the
 * ledger by index, whoever appended it. Idempotent (a hook's cursor only moves forward, and
 * deliveries are keyed by ledger index); call it after each append, at start-up and
 * periodically. Looks at most {@link SYNC_LIMIT} finding entries per hook and call. Returns the
 * number of deliveries queued.
 *
 * @example
 * ```ts
 * await syncWebhookQueue(kv, config, ledger);
 * await deliverPending(kv, config, readSecrets(config));
 * ```
 */
export async function syncWebhookQueue(
  kv: Deno.Kv,
  config: Config,
  ledger: LedgerStore,
  options: { limit?: number } = {},
): Promise<number> {
  const hooks = config.status.webhook;
  if (hooks.length === 0) return 0;
  const head = await indexedCount(kv);
  const limit = options.limit ?? SYNC_LIMIT;
  const base = config.status.base_url?.replace(/\/+$/, "");
  const notices = new Map<number, { stored: StoredEntry; notice: Notice | null }>();
  const noticeAt = async (index: number) => {
    let hit = notices.get(index);
    if (!hit) {
      for await (const stored of ledger.entries(index, index + 1)) {
        hit = { stored, notice: await noticeOf(kv, stored) };
      }
      if (!hit) return undefined;
      notices.set(index, hit);
    }
    return hit;
  };
  let queued = 0;
  for (const [h, hook] of hooks.entries()) {
    const hash = await urlHash(hook.url);
    const markKey = ["webhook", "enqueued", h];
    const mark = await kv.get<{ urlHash: string; next: number }>(markKey);
    const from = mark.value?.next ?? 0;
    if (from >= head) {
      if (mark.value && mark.value.urlHash !== hash) {
        await kv.atomic().check(mark).set(markKey, { urlHash: hash, next: from }).commit();
      }
      continue;
    }
    const indexes = await noticeIndexes(kv, from, head, limit);
    const to = indexes.length >= limit ? indexes[indexes.length - 1] + 1 : head;
    const deliveries: PendingDelivery[] = [];
    for (const index of indexes) {
      const hit = await noticeAt(index);
      if (!hit?.notice || !atLeast(hit.notice.severity, hook.min_severity)) continue;
      deliveries.push({
        hook: h,
        ledgerIndex: index,
        urlHash: hash,
        kind: hit.notice.event,
        body: buildBody(hook.format, hit.notice, hit.stored, base),
        attempts: 0,
        nextAttemptAt: 0,
      });
    }
    // The cursor moves in the commit that queues the last batch: a crash never skips an entry.
    let current = mark;
    for (let i = 0; i < deliveries.length || i === 0; i += ENQUEUE_BATCH) {
      const chunk = deliveries.slice(i, i + ENQUEUE_BATCH);
      const last = i + ENQUEUE_BATCH >= deliveries.length;
      const op = kv.atomic().check(current);
      for (const d of chunk) op.set(["webhook", "pending", h, d.ledgerIndex], d);
      const next = last ? to : chunk[chunk.length - 1].ledgerIndex + 1;
      op.set(markKey, { urlHash: hash, next: Math.max(from, next) });
      const res = await op.commit();
      if (!res.ok) return queued; // another process moved the cursor: it queues the rest
      queued += chunk.length;
      current = await kv.get<{ urlHash: string; next: number }>(markKey);
    }
  }
  return queued;
}

/** Delay before attempt `attempts + 1`, exponential and capped. */
export function backoffMs(attempts: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
}

async function send(
  delivery: PendingDelivery,
  url: string,
  secret: string | undefined,
  fetchFn: typeof fetch,
  timeoutMs: number,
): Promise<string | null> {
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    "User-Agent": "release-auditor-webhooks/1",
    "X-Auditor-Event": delivery.kind,
    "X-Auditor-Delivery": String(delivery.ledgerIndex),
  };
  if (secret !== undefined) {
    const t = Math.floor(Date.now() / 1000);
    headers["X-Auditor-Signature"] = await signBody(secret, delivery.body, t);
  }
  try {
    const res = await fetchFn(url, {
      method: "POST",
      headers,
      body: delivery.body,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body?.cancel().catch(() => {});
    return res.status >= 200 && res.status < 300 ? null : `HTTP ${res.status}`;
  } catch (e) {
    const name = e instanceof Error ? e.name : "Error";
    return name === "TimeoutError" ? "timed out" : `request failed (${name})`;
  }
}

/**
 * Send every due delivery once; failures are rescheduled with exponential backoff, and
 * given up (kept under `["webhook", "dead", ...]`) after `maxAttempts`. Deliveries of one
 * hook are sent in ledger order; after a failure the hook's remaining deliveries wait for the
 * next call. Call it after each append and periodically (e.g. every minute).
 *
 * @example
 * ```ts
 * const result = await deliverPending(kv, config, readSecrets(config));
 * ```
 */
export async function deliverPending(
  kv: Deno.Kv,
  config: Config,
  secrets: Secrets,
  fetchFn: typeof fetch = fetch,
  options: DeliverOptions = {},
): Promise<DeliverResult> {
  const now = options.now ?? Date.now;
  const maxAttempts = options.maxAttempts ?? 8;
  const baseDelay = options.baseDelayMs ?? 30_000;
  const maxDelay = options.maxDelayMs ?? 3_600_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const result: DeliverResult = { delivered: 0, retrying: 0, dead: 0, waiting: 0 };
  const byHook = new Map<number, Deno.KvEntry<PendingDelivery>[]>();
  const iter = kv.list<PendingDelivery>(
    { prefix: ["webhook", "pending"] },
    { limit: options.limit ?? 500 },
  );
  for await (const item of iter) {
    const list = byHook.get(item.value.hook) ?? [];
    list.push(item);
    byHook.set(item.value.hook, list);
  }
  const hashes = await Promise.all(config.status.webhook.map((h) => urlHash(h.url)));

  const giveUp = async (item: Deno.KvEntry<PendingDelivery>, value: PendingDelivery) => {
    const d = value;
    await kv.atomic().check(item).delete(item.key)
      .set(["webhook", "dead", d.hook, d.ledgerIndex], d).commit();
    result.dead++;
  };

  await Promise.all([...byHook.entries()].map(async ([h, items]) => {
    const hook = config.status.webhook[h];
    let failed = false;
    for (const item of items) {
      const d = item.value;
      if (!hook || hashes[h] !== d.urlHash || !safeHttpUrl(hook.url)) {
        await giveUp(item, { ...d, lastError: "hook removed or changed" });
        continue;
      }
      if (failed || d.nextAttemptAt > now()) {
        result.waiting++;
        continue;
      }
      let error: string | null;
      let secret: string | undefined;
      if (hook.secret_env) {
        secret = secrets.webhookSecrets[hook.secret_env];
        error = secret === undefined ? `secret ${hook.secret_env} is not set` : null;
      } else error = null;
      if (error === null) error = await send(d, hook.url, secret, fetchFn, timeoutMs);
      if (error === null) {
        await kv.atomic().check(item).delete(item.key).commit();
        result.delivered++;
        continue;
      }
      failed = true;
      const attempts = d.attempts + 1;
      console.warn(
        `webhooks: hook ${h}: entry ${d.ledgerIndex}: attempt ${attempts}/${maxAttempts} failed: ${error}`,
      );
      const next = { ...d, attempts, lastError: error };
      if (attempts >= maxAttempts) {
        await giveUp(item, next);
        continue;
      }
      next.nextAttemptAt = now() + backoffMs(attempts, baseDelay, maxDelay);
      await kv.atomic().check(item).set(item.key, next).commit();
      result.retrying++;
    }
  }));
  return result;
}
