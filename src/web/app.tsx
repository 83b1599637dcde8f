/**
 * The status page, feeds, proofs API, badges, metrics and health check, as one Hono app.
 * It reads KV and the ledger (head, proofs, bounded ranges) and never calls upstream services.
 * The only write is `POST /api/sweep`, behind a bearer token.
 *
 * @module
 */
import { Hono } from "hono";
import type { Context } from "hono";
import type { Child } from "hono/jsx";
import { secureHeaders } from "hono/secure-headers";
import type { Config } from "../config.ts";
import { normalizeName } from "../config.ts";
import type { LedgerStore } from "../ledger/types.ts";
import { FindingOpenedSchema } from "../events.ts";
import { listCoverageGaps, listFindings, type OpenFinding } from "../state/findings.ts";
import type { RuleMeta } from "../../rules/types.ts";
import { bearerMatches } from "./auth.ts";
import { badgeFor, renderBadge } from "./badge.ts";
import { parseCheckpointHead } from "./checkpoint.ts";
import { atomFeed, jsonFeed } from "./feeds.ts";
import { getRecords, indexedCount, latestFeedRecords, listIndexes } from "../state/ledger_index.ts";
import type { IndexSelector } from "../state/ledger_index.ts";
import { renderMetrics } from "./metrics.ts";
import { HttpError, intParam, onlyParams, single } from "./params.ts";
import { jobIntervals, jobStatuses, loadSnapshot, projectStatuses } from "./snapshot.ts";
import type { Snapshot } from "./snapshot.ts";
import { listSweeps } from "../state/findings.ts";
import { STYLE_CSS, STYLE_PATH } from "./style.ts";
import { acceptsGzip, type Rendered, rendered } from "./rendered.ts";
import { Layout } from "./views/layout.tsx";
import { HomePage } from "./views/home.tsx";
import { FindingPage, ProjectPage } from "./views/project.tsx";
import { LedgerPage } from "./views/ledger.tsx";
import { AccessPage } from "./views/access.tsx";
import { accessAt, type TimedEvent } from "../state/access_at.ts";

/** Dependencies of {@link createApp}. */
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

/** Most raw entries served by one `/ledger/entries` request. */
export const ENTRIES_CAP = 10_000;
/** Most `access.changed` events one access page replays (newest kept). */
export const ACCESS_EVENTS_CAP = 1000;
/** Entries per `/ledger` page and project timeline page. */
export const PAGE_SIZE = 50;
/** Items per feed. */
export const FEED_SIZE = 50;
/** Timeline entries shown on a finding page. */
export const FINDING_TIMELINE_CAP = 200;

const KIND_RE = /^[a-z]+(\.[a-z_]+)+$/;
const FINDING_ID_RE = /^[0-9a-f]{16}$/;
const MAX_INDEX = Number.MAX_SAFE_INTEGER;

/**
 * A tiny TTL cache of promises, bounded in size. An expired value is still served while one
 * refresh runs in the background (stale-while-revalidate), so no request waits for a render
 * once a page has been rendered.
 */
class TtlCache {
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

function doc(html: unknown): string {
  return `<!DOCTYPE html>${String(html)}`;
}

/**
 * Build the web app.
 *
 * @example
 * ```ts
 * const app = createApp({ config, kv, ledger, rules: ALL_RULES });
 * Deno.serve({ hostname: "127.0.0.1", port: 8000 }, app.fetch);
 * ```
 */
export function createApp(deps: AppDeps): Hono {
  const { config, kv, ledger } = deps;
  const now = deps.now ?? (() => new Date());
  const cache = new TtlCache(deps.cacheMs ?? 1000);
  const intervals = jobIntervals(config);
  const rulesById = new Map(deps.rules.map((r) => [r.id, r]));
  const projectsByName = new Map(config.project.map((p) => [p.name, p]));
  const projectsByNorm = new Map(config.project.map((p) => [normalizeName(p.name), p]));
  const siteTitle = config.status.title;
  let sweeping: Promise<unknown> | null = null;

  const app = new Hono();

  app.use(secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'"],
      formAction: ["'self'"],
      baseUri: ["'none'"],
      frameAncestors: ["'none'"],
    },
    xFrameOptions: "DENY",
    referrerPolicy: "no-referrer",
    crossOriginResourcePolicy: false,
    crossOriginEmbedderPolicy: false,
  }));
  app.use(async (c, next) => {
    await next();
    if (!c.res.headers.has("Cross-Origin-Resource-Policy")) {
      c.res.headers.set("Cross-Origin-Resource-Policy", "same-origin");
    }
  });

  app.onError((err, c) => {
    if (err instanceof HttpError) return c.text(`${err.message}\n`, err.status);
    console.error(
      `web: ${c.req.method} ${c.req.path}: ${String(err?.message ?? err).split("\n")[0]}`,
    );
    return c.text("internal error\n", 500);
  });
  app.notFound((c) => c.text("not found\n", 404));

  // Cached pages read fresh data when they refresh (nested caches would compound staleness);
  // uncached routes (badges, metrics, ledger browsing) share cached reads.
  const freshSnapshot = (t: Date) => loadSnapshot(config, kv, ledger, t, intervals);
  const snapshot = (): Promise<Snapshot> => {
    const t = now();
    return cache.get("snapshot", t.getTime(), () => freshSnapshot(t));
  };
  const readJobs = async (t: Date) => {
    const [sweeps, sweepsOk] = await Promise.all([
      listSweeps(kv, "sweep"),
      listSweeps(kv, "sweep-ok"),
    ]);
    return jobStatuses(config, sweeps, sweepsOk, t, intervals);
  };
  const readHead = async () => {
    const [ledgerSize, checkpoint] = await Promise.all([ledger.size(), ledger.checkpoint()]);
    return { ledgerSize, treeSize: parseCheckpointHead(checkpoint)?.size ?? ledgerSize };
  };
  /** Ledger size and checkpointed tree size, without loading the whole snapshot. */
  const head = (): Promise<{ ledgerSize: number; treeSize: number }> => {
    const t = now();
    return cache.get("head", t.getTime(), readHead);
  };
  const treeSizeOf = (snap: Snapshot) =>
    parseCheckpointHead(snap.checkpoint)?.size ?? snap.ledgerSize;
  const baseOf = (c: Context) =>
    (config.status.base_url ?? new URL(c.req.url).origin).replace(/\/+$/, "");
  const page = (title: string, body: Child, feedBase?: string) =>
    doc(
      <Layout siteTitle={siteTitle} title={title} feedBase={feedBase}>
        {body}
      </Layout>,
    );
  /** Send a rendered body, gzip-encoded when the client accepts it. */
  const send = (c: Context, body: Rendered, headers: Record<string, string>) => {
    const gzip = acceptsGzip(c.req.header("Accept-Encoding"));
    const h: Record<string, string> = { ...headers, Vary: "Accept-Encoding" };
    if (gzip) h["Content-Encoding"] = "gzip";
    return c.body(gzip ? body.gzip : body.raw, 200, h);
  };
  const html = (c: Context, body: Rendered) =>
    send(c, body, { "Content-Type": "text/html; charset=UTF-8", "Cache-Control": "no-cache" });
  const resolveProject = (name: string): string | undefined => {
    if (projectsByName.has(name)) return name;
    return projectsByNorm.get(normalizeName(name))?.name;
  };

  // --- Stylesheet -------------------------------------------------------------------------
  app.get(STYLE_PATH, (c) => {
    c.header("Cache-Control", "public, max-age=31536000, immutable");
    return c.body(STYLE_CSS, 200, { "Content-Type": "text/css; charset=utf-8" });
  });

  // --- Pages ------------------------------------------------------------------------------
  app.get("/", async (c) => {
    const t = now();
    const text = await cache.get("page:/", t.getTime(), async () => {
      const snap = await freshSnapshot(t);
      return rendered(page(
        "Status",
        <HomePage snap={snap} title={siteTitle} treeSize={treeSizeOf(snap)} />,
      ));
    });
    return html(c, text);
  });

  app.get("/projects/:name", async (c) => {
    const url = new URL(c.req.url);
    onlyParams(url, ["before"]);
    const raw = c.req.param("name");
    if (raw.length > 200) throw new HttpError(404, "unknown project");
    const before = url.searchParams.has("before")
      ? intParam(url, "before", { min: 0, max: MAX_INDEX })
      : undefined;
    const t = now();
    const text = await cache.get(`page:project:${raw}:${before}`, t.getTime(), async () => {
      const name = resolveProject(raw) ?? raw;
      const [findings, gaps, jobs, sizes, indexes] = await Promise.all([
        listFindings(kv, name),
        listCoverageGaps(kv, name),
        readJobs(t),
        readHead(),
        listIndexes(kv, { project: name }, { before, limit: PAGE_SIZE + 1 }),
      ]);
      const configured = projectsByName.get(name);
      if (!configured && findings.length === 0 && gaps.length === 0 && indexes.length === 0) {
        return null;
      }
      const status = projectStatuses(configured ? [name] : [], findings, gaps, jobs)
        .find((p) => p.name === name)!;
      const older = indexes.length > PAGE_SIZE ? indexes[PAGE_SIZE - 1] : undefined;
      const timeline = await getRecords(kv, indexes.slice(0, PAGE_SIZE));
      return rendered(page(
        name,
        <ProjectPage
          name={name}
          project={configured}
          pypiBase={config.upstream.pypi.replace(/\/+$/, "")}
          status={status}
          findings={findings}
          gaps={gaps}
          timeline={timeline}
          olderBefore={older}
          treeSize={sizes.treeSize}
          now={t}
        />,
        `/projects/${encodeURIComponent(name)}`,
      ));
    });
    if (text === null) throw new HttpError(404, "unknown project");
    return html(c, text);
  });

  app.get("/projects/:name/access", async (c) => {
    const url = new URL(c.req.url);
    onlyParams(url, ["at"]);
    const raw = c.req.param("name");
    const name = resolveProject(raw);
    if (!name) throw new HttpError(404, "unknown project");
    const atText = url.searchParams.get("at");
    const at = atText === null ? now() : new Date(atText);
    if (Number.isNaN(at.getTime()) || (atText !== null && atText.length > 40)) {
      throw new HttpError(400, "at: expected a date such as 2026-03-24");
    }
    // End of the day asked for, when only a date is given.
    const cutoff = atText !== null && /^\d{4}-\d{2}-\d{2}$/.test(atText)
      ? new Date(at.getTime() + 86_399_999)
      : at;
    const indexes = await listIndexes(kv, { project: name, kind: "access.changed" }, {
      limit: ACCESS_EVENTS_CAP + 1,
    });
    const replay = indexes.slice(0, ACCESS_EVENTS_CAP).reverse();
    const events: TimedEvent[] = [];
    for (const i of replay) {
      for await (const { entry } of ledger.entries(i, i + 1)) {
        events.push({ time: entry.time, kind: entry.kind, body: entry.body });
      }
    }
    const snapshot = accessAt(events, cutoff, name);
    return html(
      c,
      rendered(page(
        `Access to ${name}`,
        <AccessPage
          name={name}
          snapshot={snapshot}
          indexes={replay.filter((_, k) => Date.parse(events[k]?.time ?? "") <= cutoff.getTime())}
          capped={indexes.length > ACCESS_EVENTS_CAP}
        />,
      )),
    );
  });

  app.get("/findings/:id", async (c) => {
    const id = c.req.param("id");
    if (!FINDING_ID_RE.test(id)) throw new HttpError(404, "unknown finding");
    const t = now();
    const text = await cache.get(`page:finding:${id}`, t.getTime(), async () => {
      const [indexes, sizes] = await Promise.all([
        listIndexes(kv, { finding: id }, { limit: FINDING_TIMELINE_CAP }),
        readHead(),
      ]);
      if (indexes.length === 0) return null;
      const timeline = await getRecords(kv, indexes);
      const project = timeline.find((r) => r.project)?.project;
      const current = project ? (await kv.get<OpenFinding>(["finding", project, id])).value : null;
      let detail: OpenFinding | undefined = current ?? undefined;
      if (!detail) {
        const opening = timeline.find((r) =>
          r.kind === "finding.opened" || r.kind === "finding.waived"
        );
        if (opening) detail = await readOpening(ledger, opening.index);
      }
      const meta = detail ? rulesById.get(detail.rule) : undefined;
      return rendered(page(
        `Finding ${id}`,
        <FindingPage
          id={id}
          detail={detail}
          status={current ? current.status : "resolved"}
          rule={meta}
          timeline={timeline}
          treeSize={sizes.treeSize}
          now={t}
        />,
      ));
    });
    if (text === null) throw new HttpError(404, "unknown finding");
    return html(c, text);
  });

  app.get("/ledger", async (c) => {
    const url = new URL(c.req.url);
    onlyParams(url, ["kind", "project", "before"]);
    const kind = single(url, "kind") || undefined;
    const project = single(url, "project") || undefined;
    if (kind !== undefined && (kind.length > 64 || !KIND_RE.test(kind))) {
      throw new HttpError(400, "kind: expected an event kind like finding.opened");
    }
    if (project !== undefined && project.length > 200) {
      throw new HttpError(400, "project: too long");
    }
    const before = url.searchParams.get("before")
      ? intParam(url, "before", { min: 0, max: MAX_INDEX })
      : undefined;
    const selector: IndexSelector = kind && project
      ? { project, kind }
      : kind
      ? { kind }
      : project
      ? { project }
      : { all: true };
    const t = now();
    const [indexes, sizes] = await Promise.all([
      listIndexes(kv, selector, { before, limit: PAGE_SIZE + 1 }),
      head(),
    ]);
    const older = indexes.length > PAGE_SIZE ? indexes[PAGE_SIZE - 1] : undefined;
    const records = await getRecords(kv, indexes.slice(0, PAGE_SIZE));
    return html(
      c,
      rendered(page(
        "Ledger",
        <LedgerPage
          kind={kind}
          project={project}
          records={records}
          olderBefore={older}
          ledgerSize={sizes.ledgerSize}
          treeSize={sizes.treeSize}
          now={t}
          verifierKey={deps.verifierKey}
        />,
      )),
    );
  });

  // --- Ledger API -------------------------------------------------------------------------
  app.get("/ledger/checkpoint", async (c) => {
    onlyParams(new URL(c.req.url), []);
    const note = await ledger.checkpoint();
    c.header("Cache-Control", "no-cache");
    c.header("Access-Control-Allow-Origin", "*");
    c.header("Cross-Origin-Resource-Policy", "cross-origin");
    if (note === null) return c.text("the ledger is empty: no checkpoint yet\n", 404);
    return c.body(note, 200, { "Content-Type": "text/plain; charset=utf-8" });
  });

  app.get("/ledger/key", (c) => {
    onlyParams(new URL(c.req.url), []);
    c.header("Access-Control-Allow-Origin", "*");
    c.header("Cross-Origin-Resource-Policy", "cross-origin");
    if (!deps.verifierKey) return c.text("no verifier key configured\n", 404);
    return c.body(`${deps.verifierKey}\n`, 200, { "Content-Type": "text/plain; charset=utf-8" });
  });

  app.get("/ledger/entries", async (c) => {
    const url = new URL(c.req.url);
    onlyParams(url, ["from", "to"]);
    const size = await ledger.size();
    const from = intParam(url, "from", { min: 0, max: size, fallback: 0 });
    const requested = intParam(url, "to", { min: 0, max: size, fallback: size });
    if (requested < from) throw new HttpError(400, "to: must not be less than from");
    const to = Math.min(requested, from + ENTRIES_CAP);
    const enc = new TextEncoder();
    const iterator = ledger.entries(from, to)[Symbol.asyncIterator]();
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          let chunk = "";
          for (let i = 0; i < 256; i++) {
            const next = await iterator.next();
            if (next.done) {
              if (chunk) controller.enqueue(enc.encode(chunk));
              controller.close();
              return;
            }
            chunk += next.value.line + "\n";
          }
          controller.enqueue(enc.encode(chunk));
        } catch (e) {
          console.error(`web: /ledger/entries: ${String((e as Error)?.message).split("\n")[0]}`);
          controller.error(e);
        }
      },
      async cancel() {
        await iterator.return?.();
      },
    });
    return c.body(stream, 200, {
      "Content-Type": "application/jsonl; charset=utf-8",
      // An explicit, fully served, non-empty range never changes: the ledger is append-only.
      "Cache-Control": url.searchParams.has("to") && to === requested && to > from
        ? "public, max-age=31536000, immutable"
        : "no-cache",
      "Access-Control-Allow-Origin": "*",
      "Access-Control-Expose-Headers":
        "X-Ledger-Entries-Cap, X-Ledger-Entries-Range, X-Ledger-Size",
      "Cross-Origin-Resource-Policy": "cross-origin",
      "X-Ledger-Entries-Cap": String(ENTRIES_CAP),
      "X-Ledger-Entries-Range": `${from}-${to}`,
      "X-Ledger-Size": String(size),
    });
  });

  app.get("/ledger/proof/inclusion", async (c) => {
    const url = new URL(c.req.url);
    onlyParams(url, ["index", "size"]);
    const [current, checkpoint] = await Promise.all([ledger.size(), ledger.checkpoint()]);
    const head = parseCheckpointHead(checkpoint);
    const treeSize = Math.min(head?.size ?? current, current);
    const size = intParam(url, "size", { min: 1, max: current, fallback: treeSize });
    const index = intParam(url, "index", { min: 0, max: MAX_INDEX });
    if (index >= size) throw new HttpError(400, "index: must be less than size");
    const [proof, leafHash] = await Promise.all([
      ledger.inclusionProof(index, size),
      leafHashOf(kv, ledger, index),
    ]);
    c.header("Cache-Control", "public, max-age=60");
    c.header("Access-Control-Allow-Origin", "*");
    c.header("Cross-Origin-Resource-Policy", "cross-origin");
    return c.json({ index, size, leafHash, proof, checkpoint });
  });

  app.get("/ledger/proof/consistency", async (c) => {
    const url = new URL(c.req.url);
    onlyParams(url, ["from", "to"]);
    const [current, checkpoint] = await Promise.all([ledger.size(), ledger.checkpoint()]);
    const head = parseCheckpointHead(checkpoint);
    const treeSize = Math.min(head?.size ?? current, current);
    const to = intParam(url, "to", { min: 1, max: current, fallback: treeSize });
    const from = intParam(url, "from", { min: 1, max: MAX_INDEX });
    if (from > to) throw new HttpError(400, "from: must not be greater than to");
    const proof = await ledger.consistencyProof(from, to);
    c.header("Cache-Control", "public, max-age=60");
    c.header("Access-Control-Allow-Origin", "*");
    c.header("Cross-Origin-Resource-Policy", "cross-origin");
    return c.json({ from, to, proof, checkpoint });
  });

  // --- Feeds ------------------------------------------------------------------------------
  const feed = async (c: Context, format: "atom" | "json", rawProject?: string) => {
    onlyParams(new URL(c.req.url), []);
    let project: string | undefined;
    if (rawProject !== undefined) {
      project = rawProject.length <= 200 ? resolveProject(rawProject) ?? rawProject : undefined;
      if (project === undefined) throw new HttpError(404, "unknown project");
    }
    const base = baseOf(c);
    const t = now();
    const indexed = await cache.get("indexed", t.getTime(), () => indexedCount(kv));
    const etag = `"${indexed}-${fnv1a(`${format}\n${base}\n${project ?? ""}`)}"`;
    c.header("ETag", etag);
    c.header("Cache-Control", "public, max-age=60");
    c.header("Access-Control-Allow-Origin", "*");
    c.header("Cross-Origin-Resource-Policy", "cross-origin");
    if (etagMatches(c.req.header("If-None-Match"), etag)) return c.body(null, 304);
    const body = await cache.get(`feed:${etag}`, t.getTime(), async () => {
      const records = await latestFeedRecords(kv, { limit: FEED_SIZE, project });
      if (project !== undefined && records.length === 0 && !projectsByName.has(project)) {
        return null;
      }
      const info = { base, title: siteTitle, project, now: t };
      return rendered(
        format === "atom"
          ? atomFeed(info, records)
          : JSON.stringify(jsonFeed(info, records), null, 1),
      );
    });
    if (body === null) throw new HttpError(404, "unknown project");
    return send(c, body, {
      "Content-Type": format === "atom"
        ? "application/atom+xml; charset=utf-8"
        : "application/feed+json; charset=utf-8",
    });
  };
  app.get("/feed.atom", (c) => feed(c, "atom"));
  app.get("/feed.json", (c) => feed(c, "json"));
  app.get("/projects/:name/feed.atom", (c) => feed(c, "atom", c.req.param("name")));
  app.get("/projects/:name/feed.json", (c) => feed(c, "json", c.req.param("name")));

  // --- Badge, metrics, health -------------------------------------------------------------
  app.get("/badge/:file", async (c) => {
    const file = c.req.param("file");
    if (!file.endsWith(".svg") || file.length > 204) throw new HttpError(404, "not found");
    const name = resolveProject(file.slice(0, -4));
    const snap = await snapshot();
    const status = name === undefined ? undefined : snap.projects.find((p) => p.name === name);
    const { message, color } = badgeFor(status);
    c.header("Cache-Control", "public, max-age=300");
    c.header("Cross-Origin-Resource-Policy", "cross-origin");
    return c.body(renderBadge("release audit", message, color), status ? 200 : 404, {
      "Content-Type": "image/svg+xml; charset=utf-8",
    });
  });

  app.get("/metrics", async (c) => {
    const text = renderMetrics(await snapshot());
    c.header("Cache-Control", "no-cache");
    return c.body(text, 200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" });
  });

  app.get("/healthz", async (c) => {
    c.header("Cache-Control", "no-cache");
    let ledgerSize: number;
    try {
      ledgerSize = await ledger.size();
    } catch {
      return c.json({ ok: false, error: "the ledger cannot be read" }, 503);
    }
    const [jobs, indexed] = await Promise.all([readJobs(now()), indexedCount(kv)]);
    return c.json({
      ok: true,
      ledgerSize,
      indexed,
      staleJobs: jobs.filter((j) => j.stale).map((j) => j.job),
      jobs: Object.fromEntries(
        jobs.map((j) => [j.job, { lastSuccess: j.lastOk?.time ?? null, stale: j.stale }]),
      ),
    });
  });

  // --- The only write ---------------------------------------------------------------------
  app.post("/api/sweep", async (c) => {
    if (!deps.sweepToken || !deps.onSweep) throw new HttpError(404, "not found");
    if (!(await bearerMatches(c.req.header("Authorization"), deps.sweepToken))) {
      c.header("WWW-Authenticate", 'Bearer realm="auditor"');
      throw new HttpError(401, "unauthorized");
    }
    if (sweeping) return c.json({ started: false, reason: "a sweep is already running" }, 409);
    const onSweep = deps.onSweep;
    sweeping = (async () => {
      try {
        await onSweep();
      } catch (e) {
        console.error(`web: sweep failed: ${String((e as Error)?.message).split("\n")[0]}`);
      } finally {
        sweeping = null;
      }
    })();
    return c.json({ started: true }, 202);
  });

  return app;
}

/** Leaf hash of entry `index`: from the KV index when present, else read from the ledger. */
async function leafHashOf(kv: Deno.Kv, ledger: LedgerStore, index: number): Promise<string> {
  const record = (await getRecords(kv, [index]))[0];
  if (record) return record.leafHash;
  for await (const stored of ledger.entries(index, index + 1)) return stored.leafHash;
  throw new HttpError(404, "no such entry");
}

/** The opening body of a finding, read from one ledger entry. */
async function readOpening(ledger: LedgerStore, index: number): Promise<OpenFinding | undefined> {
  for await (const stored of ledger.entries(index, index + 1)) {
    const parsed = FindingOpenedSchema.safeParse(stored.entry.body);
    if (!parsed.success) return undefined;
    return { ...parsed.data, status: "open", since: index, sinceTime: stored.entry.time };
  }
  return undefined;
}

/** 32-bit FNV-1a of a string, as 8 hex digits (cache keys and ETags, not security). */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

/** `If-None-Match` handling: `*`, or a list of (weak or strong) tags. */
function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === "*") return true;
  return header.split(",").some((t) => t.trim().replace(/^W\//, "") === etag);
}
