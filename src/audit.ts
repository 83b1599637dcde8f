/**
 * One sweep of one job over a set of projects: collect → evaluate → reconcile → ledger →
 * state. Projects are collected concurrently (a bounded window) and committed in list order,
 * one ledger append per project, so the ledger's order is deterministic. Events of a project are
 * appended (durably, with a signed checkpoint) before the KV projection is updated, and the
 * projection catches up from the ledger on the next run if the process dies in between.
 *
 * A sweep is bracketed in the ledger: `sweep.started` (with the planned project count) first,
 * `sweep.completed` or `sweep.incomplete` (with coverage) last. A run that finds a started sweep
 * of its job without an end (the process was killed) records `sweep.abandoned` for it before
 * starting, so no sweep leaves a silent gap. Scheduled runs resume from a cursor
 * (`["cursor", job]`) and stop starting projects when their time budget is spent.
 *
 * Memory does not grow with the fleet: the summary keeps counters and a bounded list of
 * outcomes; callers that want every finding take them from `onOutcome`.
 *
 * @example
 * ```ts
 * const summary = await runSweep(pypiJob, config.project, deps);
 * console.log(summary.status, summary.projectsDone, summary.findings);
 * ```
 * @module
 */
import type { Config, Project, Secrets } from "./config.ts";
import type { Finding, Unobservable } from "../rules/types.ts";
import type { Job, JobContext, Observation, RequestStats } from "./observations/job.ts";
import type { LedgerEventInput, LedgerStore, StoredEntry } from "./ledger/types.ts";
import { applyEntry, catchUp, listCoverageGaps, listFindings } from "./state/findings.ts";
import { reconcile } from "./reconcile.ts";
import { applyOverrides } from "../rules/overrides.ts";
import { getJson, setJson } from "./state/blob.ts";
import {
  ledgerEvent,
  SweepRefSchema,
  SweepStartedSchema,
  toLedgerValue,
  validateEvents,
} from "./events.ts";
import { catchUpIndex, indexEntry } from "./state/ledger_index.ts";
import { redactionCount, redactValue } from "./redact.ts";
import { sweepGate } from "./upstream_gate.ts";

/** What a sweep needs. */
export interface SweepDeps {
  config: Config;
  secrets: Secrets;
  kv: Deno.Kv;
  ledger: LedgerStore;
  now?: () => Date;
  signal?: AbortSignal;
  log?: JobContext["log"];
  /** Called after each project is committed (progress display). */
  onProject?: (progress: ProjectProgress) => void;
  /** Called with each project's outcome (findings included), in list order. */
  onOutcome?: (outcome: ProjectOutcome) => void | Promise<void>;
  /** Called with the entries appended for each project (webhooks, feed index). */
  onAppended?: (entries: StoredEntry[]) => Promise<void>;
  /** Called before every ledger append; throws to stop the sweep (lease fencing). */
  fence?: () => Promise<void>;
  /** Fencing token of the lease this run holds (recorded in `sweep.started`). */
  token?: number;
  /** Stop starting projects after this many milliseconds (in-flight ones finish). */
  budgetMs?: number;
  /** Start from the job's cursor and keep it up to date (scheduled runs). */
  resume?: boolean;
  /** Projects collected at once (default `[upstream] concurrency`). */
  concurrency?: number;
  /** Outcomes kept in the summary (default {@link OUTCOME_LIMIT}). */
  outcomeLimit?: number;
}

/** Default number of project outcomes a summary keeps. */
export const OUTCOME_LIMIT = 100;

/** Progress after one project. */
export interface ProjectProgress {
  job: string;
  project: string;
  /** Projects committed so far in this run. */
  done: number;
  /** Projects this run plans to cover. */
  total: number;
  /** This project's findings. */
  findings: number;
  /** Findings so far in this run. */
  findingsTotal: number;
  unobservable: number;
  stats: RequestStats;
}

/** The outcome of one project in a sweep. */
export interface ProjectOutcome {
  project: string;
  findings: Finding[];
  unobservable: Unobservable[];
  events: number;
}

/** The outcome of a sweep. */
export interface SweepSummary {
  job: string;
  sweep: string;
  status: "completed" | "incomplete";
  startedAt: string;
  durationMs: number;
  /** The first {@link SweepDeps.outcomeLimit} outcomes (see `onOutcome` for all). */
  projects: ProjectOutcome[];
  /** Projects committed by this run. */
  projectsDone: number;
  /** Projects in the list. */
  projectsTotal: number;
  /** Index range of the list this run covered: [from, to). */
  from: number;
  to: number;
  /** The time budget stopped the run before the end of the list. */
  budgetExhausted: boolean;
  stats: RequestStats;
  opened: number;
  resolved: number;
  findings: number;
  /** Not-observable scopes (checks that could not be made) over all projects. */
  unobservable: number;
  /** Secrets and credential-shaped strings replaced (ledger, logs, upstream texts) meanwhile. */
  redacted: number;
  /** Time spent waiting for upstreams, within `[upstream] wait_budget_ms`. */
  waitedMs: number;
  /** Hosts skipped for the rest of the sweep, with why and until when. */
  skipped: { host: string; message: string; until?: string }[];
  /** Sweeps of this job found started and never ended, now recorded as abandoned. */
  abandoned: string[];
}

/** A sweep whose `sweep.started` has no end in the ledger yet (`["sweep-open", job, id]`). */
export interface OpenSweep {
  job: string;
  sweep: string;
  startedAt: string;
  planned: number;
  index: number;
}

const SCANNED_KEY = ["meta", "sweeps-scanned"];
const SWEEP_END_KINDS = new Set(["sweep.completed", "sweep.incomplete", "sweep.abandoned"]);

function addStats(into: RequestStats, from: RequestStats): void {
  into.requests += from.requests;
  into.notModified += from.notModified;
  into.errors += from.errors;
}

/** Append events and apply them to the KV projection; returns the stored entries. */
export async function record(
  deps: Pick<SweepDeps, "kv" | "ledger" | "onAppended" | "fence">,
  events: LedgerEventInput[],
): Promise<StoredEntry[]> {
  if (events.length === 0) return [];
  const bounded = events.map((e) => ({
    kind: e.kind,
    body: toLedgerValue(e.body) as Record<string, unknown>,
  }));
  validateEvents(bounded);
  await deps.fence?.();
  const stored = await deps.ledger.append(bounded);
  for (const entry of stored) {
    await applyEntry(deps.kv, entry);
    await indexEntry(deps.kv, entry);
  }
  await deps.onAppended?.(stored);
  return stored;
}

/**
 * Bring the set of open sweeps (`["sweep-open", job, sweep]`) up to the ledger's head: a
 * `sweep.started` opens one, `sweep.completed` / `incomplete` / `abandoned` closes it. Scans only
 * the entries appended since the last scan; safe to run concurrently (compare-and-set on the
 * scan counter).
 */
export async function trackSweeps(kv: Deno.Kv, ledger: LedgerStore): Promise<void> {
  const size = await ledger.size();
  while (true) {
    const counter = await kv.get<number>(SCANNED_KEY);
    const from = counter.value ?? 0;
    if (from >= size) return;
    const to = Math.min(size, from + 400);
    const op = kv.atomic().check(counter).set(SCANNED_KEY, to);
    for await (const { entry } of ledger.entries(from, to)) {
      if (entry.kind === "sweep.started") {
        const body = SweepStartedSchema.safeParse(entry.body);
        if (!body.success) continue;
        const open: OpenSweep = {
          job: body.data.job,
          sweep: body.data.sweep,
          startedAt: body.data.startedAt,
          planned: body.data.planned,
          index: entry.index,
        };
        op.set(["sweep-open", open.job, open.sweep], open);
      } else if (SWEEP_END_KINDS.has(entry.kind)) {
        const body = SweepRefSchema.safeParse(entry.body);
        if (body.success) op.delete(["sweep-open", body.data.job, body.data.sweep]);
      }
    }
    await op.commit();
  }
}

/** Sweeps of a job (or of all jobs) started and not ended, as of the last {@link trackSweeps}. */
export async function listOpenSweeps(kv: Deno.Kv, job?: string): Promise<OpenSweep[]> {
  const out: OpenSweep[] = [];
  const prefix = job === undefined ? ["sweep-open"] : ["sweep-open", job];
  for await (const item of kv.list<OpenSweep>({ prefix })) out.push(item.value);
  return out.sort((a, b) => a.index - b.index);
}

/** Where a job's next scheduled run starts: `["cursor", job]`. */
export interface Cursor {
  /** Index of the next project. */
  next: number;
  /** Its name (the index is re-found by name when the list changed). */
  name: string | null;
}

/** Index to resume from, given the cursor and the current list. */
export function resumeIndex(projects: Project[], cursor: Cursor | null | undefined): number {
  if (!cursor || cursor.name === null) return 0;
  if (projects[cursor.next]?.name === cursor.name) return cursor.next;
  const i = projects.findIndex((p) => p.name === cursor.name);
  return i < 0 ? 0 : i;
}

interface Prepared {
  outcome: ProjectOutcome;
  events: LedgerEventInput[];
  stats: RequestStats;
  snapshot?: { key: Deno.KvKey; observation: Observation<unknown> };
}

async function prepareProject<T>(
  job: Job<T>,
  project: Project,
  ctx: JobContext,
  kv: Deno.Kv,
): Promise<Prepared> {
  const observation: Observation<T> = await job.collect(project, ctx).catch((e) => ({
    job: job.name,
    project: project.name,
    observedAt: ctx.now().toISOString(),
    data: undefined as T,
    unobservable: [{ scope: "*", reason: `collection failed: ${(e as Error).name}` }],
    stats: { requests: 0, notModified: 0, errors: 1 },
  }));
  const whole = observation.unobservable.some((u) => u.scope === "*");
  const findings = whole
    ? []
    : applyOverrides(project, job.evaluate(observation, project, ctx.now()));
  const open = (await listFindings(kv, project.name)).filter((f) => f.job === job.name);
  const gaps = (await listCoverageGaps(kv, project.name)).filter((g) => g.job === job.name);
  const events = await reconcile({
    project,
    job: job.name,
    findings,
    unobservable: observation.unobservable,
    open,
    gaps,
    now: ctx.now(),
  });
  const key = ["observation", job.name, project.name];
  let snapshot: Prepared["snapshot"];
  if (job.changes && !whole) {
    const previous = await getJson<Observation<T>>(kv, key);
    events.unshift(...job.changes(previous, observation));
    snapshot = { key, observation: observation as Observation<unknown> };
  }
  return {
    outcome: {
      project: project.name,
      findings,
      unobservable: observation.unobservable,
      events: events.length,
    },
    events,
    stats: observation.stats,
    snapshot,
  };
}

type Settled = { ok: true; value: Prepared } | { ok: false; error: unknown };

/**
 * Run one job over `projects`, recording every change and the sweep itself in the ledger.
 * Throws when the ledger or KV fails (after trying to record `sweep.incomplete`), or with the
 * fence's error when the lease was lost (then nothing more is written).
 */
export async function runSweep<T>(
  job: Job<T>,
  projects: Project[],
  deps: SweepDeps,
): Promise<SweepSummary> {
  const now = deps.now ?? (() => new Date());
  const started = now();
  const redactedBefore = redactionCount();
  const sweep = crypto.randomUUID();
  const kv = deps.kv;
  await catchUp(kv, deps.ledger);
  await catchUpIndex(kv, deps.ledger);
  await trackSweeps(kv, deps.ledger);

  // Sweeps of this job that started and never ended: their runs are gone (we hold the lease).
  const orphans = await listOpenSweeps(kv, job.name);
  await record(
    deps,
    orphans.map((o) =>
      ledgerEvent("sweep.abandoned", {
        job: job.name,
        sweep: o.sweep,
        startedAt: o.startedAt,
        planned: o.planned,
        startedIndex: o.index,
        detectedBy: sweep,
        reason: "started and never ended (the process stopped or lost its lease)",
      })
    ),
  );

  const cursorKey = ["cursor", job.name];
  const from = deps.resume ? resumeIndex(projects, (await kv.get<Cursor>(cursorKey)).value) : 0;
  const total = projects.length;
  await record(deps, [ledgerEvent("sweep.started", {
    job: job.name,
    sweep,
    startedAt: started.toISOString(),
    planned: total - from,
    projectsTotal: total,
    from,
    ...(deps.token !== undefined ? { token: deps.token } : {}),
  })]);
  await trackSweeps(kv, deps.ledger);

  const ctx: JobContext = {
    config: deps.config,
    secrets: deps.secrets,
    kv,
    signal: deps.signal ?? new AbortController().signal,
    log: deps.log ?? (() => {}),
    now,
  };
  const stats: RequestStats = { requests: 0, notModified: 0, errors: 0 };
  const outcomes: ProjectOutcome[] = [];
  const limit = deps.outcomeLimit ?? OUTCOME_LIMIT;
  const counts = { done: 0, opened: 0, resolved: 0, findings: 0, unobservable: 0, whole: 0 };
  const deadline = deps.budgetMs ? started.getTime() + deps.budgetMs : Infinity;
  const window = Math.max(1, deps.concurrency ?? deps.config.upstream.concurrency);
  const pending = new Map<number, Promise<Settled>>();
  let launched = from;
  let to = from;
  let budgetExhausted = false;
  let failure: unknown;

  const launch = () => {
    while (pending.size < window && launched < total) {
      if (ctx.signal.aborted) return;
      // Each run commits at least one project, so a fleet always makes progress.
      if (launched > from && now().getTime() >= deadline) {
        budgetExhausted = true;
        return;
      }
      const project = projects[launched];
      pending.set(
        launched,
        prepareProject(job, project, ctx, kv).then(
          (value): Settled => ({ ok: true, value }),
          (error): Settled => ({ ok: false, error }),
        ),
      );
      launched++;
    }
  };

  try {
    for (let i = from; i < total; i++) {
      launch();
      const next = pending.get(i);
      if (!next) break;
      const settled = await next;
      pending.delete(i);
      if (!settled.ok) throw settled.error;
      const r = settled.value;
      await record(deps, r.events);
      if (r.snapshot) await setJson(kv, r.snapshot.key, redactValue(r.snapshot.observation));
      to = i + 1;
      if (deps.resume) {
        await kv.set(
          cursorKey,
          {
            next: to < total ? to : 0,
            name: to < total ? projects[to].name : null,
          } satisfies Cursor,
        );
      }
      addStats(stats, r.stats);
      counts.done++;
      counts.findings += r.outcome.findings.length;
      counts.unobservable += r.outcome.unobservable.length;
      if (r.outcome.unobservable.some((u) => u.scope === "*")) counts.whole++;
      counts.opened += r.events.filter((e) => e.kind === "finding.opened").length;
      counts.resolved += r.events.filter((e) => e.kind === "finding.resolved").length;
      if (outcomes.length < limit) outcomes.push(r.outcome);
      await deps.onOutcome?.(r.outcome);
      deps.onProject?.({
        job: job.name,
        project: r.outcome.project,
        done: counts.done,
        total: total - from,
        findings: r.outcome.findings.length,
        findingsTotal: counts.findings,
        unobservable: r.outcome.unobservable.length,
        stats: { ...stats },
      });
    }
  } catch (e) {
    failure = e;
  } finally {
    await Promise.all(pending.values());
  }

  // A sweep is complete only when every check of every project could be made: a whole
  // project that could not be observed, a failed run or a single not-observable scope makes it
  // incomplete (the scopes are recorded as coverage.changed and shown on the project).
  const status = counts.whole === 0 && counts.unobservable === 0 && failure === undefined
    ? "completed"
    : "incomplete";
  const durationMs = Math.max(0, Math.round(now().getTime() - started.getTime()));
  const gate = sweepGate(ctx);
  const body = {
    job: job.name,
    sweep,
    startedAt: started.toISOString(),
    durationMs,
    projects: counts.done,
    projectsTotal: total,
    requests: stats.requests,
    notModified: stats.notModified,
    errors: stats.errors,
    opened: counts.opened,
    resolved: counts.resolved,
    unobservable: counts.unobservable,
    /** Projects not observable at all. */
    whole: counts.whole,
    /** Secrets and credential-shaped strings replaced during the sweep. */
    redacted: redactionCount() - redactedBefore,
    /** Time spent waiting for upstreams (rate limits, backoff), within the wait budget. */
    waitedMs: gate.waitedMs,
    /** Hosts skipped for the rest of the sweep (rate limited past the budget, open circuit). */
    skipped: gate.skips().slice(0, 20).map((s) => ({
      host: s.host,
      message: s.message,
      ...(s.until !== undefined ? { until: new Date(s.until).toISOString() } : {}),
    })),
    from,
    to,
    budgetExhausted,
    ...(failure !== undefined ? { error: errorLine(failure) } : {}),
  };
  if (failure !== undefined) {
    if (!isFenceError(failure)) {
      await record(deps, [ledgerEvent("sweep.incomplete", body)]).catch(() => {});
    }
    throw failure;
  }
  await record(deps, [ledgerEvent(`sweep.${status}`, body)]);
  await trackSweeps(kv, deps.ledger);
  return {
    job: job.name,
    sweep,
    status,
    startedAt: body.startedAt,
    durationMs,
    projects: outcomes,
    projectsDone: counts.done,
    projectsTotal: total,
    from,
    to,
    budgetExhausted,
    stats,
    opened: counts.opened,
    resolved: counts.resolved,
    findings: counts.findings,
    unobservable: counts.unobservable,
    redacted: body.redacted,
    waitedMs: body.waitedMs,
    skipped: body.skipped,
    abandoned: orphans.map((o) => o.sweep),
  };
}

function errorLine(e: unknown): string {
  const name = e instanceof Error ? e.name : "Error";
  const message = e instanceof Error ? e.message.split("\n")[0] : String(e);
  return `${name}: ${message}`.slice(0, 300);
}

function isFenceError(e: unknown): boolean {
  return e instanceof Error && e.name === "LeaseLostError";
}
