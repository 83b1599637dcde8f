/**
 * One sweep of one job over a set of projects: collect → evaluate → reconcile → ledger →
 * state. Events of a project are appended (durably, with a signed checkpoint) before the KV
 * projection is updated, and the projection catches up from the ledger on the next run if the
 * process dies in between, so the ledger never misses or doubles an event.
 *
 * @example
 * ```ts
 * const summary = await runSweep(pypiJob, config.project, deps);
 * console.log(summary.opened, summary.unobservable.length);
 * ```
 * @module
 */
import type { Config, Project, Secrets } from "./config.ts";
import type { Finding, Unobservable } from "../rules/types.ts";
import type { Job, JobContext, Observation, RequestStats } from "../jobs/types.ts";
import type { LedgerEventInput, LedgerStore, StoredEntry } from "./ledger/types.ts";
import { applyEntry, catchUp, listCoverageGaps, listFindings } from "./state/findings.ts";
import { applyOverrides, reconcile } from "./reconcile.ts";
import { getJson, setJson } from "./state/blob.ts";
import { toLedgerValue } from "./events.ts";
import { catchUpIndex, indexEntry } from "./state/ledger_index.ts";

/** What a sweep needs. */
export interface SweepDeps {
  config: Config;
  secrets: Secrets;
  kv: Deno.Kv;
  ledger: LedgerStore;
  now?: () => Date;
  signal?: AbortSignal;
  log?: JobContext["log"];
  /** Called after each project (progress display). */
  onProject?: (progress: ProjectProgress) => void;
  /** Called with the entries appended for each project (webhooks, feed index). */
  onAppended?: (entries: StoredEntry[]) => Promise<void>;
}

/** Progress after one project. */
export interface ProjectProgress {
  job: string;
  project: string;
  done: number;
  total: number;
  findings: number;
  unobservable: number;
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
  projects: ProjectOutcome[];
  stats: RequestStats;
  opened: number;
  resolved: number;
}

function addStats(into: RequestStats, from: RequestStats): void {
  into.requests += from.requests;
  into.notModified += from.notModified;
  into.errors += from.errors;
}

/** Append events and apply them to the KV projection; returns the stored entries. */
export async function record(
  deps: Pick<SweepDeps, "kv" | "ledger" | "onAppended">,
  events: LedgerEventInput[],
): Promise<StoredEntry[]> {
  if (events.length === 0) return [];
  const stored = await deps.ledger.append(
    events.map((e) => ({ kind: e.kind, body: toLedgerValue(e.body) as Record<string, unknown> })),
  );
  for (const entry of stored) {
    await applyEntry(deps.kv, entry);
    await indexEntry(deps.kv, entry);
  }
  await deps.onAppended?.(stored);
  return stored;
}

async function sweepProject<T>(
  job: Job<T>,
  project: Project,
  ctx: JobContext,
  deps: SweepDeps,
): Promise<{ outcome: ProjectOutcome; stats: RequestStats; opened: number; resolved: number }> {
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
  const open = (await listFindings(deps.kv, project.name)).filter((f) => f.job === job.name);
  const gaps = (await listCoverageGaps(deps.kv, project.name)).filter((g) => g.job === job.name);
  const events = await reconcile({
    project,
    job: job.name,
    findings,
    unobservable: observation.unobservable,
    open,
    gaps,
    now: ctx.now(),
  });
  const snapshotKey = ["observation", job.name, project.name];
  if (job.changes && !whole) {
    const previous = await getJson<Observation<T>>(deps.kv, snapshotKey);
    events.unshift(...job.changes(previous, observation));
  }
  await record(deps, events);
  if (job.changes && !whole) await setJson(deps.kv, snapshotKey, observation);
  return {
    outcome: {
      project: project.name,
      findings,
      unobservable: observation.unobservable,
      events: events.length,
    },
    stats: observation.stats,
    opened: events.filter((e) => e.kind === "finding.opened").length,
    resolved: events.filter((e) => e.kind === "finding.resolved").length,
  };
}

/**
 * Run one job over `projects`, recording every change and the sweep itself in the ledger.
 */
export async function runSweep<T>(
  job: Job<T>,
  projects: Project[],
  deps: SweepDeps,
): Promise<SweepSummary> {
  const now = deps.now ?? (() => new Date());
  const started = now();
  const sweep = crypto.randomUUID();
  await catchUp(deps.kv, deps.ledger);
  await catchUpIndex(deps.kv, deps.ledger);
  const ctx: JobContext = {
    config: deps.config,
    secrets: deps.secrets,
    kv: deps.kv,
    signal: deps.signal ?? new AbortController().signal,
    log: deps.log ?? (() => {}),
    now,
  };
  const stats: RequestStats = { requests: 0, notModified: 0, errors: 0 };
  const outcomes: ProjectOutcome[] = [];
  let opened = 0;
  let resolved = 0;
  for (const project of projects) {
    const r = await sweepProject(job, project, ctx, deps);
    outcomes.push(r.outcome);
    addStats(stats, r.stats);
    opened += r.opened;
    resolved += r.resolved;
    deps.onProject?.({
      job: job.name,
      project: project.name,
      done: outcomes.length,
      total: projects.length,
      findings: r.outcome.findings.length,
      unobservable: r.outcome.unobservable.length,
    });
  }
  const unobservable = outcomes.reduce((n, o) => n + o.unobservable.length, 0);
  // A sweep is incomplete when a whole project could not be observed; narrower gaps are
  // recorded per scope (coverage.changed) and shown as "not observable" on the project.
  const whole = outcomes.some((o) => o.unobservable.some((u) => u.scope === "*"));
  const status = whole || outcomes.length < projects.length ? "incomplete" : "completed";
  const durationMs = Math.max(0, Math.round(now().getTime() - started.getTime()));
  await record(deps, [{
    kind: `sweep.${status}`,
    body: {
      job: job.name,
      sweep,
      startedAt: started.toISOString(),
      durationMs,
      projects: outcomes.length,
      projectsTotal: projects.length,
      requests: stats.requests,
      notModified: stats.notModified,
      errors: stats.errors,
      opened,
      resolved,
      unobservable,
    },
  }]);
  return {
    job: job.name,
    sweep,
    status,
    startedAt: started.toISOString(),
    durationMs,
    projects: outcomes,
    stats,
    opened,
    resolved,
  };
}
