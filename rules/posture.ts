/**
 * Repository posture rules: pure functions over the `repo` job's observation
 * (src/observations/repo.ts) and a project's policy.
 *
 * The default branch is judged on the combination of the effective rulesets and classic
 * branch protection (the strictest source wins for each requirement); bypass actors of the
 * rulesets that govern the branch must be on the policy's allow list.
 *
 * A section that was not observed is absent from the observation and yields no finding: its
 * scope is listed as unobservable, so reconcile neither opens nor resolves anything for it.
 *
 * @example
 * ```ts
 * const findings = evaluatePosture(observation.data, project, observation.unobservable);
 * ```
 * @module
 */
import type { Policy, Project } from "../src/config.ts";
import type {
  BranchRequirements,
  ObservedEnvironment,
  PostureFacts,
  RepoPosture,
} from "../src/observations/repo.ts";
import { SCOPES } from "../src/observations/repo.ts";
import type { Ruleset } from "../src/github/schemas.ts";
import { type CodeownersRule, ownersOf } from "../src/github/codeowners.ts";
import type { Workflow } from "../src/observations/workflow.ts";
import {
  defineRule,
  type Finding,
  finding,
  type Rule,
  type RuleMeta,
  ruleMetaFor,
  runRules,
  type Unobservable,
} from "./types.ts";
import { isPublishJob, WORKFLOW_RULESET } from "./workflows.ts";
import { applyOverrides } from "./overrides.ts";
import { oncePerInput } from "./_shared.ts";

const meta = ruleMetaFor("repo", "posture/");

const BRANCH = "Default branch protection";
const RULESET_FIX =
  "In Settings > Rules > Rulesets, add the rule to an active ruleset targeting the default branch";

/** Rule metadata, one constant per rule. */
export const BRANCH_DELETION = meta(
  "branch-deletion-allowed",
  "high",
  "Default branch can be deleted",
  `${BRANCH}: deletion blocked`,
  `${RULESET_FIX} ("Restrict deletions").`,
);
export const BRANCH_FORCE_PUSH = meta(
  "branch-force-push-allowed",
  "high",
  "Default branch accepts force pushes",
  `${BRANCH}: force pushes blocked`,
  `${RULESET_FIX} ("Block force pushes").`,
);
export const BRANCH_NO_PR = meta(
  "branch-pull-request-not-required",
  "high",
  "Default branch can be pushed to without a pull request",
  `${BRANCH}: changes land through reviewed pull requests`,
  `${RULESET_FIX} ("Require a pull request before merging").`,
);
export const BRANCH_APPROVALS = meta(
  "branch-approvals-too-few",
  "high",
  "Default branch requires too few approving reviews",
  `${BRANCH}: at least the policy's number of approvals`,
  "Raise 'Required approvals' of the pull request rule to the policy's required_approvals.",
);
export const BRANCH_CODE_OWNERS = meta(
  "branch-code-owner-review-off",
  "medium",
  "Default branch does not require code owner review",
  `${BRANCH}: code owners approve changes to the files they own`,
  "Enable 'Require review from Code Owners' in the pull request rule.",
);
export const BRANCH_LAST_PUSH = meta(
  "branch-last-push-approval-off",
  "medium",
  "Default branch does not require approval of the most recent push",
  `${BRANCH}: the last push is approved by someone other than its author`,
  "Enable 'Require approval of the most recent reviewable push'.",
);
export const BRANCH_CONVERSATIONS = meta(
  "branch-conversation-resolution-off",
  "low",
  "Default branch does not require conversation resolution",
  `${BRANCH}: review conversations are resolved before merging`,
  "Enable 'Require conversation resolution before merging'.",
);
export const BRANCH_CHECKS = meta(
  "branch-status-checks-missing",
  "medium",
  "Default branch does not require the expected status checks",
  `${BRANCH}: required status checks pass before merging`,
  "Add the required status checks (and the policy's required_checks) to the branch rules.",
);
export const BRANCH_LINEAR = meta(
  "branch-linear-history-off",
  "low",
  "Default branch does not require a linear history",
  `${BRANCH}: linear history`,
  `${RULESET_FIX} ("Require linear history").`,
);
export const BRANCH_MERGE_COMMITS = meta(
  "branch-merge-commits-allowed",
  "low",
  "Merge commits are allowed on the default branch",
  `${BRANCH}: no merge commits (squash or rebase only)`,
  "Disable 'Allow merge commits' in the repository settings, or require a linear history.",
);
export const BRANCH_BYPASS = meta(
  "branch-bypass-actor",
  "high",
  "An actor outside the allow list may bypass the default branch rules",
  `${BRANCH}: no bypass beyond the policy's bypass_allowed`,
  "Remove the bypass actor from the ruleset (or enable 'Do not allow bypassing the above settings' / 'Include administrators'), or add it to policy.bypass_allowed if intended.",
);
export const TAG_RULES = meta(
  "release-tags-unprotected",
  "high",
  "Release tags can be created, moved or deleted by anyone with write access",
  "Release tags: creation, update and deletion restricted",
  "Add an active tag ruleset for the release tag pattern (e.g. refs/tags/v*) with 'Restrict creations', 'Restrict updates' and 'Restrict deletions'.",
);
export const CODEOWNERS_MISSING = meta(
  "codeowners-missing",
  "high",
  "No CODEOWNERS file",
  "CODEOWNERS on release-sensitive files",
  "Add .github/CODEOWNERS assigning owners to workflows, packaging files and SECURITY.md.",
);
export const CODEOWNERS_ERRORS = meta(
  "codeowners-errors",
  "medium",
  "CODEOWNERS has errors",
  "CODEOWNERS on release-sensitive files",
  "Fix the lines GitHub reports as invalid (unknown owners, bad patterns).",
);
export const CODEOWNERS_UNCOVERED = meta(
  "codeowners-path-uncovered",
  "high",
  "A release-sensitive path has too few code owners",
  "CODEOWNERS on release-sensitive files",
  "Add a CODEOWNERS line for the path with at least policy.min_code_owners owners (the last matching line wins).",
);
export const SECURITY_POLICY = meta(
  "security-policy-missing",
  "medium",
  "No SECURITY.md",
  "Vulnerability disclosure: a published security policy",
  "Add SECURITY.md (in .github/, the root or docs/) explaining how to report vulnerabilities.",
);
export const PRIVATE_REPORTING = meta(
  "private-vulnerability-reporting-off",
  "medium",
  "Private vulnerability reporting is off",
  "Vulnerability disclosure: private reporting channel",
  "Enable Settings > Code security > Private vulnerability reporting.",
);
export const DEPENDABOT_ALERTS = meta(
  "dependabot-alerts-off",
  "medium",
  "Dependabot alerts are off",
  "Dependency vulnerabilities are reported",
  "Enable Settings > Code security > Dependabot alerts.",
);
export const IMMUTABLE_RELEASES = meta(
  "immutable-releases-off",
  "high",
  "Immutable releases are off",
  "Published GitHub releases and their assets cannot be changed",
  "Enable Settings > General > Releases > 'Enable release immutability'.",
);
export const ACTIONS_TOKEN_WRITE = meta(
  "actions-default-token-write",
  "high",
  "The default GITHUB_TOKEN has write permissions",
  "Actions: default token read-only",
  "Set Settings > Actions > General > Workflow permissions to 'Read repository contents and packages permissions'.",
);
export const ACTIONS_APPROVE_PRS = meta(
  "actions-can-approve-pull-requests",
  "high",
  "Workflows can approve pull requests",
  "Actions: workflows cannot approve their own changes",
  "Untick 'Allow GitHub Actions to create and approve pull requests'.",
);
export const ACTIONS_UNRESTRICTED = meta(
  "actions-allowed-unrestricted",
  "medium",
  "Any action may run in this repository",
  "Actions: allowed actions restricted",
  "Set 'Allow select actions and reusable workflows' (GitHub-owned, verified creators, and a pattern list).",
);
export const ACTIONS_SHA_PINNING = meta(
  "actions-sha-pinning-not-required",
  "medium",
  "Actions are not required to be pinned to a full commit SHA",
  "Actions: SHA pinning enforced by GitHub",
  "Enable 'Require actions to be pinned to a full-length commit SHA' in the Actions settings.",
);
export const SELF_HOSTED_RUNNERS = meta(
  "self-hosted-runners",
  "high",
  "Self-hosted runners are registered",
  "Actions: ephemeral GitHub-hosted runners only",
  "Remove the self-hosted runners, or set policy.self_hosted_runners_allowed if they are intended.",
);
export const ENVIRONMENT_MISSING = meta(
  "publish-environment-missing",
  "high",
  "The publishing environment does not exist",
  "Publishing environment: protected deployments",
  "Create the environment named in the project's publisher and protect it.",
);
export const ENVIRONMENT_REVIEWERS = meta(
  "publish-environment-no-reviewers",
  "high",
  "The publishing environment has no required reviewers",
  "Publishing environment: a human approves every publish",
  "Add required reviewers to the environment (and enable 'Prevent self-review').",
);
export const ENVIRONMENT_BRANCHES = meta(
  "publish-environment-unrestricted-refs",
  "high",
  "The publishing environment accepts deployments from any branch",
  "Publishing environment: only protected branches or release tags deploy",
  "Set 'Deployment branches and tags' to protected branches, or to the release tag pattern.",
);
export const DEPLOY_KEY_WRITE = meta(
  "deploy-key-write",
  "medium",
  "A deploy key has write access",
  "No long-lived credential can push to the repository",
  "Replace the write deploy key with a read-only key or a GitHub App with narrow permissions.",
);
export const WEBHOOK_INSECURE = meta(
  "webhook-insecure-ssl",
  "low",
  "A webhook skips TLS certificate verification",
  "Repository events are only delivered over verified TLS",
  "Enable SSL verification on the webhook.",
);

/** Release-sensitive paths CODEOWNERS must cover, before policy.codeowners_paths. */
export const DEFAULT_CODEOWNERS_PATHS = [
  ".github/workflows/**",
  "pyproject.toml",
  "setup.py",
  "MANIFEST.in",
  "SECURITY.md",
  "RELEASING.md",
];

const clip = (s: string, n = 200) => (s.length > n ? `${s.slice(0, n - 3)}...` : s);

// ---------------------------------------------------------------------------------------------
// Default branch

function branchFindings(data: RepoPosture, req: BranchRequirements, policy: Policy): Finding[] {
  const branch = data.defaultBranch;
  const subject = (what: string) => `${data.repository}@${branch}:${what}`;
  const scope = SCOPES.branch;
  const out: Finding[] = [];
  const add = (m: RuleMeta, what: string, message: string, evidence: Record<string, unknown>) =>
    out.push(finding(m, { subject: subject(what), scope, message, evidence }));
  if (!req.deletionBlocked) {
    add(BRANCH_DELETION, "deletion", `Branch ${clip(branch)} can be deleted.`, {
      observed: false,
      expected: true,
    });
  }
  if (!req.forcePushBlocked) {
    add(BRANCH_FORCE_PUSH, "force-push", `Branch ${clip(branch)} accepts force pushes.`, {
      observed: false,
      expected: true,
    });
  }
  if (!req.pullRequest) {
    add(BRANCH_NO_PR, "pull-request", `Branch ${clip(branch)} does not require pull requests.`, {
      observed: false,
      expected: true,
    });
  }
  const wanted = Math.max(policy.required_approvals, 0);
  if (req.approvals < wanted) {
    add(
      BRANCH_APPROVALS,
      "approvals",
      `Branch ${clip(branch)} requires ${req.approvals} approval(s), policy asks ${wanted}.`,
      { observed: req.approvals, expected: wanted },
    );
  }
  if (!req.codeOwnerReview) {
    add(BRANCH_CODE_OWNERS, "code-owner-review", "Code owner review is not required.", {
      observed: false,
      expected: true,
    });
  }
  if (!req.lastPushApproval) {
    add(BRANCH_LAST_PUSH, "last-push-approval", "Approval of the last push is not required.", {
      observed: false,
      expected: true,
    });
  }
  if (!req.conversationResolution) {
    add(
      BRANCH_CONVERSATIONS,
      "conversation-resolution",
      "Conversation resolution is not required.",
      { observed: false, expected: true },
    );
  }
  const missingChecks = policy.required_checks.filter((c) => !req.statusChecks.includes(c));
  if (req.statusChecks.length === 0 || missingChecks.length > 0) {
    add(
      BRANCH_CHECKS,
      "status-checks",
      req.statusChecks.length === 0
        ? "No status checks are required."
        : `Required checks missing: ${clip(missingChecks.join(", "))}.`,
      { observed: req.statusChecks, expected: policy.required_checks },
    );
  }
  if (!req.linearHistory) {
    add(BRANCH_LINEAR, "linear-history", "Linear history is not required.", {
      observed: false,
      expected: true,
    });
  }
  if (
    !policy.allow_merge_commits && data.settings?.allow_merge_commit === true &&
    !req.linearHistory && !req.mergeCommitsBlocked
  ) {
    add(BRANCH_MERGE_COMMITS, "merge-commits", "Merge commits are allowed.", {
      observed: "allow_merge_commit: true",
      expected: "squash or rebase only",
    });
  }
  for (const b of req.bypass) {
    if (policy.bypass_allowed.includes(b.actor)) continue;
    out.push(finding(BRANCH_BYPASS, {
      subject: subject(`bypass:${b.actor}`),
      scope: b.actor === "ClassicProtection:admins" ? scope : SCOPES.bypass,
      message: `${clip(b.actor, 100)} may bypass (${b.mode}) via ${b.source}.`,
      evidence: { observed: b, expected: policy.bypass_allowed },
    }));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Tags

/** A path glob (`*`, `**`, `?`) as an anchored regular expression. */
export function globToRegex(glob: string): RegExp {
  let body = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*" && glob[i + 1] === "*") {
      body += ".*";
      i++;
    } else if (c === "*") body += "[^/]*";
    else if (c === "?") body += "[^/]";
    else body += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${body}$`);
}

/**
 * True when a ruleset ref pattern (`~ALL`, `refs/tags/v*`, ...) matches a full ref.
 *
 * @example
 * ```ts
 * refPatternMatches("refs/tags/v*", "refs/tags/v1.2.3", "main", "tags"); // true
 * ```
 */
export function refPatternMatches(
  pattern: string,
  ref: string,
  defaultBranch: string,
  kind: "heads" | "tags",
): boolean {
  if (pattern === "~ALL") return true;
  if (pattern === "~DEFAULT_BRANCH") return ref === `refs/heads/${defaultBranch}`;
  const full = pattern.startsWith("refs/") ? pattern : `refs/${kind}/${pattern}`;
  return globToRegex(full).test(ref);
}

/**
 * A release tag for the policy's tag pattern, e.g. `refs/tags/v1.2.3`.
 *
 * @example
 * ```ts
 * sampleReleaseTag(project.policy); // "refs/tags/v1.2.3"
 * ```
 */
export function sampleReleaseTag(policy: Policy): string {
  return `refs/tags/${policy.tag_pattern.replaceAll("{version}", "1.2.3")}`;
}

function tagFindings(data: RepoPosture, policy: Policy): Finding[] {
  const ref = sampleReleaseTag(policy);
  const applies = (rs: Ruleset) => {
    const cond = rs.conditions?.ref_name;
    if (!cond) return false;
    const inc = cond.include.some((p) => refPatternMatches(p, ref, data.defaultBranch, "tags"));
    const exc = cond.exclude.some((p) => refPatternMatches(p, ref, data.defaultBranch, "tags"));
    return inc && !exc;
  };
  const tagRulesets = (data.rulesets ?? []).filter((rs) =>
    rs.target === "tag" && rs.enforcement === "active" && applies(rs)
  );
  const has = (type: string) => tagRulesets.some((rs) => rs.rules.some((r) => r.type === type));
  const missing = ["creation", "update", "deletion"].filter((t) => !has(t));
  return missing.map((op) =>
    finding(TAG_RULES, {
      subject: `${data.repository}:${policy.tag_pattern}:${op}`,
      scope: SCOPES.tags,
      message: `No active tag ruleset restricts ${op} of release tags like ${ref.slice(10)}.`,
      evidence: {
        observed: tagRulesets.map((rs) => ({ id: rs.id, rules: rs.rules.map((r) => r.type) })),
        expected: `${op} restricted for ${ref}`,
      },
    })
  );
}

// ---------------------------------------------------------------------------------------------
// CODEOWNERS

function samplePaths(required: string, data: RepoPosture): string[] {
  const base = required.replace(/^\/+/, "");
  if (!/[*?]/.test(base)) return [base];
  const samples = [base.replace(/\*\*/g, "x").replace(/\*/g, "release.yml").replace(/\?/g, "x")];
  const rx = globToRegex(base);
  for (const wf of data.workflows ?? []) if (rx.test(wf.path)) samples.push(wf.path);
  return samples;
}

function codeownersFindings(
  data: RepoPosture,
  parsed: CodeownersRule[] | undefined,
  policy: Policy,
): Finding[] {
  const scope = SCOPES.codeowners;
  if (data.codeowners === undefined) return [];
  if (data.codeowners === null) {
    return [finding(CODEOWNERS_MISSING, {
      subject: `${data.repository}:CODEOWNERS`,
      scope,
      message: "No CODEOWNERS file in .github/, the root or docs/.",
    })];
  }
  if (data.codeowners.text === undefined || parsed === undefined) return [];
  const out: Finding[] = [];
  const errors = data.codeownersErrors ?? [];
  if (errors.length > 0) {
    out.push(finding(CODEOWNERS_ERRORS, {
      subject: `${data.repository}:${data.codeowners.path}:errors`,
      scope,
      message: `${errors.length} error(s), first on line ${errors[0].line ?? "?"}: ${
        clip(errors[0].message ?? errors[0].kind ?? "", 200)
      }`,
      evidence: { observed: errors.slice(0, 10) },
    }));
  }
  const rules = parsed;
  const required = [...new Set([...DEFAULT_CODEOWNERS_PATHS, ...policy.codeowners_paths])];
  for (const path of required) {
    const weak = samplePaths(path, data).map((p) => ({ p, owners: ownersOf(rules, p) }))
      .filter((x) => x.owners.length < policy.min_code_owners);
    if (weak.length === 0) continue;
    out.push(finding(CODEOWNERS_UNCOVERED, {
      subject: `${data.repository}:CODEOWNERS:${clip(path, 500)}`,
      scope,
      message: `${clip(weak[0].p)} has ${
        weak[0].owners.length
      } code owner(s), policy asks ${policy.min_code_owners}.`,
      evidence: { observed: weak.slice(0, 5), expected: policy.min_code_owners },
    }));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Security features, Actions, environments, keys

function toggleFinding(
  value: boolean | undefined,
  m: RuleMeta,
  data: RepoPosture,
  scope: string,
  message: string,
): Finding[] {
  return value === false
    ? [finding(m, {
      subject: `${data.repository}:${m.id.slice(8)}`,
      scope,
      message,
      evidence: { observed: false, expected: true },
    })]
    : [];
}

function securityFindings(data: RepoPosture): Finding[] {
  const out: Finding[] = [];
  if (data.securityPolicy === null) {
    out.push(finding(SECURITY_POLICY, {
      subject: `${data.repository}:SECURITY.md`,
      scope: SCOPES.securityPolicy,
      message: "No SECURITY.md in .github/, the root, docs/ or the owner's .github repository.",
    }));
  }
  out.push(
    ...toggleFinding(
      data.privateVulnerabilityReporting,
      PRIVATE_REPORTING,
      data,
      SCOPES.vulnerabilityReporting,
      "Private vulnerability reporting is disabled.",
    ),
    ...toggleFinding(
      data.vulnerabilityAlerts,
      DEPENDABOT_ALERTS,
      data,
      SCOPES.dependabot,
      "Dependabot alerts are disabled.",
    ),
    ...toggleFinding(
      data.immutableReleases,
      IMMUTABLE_RELEASES,
      data,
      SCOPES.immutableReleases,
      "Immutable releases are disabled.",
    ),
  );
  return out;
}

function actionsFindings(data: RepoPosture): Finding[] {
  const out: Finding[] = [];
  const scope = SCOPES.actions;
  const subject = (what: string) => `${data.repository}:actions:${what}`;
  const wp = data.workflowPermissions;
  if (wp?.default_workflow_permissions === "write") {
    out.push(finding(ACTIONS_TOKEN_WRITE, {
      subject: subject("default-token"),
      scope,
      message: "The default GITHUB_TOKEN is read-write.",
      evidence: { observed: "write", expected: "read" },
    }));
  }
  if (wp?.can_approve_pull_request_reviews === true) {
    out.push(finding(ACTIONS_APPROVE_PRS, {
      subject: subject("approve-prs"),
      scope,
      message: "GitHub Actions may create and approve pull requests.",
      evidence: { observed: true, expected: false },
    }));
  }
  const a = data.actions;
  if (a?.enabled) {
    const wildcard = data.selectedActions?.patterns_allowed.some((p) => p === "*" || p === "*/*");
    if (a.allowed_actions === "all" || wildcard) {
      out.push(finding(ACTIONS_UNRESTRICTED, {
        subject: subject("allowed-actions"),
        scope,
        message: wildcard
          ? "The selected-actions list allows every action ('*')."
          : "All actions and reusable workflows are allowed.",
        evidence: { observed: a.allowed_actions, expected: "selected or local_only" },
      }));
    }
    if (a.sha_pinning_required !== true) {
      out.push(finding(ACTIONS_SHA_PINNING, {
        subject: subject("sha-pinning"),
        scope,
        message: a.sha_pinning_required === false
          ? "GitHub does not enforce SHA pinning of actions."
          : "GitHub did not report sha_pinning_required (treated as not enforced).",
        evidence: { observed: a.sha_pinning_required ?? null, expected: true },
      }));
    }
  }
  return out;
}

function runnerFindings(data: RepoPosture, policy: Policy): Finding[] {
  const out: Finding[] = [];
  const subject = (what: string) => `${data.repository}:actions:${what}`;
  if (data.runners && data.runners.length > 0 && !policy.self_hosted_runners_allowed) {
    out.push(finding(SELF_HOSTED_RUNNERS, {
      subject: subject("self-hosted-runners"),
      scope: SCOPES.runners,
      message: `${data.runners.length} self-hosted runner(s): ${
        clip(data.runners.map((r) => r.name).join(", "))
      }.`,
      evidence: { observed: data.runners.slice(0, 20) },
    }));
  }
  return out;
}

/** Environments the publish jobs use (parsed workflows) plus the configured one. */
function publishEnvironments(workflows: Workflow[], project: Project): Set<string> {
  const names = new Set<string>();
  if (project.publisher?.environment) names.add(project.publisher.environment);
  for (const wf of workflows) {
    for (const job of wf.jobs) {
      if (job.environment && !job.environment.includes("${{") && isPublishJob(job)) {
        names.add(job.environment);
      }
    }
  }
  return names;
}

function refsUnrestricted(env: ObservedEnvironment): string | undefined {
  const policy = env.deployment_branch_policy;
  if (!policy) return "any branch or tag may deploy";
  if (policy.protected_branches) return undefined;
  if (policy.custom_branch_policies) {
    const open = (env.branchPolicies ?? []).find((b) => /^\*+$/.test(b.name.trim()));
    if (open) return `custom policy '${clip(open.name, 50)}' matches every ref`;
    if ((env.branchPolicies ?? []).length === 0) return undefined;
  }
  return undefined;
}

function environmentFindings(
  data: RepoPosture,
  project: Project,
  workflows: Workflow[],
): Finding[] {
  if (!data.environments) return [];
  const out: Finding[] = [];
  const scope = SCOPES.environments;
  for (const name of publishEnvironments(workflows, project)) {
    const env = data.environments.find((e) => e.name === name);
    const subject = (what: string) => `${data.repository}:environment:${clip(name, 255)}:${what}`;
    if (!env) {
      out.push(finding(ENVIRONMENT_MISSING, {
        subject: subject("exists"),
        scope,
        message: `Environment ${
          clip(name, 100)
        } does not exist (GitHub creates it unprotected on first use).`,
      }));
      continue;
    }
    const reviewers = env.protection_rules.filter((r) => r.type === "required_reviewers")
      .flatMap((r) => r.reviewers ?? []);
    if (reviewers.length === 0) {
      out.push(finding(ENVIRONMENT_REVIEWERS, {
        subject: subject("reviewers"),
        scope,
        message: `Environment ${clip(name, 100)} has no required reviewers.`,
        evidence: {
          observed: env.protection_rules.map((r) => r.type),
          expected: "required_reviewers",
        },
      }));
    }
    const open = refsUnrestricted(env);
    if (open) {
      out.push(finding(ENVIRONMENT_BRANCHES, {
        subject: subject("refs"),
        scope,
        message: `Environment ${clip(name, 100)}: ${open}.`,
        evidence: { observed: env.deployment_branch_policy ?? null },
      }));
    }
  }
  return out;
}

function keyAndHookFindings(data: RepoPosture): Finding[] {
  const out: Finding[] = [];
  for (const k of data.deployKeys ?? []) {
    if (k.readOnly) continue;
    out.push(finding(DEPLOY_KEY_WRITE, {
      subject: `${data.repository}:deploy-key:${k.id}`,
      scope: SCOPES.deployKeys,
      message: `Deploy key ${clip(k.title ?? String(k.id), 100)} can push.`,
    }));
  }
  for (const h of data.webhooks ?? []) {
    if (!h.insecureSsl) continue;
    out.push(finding(WEBHOOK_INSECURE, {
      subject: `${data.repository}:webhook:${h.id}`,
      scope: SCOPES.webhooks,
      message: `Webhook ${h.id} to ${clip(h.target ?? "?", 100)} skips TLS verification.`,
    }));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

/** The workflows the job parsed (files it could not parse are findings of their own). */
function parsedWorkflows(data: RepoPosture): Workflow[] {
  return (data.workflowFiles ?? []).flatMap((f) => f.workflow ? [f.workflow] : []);
}

/**
 * What the posture rules judge: the repo job's observation, the facts the job derived from it
 * (effective branch requirements, parsed CODEOWNERS), the project, and the scopes that were
 * not observable.
 */
export interface PostureInput {
  data: RepoPosture;
  facts: PostureFacts;
  project: Project;
  unobservable: Unobservable[];
}

/** Scopes not observed in this sweep. */
function blindScopes(unobservable: Unobservable[]): Set<string> {
  return new Set(unobservable.map((u) => u.scope));
}

/** Nothing is judged when the whole repository could not be read. */
function unreadable({ data, unobservable }: PostureInput): boolean {
  return unobservable.some((u) => u.scope === "*") && !data.repository;
}

/** Every posture finding (workflow files aside) of one input; blind scopes yield none. */
const allPosture = oncePerInput((input: PostureInput): Finding[] => {
  if (unreadable(input)) return [];
  const { data, facts, project } = input;
  const blind = blindScopes(input.unobservable);
  const policy = project.policy;
  const out: Finding[] = [];
  // The branch is judged only when both sources were observed (never by omission).
  const branchSeen = data.branchRules !== undefined && data.branchProtection !== undefined;
  if (!blind.has(SCOPES.branch) && branchSeen && facts.branch) {
    out.push(...branchFindings(data, facts.branch, policy));
  }
  if (!blind.has(SCOPES.tags) && data.rulesets) out.push(...tagFindings(data, policy));
  if (!blind.has(SCOPES.codeowners)) {
    out.push(...codeownersFindings(data, facts.codeowners, policy));
  }
  out.push(...securityFindings(data));
  if (!blind.has(SCOPES.actions)) out.push(...actionsFindings(data));
  out.push(...runnerFindings(data, policy));
  if (!blind.has(SCOPES.environments)) {
    out.push(...environmentFindings(data, project, parsedWorkflows(data)));
  }
  out.push(...keyAndHookFindings(data));
  // Findings of a blind scope are dropped: reconcile keeps what was open there.
  return out.filter((f) => !blind.has(f.scope));
});

/** Every posture rule (workflow rules are in `rules/workflows.ts`) as a value. */
export const POSTURE_RULESET: readonly Rule<PostureInput>[] = [
  defineRule(BRANCH_DELETION, allPosture),
  defineRule(BRANCH_FORCE_PUSH, allPosture),
  defineRule(BRANCH_NO_PR, allPosture),
  defineRule(BRANCH_APPROVALS, allPosture),
  defineRule(BRANCH_CODE_OWNERS, allPosture),
  defineRule(BRANCH_LAST_PUSH, allPosture),
  defineRule(BRANCH_CONVERSATIONS, allPosture),
  defineRule(BRANCH_CHECKS, allPosture),
  defineRule(BRANCH_LINEAR, allPosture),
  defineRule(BRANCH_MERGE_COMMITS, allPosture),
  defineRule(BRANCH_BYPASS, allPosture),
  defineRule(TAG_RULES, allPosture),
  defineRule(CODEOWNERS_MISSING, allPosture),
  defineRule(CODEOWNERS_ERRORS, allPosture),
  defineRule(CODEOWNERS_UNCOVERED, allPosture),
  defineRule(SECURITY_POLICY, allPosture),
  defineRule(PRIVATE_REPORTING, allPosture),
  defineRule(DEPENDABOT_ALERTS, allPosture),
  defineRule(IMMUTABLE_RELEASES, allPosture),
  defineRule(ACTIONS_TOKEN_WRITE, allPosture),
  defineRule(ACTIONS_APPROVE_PRS, allPosture),
  defineRule(ACTIONS_UNRESTRICTED, allPosture),
  defineRule(ACTIONS_SHA_PINNING, allPosture),
  defineRule(SELF_HOSTED_RUNNERS, allPosture),
  defineRule(ENVIRONMENT_MISSING, allPosture),
  defineRule(ENVIRONMENT_REVIEWERS, allPosture),
  defineRule(ENVIRONMENT_BRANCHES, allPosture),
  defineRule(DEPLOY_KEY_WRITE, allPosture),
  defineRule(WEBHOOK_INSECURE, allPosture),
];

/** Every posture rule's metadata, for the catalog (derived from {@link POSTURE_RULESET}). */
export const POSTURE_RULES: RuleMeta[] = POSTURE_RULESET.map((r) => r.meta);

/** The workflow-file findings of one input: the workflow rules on the files the job parsed. */
function workflowFindings(input: PostureInput): Finding[] {
  const { data, project } = input;
  if (unreadable(input) || !data.workflowFiles) return [];
  const blind = blindScopes(input.unobservable);
  if (blind.has(SCOPES.workflows)) return [];
  return runRules(WORKFLOW_RULESET, {
    files: data.workflowFiles,
    policy: project.policy,
    environment: project.publisher?.environment,
    repository: data.repository,
    actions: data.workflowActions,
  }).filter((f) => !blind.has(f.scope));
}

/**
 * Every repo rule (posture and workflow files) over one input, with the project's overrides.
 *
 * @example
 * ```ts
 * const data = observation.data;
 * const findings = evaluatePosture({
 *   data, facts: postureFacts(data), project, unobservable: observation.unobservable,
 * });
 * ```
 */
export function evaluatePosture(input: PostureInput): Finding[] {
  return applyOverrides(input.project, [
    ...runRules(POSTURE_RULESET, input),
    ...workflowFindings(input),
  ]);
}
