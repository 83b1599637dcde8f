/**
 * What the status page knows at one instant: projects, jobs, findings, gaps, ledger head.
 * Read from KV and the ledger's head only (never a ledger scan), then judged by pure helpers.
 *
 * @module
 */
import type { Config } from "../config.ts";
import type { LedgerStore } from "../ledger/types.ts";
import {
  type CoverageGap,
  listCoverageGaps,
  listFindings,
  listSweeps,
  type OpenFinding,
  type SweepRecord,
} from "../state/findings.ts";
import { type JobName, JOBS, SEVERITIES, type Severity, severityRank } from "../../rules/types.ts";
import { cronIntervalMs, isStale } from "../state/schedule.ts";
import { indexedCount } from "../state/ledger_index.ts";

/** The state of one job. */
export interface JobStatus {
  job: JobName;
  schedule: string;
  intervalMs: number;
  last?: SweepRecord;
  lastOk?: SweepRecord;
  /** No successful run for twice the interval (or never). */
  stale: boolean;
}

/** Overall state of a project, worst first. */
export type ProjectState = "findings" | "not-observable" | "stale" | "ok";

/** One project at a glance. */
export interface ProjectStatus {
  name: string;
  configured: boolean;
  /** Open (not waived) findings by severity. */
  counts: Record<Severity, number>;
  waived: number;
  gaps: number;
  worst?: Severity;
  state: ProjectState;
}

/** Rate-limit budget of an upstream, as recorded in KV under `["ratelimit", upstream]`. */
export interface RateLimitRecord {
  upstream: string;
  values: Record<string, number>;
}

/** Everything `/`, `/metrics`, `/healthz` and badges need. */
export interface Snapshot {
  now: Date;
  ledgerSize: number;
  checkpoint: string | null;
  indexed: number;
  findings: OpenFinding[];
  gaps: CoverageGap[];
  jobs: JobStatus[];
  projects: ProjectStatus[];
  rateLimits: RateLimitRecord[];
}

/** Schedules as intervals (the fallback of one day when an expression is not understood). */
export function jobIntervals(config: Config): Record<JobName, number> {
  const out = {} as Record<JobName, number>;
  for (const job of JOBS) out[job] = cronIntervalMs(config.schedules[job]) ?? 86_400_000;
  return out;
}

function emptyCounts(): Record<Severity, number> {
  return Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
}

/**
 * Judge projects from their findings, gaps and job staleness (pure).
 *
 * @example
 * ```ts
 * const projects = projectStatuses(["a"], findings, gaps, jobs);
 * ```
 */
export function projectStatuses(
  configured: string[],
  findings: OpenFinding[],
  gaps: CoverageGap[],
  jobs: JobStatus[],
): ProjectStatus[] {
  const byName = new Map<string, ProjectStatus>();
  const get = (name: string, isConfigured: boolean) => {
    let p = byName.get(name);
    if (!p) {
      p = {
        name,
        configured: isConfigured,
        counts: emptyCounts(),
        waived: 0,
        gaps: 0,
        state: "ok",
      };
      byName.set(name, p);
    }
    return p;
  };
  for (const name of configured) get(name, true);
  for (const f of findings) {
    const p = get(f.project, false);
    if (f.status === "waived") p.waived++;
    else {
      p.counts[f.severity]++;
      if (p.worst === undefined || severityRank(f.severity) > severityRank(p.worst)) {
        p.worst = f.severity;
      }
    }
  }
  for (const g of gaps) get(g.project, false).gaps++;
  const anyStale = jobs.some((j) => j.stale);
  for (const p of byName.values()) {
    p.state = p.worst !== undefined
      ? "findings"
      : p.gaps > 0
      ? "not-observable"
      : anyStale
      ? "stale"
      : "ok";
  }
  return [...byName.values()];
}

/**
 * Job states from the last sweep records (pure).
 *
 * @example
 * ```ts
 * const jobs = jobStatuses(config, sweeps, sweepsOk, new Date());
 * ```
 */
export function jobStatuses(
  config: Config,
  sweeps: SweepRecord[],
  sweepsOk: SweepRecord[],
  now: Date,
  intervals: Record<JobName, number> = jobIntervals(config),
): JobStatus[] {
  return JOBS.map((job) => {
    const last = sweeps.find((s) => s.job === job);
    const lastOk = sweepsOk.find((s) => s.job === job);
    return {
      job,
      schedule: config.schedules[job],
      intervalMs: intervals[job],
      last,
      lastOk,
      stale: isStale(lastOk?.time, intervals[job], now),
    };
  });
}

async function listRateLimits(kv: Deno.Kv): Promise<RateLimitRecord[]> {
  const out: RateLimitRecord[] = [];
  for await (const item of kv.list({ prefix: ["ratelimit"] }, { limit: 100 })) {
    const upstream = item.key[1];
    if (typeof upstream !== "string" || typeof item.value !== "object" || !item.value) continue;
    const values: Record<string, number> = {};
    for (const [k, v] of Object.entries(item.value as Record<string, unknown>)) {
      if (/^[a-z_]{1,40}$/.test(k) && typeof v === "number" && Number.isFinite(v)) values[k] = v;
    }
    out.push({ upstream: upstream.slice(0, 100), values });
  }
  return out;
}

/**
 * Read a snapshot from KV and the ledger head.
 *
 * @example
 * ```ts
 * const snap = await loadSnapshot(config, kv, ledger, new Date());
 * ```
 */
export async function loadSnapshot(
  config: Config,
  kv: Deno.Kv,
  ledger: LedgerStore,
  now: Date,
  intervals?: Record<JobName, number>,
): Promise<Snapshot> {
  const [ledgerSize, checkpoint, indexed, findings, gaps, sweeps, sweepsOk, rateLimits] =
    await Promise.all([
      ledger.size(),
      ledger.checkpoint(),
      indexedCount(kv),
      listFindings(kv),
      listCoverageGaps(kv),
      listSweeps(kv, "sweep"),
      listSweeps(kv, "sweep-ok"),
      listRateLimits(kv),
    ]);
  const jobs = jobStatuses(config, sweeps, sweepsOk, now, intervals);
  findings.sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || b.since - a.since);
  const projects = projectStatuses(config.project.map((p) => p.name), findings, gaps, jobs);
  return { now, ledgerSize, checkpoint, indexed, findings, gaps, jobs, projects, rateLimits };
}
