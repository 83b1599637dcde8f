/**
 * The web side of the auditor: the status page app and the KV index it reads.
 *
 * Routes (all GET unless noted; nothing but `POST /api/sweep` writes):
 * - `/` status at a glance; `/projects/:name`; `/projects/:name/access?at`; `/findings/:id`;
 *   `/ledger?kind&project&before`; `/ledger/key` (text/plain verifier key)
 * - `/ledger/checkpoint` (text/plain signed note), `/ledger/entries?from&to` (JSONL, ≤ 10,000
 *   lines, `X-Ledger-Entries-Cap`), `/ledger/proof/inclusion?index&size`,
 *   `/ledger/proof/consistency?from&to`
 * - `/feed.atom`, `/feed.json`, `/projects/:name/feed.atom`, `/projects/:name/feed.json`
 * - `/badge/:project.svg`, `/metrics`, `/healthz` (liveness), `/readyz` (503 while a job is
 *   stale or never succeeded), `/static/style.<hash>.css`
 * - `POST /api/sweep` with `Authorization: Bearer <token>`
 *
 * @example
 * ```ts
 * await catchUpIndex(kv, ledger);
 * const app = createApp({ config, kv, ledger, rules: ALL_RULES, sweepToken, onSweep });
 * Deno.serve({ hostname: config.status.hostname, port: config.status.port }, app.fetch);
 * ```
 * @module
 */
export { type AppDeps, createApp, ENTRIES_CAP } from "./app.tsx";
export {
  catchUpIndex,
  FEED_KINDS,
  indexedCount,
  indexEntry,
  type IndexRecord,
  toIndexRecord,
} from "../state/ledger_index.ts";
