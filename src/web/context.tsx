/**
 * What every sub-app of the web app shares: dependencies, the clock, a small render cache,
 * cached reads of the snapshot, jobs and ledger head, and the HTML/gzip senders.
 *
 * @module
 */
import type { Context } from "hono";
import type { Child } from "hono/jsx";
import type { Config, Project } from "../config.ts";
import { normalizeName } from "../config.ts";
import type { LedgerStore } from "../ledger/types.ts";
import type { JobName, RuleMeta } from "../../rules/types.ts";
import { listSweeps } from "../state/findings.ts";
import { parseCheckpointHead } from "./checkpoint.ts";
import { jobIntervals, type JobStatus, jobStatuses, loadSnapshot } from "./snapshot.ts";
import type { Snapshot } from "./snapshot.ts";
import { acceptsGzip, type Rendered } from "./rendered.ts";
import { Layout } from "./views/layout.tsx";

/** Dependencies of the web app. */
export interface AppDeps {
  config: Config;
  kv: Deno.Kv;
  ledger: LedgerStore;
  rules: RuleMeta[];
  /** Bearer token for `POST /api/sweep`; without it the route answers 404. */
  sweepToken?: string;
  /** The ledger's C2SP verifier key, served at `/ledger/key` (404 without it). */
  verifierKey?: string;
  /** Starts a sweep (called in the background by `POST /api/sweep`). */
  onSweep?: () => Promise<unknown>;
  /** Clock, for tests. */
  now?: () => Date;
  /** How long rendered pages and snapshots are reused, in ms (default 1000; 0 disables). */
  cacheMs?: number;
}

/**
 * A tiny TTL cache of promises, bounded in size. An expired value is still served while one
 * refresh runs in the background (stale-while-revalidate), so no request waits for a render
 * once a page has been rendered.
 */
export class TtlCache {
  #map = new Map<string, { at: number; value: Promise<unknown>; refreshing: boolean }>();
  constructor(readonly ttlMs: number, readonly maxEntries = 2000) {}
  get<T>(key: string, now: number, make: () => Promise<T>): Promise<T> {
    if (this.ttlMs <= 0) return make();
    const hit = this.#map.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.value as Promise<T>;
    if (hit && now - hit.at < this.ttlMs * 30) {
      if (!hit.refreshing) {
        hit.refreshing = true;
        make().then((value) => {
          this.#map.set(key, { at: now, value: Promise.resolve(value), refreshing: false });
        }, () => {
          hit.refreshing = false;
        });
      }
      return hit.value as Promise<T>;
    }
    if (this.#map.size >= this.maxEntries) this.#map.clear();
    const entry = { at: now, value: make() as Promise<unknown>, refreshing: false };
    this.#map.set(key, entry);
    entry.value.catch(() => {
      if (this.#map.get(key) === entry) this.#map.delete(key);
    });
    return entry.value as Promise<T>;
  }
}

/** Shared state and helpers of the sub-apps, built once by {@link makeContext}. */
export interface WebContext {
  deps: AppDeps;
  config: Config;
  kv: Deno.Kv;
  ledger: LedgerStore;
  now: () => Date;
  cache: TtlCache;
  intervals: Record<JobName, number>;
  rulesById: Map<string, RuleMeta>;
  projectsByName: Map<string, Project>;
  siteTitle: string;
  /** A fresh snapshot (for cached pages, which must not nest caches). */
  freshSnapshot(t: Date): Promise<Snapshot>;
  /** The snapshot, cached. */
  snapshot(): Promise<Snapshot>;
  readJobs(t: Date): Promise<JobStatus[]>;
  readHead(): Promise<{ ledgerSize: number; treeSize: number }>;
  /** Ledger size and checkpointed tree size, cached. */
  head(): Promise<{ ledgerSize: number; treeSize: number }>;
  treeSizeOf(snap: Snapshot): number;
  baseOf(c: Context): string;
  page(title: string, body: Child, feedBase?: string): string;
  send(c: Context, body: Rendered, headers: Record<string, string>): Response;
  html(c: Context, body: Rendered): Response;
  /** The configured name of a project (exact or normalized match). */
  resolveProject(name: string): string | undefined;
}

/**
 * Build the shared context of the web app.
 *
 * @example
 * ```ts
 * const ctx = makeContext({ config, kv, ledger, rules: ALL_RULES });
 * ```
 */
export function makeContext(deps: AppDeps): WebContext {
  const { config, kv, ledger } = deps;
  const now = deps.now ?? (() => new Date());
  const cache = new TtlCache(deps.cacheMs ?? 1000);
  const intervals = jobIntervals(config);
  const projectsByName = new Map(config.project.map((p) => [p.name, p]));
  const projectsByNorm = new Map(config.project.map((p) => [normalizeName(p.name), p]));
  const siteTitle = config.status.title;
  const freshSnapshot = (t: Date) => loadSnapshot(config, kv, ledger, t, intervals);
  const readHead = async () => {
    const [ledgerSize, checkpoint] = await Promise.all([ledger.size(), ledger.checkpoint()]);
    return { ledgerSize, treeSize: parseCheckpointHead(checkpoint)?.size ?? ledgerSize };
  };
  const send = (c: Context, body: Rendered, headers: Record<string, string>) => {
    const gzip = acceptsGzip(c.req.header("Accept-Encoding"));
    const h: Record<string, string> = { ...headers, Vary: "Accept-Encoding" };
    if (gzip) h["Content-Encoding"] = "gzip";
    return c.body(gzip ? body.gzip : body.raw, 200, h);
  };
  return {
    deps,
    config,
    kv,
    ledger,
    now,
    cache,
    intervals,
    rulesById: new Map(deps.rules.map((r) => [r.id, r])),
    projectsByName,
    siteTitle,
    freshSnapshot,
    snapshot() {
      const t = now();
      return cache.get("snapshot", t.getTime(), () => freshSnapshot(t));
    },
    async readJobs(t: Date) {
      const [sweeps, sweepsOk] = await Promise.all([
        listSweeps(kv, "sweep"),
        listSweeps(kv, "sweep-ok"),
      ]);
      return jobStatuses(config, sweeps, sweepsOk, t, intervals);
    },
    readHead,
    head() {
      return cache.get("head", now().getTime(), readHead);
    },
    treeSizeOf: (snap) => parseCheckpointHead(snap.checkpoint)?.size ?? snap.ledgerSize,
    baseOf: (c) => (config.status.base_url ?? new URL(c.req.url).origin).replace(/\/+$/, ""),
    page: (title, body, feedBase) =>
      `<!DOCTYPE html>${
        String(
          <Layout siteTitle={siteTitle} title={title} feedBase={feedBase}>
            {body}
          </Layout>,
        )
      }`,
    send,
    html: (c, body) =>
      send(c, body, { "Content-Type": "text/html; charset=UTF-8", "Cache-Control": "no-cache" }),
    resolveProject(name) {
      if (projectsByName.has(name)) return name;
      return projectsByNorm.get(normalizeName(name))?.name;
    },
  };
}

/** Largest ledger index accepted in a query. */
export const MAX_INDEX = Number.MAX_SAFE_INTEGER;
