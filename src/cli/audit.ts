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
import { runSweep, type SweepDeps, type SweepSummary } from "../audit.ts";
import { activeWaiver, findingId } from "../reconcile.ts";
import { type AuditReport, renderSarif, renderText, type ReportedFinding } from "./report.ts";
import { RULES } from "../../rules/catalog.ts";

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
  --help               show this help

Exit codes: 0 ok; 1 findings at or above --fail-on; 2 usage or config error;
3 incomplete (an upstream could not be read; the rest still ran).`;

/** Parsed `audit` options. */
export interface AuditOptions {
  config: string;
  jobs: JobName[];
  projects: string[];
  format: "text" | "json" | "sarif";
  failOn: Severity;
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

/** Run the selected jobs; returns the report (used by `audit` and `demo`). */
export async function auditOnce(
  rt: Runtime,
  jobs: JobName[],
  projectNames: string[],
  extra: Partial<SweepDeps> = {},
): Promise<AuditReport> {
  const projects = selectProjects(rt.config, projectNames);
  const sweeps: SweepSummary[] = [];
  const unavailable: AuditReport["unobservable"] = [];
  for (const name of jobs) {
    const job = JOB_REGISTRY[name];
    if (!job) {
      for (const p of projects) {
        unavailable.push({
          project: p.name,
          job: name,
          scope: "*",
          reason: "job not available in this build",
        });
      }
      continue;
    }
    sweeps.push(
      await runSweep(job, projects, {
        ...extra,
        config: rt.config,
        secrets: rt.secrets,
        kv: rt.kv,
        ledger: rt.ledger,
      }),
    );
  }
  const now = new Date();
  const findings: ReportedFinding[] = [];
  for (const s of sweeps) {
    for (const o of s.projects) {
      const project = projects.find((p) => p.name === o.project)!;
      for (const f of o.findings) {
        findings.push({
          ...f,
          project: o.project,
          job: s.job,
          id: await findingId(o.project, f.rule, f.subject),
          waived: activeWaiver(project, f.rule, f.subject, now) !== undefined,
        });
      }
    }
  }
  const unobservable = [
    ...sweeps.flatMap((s) =>
      s.projects.flatMap((o) =>
        o.unobservable.map((u) => ({ project: o.project, job: s.job, ...u }))
      )
    ),
    ...unavailable,
  ];
  return {
    version: 1,
    generatedAt: now.toISOString(),
    sweeps: sweeps.map(({ projects: _p, ...rest }) => rest),
    findings,
    unobservable,
    ledger: { size: await rt.ledger.size(), checkpoint: await rt.ledger.checkpoint() },
  };
}

/** Exit code for a report. Jobs missing from this build do not make a run incomplete. */
export function exitCodeFor(report: AuditReport, failOn: Severity): number {
  if (report.findings.some((f) => !f.waived && atLeast(f.severity, failOn))) return EXIT.findings;
  if (report.unobservable.some((u) => u.reason !== "job not available in this build")) {
    return EXIT.incomplete;
  }
  return EXIT.ok;
}

/** One line per unreachable upstream (grouped by job and reason), for stderr. */
export function incompleteLines(report: AuditReport): string[] {
  const groups = new Map<string, string[]>();
  for (const u of report.unobservable) {
    if (u.scope !== "*" || u.reason === "job not available in this build") continue;
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

/** Entry point of `main.ts audit`. */
export async function runAudit(args: string[]): Promise<number> {
  const opts = parseAuditArgs(args);
  if (opts === "help") {
    console.log(HELP);
    return EXIT.ok;
  }
  const config = await loadConfig(opts.config);
  selectProjects(config, opts.projects);
  const rt = await openRuntime(config, readSecrets(config));
  try {
    const report = await auditOnce(rt, opts.jobs, opts.projects, {
      log: (event, fields) => {
        if (!Deno.stderr.isTerminal()) console.error(JSON.stringify({ event, ...fields }));
      },
    });
    printReport(report, opts.format, opts.config);
    for (const line of incompleteLines(report)) console.error(line);
    return exitCodeFor(report, opts.failOn);
  } finally {
    await rt.close();
  }
}
