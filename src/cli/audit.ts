/**
 * `main.ts audit`: run jobs over the configured projects once, print what was found, and
 * set the exit code (0 ok, 1 findings at or above --fail-on, 2 usage/config, 3 incomplete).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { type Config, loadConfig, normalizeName, readSecrets } from "../config.ts";
import { atLeast, type JobName, JOBS, SEVERITIES, type Severity } from "../../rules/types.ts";
import { JOB_REGISTRY } from "../../jobs/mod.ts";
import { openRuntime, type Runtime, UsageError } from "../runtime.ts";
import { runSweep, type SweepDeps } from "../audit.ts";
import { withLease } from "../scheduler.ts";
import { jsonLinesLogger, type LogFn } from "../log.ts";
import { type ProgressState, TerminalProgress } from "../progress.ts";
import { activeWaiver, findingId } from "../reconcile.ts";
import { type AuditReport, renderSarif, renderText, type ReportedFinding } from "./report.ts";
import { RULES } from "../../rules/catalog.ts";
import { resolveSigningKey } from "./signing_key.ts";
import { checkNetPermissions, permissionsFor, permissionsHint } from "./permissions.ts";

/** Exit codes shared by every command. */
export const EXIT = { ok: 0, findings: 1, usage: 2, incomplete: 3 } as const;

const HELP = `Usage: main.ts audit [options]

Run the audit jobs once over the configured projects.

Options:
  --config FILE        config file (default: auditor.toml)
  --job NAME           pypi | releases | repo | access | all (default: all)
  --project NAME       only this project (repeatable)
  --format FORMAT      text | json | sarif (default: text)
  --fail-on SEVERITY   info | low | medium | high | critical (default: high)

  --allow-incomplete   a run with checks that could not be made exits 1 (findings) or 0
                       instead of 3; the gaps are still reported
  --help               show this help

Exit codes: 0 ok; 1 findings at or above --fail-on; 2 usage or config error;
3 incomplete (a check could not be made: an upstream could not be read or a list was
partial; the rest still ran). When findings and gaps both exist, 3 wins unless
--allow-incomplete is given (then 1).`;

/** Parsed `audit` options. */
export interface AuditOptions {
  config: string;
  jobs: JobName[];
  projects: string[];
  format: "text" | "json" | "sarif";
  failOn: Severity;
  /** Gaps do not make the exit code 3 (`--allow-incomplete`). */
  allowIncomplete: boolean;
}

/** Parse `audit` arguments. @throws {UsageError} */
export function parseAuditArgs(args: string[]): AuditOptions | "help" {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: "string", default: "auditor.toml" },
      job: { type: "string", default: "all" },
      project: { type: "string", multiple: true, default: [] },
      format: { type: "string", default: "text" },
      "fail-on": { type: "string", default: "high" },
      "allow-incomplete": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return "help";
  const job = values.job;
  if (job !== "all" && !(JOBS as readonly string[]).includes(job)) {
    throw new UsageError(
      `--job: expected one of ${JOBS.join(", ")}, all; got ${JSON.stringify(job)}`,
    );
  }
  if (!["text", "json", "sarif"].includes(values.format)) {
    throw new UsageError(`--format: expected text, json or sarif`);
  }
  if (!(SEVERITIES as readonly string[]).includes(values["fail-on"])) {
    throw new UsageError(`--fail-on: expected one of ${SEVERITIES.join(", ")}`);
  }
  return {
    config: values.config,
    jobs: job === "all" ? [...JOBS] : [job as JobName],
    projects: values.project,
    format: values.format as AuditOptions["format"],
    failOn: values["fail-on"] as Severity,
    allowIncomplete: values["allow-incomplete"],
  };
}

/** Projects selected by `--project` (all when none given). @throws {UsageError} */
export function selectProjects(config: Config, names: string[]) {
  if (names.length === 0) return config.project;
  const wanted = new Set(names.map(normalizeName));
  const selected = config.project.filter((p) => wanted.has(normalizeName(p.name)));
  const missing = names.filter((n) =>
    !config.project.some((p) => normalizeName(p.name) === normalizeName(n))
  );
  if (missing.length) throw new UsageError(`--project: not in the config: ${missing.join(", ")}`);
  return selected;
}

/** Why a job did not run (not a gap in what was observed, but the run is incomplete). */
export const LEASE_HELD = "another run of this job holds its lease";
const NOT_AVAILABLE = "job not available in this build";

/** Options of {@link auditOnce} beyond the sweep dependencies. */
export interface AuditOnceOptions extends Partial<SweepDeps> {
  /** Called when a job starts (progress display). */
  onJob?: (job: JobName, index: number, planned: number) => void;
  /** How long to wait for a held lease (default `[schedules] lease_ms` + 2 s). */
  leaseWaitMs?: number;
}

/**
 * Run the selected jobs, each under its lease (used by `audit` and `demo`); returns the report.
 * Every project of every job is covered (no time budget, no cursor).
 */
export async function auditOnce(
  rt: Runtime,
  jobs: JobName[],
  projectNames: string[],
  extra: AuditOnceOptions = {},
): Promise<AuditReport> {
  const { onJob, leaseWaitMs, ...deps } = extra;
  const projects = selectProjects(rt.config, projectNames);
  const byName = new Map(projects.map((p) => [p.name, p]));
  const sweeps: AuditReport["sweeps"] = [];
  const findings: ReportedFinding[] = [];
  const unobservable: AuditReport["unobservable"] = [];
  const now = new Date();
  const skip = (job: JobName, reason: string) => {
    for (const p of projects) unobservable.push({ project: p.name, job, scope: "*", reason });
  };
  for (const [index, name] of jobs.entries()) {
    const job = JOB_REGISTRY[name];
    if (!job) {
      skip(name, NOT_AVAILABLE);
      continue;
    }
    onJob?.(name, index, projects.length);
    const summary = await withLease(
      rt.kv,
      name,
      (guard) =>
        runSweep(job, projects, {
          ...deps,
          config: rt.config,
          secrets: rt.secrets,
          kv: rt.kv,
          ledger: rt.ledger,
          fence: () => guard.fence(),
          token: guard.lease.token,
          outcomeLimit: 0,
          onOutcome: async (o) => {
            const project = byName.get(o.project)!;
            for (const f of o.findings) {
              findings.push({
                ...f,
                project: o.project,
                job: name,
                id: await findingId(o.project, f.rule, f.subject),
                waived: activeWaiver(project, f.rule, f.subject, now) !== undefined,
              });
            }
            for (const u of o.unobservable) {
              unobservable.push({ project: o.project, job: name, ...u });
            }
            await deps.onOutcome?.(o);
          },
        }),
      {
        ttlMs: rt.config.schedules.lease_ms,
        waitMs: leaseWaitMs ?? rt.config.schedules.lease_ms + 2_000,
      },
    );
    if (!summary) {
      skip(name, LEASE_HELD);
      continue;
    }
    const { projects: _p, ...rest } = summary;
    sweeps.push(rest);
  }
  return {
    version: 1,
    generatedAt: now.toISOString(),
    sweeps,
    findings,
    notObservable: unobservable.filter((u) => u.reason !== NOT_AVAILABLE).length,
    unobservable,
    ledger: { size: await rt.ledger.size(), checkpoint: await rt.ledger.checkpoint() },
  };
}

/**
 * Exit code for a report. Precedence (README "Exit codes"): a run with a check that could not
 * be made exits 3, even when it also has findings, because a clean-looking part proves nothing
 * about the part not seen; with `allowIncomplete` the gaps are accepted and findings at or above
 * `failOn` exit 1, else 0. Jobs missing from this build do not make a run incomplete.
 *
 * @example
 * ```ts
 * exitCodeFor(report, "high"); // 3 when anything was not observable
 * exitCodeFor(report, "high", true); // 1 when a high finding exists, else 0
 * ```
 */
export function exitCodeFor(
  report: AuditReport,
  failOn: Severity,
  allowIncomplete = false,
): number {
  const findings = report.findings.some((f) => !f.waived && atLeast(f.severity, failOn));
  if (!allowIncomplete && notObservableCount(report) > 0) return EXIT.incomplete;
  return findings ? EXIT.findings : EXIT.ok;
}

/** Not-observable scopes of a report, leaving out jobs missing from this build. */
export function notObservableCount(report: AuditReport): number {
  return report.unobservable.filter((u) => u.reason !== NOT_AVAILABLE).length;
}

/** One line per unreachable upstream (grouped by job and reason), for stderr. */
export function incompleteLines(report: AuditReport): string[] {
  const groups = new Map<string, string[]>();
  for (const u of report.unobservable) {
    if (u.scope !== "*" || u.reason === NOT_AVAILABLE) continue;
    const key = `${u.job}: ${u.reason}`;
    groups.set(key, [...(groups.get(key) ?? []), u.project]);
  }
  return [...groups].map(([key, projects]) =>
    `incomplete: ${key} (${projects.length} project${projects.length === 1 ? "" : "s"})`
  );
}

/** Print a report in the chosen format. */
export function printReport(
  report: AuditReport,
  format: AuditOptions["format"],
  configPath: string,
): void {
  if (format === "json") console.log(JSON.stringify(report, null, 2));
  else if (format === "sarif") {
    console.log(JSON.stringify(renderSarif(report, RULES, configPath), null, 2));
  } else console.log(renderText(report));
}

/** Progress on a terminal, JSON-lines logs otherwise (both on stderr). */
export function auditReporters(
  kv: Deno.Kv,
  terminal: boolean,
  jobCount: number,
  log: LogFn = jsonLinesLogger(),
): AuditOnceOptions & { finish(): void } {
  if (!terminal) {
    return {
      log,
      onJob: (job, index, planned) => log("job.start", { job, index, planned }),
      onProject: (p) =>
        log("project.done", {
          job: p.job,
          project: p.project,
          done: p.done,
          total: p.total,
          findings: p.findings,
          findingsTotal: p.findingsTotal,
          unobservable: p.unobservable,
          requests: p.stats.requests,
          notModified: p.stats.notModified,
        }),
      finish() {},
    };
  }
  const progress = new TerminalProgress();
  let base: Omit<ProgressState, "done" | "findings" | "requests" | "notModified" | "errors">;
  let rateLimit: ProgressState["rateLimit"] = null;
  let lastRateRead = 0;
  const readRate = async () => {
    if (Date.now() - lastRateRead < 2_000) return;
    lastRateRead = Date.now();
    rateLimit = await lowestRateLimit(kv).catch(() => rateLimit);
  };
  return {
    log: () => {},
    onJob: (job, index, planned) => {
      progress.finish();
      base = {
        job,
        jobIndex: index,
        jobCount,
        total: planned,
        startedMs: Date.now(),
        rateLimit,
      };
      progress.update({
        ...base,
        done: 0,
        findings: 0,
        requests: 0,
        notModified: 0,
        errors: 0,
      }, true);
    },
    onProject: (p) => {
      void readRate();
      progress.update({
        ...base,
        rateLimit,
        total: p.total,
        done: p.done,
        findings: p.findingsTotal,
        ...p.stats,
      });
    },
    finish: () => progress.finish(),
  };
}

/** The lowest rate-limit budget recorded in KV (`["ratelimit", upstream]`), if any. */
export async function lowestRateLimit(
  kv: Deno.Kv,
): Promise<{ upstream: string; remaining: number } | null> {
  let best: { upstream: string; remaining: number } | null = null;
  for await (
    const item of kv.list<{ values?: Record<string, number> }>({ prefix: ["ratelimit"] }, {
      limit: 50,
    })
  ) {
    const remaining = item.value?.values?.remaining;
    if (typeof remaining !== "number") continue;
    if (!best || remaining < best.remaining) best = { upstream: String(item.key[1]), remaining };
  }
  return best;
}

/** Entry point of `main.ts audit`. */
export async function runAudit(args: string[]): Promise<number> {
  const opts = parseAuditArgs(args);
  if (opts === "help") {
    console.log(HELP);
    return EXIT.ok;
  }
  const config = await loadConfig(opts.config);
  selectProjects(config, opts.projects);
  checkNetPermissions(
    permissionsFor(config, "audit", opts.config).net,
    permissionsHint(opts.config, "audit"),
  );
  const signing = await resolveSigningKey(config, readSecrets(config));
  const rt = await openRuntime(config, signing.secrets, { keySource: signing.source });
  try {
    const reporters = auditReporters(rt.kv, Deno.stderr.isTerminal(), opts.jobs.length);
    let report: AuditReport;
    try {
      report = await auditOnce(rt, opts.jobs, opts.projects, reporters);
    } finally {
      reporters.finish();
    }
    printReport(report, opts.format, opts.config);
    for (const line of incompleteLines(report)) console.error(line);
    return exitCodeFor(report, opts.failOn, opts.allowIncomplete);
  } finally {
    await rt.close();
  }
}
