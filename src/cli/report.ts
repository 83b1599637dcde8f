/**
 * Render sweep results for people and machines: text, JSON and SARIF 2.1.0 (accepted by
 * GitHub code scanning: rule metadata, levels, stable fingerprints).
 *
 * @module
 */
import type { SweepSummary } from "../audit.ts";
import type { Finding, RuleMeta, Severity } from "../../rules/types.ts";
import { severityRank } from "../../rules/types.ts";
import { displayText, displayText as safeText, quoteText } from "../display.ts";

/** A finding as reported, with its project, job, identity and waiver state. */
export interface ReportedFinding extends Finding {
  project: string;
  job: string;
  id: string;
  waived: boolean;
}

/** What the CLI reports after `audit`. */
export interface AuditReport {
  version: 1;
  generatedAt: string;
  sweeps: Omit<SweepSummary, "projects">[];
  findings: ReportedFinding[];
  /** Checks that could not be made (scopes in `unobservable`, leaving out unavailable jobs). */
  notObservable: number;
  unobservable: { project: string; job: string; scope: string; reason: string }[];
  ledger: { size: number; checkpoint: string | null };
}

const LABEL: Record<Severity, string> = {
  critical: "CRITICAL",
  high: "HIGH",
  medium: "MEDIUM",
  low: "LOW",
  info: "INFO",
};

/** Plain text for a terminal: one block per project. Upstream text is sanitized. */
export function renderText(report: AuditReport): string {
  const lines: string[] = [];
  for (const s of report.sweeps) {
    lines.push(
      `sweep ${s.job}: ${s.status}, ${s.projectsDone}/${s.projectsTotal} projects, ${s.unobservable} not observable, ${s.stats.requests} requests (${s.stats.notModified} not modified), ${s.opened} opened, ${s.resolved} resolved, ${s.durationMs} ms${
        s.redacted ? `, ${s.redacted} secret(s) redacted` : ""
      }`,
    );
  }
  for (const s of report.sweeps) {
    for (const skip of s.skipped ?? []) lines.push(`  ${s.job}: ${safeText(skip.message, 200)}`);
    if (s.waitedMs) lines.push(`  ${s.job}: waited ${s.waitedMs} ms for upstreams`);
    if (s.abandoned.length) {
      lines.push(
        `  ${s.abandoned.length} earlier ${s.job} sweep(s) never ended: recorded as abandoned`,
      );
    }
  }
  const sorted = [...report.findings].sort((a, b) =>
    severityRank(b.severity) - severityRank(a.severity)
  );
  const projects = [...new Set(sorted.map((f) => f.project))];
  for (const project of projects) {
    const list = sorted.filter((f) => f.project === project);
    lines.push(
      "",
      `${safeText(project, 100)}: ${list.length} finding${list.length === 1 ? "" : "s"}`,
    );
    for (const f of list) {
      lines.push(
        `  ${LABEL[f.severity].padEnd(8)} ${f.rule}${f.waived ? " (waived)" : ""}  ${
          quoteText(f.subject, 160)
        }`,
        `           ${quoteText(f.message, 300)}`,
      );
    }
  }
  const gaps = new Map<string, AuditReport["unobservable"]>();
  for (const u of report.unobservable) {
    const key = `${safeText(u.project, 100)} (${u.job})`;
    gaps.set(key, [...(gaps.get(key) ?? []), u]);
  }
  if (gaps.size) lines.push("", "not observable:");
  for (const [key, list] of gaps) {
    const shown = list.slice(0, 3).map((u) =>
      u.scope === "*"
        ? safeText(u.reason, 200)
        : `${safeText(u.scope, 60)}: ${safeText(u.reason, 120)}`
    );
    const more = list.length > 3 ? `; and ${list.length - 3} more` : "";
    lines.push(`  ${key}: ${shown.join("; ")}${more}`);
  }
  if (report.findings.length === 0 && report.unobservable.length === 0) {
    lines.push("", "no findings");
  }
  lines.push(
    "",
    `summary: ${report.findings.length} finding(s), ${report.notObservable} not observable`,
    `ledger: ${report.ledger.size} entries`,
  );
  return lines.join("\n");
}

function sarifLevel(severity: Severity): "error" | "warning" | "note" {
  if (severity === "critical" || severity === "high") return "error";
  if (severity === "medium") return "warning";
  return "note";
}

const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: "9.5",
  high: "8.0",
  medium: "5.5",
  low: "3.0",
  info: "0.0",
};

/** Most not-observable scopes listed as SARIF tool notifications. */
export const SARIF_NOTIFICATION_LIMIT = 100;

function ruleDescriptor(r: RuleMeta) {
  return {
    id: r.id,
    name: r.id.replace(/[^A-Za-z0-9]+/g, "_"),
    shortDescription: { text: r.title },
    fullDescription: { text: r.control },
    help: {
      text: r.remediation,
      markdown: `**Control:** ${r.control}\n\n**Fix:** ${r.remediation}`,
    },
    defaultConfiguration: { level: sarifLevel(r.severity) },
    properties: {
      "security-severity": SECURITY_SEVERITY[r.severity],
      tags: ["security", r.job],
    },
  };
}

/**
 * SARIF 2.1.0 log. Each result points at the config file (GitHub code scanning needs a
 * location), has the index of its rule in `tool.driver.rules` (a rule missing from the catalog
 * gets a minimal descriptor) and a stable fingerprint (the finding id). Waived findings are
 * left out; scopes that could not be observed become tool notifications, and the invocation is
 * marked unsuccessful when there are any.
 */
export function renderSarif(
  report: AuditReport,
  rules: readonly RuleMeta[],
  configPath: string,
): unknown {
  const results = report.findings.filter((f) => !f.waived);
  const catalog = new Map(rules.map((r) => [r.id, r]));
  const used = [...new Set(results.map((f) => f.rule))].sort();
  const index = new Map(used.map((id, i) => [id, i]));
  const uri = configPath.replace(/^\.\//, "");
  const gaps = report.unobservable.filter((u) => u.reason !== "job not available in this build");
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [{
      tool: {
        driver: {
          name: "release-auditor",
          informationUri: "https://github.com/release-auditor/release-auditor",
          version: "0.1.0",
          rules: used.map((id) => {
            const meta = catalog.get(id);
            if (meta) return ruleDescriptor(meta);
            const f = results.find((r) => r.rule === id)!;
            return {
              id,
              name: id.replace(/[^A-Za-z0-9]+/g, "_"),
              shortDescription: { text: id },
              defaultConfiguration: { level: sarifLevel(f.severity) },
              properties: {
                "security-severity": SECURITY_SEVERITY[f.severity],
                tags: ["security"],
              },
            };
          }),
        },
      },
      invocations: [{
        executionSuccessful: gaps.length === 0,
        toolExecutionNotifications: gaps.slice(0, SARIF_NOTIFICATION_LIMIT).map((u) => ({
          level: "warning",
          message: {
            text: `not observable: ${safeText(u.project, 100)} (${u.job}) ${
              safeText(u.scope, 100)
            }: ${safeText(u.reason, 300)}`,
          },
        })),
      }],
      results: results.map((f) => ({
        ruleId: f.rule,
        ruleIndex: index.get(f.rule)!,
        level: sarifLevel(f.severity),
        message: { text: `${displayText(f.project, 200)}: ${quoteText(f.message, 2000)}` },
        locations: [{
          physicalLocation: {
            artifactLocation: { uri },
            region: { startLine: 1 },
          },
          logicalLocations: [{ name: displayText(f.subject, 500), kind: "object" }],
        }],
        partialFingerprints: { "releaseAuditorFinding/v1": f.id },
        properties: { project: f.project, job: f.job, subject: f.subject, severity: f.severity },
      })),
    }],
  };
}
