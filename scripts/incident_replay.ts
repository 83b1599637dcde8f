/**
 * Replay incidents: serve them from the sandbox, sweep with every job (pypi, releases, repo,
 * access) once before and once after the incidents' releases are out, verify the ledger, and
 * render `docs/incidents.md` from the findings actually raised.
 *
 * @example
 * ```ts
 * const replay = await replayIncidents(await buildIncidents());
 * await Deno.writeTextFile("docs/incidents.md", incidentsMarkdown(replay));
 * ```
 * @module
 */
import { type Config, parseConfig, readSecrets } from "../src/config.ts";
import { JOBS, type Severity, severityRank } from "../rules/types.ts";
import { startSandbox } from "../src/sandbox/server.ts";
import { type Incident, incidentsScenario } from "../src/sandbox/incidents.ts";
import { demoConfigToml } from "../src/cli/demo.ts";
import { openRuntime } from "../src/runtime.ts";
import { auditOnce } from "../src/cli/audit.ts";
import { folderSource, generateSigningKey, verifyLedger } from "../src/ledger/mod.ts";

/** A finding raised during a replay. */
export interface ReplayFinding {
  project: string;
  job: string;
  rule: string;
  severity: Severity;
  subject: string;
  scope: string;
  message: string;
  waived: boolean;
}

/** What one incident raised. */
export interface IncidentOutcome {
  incident: Incident;
  /** Findings of the baseline sweep (before `advance`). */
  baseline: ReplayFinding[];
  /** Findings of the sweep after the incident's releases are out. */
  findings: ReplayFinding[];
  /** Scopes not observable in the second sweep. */
  unobservable: { project: string; job: string; scope: string; reason: string }[];
}

/** The outcome of a replay. */
export interface Replay {
  outcomes: IncidentOutcome[];
  /** Sweep interval of each job, in minutes (from the config's default schedules). */
  intervals: Record<string, number>;
  ledger: { size: number; verified: boolean };
}

/**
 * Minutes between runs of a simple cron schedule (`*\/N * * * *`, `M * * * *`, `M H * * *`);
 * undefined for other forms.
 *
 * @example
 * ```ts
 * cronIntervalMinutes("*\/10 * * * *"); // 10
 * ```
 */
export function cronIntervalMinutes(cron: string): number | undefined {
  const [minute, hour, ...rest] = cron.trim().split(/\s+/);
  if (rest.length !== 3 || rest.some((f) => f !== "*")) return undefined;
  const step = /^\*\/(\d+)$/.exec(minute);
  if (step && hour === "*") return Number(step[1]);
  if (/^\d+$/.test(minute) && hour === "*") return 60;
  if (/^\d+$/.test(minute) && /^\d+$/.test(hour)) return 24 * 60;
  return undefined;
}

function intervalsOf(config: Config): Record<string, number> {
  const out: Record<string, number> = {};
  for (const job of JOBS) {
    const minutes = cronIntervalMinutes(config.schedules[job]);
    if (minutes !== undefined) out[job] = minutes;
  }
  return out;
}

/**
 * Replay incidents in one sandbox: sweep every job, publish the incidents' releases, sweep
 * again, verify the ledger. Works in a temporary folder (removed afterwards).
 *
 * @example
 * ```ts
 * const replay = await replayIncidents(await buildIncidents(["litellm", "control"]));
 * replay.outcomes[0].findings.map((f) => f.rule);
 * ```
 */
export async function replayIncidents(incidents: Incident[]): Promise<Replay> {
  const dir = await Deno.makeTempDir({ prefix: "incident-replay-" });
  const scenario = incidentsScenario("replay", "incident replay", incidents);
  const sandbox = await startSandbox(scenario);
  try {
    const toml = demoConfigToml(
      scenario,
      sandbox,
      dir,
      0,
    );
    const config = parseConfig(toml, `${dir}/auditor.toml`);
    const key = await generateSigningKey(config.ledger.origin);
    const secrets = {
      ...readSecrets(config, () => undefined),
      ledgerSigningKey: key.privateKey,
      githubToken: "sandbox-token",
    };
    const rt = await openRuntime(config, secrets);
    try {
      const before = await auditOnce(rt, [...JOBS], []);
      await scenario.advance();
      const after = await auditOnce(rt, [...JOBS], []);
      const verdict = await verifyLedger(folderSource(config.ledger.path), {
        verifierKey: key.verifierKey,
      });
      const byProject = (findings: typeof after.findings, names: Set<string>) =>
        findings.filter((f) => names.has(f.project)).map((f): ReplayFinding => ({
          project: f.project,
          job: f.job,
          rule: f.rule,
          severity: f.severity,
          subject: f.subject,
          scope: f.scope,
          message: f.message,
          waived: f.waived,
        }));
      const outcomes = incidents.map((incident): IncidentOutcome => {
        const names = new Set(incident.projects.map((p) => p.project.name));
        return {
          incident,
          baseline: byProject(before.findings, names),
          findings: byProject(after.findings, names),
          unobservable: after.unobservable.filter((u) => names.has(u.project)),
        };
      });
      return {
        outcomes,
        intervals: intervalsOf(config),
        ledger: { size: await rt.ledger.size(), verified: verdict.ok },
      };
    } finally {
      await rt.close();
    }
  } finally {
    await sandbox.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** Open (not waived) findings, one row per rule: severity and count, most severe first. */
export function ruleSummary(
  findings: ReplayFinding[],
): { rule: string; severity: Severity; count: number; job: string }[] {
  const rows = new Map<string, { rule: string; severity: Severity; count: number; job: string }>();
  for (const f of findings) {
    if (f.waived) continue;
    const row = rows.get(f.rule) ?? { rule: f.rule, severity: f.severity, count: 0, job: f.job };
    row.count++;
    if (severityRank(f.severity) > severityRank(row.severity)) row.severity = f.severity;
    rows.set(f.rule, row);
  }
  return [...rows.values()].sort((a, b) =>
    severityRank(b.severity) - severityRank(a.severity) || a.rule.localeCompare(b.rule)
  );
}

/**
 * How soon the incident is caught: the shortest sweep interval among the jobs that raised a
 * high or critical finding; undefined when none did.
 */
export function caughtWithin(
  outcome: IncidentOutcome,
  intervals: Record<string, number>,
): { minutes: number; job: string } | undefined {
  let best: { minutes: number; job: string } | undefined;
  for (const row of ruleSummary(outcome.findings)) {
    if (severityRank(row.severity) < severityRank("high")) continue;
    const minutes = intervals[row.job];
    if (minutes === undefined) continue;
    if (!best || minutes < best.minutes) best = { minutes, job: row.job };
  }
  return best;
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ");
}

function findingsCell(outcome: IncidentOutcome): string {
  const rows = ruleSummary(outcome.findings);
  if (rows.length === 0) return "none";
  const expected = new Set(outcome.incident.expected);
  return rows.map((r) => {
    const id = expected.has(r.rule) ? `**\`${r.rule}\`**` : `\`${r.rule}\``;
    return `${id} (${r.severity}${r.count > 1 ? `, ×${r.count}` : ""})`;
  }).join("<br>");
}

/**
 * `docs/incidents.md`, generated from a replay.
 *
 * @example
 * ```ts
 * const text = incidentsMarkdown(await replayIncidents(await buildIncidents()));
 * ```
 */
export function incidentsMarkdown(replay: Replay): string {
  const lines = [
    "# Incident replay",
    "",
    "<!-- Generated by `deno task incidents` (scripts/incidents.ts) from the findings of a replay;",
    "     tests/incidents/incidents_test.ts fails when this file is stale. Do not edit by hand. -->",
    "",
    "Real compromised or malicious PyPI releases (facts from realdata `incidents/INCIDENTS.md`),",
    "rebuilt as sandbox scenarios with inert content in place of every payload, and swept by all",
    "four jobs (pypi, releases, repo, access). The table shows the findings that were actually",
    "raised (the signature rules each scenario must raise are in bold) and how soon the first high",
    "or critical one is raised after the upload: within one sweep interval of the job that raises",
    `it (default schedules: pypi every ${replay.intervals.pypi} min, releases every ${replay.intervals.releases} min,`,
    `repo and access every ${replay.intervals.repo} min). Compare with how long the real release stayed up.`,
    "",
    "| Incident | What happened | Findings raised (severity) | Caught within | Real exposure |",
    "| --- | --- | --- | --- | --- |",
  ];
  for (const o of replay.outcomes) {
    const i = o.incident;
    const when = caughtWithin(o, replay.intervals);
    const title = i.facts.source.startsWith("http") ? `[${i.title}](${i.facts.source})` : i.title;
    lines.push(
      `| ${cell(title)} (${cell(i.facts.when)}) | ${cell(i.facts.what)} | ${findingsCell(o)} | ${
        when ? `≤ ${when.minutes} min (${when.job} sweep)` : "nothing raised"
      } | ${cell(i.facts.exposure)} |`,
    );
  }
  lines.push(
    "",
    "## What each scenario cannot show",
    "",
    ...replay.outcomes.map((o) => `- **${o.incident.title}**: ${o.incident.limits}`),
    "",
    "## How the scenarios are configured",
    "",
    "- Every project follows the hardening plan unless its notes say otherwise: trusted publisher",
    "  `release.yml` with environment `pypi`, allow lists that match the hardened GitHub side",
    "  (rulesets, CODEOWNERS, environments, 2FA), tag pattern `v{version}`, pure-Python artifacts.",
    "  So the findings are the incident's own, not posture noise.",
    "- A sandbox cannot produce Sigstore signatures. Clean releases that stand for releases",
    "  published through trusted publishing carry a waiver of `provenance/missing` for their files",
    "  (reason recorded in the ledger as `finding.waived`); the incident's files carry none. The",
    "  control is the real pypi_attestations 0.0.19 sdist with its real PEP 740 provenance, which",
    "  verifies offline against the embedded public-good trust root.",
    "- Scenarios whose incident needs a baseline (litellm: the clean 1.82.6 observed first; ctx:",
    "  0.1.2 and its maintainer email observed first) are swept before and after the incident's",
    "  releases appear. `deno task demo --scenario NAME` sweeps once, with the incident already out.",
    "- One release stands for each incident's set (8.3.42 and 8.3.46, 0.5.16, 4.87.2 and 0.1.14",
    "  carry the same signals as the release replayed).",
    '- Not replayed: lightning 2.6.2 / 2.6.3, whose sources say only "a compromised publisher',
    "  account\", which does not tell whether the upload came through the project's trusted-publishing",
    "  workflow (signals as for ultralytics 8.3.41: code not at the tag) or with a password or token",
    "  (as for num2words); and the web3 look-alikes, new packages that no maintainer watches.",
    "",
    "## Reproduce",
    "",
    "```sh",
    "deno task demo --once --scenario incidents   # all scenarios and the control, one sweep",
    "deno task demo --scenario litellm            # one scenario, then the status page",
    "deno task incidents                          # regenerate this file",
    "```",
    "",
  );
  return lines.join("\n");
}
