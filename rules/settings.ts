/**
 * Actions and security settings rules beyond `rules/posture.ts`: approval of workflows from fork
 * contributors, artifact and log retention, code scanning (CodeQL default setup or a CodeQL
 * workflow), secret scanning and push protection, and the dependency graph. Each remediation is
 * the hardening plan's wording of the setting.
 *
 * @example
 * ```ts
 * const findings = runRules(SETTINGS_RULESET, { data, project, workflows });
 * ```
 * @module
 */
import {
  defineRule,
  type Finding,
  finding,
  type Rule,
  type RuleMeta,
  ruleMetaFor,
} from "./types.ts";
import type { ControlsInput } from "./controls_input.ts";
import { CONTROL_SCOPES } from "../src/observations/controls.ts";
import { FORK_APPROVAL_POLICIES } from "../src/config_controls.ts";

const meta = ruleMetaFor("repo", "posture/");

/** Workflows from fork contributors run without approval from a maintainer. */
export const FORK_APPROVAL = meta(
  "fork-pr-approval-weak",
  "medium",
  "Workflows from fork contributors can run without approval",
  "Actions: a maintainer approves every workflow run from an outside contributor",
  "Set Settings > Actions > General > 'Approval for running fork pull request workflows from contributors' to 'Require approval for all external contributors'.",
);
/** Artifacts and logs are deleted before an investigation could read them. */
export const RETENTION_SHORT = meta(
  "artifact-log-retention-short",
  "low",
  "Actions artifacts and logs are kept for too short a time",
  "Actions: artifacts and logs are kept long enough to investigate a release",
  "Set Settings > Actions > General > 'Artifact and log retention' to at least the configured number of days (90 by default).",
);
/** Neither CodeQL default setup nor a CodeQL workflow. */
export const CODE_SCANNING_OFF = meta(
  "code-scanning-off",
  "medium",
  "Code scanning is not set up",
  "Security features: code scanning (CodeQL) on every change",
  "Enable Settings > Code security > Code scanning > CodeQL analysis ('Default' setup), or add a CodeQL workflow.",
);
/** Secret scanning is disabled. */
export const SECRET_SCANNING_OFF = meta(
  "secret-scanning-off",
  "high",
  "Secret scanning is off",
  "Security features: secret scanning alerts on leaked credentials",
  "Enable Settings > Code security > Secret Protection (secret scanning).",
);
/** Push protection is disabled. */
export const PUSH_PROTECTION_OFF = meta(
  "push-protection-off",
  "medium",
  "Secret scanning push protection is off",
  "Security features: pushes that contain a secret are blocked",
  "Enable Settings > Code security > Secret Protection > 'Push protection'.",
);
/** The dependency graph is disabled. */
export const DEPENDENCY_GRAPH_OFF = meta(
  "dependency-graph-off",
  "medium",
  "The dependency graph is off",
  "Security features: the dependency graph (needed by Dependabot alerts and dependency review)",
  "Enable Settings > Code security > 'Dependency graph'.",
);

function settingFinding(
  m: RuleMeta,
  input: ControlsInput,
  scope: string,
  message: string,
  evidence: Record<string, unknown>,
): Finding {
  return finding(m, {
    subject: `${input.data.repository}:${m.id.slice("posture/".length)}`,
    scope,
    message,
    evidence,
  });
}

function forkApproval(input: ControlsInput): Finding[] {
  const policy = input.data.controls?.forkApproval;
  if (policy === undefined) return [];
  const wanted = input.project.controls.fork_approval;
  const rank = (p: string) => FORK_APPROVAL_POLICIES.indexOf(p as typeof wanted);
  if (rank(policy) >= rank(wanted)) return [];
  return [settingFinding(
    FORK_APPROVAL,
    input,
    CONTROL_SCOPES.forkApproval,
    `Fork pull request workflows need approval only for ${policy.replaceAll("_", " ")}.`,
    { observed: policy, expected: wanted },
  )];
}

function retention(input: ControlsInput): Finding[] {
  const days = input.data.controls?.retentionDays;
  const min = input.project.controls.min_retention_days;
  if (days === undefined || days >= min) return [];
  return [settingFinding(
    RETENTION_SHORT,
    input,
    CONTROL_SCOPES.retention,
    `Artifacts and logs are kept ${days} days (at least ${min} expected).`,
    { observed: days, expected: `>= ${min}` },
  )];
}

function usesCodeql(input: ControlsInput): boolean {
  return input.workflows.some((w) =>
    w.jobs.some((j) => j.steps.some((s) => /^github\/codeql-action\//i.test(s.uses ?? "")))
  );
}

function codeScanning(input: ControlsInput): Finding[] {
  const state = input.data.controls?.codeScanningDefaultSetup;
  if (state === undefined || state === "configured" || usesCodeql(input)) return [];
  return [settingFinding(
    CODE_SCANNING_OFF,
    input,
    CONTROL_SCOPES.codeScanning,
    "CodeQL default setup is not configured and no workflow runs github/codeql-action.",
    { observed: state, expected: "configured" },
  )];
}

function analysis(
  m: RuleMeta,
  key: string,
  label: string,
): (input: ControlsInput) => Finding[] {
  return (input) => {
    const status = input.data.settings?.security_and_analysis?.[key];
    if (status !== "disabled") return [];
    return [settingFinding(m, input, CONTROL_SCOPES.secretScanning, `${label} is disabled.`, {
      observed: status,
      expected: "enabled",
    })];
  };
}

function dependencyGraph(input: ControlsInput): Finding[] {
  const state = input.data.controls?.dependencyGraph;
  if (state === undefined || state === "enabled" || state === "enforced") return [];
  return [settingFinding(
    DEPENDENCY_GRAPH_OFF,
    input,
    CONTROL_SCOPES.dependencyGraph,
    "The dependency graph is disabled.",
    { observed: state, expected: "enabled" },
  )];
}

/** The settings rules as values. */
export const SETTINGS_RULESET: readonly Rule<ControlsInput>[] = [
  defineRule(FORK_APPROVAL, forkApproval),
  defineRule(RETENTION_SHORT, retention),
  defineRule(CODE_SCANNING_OFF, codeScanning),
  defineRule(
    SECRET_SCANNING_OFF,
    analysis(SECRET_SCANNING_OFF, "secret_scanning", "Secret scanning"),
  ),
  defineRule(
    PUSH_PROTECTION_OFF,
    analysis(PUSH_PROTECTION_OFF, "secret_scanning_push_protection", "Push protection"),
  ),
  defineRule(DEPENDENCY_GRAPH_OFF, dependencyGraph),
];
/** Metadata of the settings rules, for the catalog. */
export const SETTINGS_RULES = SETTINGS_RULESET.map((r) => r.meta);
