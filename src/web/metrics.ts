/**
 * Prometheus text exposition (format 0.0.4) of a {@link Snapshot}.
 *
 * @module
 */
import { SEVERITIES } from "../../rules/types.ts";
import type { Snapshot } from "./snapshot.ts";

/** Escape a label value: backslash, double quote and newline. */
export function labelValue(value: string): string {
  return value.slice(0, 200).replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/**
 * Render the metrics text.
 *
 * @example
 * ```ts
 * const text = renderMetrics(snapshot);
 * ```
 */
export function renderMetrics(snap: Snapshot): string {
  const out: string[] = [];
  const metric = (name: string, type: string, help: string, samples: string[]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples);
  };
  const l = labelValue;
  metric(
    "auditor_open_findings",
    "gauge",
    "Open (not waived) findings by project and severity.",
    snap.projects.flatMap((p) =>
      SEVERITIES.map((s) =>
        `auditor_open_findings{project="${l(p.name)}",severity="${s}"} ${p.counts[s]}`
      )
    ),
  );
  metric(
    "auditor_waived_findings",
    "gauge",
    "Waived findings by project.",
    snap.projects.map((p) => `auditor_waived_findings{project="${l(p.name)}"} ${p.waived}`),
  );
  metric(
    "auditor_unobservable_scopes",
    "gauge",
    "Scopes currently not observable, by project.",
    snap.projects.map((p) => `auditor_unobservable_scopes{project="${l(p.name)}"} ${p.gaps}`),
  );
  metric(
    "auditor_sweep_duration_seconds",
    "gauge",
    "Duration of the last sweep of each job.",
    snap.jobs.flatMap((j) =>
      j.last
        ? [
          `auditor_sweep_duration_seconds{job="${j.job}",status="${j.last.status}"} ${
            j.last.durationMs / 1000
          }`,
        ]
        : []
    ),
  );
  metric(
    "auditor_sweep_last_success_timestamp_seconds",
    "gauge",
    "Time of the last successful sweep of each job (Unix seconds).",
    snap.jobs.flatMap((j) => {
      const t = j.lastOk ? Date.parse(j.lastOk.time) : NaN;
      return Number.isFinite(t)
        ? [`auditor_sweep_last_success_timestamp_seconds{job="${j.job}"} ${t / 1000}`]
        : [];
    }),
  );
  metric(
    "auditor_sweep_stale",
    "gauge",
    "1 when a job has not completed successfully for twice its interval.",
    snap.jobs.map((j) => `auditor_sweep_stale{job="${j.job}"} ${j.stale ? 1 : 0}`),
  );
  metric(
    "auditor_sweep_errors",
    "gauge",
    "Errors in the last sweep of each job.",
    snap.jobs.flatMap((j) =>
      j.last ? [`auditor_sweep_errors{job="${j.job}"} ${j.last.errors}`] : []
    ),
  );
  metric(
    "auditor_sweep_redactions",
    "gauge",
    "Secrets or credential-shaped strings replaced with [redacted] in the last sweep of each job.",
    snap.jobs.flatMap((j) =>
      j.last ? [`auditor_sweep_redactions{job="${j.job}"} ${j.last.redacted ?? 0}`] : []
    ),
  );
  const rl = snap.rateLimits.flatMap((r) =>
    Object.entries(r.values).map(([k, v]) =>
      `auditor_ratelimit{upstream="${l(r.upstream)}",field="${l(k)}"} ${v}`
    )
  );
  metric(
    "auditor_ratelimit",
    "gauge",
    "Rate-limit budget recorded per upstream (remaining, limit, reset, ...).",
    rl,
  );
  metric("auditor_ledger_entries", "gauge", "Number of ledger entries.", [
    `auditor_ledger_entries ${snap.ledgerSize}`,
  ]);
  metric("auditor_ledger_indexed_entries", "gauge", "Ledger entries indexed for the web.", [
    `auditor_ledger_indexed_entries ${snap.indexed}`,
  ]);
  return out.join("\n") + "\n";
}
