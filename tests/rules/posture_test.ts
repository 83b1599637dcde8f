import assert from "node:assert/strict";
import { type Project, ProjectSchema } from "../../src/config.ts";
import type { RepoPosture } from "../../src/observations/repo.ts";
import { BranchProtectionSchema, RulesetSchema } from "../../src/github/schemas.ts";
import { actorName, branchRequirements, postureFacts } from "../../src/github/posture_facts.ts";
import type { Unobservable } from "../../rules/types.ts";
import {
  DEFAULT_CODEOWNERS_PATHS,
  evaluatePosture as judge,
  POSTURE_RULES,
  POSTURE_RULESET,
  type PostureInput,
  refPatternMatches,
  sampleReleaseTag,
} from "../../rules/posture.ts";
import { WORKFLOW_RULES } from "../../rules/workflows.ts";
import { realdata } from "../_realdata.ts";
import { ruleTable } from "./_rule_table.ts";
import { readWorkflowText } from "../../src/workflows/read.ts";

const readJson = async (rel: string) => JSON.parse(await Deno.readTextFile(realdata(rel)));
const readback = async (f: string) =>
  RulesetSchema.parse(await readJson(`github-api/third-party-readbacks/${f}`));

/** The repo job's evaluation: facts derived from the posture, then the rules. */
const evaluatePosture = (data: RepoPosture, p: Project, unobservable: Unobservable[] = []) =>
  judge({ data, facts: postureFacts(data), project: p, unobservable });

function project(over: Record<string, unknown> = {}): Project {
  return ProjectSchema.parse({ name: "p", github: "o/r", ...over });
}

/** A posture where only the default branch section is observed. */
function branchOnly(
  rulesets: RepoPosture["rulesets"],
  protection: RepoPosture["branchProtection"],
) {
  const rules = (rulesets ?? []).filter((r) => r.target === "branch").flatMap((rs) =>
    rs.rules.map((rule) => ({ ...rule, ruleset_id: rs.id }))
  );
  const data: RepoPosture = {
    repository: "o/r",
    defaultBranch: "main",
    settings: { allow_merge_commit: true },
    rulesets,
    branchRules: rules,
    branchProtection: protection,
  };
  return data;
}
const branchRules = (fs: { rule: string }[]) =>
  fs.map((f) => f.rule).filter((r) => r.startsWith("posture/branch-")).sort();

Deno.test("obidex read-back: zero approvals and no review options are findings", async () => {
  const rs = await readback("obidex_jahjah-internal_ruleset_22122876.json");
  const data = branchOnly([rs], null);
  const req = branchRequirements(data);
  assert.equal(req.approvals, 0);
  assert.ok(req.deletionBlocked && req.forcePushBlocked && req.linearHistory);
  assert.ok(req.mergeCommitsBlocked); // squash only
  assert.deepEqual(req.statusChecks, ["ci-ok"]);
  assert.deepEqual(req.bypass, []);
  const fs = evaluatePosture(data, project({ policy: { required_checks: ["ci-ok"] } }));
  assert.deepEqual(branchRules(fs), [
    "posture/branch-approvals-too-few",
    "posture/branch-code-owner-review-off",
    "posture/branch-conversation-resolution-off",
    "posture/branch-last-push-approval-off",
  ]);
  // A policy naming a check the ruleset does not require.
  const more = evaluatePosture(data, project({ policy: { required_checks: ["ci-ok", "lint"] } }));
  const checks = more.find((f) => f.rule === "posture/branch-status-checks-missing");
  assert.match(checks?.message ?? "", /lint/);
});

Deno.test("sevn read-backs: admins may always bypass, unless allow-listed", async () => {
  const protect = await readback("sevn-bot_sevn_ruleset_18631367.json");
  const review = await readback("sevn-bot_sevn_ruleset_19238611.json");
  const data = branchOnly([protect, review], null);
  const fs = evaluatePosture(data, project());
  const bypass = fs.filter((f) => f.rule === "posture/branch-bypass-actor");
  assert.equal(bypass.length, 2); // one per governing ruleset
  assert.ok(bypass.every((f) => f.subject.endsWith("bypass:RepositoryRole:5")));
  assert.ok(bypass.every((f) => f.scope === "repo:bypass"));
  assert.deepEqual(
    evaluatePosture(data, project({ policy: { bypass_allowed: ["RepositoryRole:5"] } }))
      .filter((f) => f.rule === "posture/branch-bypass-actor"),
    [],
  );
  // Merge commits: allowed by settings and by the ruleset's merge methods, history not linear.
  assert.ok(fs.some((f) => f.rule === "posture/branch-merge-commits-allowed"));
  assert.ok(
    !evaluatePosture(data, project({ policy: { allow_merge_commits: true } })).some((f) =>
      f.rule === "posture/branch-merge-commits-allowed"
    ),
  );
  // A ruleset in evaluate mode enforces nothing.
  const evaluateOnly = branchOnly([{ ...protect, enforcement: "evaluate" }], null);
  assert.ok(
    evaluatePosture(evaluateOnly, project()).some((f) =>
      f.rule === "posture/branch-deletion-allowed"
    ),
  );
});

Deno.test("classic protection example combined with rulesets: strictest wins", async () => {
  const classic = BranchProtectionSchema.parse(
    await readJson(
      "github-api/rest-api-description/examples/GET_repos_owner_repo_branches_branch_protection__200__branch-protection.json",
    ),
  );
  // The documented example allows force pushes and deletions.
  const alone = evaluatePosture(branchOnly([], classic), project());
  assert.deepEqual(branchRules(alone), [
    "posture/branch-deletion-allowed",
    "posture/branch-force-push-allowed",
  ]);
  // The sevn ruleset blocks them: together, nothing is left (enforce_admins is on).
  const protect = await readback("sevn-bot_sevn_ruleset_18631367.json");
  const both = evaluatePosture(
    branchOnly([protect], classic),
    project({ policy: { bypass_allowed: ["RepositoryRole:5"] } }),
  );
  assert.deepEqual(branchRules(both), []);
  const req = branchRequirements(branchOnly([protect], classic));
  assert.equal(req.approvals, 2);
  assert.deepEqual(req.statusChecks, ["continuous-integration/travis-ci"]);
  // Classic protection without "include administrators" lets admins bypass.
  const lax = { ...classic, enforce_admins: { enabled: false } };
  assert.ok(
    evaluatePosture(branchOnly([], lax), project()).some((f) =>
      f.subject.endsWith("bypass:ClassicProtection:admins")
    ),
  );
});

Deno.test("nothing observed about the branch: no branch finding", async () => {
  const data: RepoPosture = { repository: "o/r", defaultBranch: "main" };
  const fs = evaluatePosture(data, project(), [{ scope: "repo:branch", reason: "403" }]);
  assert.deepEqual(fs, []);
  const protect = await readback("sevn-bot_sevn_ruleset_18631367.json");
  const blindBypass = evaluatePosture(branchOnly([protect], null), project(), [
    { scope: "repo:bypass", reason: "not visible" },
  ]);
  assert.ok(!blindBypass.some((f) => f.rule === "posture/branch-bypass-actor"));
});

Deno.test("release tags: ruleset patterns, ~ALL, exclusions and the policy tag pattern", () => {
  const policy = project().policy;
  assert.equal(sampleReleaseTag(policy), "refs/tags/v1.2.3");
  assert.ok(refPatternMatches("refs/tags/v*", "refs/tags/v1.2.3", "main", "tags"));
  assert.ok(refPatternMatches("v*", "refs/tags/v1.2.3", "main", "tags"));
  assert.ok(refPatternMatches("~ALL", "refs/tags/v1.2.3", "main", "tags"));
  assert.ok(!refPatternMatches("refs/tags/release-*", "refs/tags/v1.2.3", "main", "tags"));
  assert.ok(refPatternMatches("~DEFAULT_BRANCH", "refs/heads/main", "main", "heads"));
  const tagRuleset = (rules: string[], include = ["refs/tags/v*"], exclude: string[] = []) =>
    RulesetSchema.parse({
      id: 9,
      name: "tags",
      target: "tag",
      enforcement: "active",
      conditions: { ref_name: { include, exclude } },
      rules: rules.map((type) => ({ type })),
    });
  const tags = (rs: RepoPosture["rulesets"], pol: Record<string, unknown> = {}) =>
    evaluatePosture(
      { repository: "o/r", defaultBranch: "main", rulesets: rs },
      project({ policy: pol }),
    )
      .filter((f) => f.rule === "posture/release-tags-unprotected").map((f) =>
        f.subject.split(":").pop()
      );
  assert.deepEqual(tags([]), ["creation", "update", "deletion"]);
  assert.deepEqual(tags([tagRuleset(["creation", "update", "deletion"])]), []);
  assert.deepEqual(tags([tagRuleset(["deletion"])]), ["creation", "update"]);
  assert.deepEqual(
    tags([tagRuleset(["creation", "update", "deletion"], ["~ALL"], ["refs/tags/v*"])]),
    [
      "creation",
      "update",
      "deletion",
    ],
  );
  // A project tagging `release-1.2.3` is not covered by a v* ruleset.
  assert.deepEqual(
    tags([tagRuleset(["creation", "update", "deletion"])], { tag_pattern: "release-{version}" }),
    [
      "creation",
      "update",
      "deletion",
    ],
  );
});

Deno.test("CODEOWNERS coverage: defaults, policy paths, last match wins, min owners", () => {
  const base = {
    repository: "o/r",
    defaultBranch: "main",
    workflows: [{
      path: ".github/workflows/publish.yml",
      sha: "a",
      size: 1,
      text: "on: push\njobs: {}\n",
    }],
  };
  const covered = (text: string, pol: Record<string, unknown> = {}) =>
    evaluatePosture(
      {
        ...base,
        codeowners: { path: ".github/CODEOWNERS", sha: "s", size: text.length, text },
        codeownersErrors: [],
      },
      project({ policy: pol }),
    ).filter((f) => f.rule.startsWith("posture/codeowners")).map((f) =>
      f.subject.split("CODEOWNERS:")[1]
    );
  assert.deepEqual(covered("* @o/all\n"), []);
  // The last matching line wins: an ownerless line for workflows removes coverage.
  assert.deepEqual(covered("* @o/all\n/.github/workflows/\n"), [".github/workflows/**"]);
  // Only some release files covered.
  assert.deepEqual(covered("/.github/ @o/rel\npyproject.toml @o/rel\n"), [
    "setup.py",
    "MANIFEST.in",
    "SECURITY.md",
    "RELEASING.md",
  ]);
  // docs/* does not reach nested files; policy paths are checked too.
  assert.deepEqual(
    covered("* @a\n/src/* @b\n/src/pkg/\n", { codeowners_paths: ["src/pkg/_version.py"] }),
    [
      "src/pkg/_version.py",
    ],
  );
  // Two owners required.
  assert.deepEqual(
    covered("* @o/all\n/.github/ @a @b\n", { min_code_owners: 2 }).length,
    DEFAULT_CODEOWNERS_PATHS.length - 1,
  );
  const missing = evaluatePosture({ ...base, codeowners: null }, project());
  assert.ok(missing.some((f) => f.rule === "posture/codeowners-missing"));
  const errors = evaluatePosture({
    ...base,
    codeowners: { path: "CODEOWNERS", sha: "s", size: 5, text: "* @all\n" },
    codeownersErrors: [{ line: 3, kind: "Unknown owner", message: "Unknown owner on line 3" }],
  }, project());
  assert.ok(errors.some((f) => f.rule === "posture/codeowners-errors"));
});

Deno.test("environments: the configured one and those the publish jobs use", () => {
  const wf =
    "on: release\npermissions: {}\njobs:\n  upload:\n    runs-on: x\n    environment: release\n    permissions:\n      id-token: write\n    steps:\n      - run: twine upload dist/*\n";
  const data: RepoPosture = {
    repository: "o/r",
    defaultBranch: "main",
    workflows: [{ path: ".github/workflows/r.yml", sha: "a", size: wf.length }],
    workflowFiles: [readWorkflowText(".github/workflows/r.yml", wf, { sha: "a" })],
    environments: [{
      name: "release",
      protection_rules: [{ type: "wait_timer", wait_timer: 5 }],
      deployment_branch_policy: null,
    }],
  };
  const fs = evaluatePosture(
    data,
    project({ publisher: { repository: "o/r", workflow: "r.yml", environment: "pypi" } }),
  );
  const env = fs.filter((f) => f.rule.startsWith("posture/publish-environment")).map((f) =>
    f.subject
  ).sort();
  assert.deepEqual(env, [
    "o/r:environment:pypi:exists",
    "o/r:environment:release:refs",
    "o/r:environment:release:reviewers",
  ]);
  // The workflow rule also notes the publish job uses another environment than configured.
  assert.ok(fs.some((f) => f.rule === "workflows/publish-without-environment"));
});

Deno.test("toggles: false is a finding, undefined (not observed) is not", () => {
  const on: RepoPosture = {
    repository: "o/r",
    defaultBranch: "main",
    securityPolicy: { path: "SECURITY.md", sha: "a", size: 1 },
    privateVulnerabilityReporting: true,
    vulnerabilityAlerts: true,
    immutableReleases: true,
  };
  assert.deepEqual(evaluatePosture(on, project()), []);
  const off = {
    ...on,
    privateVulnerabilityReporting: false,
    vulnerabilityAlerts: false,
    immutableReleases: false,
  };
  assert.equal(evaluatePosture(off, project()).length, 3);
  const unknown = { repository: "o/r", defaultBranch: "main" };
  assert.deepEqual(evaluatePosture(unknown, project()), []);
  // Per-project overrides: a disabled rule is dropped, a severity is replaced.
  const over = evaluatePosture(
    off,
    project({
      rules: {
        "posture/dependabot-alerts-off": { enabled: false },
        "posture/immutable-releases-off": { severity: "critical" },
      },
    }),
  );
  assert.deepEqual(over.map((f) => `${f.rule}:${f.severity}`).sort(), [
    "posture/immutable-releases-off:critical",
    "posture/private-vulnerability-reporting-off:medium",
  ]);
});

Deno.test("actor names and the rule catalog", () => {
  assert.equal(actorName({ actor_id: 5, actor_type: "RepositoryRole" }), "RepositoryRole:5");
  assert.equal(actorName({ actor_id: 1, actor_type: "OrganizationAdmin" }), "OrganizationAdmin");
  assert.equal(actorName({ actor_id: null, actor_type: "DeployKey" }), "DeployKey");
  const all = [...POSTURE_RULES, ...WORKFLOW_RULES];
  assert.equal(new Set(all.map((r) => r.id)).size, all.length);
  assert.ok(all.every((r) => r.job === "repo" && r.title && r.control && r.remediation));
});

// ---------------------------------------------------------------------------------------------
// One case per posture rule: a hardened repository, and the one change that breaks each control.

const STRONG_PROTECTION = {
  required_status_checks: { contexts: ["ci"], checks: [] },
  enforce_admins: { enabled: true },
  required_pull_request_reviews: {
    required_approving_review_count: 1,
    require_code_owner_reviews: true,
    require_last_push_approval: true,
  },
  required_linear_history: { enabled: true },
  allow_force_pushes: { enabled: false },
  allow_deletions: { enabled: false },
  required_conversation_resolution: { enabled: true },
};
const TAG_RULESET = {
  id: 9,
  name: "tags",
  target: "tag",
  enforcement: "active",
  conditions: { ref_name: { include: ["refs/tags/v*"], exclude: [] } },
  rules: [{ type: "creation" }, { type: "update" }, { type: "deletion" }],
};
const PUBLISH_WF = "on: release\npermissions: {}\njobs:\n  upload:\n    runs-on: ubuntu-latest\n" +
  "    environment: pypi\n    permissions:\n      id-token: write\n    steps:\n" +
  "      - uses: pypa/gh-action-pypi-publish@76f52bc884231f62b9a034ebfe128415bbaabdfc\n";
const CODEOWNERS = "* @o/maintainers\n";

/** A repository that follows the hardening plan in every observed area. */
function hardened(): RepoPosture {
  return {
    repository: "o/r",
    defaultBranch: "main",
    settings: { allow_merge_commit: true },
    rulesets: [RulesetSchema.parse(TAG_RULESET)],
    branchRules: [],
    branchProtection: BranchProtectionSchema.parse(STRONG_PROTECTION),
    codeowners: { path: ".github/CODEOWNERS", sha: "c", size: CODEOWNERS.length, text: CODEOWNERS },
    codeownersErrors: [],
    securityPolicy: { path: "SECURITY.md", sha: "s", size: 1 },
    privateVulnerabilityReporting: true,
    vulnerabilityAlerts: true,
    immutableReleases: true,
    actions: { enabled: true, allowed_actions: "selected", sha_pinning_required: true },
    selectedActions: { patterns_allowed: ["pypa/*"] },
    workflowPermissions: {
      default_workflow_permissions: "read",
      can_approve_pull_request_reviews: false,
    },
    environments: [{
      name: "pypi",
      protection_rules: [{
        type: "required_reviewers",
        reviewers: [{ type: "User", reviewer: { id: 1 } }],
      }],
      deployment_branch_policy: { protected_branches: true, custom_branch_policies: false },
    }],
    runners: [],
    webhooks: [{
      id: 1,
      active: true,
      events: ["push"],
      target: "https://hooks.example",
      insecureSsl: false,
    }],
    deployKeys: [{ id: 1, title: "docs", readOnly: true }],
    workflows: [{
      path: ".github/workflows/release.yml",
      sha: "w",
      size: PUBLISH_WF.length,
    }],
    workflowFiles: [readWorkflowText(".github/workflows/release.yml", PUBLISH_WF, { sha: "w" })],
  };
}
const PUBLISHER = { repository: "o/r", workflow: "release.yml", environment: "pypi" };

function postureCase(
  edit: (data: RepoPosture) => void = () => {},
  over: Record<string, unknown> = {},
): PostureInput {
  const data = hardened();
  edit(data);
  return {
    data,
    facts: postureFacts(data),
    project: project({ publisher: PUBLISHER, ...over }),
    unobservable: [],
  };
}
/** Edit the classic protection of the hardened repository. */
const protection = (f: (bp: Record<string, unknown>) => void) =>
  postureCase((d) => {
    const bp = structuredClone(STRONG_PROTECTION) as Record<string, unknown>;
    f(bp);
    d.branchProtection = BranchProtectionSchema.parse(bp);
  });
const reviews = (f: (r: Record<string, unknown>) => void) =>
  protection((bp) => f(bp.required_pull_request_reviews as Record<string, unknown>));
const clean = postureCase();

Deno.test("posture: the hardened repository of the table raises nothing at all", () => {
  assert.deepEqual(evaluatePosture(clean.data, clean.project), []);
});

ruleTable("posture", POSTURE_RULESET, {
  "posture/branch-deletion-allowed": {
    fires: protection((bp) => bp.allow_deletions = { enabled: true }),
    clean,
  },
  "posture/branch-force-push-allowed": {
    fires: protection((bp) => bp.allow_force_pushes = { enabled: true }),
    clean,
  },
  "posture/branch-pull-request-not-required": {
    fires: protection((bp) => bp.required_pull_request_reviews = null),
    clean,
  },
  "posture/branch-approvals-too-few": {
    fires: reviews((r) => r.required_approving_review_count = 0),
    clean,
  },
  "posture/branch-code-owner-review-off": {
    fires: reviews((r) => r.require_code_owner_reviews = false),
    clean,
  },
  "posture/branch-last-push-approval-off": {
    fires: reviews((r) => r.require_last_push_approval = false),
    clean,
  },
  "posture/branch-conversation-resolution-off": {
    fires: protection((bp) => bp.required_conversation_resolution = { enabled: false }),
    clean,
  },
  "posture/branch-status-checks-missing": {
    fires: postureCase(() => {}, { policy: { required_checks: ["lint"] } }),
    clean: postureCase(() => {}, { policy: { required_checks: ["ci"] } }),
  },
  "posture/branch-linear-history-off": {
    fires: protection((bp) => bp.required_linear_history = { enabled: false }),
    clean,
  },
  "posture/branch-merge-commits-allowed": {
    fires: protection((bp) => bp.required_linear_history = { enabled: false }),
    clean: postureCase((d) => {
      d.settings = { allow_merge_commit: false };
      d.branchProtection = BranchProtectionSchema.parse({
        ...STRONG_PROTECTION,
        required_linear_history: { enabled: false },
      });
    }),
  },
  "posture/branch-bypass-actor": {
    fires: protection((bp) => bp.enforce_admins = { enabled: false }),
    clean,
  },
  "posture/release-tags-unprotected": {
    fires: postureCase((d) => d.rulesets = []),
    clean,
  },
  "posture/codeowners-missing": {
    fires: postureCase((d) => d.codeowners = null),
    clean,
  },
  "posture/codeowners-errors": {
    fires: postureCase((d) =>
      d.codeownersErrors = [{ line: 1, kind: "Unknown owner", message: "Unknown owner on line 1" }]
    ),
    clean,
  },
  // The last matching line wins: an ownerless workflows line takes the release files' owner away.
  "posture/codeowners-path-uncovered": {
    fires: postureCase((d) => {
      const text = `${CODEOWNERS}/.github/workflows/\n`;
      d.codeowners = { path: ".github/CODEOWNERS", sha: "c2", size: text.length, text };
    }),
    clean,
    check: (fs) =>
      assert.deepEqual(fs.map((f) => f.subject), ["o/r:CODEOWNERS:.github/workflows/**"]),
  },
  "posture/security-policy-missing": {
    fires: postureCase((d) => d.securityPolicy = null),
    clean,
  },
  "posture/private-vulnerability-reporting-off": {
    fires: postureCase((d) => d.privateVulnerabilityReporting = false),
    clean: postureCase((d) => d.privateVulnerabilityReporting = undefined),
  },
  "posture/dependabot-alerts-off": {
    fires: postureCase((d) => d.vulnerabilityAlerts = false),
    clean: postureCase((d) => d.vulnerabilityAlerts = undefined),
  },
  "posture/immutable-releases-off": {
    fires: postureCase((d) => d.immutableReleases = false),
    clean,
  },
  "posture/actions-default-token-write": {
    fires: postureCase((d) => d.workflowPermissions!.default_workflow_permissions = "write"),
    clean,
  },
  "posture/actions-can-approve-pull-requests": {
    fires: postureCase((d) => d.workflowPermissions!.can_approve_pull_request_reviews = true),
    clean,
  },
  "posture/actions-allowed-unrestricted": {
    fires: postureCase((d) => d.selectedActions = { patterns_allowed: ["*"] }),
    clean,
  },
  "posture/actions-sha-pinning-not-required": {
    fires: postureCase((d) => d.actions!.sha_pinning_required = false),
    clean,
  },
  "posture/self-hosted-runners": {
    fires: postureCase((d) => d.runners = [{ id: 1, name: "box", os: "linux" }]),
    clean: postureCase((d) => d.runners = [{ id: 1, name: "box" }], {
      policy: { self_hosted_runners_allowed: true },
    }),
  },
  "posture/publish-environment-missing": {
    fires: postureCase((d) => d.environments = []),
    clean,
  },
  "posture/publish-environment-no-reviewers": {
    fires: postureCase((d) => d.environments![0].protection_rules = [{ type: "wait_timer" }]),
    clean,
  },
  "posture/publish-environment-unrestricted-refs": {
    fires: postureCase((d) => d.environments![0].deployment_branch_policy = null),
    clean,
  },
  "posture/deploy-key-write": {
    fires: postureCase((d) => d.deployKeys = [{ id: 1, title: "docs", readOnly: false }]),
    clean,
  },
  "posture/webhook-insecure-ssl": {
    fires: postureCase((d) => d.webhooks![0].insecureSsl = true),
    clean,
  },
});
