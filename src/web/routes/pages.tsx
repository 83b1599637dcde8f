/**
 * HTML pages: home, project (verdict, releases, findings, timeline), access, finding, ledger.
 *
 * @module
 */
import { Hono } from "hono";
import { FindingOpenedSchema, ReleaseObservedSchema } from "../../events.ts";
import type { LedgerStore } from "../../ledger/types.ts";
import { listCoverageGaps, listFindings, type OpenFinding } from "../../state/findings.ts";
import { getRecords, listIndexes } from "../../state/ledger_index.ts";
import type { IndexRecord, IndexSelector } from "../../state/ledger_index.ts";
import { type ObservedRelease, projectVerdict, releaseRows } from "../releases.ts";
import { timelineData } from "../views/timeline.tsx";
import { HttpError, intParam, onlyParams, single } from "../params.ts";
import { projectStatuses } from "../snapshot.ts";
import { rendered } from "../rendered.ts";
import { HomePage } from "../views/home.tsx";
import { FindingPage, ProjectPage } from "../views/project.tsx";
import { LedgerPage } from "../views/ledger.tsx";
import { AccessPage } from "../views/access.tsx";
import { accessAt, type TimedEvent } from "../../state/access_at.ts";
import { MAX_INDEX, type WebContext } from "../context.tsx";

/** Most `access.changed` events one access page replays (newest kept). */
export const ACCESS_EVENTS_CAP = 1000;
/** Entries per `/ledger` page and project timeline page. */
export const PAGE_SIZE = 50;
/** Timeline entries shown on a finding page. */
export const FINDING_TIMELINE_CAP = 200;

const KIND_RE = /^[a-z]+(\.[a-z_]+)+$/;
const FINDING_ID_RE = /^[0-9a-f]{16}$/;

/**
 * The pages sub-app.
 *
 * @example
 * ```ts
 * app.route("/", pages(ctx));
 * ```
 */
export function pages(ctx: WebContext): Hono {
  const app = new Hono();
  app.get("/", async (c) => {
    const t = ctx.now();
    const text = await ctx.cache.get("page:/", t.getTime(), async () => {
      const snap = await ctx.freshSnapshot(t);
      return rendered(ctx.page(
        "Status",
        <HomePage snap={snap} title={ctx.siteTitle} treeSize={ctx.treeSizeOf(snap)} />,
      ));
    });
    return ctx.html(c, text);
  });

  app.get("/projects/:name", async (c) => {
    const url = new URL(c.req.url);
    onlyParams(url, ["before"]);
    const raw = c.req.param("name");
    if (raw.length > 200) throw new HttpError(404, "unknown project");
    const before = url.searchParams.has("before")
      ? intParam(url, "before", { min: 0, max: MAX_INDEX })
      : undefined;
    const t = ctx.now();
    const text = await ctx.cache.get(`page:project:${raw}:${before}`, t.getTime(), async () => {
      const name = ctx.resolveProject(raw) ?? raw;
      const [findings, gaps, jobs, sizes, indexes] = await Promise.all([
        listFindings(ctx.kv, name),
        listCoverageGaps(ctx.kv, name),
        ctx.readJobs(t),
        ctx.readHead(),
        listIndexes(ctx.kv, { project: name }, { before, limit: PAGE_SIZE + 1 }),
      ]);
      const configured = ctx.projectsByName.get(name);
      if (!configured && findings.length === 0 && gaps.length === 0 && indexes.length === 0) {
        return null;
      }
      const status = projectStatuses(configured ? [name] : [], findings, gaps, jobs)
        .find((p) => p.name === name)!;
      const older = indexes.length > PAGE_SIZE ? indexes[PAGE_SIZE - 1] : undefined;
      const [timeline, observed, history] = await Promise.all([
        getRecords(ctx.kv, indexes.slice(0, PAGE_SIZE)),
        readReleases(ctx, name),
        readHistory(ctx, name),
      ]);
      const releases = releaseRows(observed, findings, configured, gaps);
      const verdict = projectVerdict(releases, findings, gaps, ctx.rulesById);
      return rendered(ctx.page(
        name,
        <ProjectPage
          name={name}
          project={configured}
          pypiBase={ctx.config.upstream.pypi.replace(/\/+$/, "")}
          status={status}
          findings={findings}
          gaps={gaps}
          releases={releases}
          verdict={verdict}
          timelineData={timelineData(history, t)}
          timeline={timeline}
          olderBefore={older}
          treeSize={sizes.treeSize}
          now={t}
        />,
        `/projects/${encodeURIComponent(name)}`,
      ));
    });
    if (text === null) throw new HttpError(404, "unknown project");
    return ctx.html(c, text);
  });

  app.get("/projects/:name/access", async (c) => {
    const url = new URL(c.req.url);
    onlyParams(url, ["at"]);
    const raw = c.req.param("name");
    const name = ctx.resolveProject(raw);
    if (!name) throw new HttpError(404, "unknown project");
    const atText = url.searchParams.get("at");
    const at = atText === null ? ctx.now() : new Date(atText);
    if (Number.isNaN(at.getTime()) || (atText !== null && atText.length > 40)) {
      throw new HttpError(400, "at: expected a date such as 2026-03-24");
    }
    // End of the day asked for, when only a date is given.
    const cutoff = atText !== null && /^\d{4}-\d{2}-\d{2}$/.test(atText)
      ? new Date(at.getTime() + 86_399_999)
      : at;
    const indexes = await listIndexes(ctx.kv, { project: name, kind: "access.changed" }, {
      limit: ACCESS_EVENTS_CAP + 1,
    });
    const replay = indexes.slice(0, ACCESS_EVENTS_CAP).reverse();
    const events: TimedEvent[] = [];
    for (const i of replay) {
      for await (const { entry } of ctx.ledger.entries(i, i + 1)) {
        events.push({ time: entry.time, kind: entry.kind, body: entry.body });
      }
    }
    const snapshot = accessAt(events, cutoff, name);
    return ctx.html(
      c,
      rendered(ctx.page(
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
    const t = ctx.now();
    const text = await ctx.cache.get(`page:finding:${id}`, t.getTime(), async () => {
      const [indexes, sizes] = await Promise.all([
        listIndexes(ctx.kv, { finding: id }, { limit: FINDING_TIMELINE_CAP }),
        ctx.readHead(),
      ]);
      if (indexes.length === 0) return null;
      const timeline = await getRecords(ctx.kv, indexes);
      const project = timeline.find((r) => r.project)?.project;
      const current = project
        ? (await ctx.kv.get<OpenFinding>(["finding", project, id])).value
        : null;
      let detail: OpenFinding | undefined = current ?? undefined;
      if (!detail) {
        const opening = timeline.find((r) =>
          r.kind === "finding.opened" || r.kind === "finding.waived"
        );
        if (opening) detail = await readOpening(ctx.ledger, opening.index);
      }
      const meta = detail ? ctx.rulesById.get(detail.rule) : undefined;
      return rendered(ctx.page(
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
    return ctx.html(c, text);
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
    const t = ctx.now();
    const [indexes, sizes] = await Promise.all([
      listIndexes(ctx.kv, selector, { before, limit: PAGE_SIZE + 1 }),
      ctx.head(),
    ]);
    const older = indexes.length > PAGE_SIZE ? indexes[PAGE_SIZE - 1] : undefined;
    const records = await getRecords(ctx.kv, indexes.slice(0, PAGE_SIZE));
    return ctx.html(
      c,
      rendered(ctx.page(
        "Ledger",
        <LedgerPage
          kind={kind}
          project={project}
          records={records}
          olderBefore={older}
          ledgerSize={sizes.ledgerSize}
          treeSize={sizes.treeSize}
          now={t}
          verifierKey={ctx.deps.verifierKey}
        />,
      )),
    );
  });

  return app;
}

/** Most `release.observed` entries read for a project page (newest kept). */
export const RELEASE_EVENTS_CAP = 200;
/** Most entries of each finding kind read for a project's timeline picture (newest kept). */
export const HISTORY_CAP = 500;

/** The project's `release.observed` events (newest {@link RELEASE_EVENTS_CAP}), from the ledger. */
async function readReleases(ctx: WebContext, project: string): Promise<ObservedRelease[]> {
  const indexes = await listIndexes(ctx.kv, { project, kind: "release.observed" }, {
    limit: RELEASE_EVENTS_CAP,
  });
  const out: ObservedRelease[] = [];
  for (const i of indexes) {
    for await (const { entry } of ctx.ledger.entries(i, i + 1)) {
      const body = ReleaseObservedSchema.safeParse(entry.body);
      if (!body.success || body.data.project !== project) continue;
      out.push({ ...body.data, index: entry.index, time: entry.time });
    }
  }
  return out;
}

/** Index records of the project's findings and releases, for the timeline picture. */
async function readHistory(ctx: WebContext, project: string): Promise<IndexRecord[]> {
  const kinds = ["finding.opened", "finding.waived", "finding.resolved", "release.observed"];
  const lists = await Promise.all(
    kinds.map((kind) => listIndexes(ctx.kv, { project, kind }, { limit: HISTORY_CAP })),
  );
  return await getRecords(ctx.kv, lists.flat().sort((a, b) => a - b));
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
