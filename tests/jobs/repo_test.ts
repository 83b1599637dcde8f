import assert from "node:assert/strict";
import { ConfigSchema, type Project, ProjectSchema } from "../../src/config.ts";
import type { JobContext } from "../../src/observations/job.ts";
import { createRepoJob } from "../../jobs/repo.ts";
import { SandboxResponse } from "../../src/sandbox/github_posture.ts";
import { realdata } from "../_realdata.ts";
import { serveGithub } from "./_github_server.ts";

const TOKEN = "github_pat_test_0123456789abcdefghijklmnopqrstuv";
const job = createRepoJob({ client: { retries: 0, retryBaseMs: 1 } });

const readJson = async (rel: string) => JSON.parse(await Deno.readTextFile(realdata(rel)));
const example = (f: string) => readJson(`github-api/rest-api-description/examples/${f}`);

function b64(text: string): string {
  let bin = "";
  for (const b of new TextEncoder().encode(text)) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** Routes for octocat/Hello-World built from GitHub's documented examples and real read-backs. */
async function realdataRoutes(): Promise<Map<string, unknown>> {
  const base = "/repos/octocat/Hello-World";
  const m = new Map<string, unknown>();
  m.set(base, await example("GET_repos_owner_repo__200__full-repository-default-response.json"));
  const list = await example("GET_repos_owner_repo_rulesets__200__repository-ruleset-items.json");
  const sevn = await readJson(
    "github-api/third-party-readbacks/sevn-bot_sevn_ruleset_18631367.json",
  );
  m.set(`${base}/rulesets`, [list[0], {
    id: sevn.id,
    name: sevn.name,
    source_type: sevn.source_type,
    source: sevn.source,
    enforcement: sevn.enforcement,
  }]);
  m.set(
    `${base}/rulesets/42`,
    await example("GET_repos_owner_repo_rulesets_ruleset_id__200__repository-ruleset.json"),
  );
  m.set(`${base}/rulesets/${sevn.id}`, sevn);
  const effective = await example(
    "GET_repos_owner_repo_rules_branches_branch__200__repository-rule-items.json",
  );
  m.set(`${base}/rules/branches/master`, [
    ...effective,
    ...sevn.rules.map((r: object) => ({
      ...r,
      ruleset_source_type: "Repository",
      ruleset_source: sevn.source,
      ruleset_id: sevn.id,
    })),
  ]);
  const notProtected = await readJson(
    "github-api/octokit-fixtures/branch-protection/responses/00_GET_repos_octokit-fixture-org_branch-protection_branches_main_protection__404.json",
  );
  m.set(
    `${base}/branches/master/protection`,
    new SandboxResponse(notProtected.status, notProtected.response),
  );
  const release = await Deno.readTextFile(realdata("workflows/pypa_sampleproject__release.yml"));
  const sha = "1b2c3d4e5f60718293a4b5c6d7e8f90112233445";
  m.set(`${base}/contents/.github`, [
    { name: "workflows", path: ".github/workflows", sha, size: 0, type: "dir" },
  ]);
  m.set(`${base}/contents`, [
    { name: ".github", path: ".github", sha, size: 0, type: "dir" },
    { name: "README", path: "README", sha, size: 13, type: "file" },
  ]);
  const wf = { name: "release.yml", path: ".github/workflows/release.yml", sha, type: "file" };
  m.set(`${base}/contents/.github/workflows`, [{ ...wf, size: release.length }]);
  m.set(`${base}/contents/.github/workflows/release.yml`, {
    ...wf,
    size: release.length,
    encoding: "base64",
    content: b64(release),
  });
  m.set(
    `${base}/private-vulnerability-reporting`,
    await example("GET_repos_owner_repo_private-vulnerability-reporting__200__default.json"),
  );
  m.set(
    `${base}/immutable-releases`,
    await example("GET_repos_owner_repo_immutable-releases__200__default.json"),
  );
  m.set(
    `${base}/actions/permissions`,
    await example(
      "GET_repos_owner_repo_actions_permissions__200__actions-repository-permissions.json",
    ),
  );
  m.set(
    `${base}/actions/permissions/selected-actions`,
    await example(
      "GET_repos_owner_repo_actions_permissions_selected-actions__200__selected-actions.json",
    ),
  );
  m.set(
    `${base}/actions/permissions/workflow`,
    await example(
      "GET_repos_owner_repo_actions_permissions_workflow__200__actions-default-workflow-permissions.json",
    ),
  );
  m.set(
    `${base}/environments`,
    await example("GET_repos_owner_repo_environments__200__environments.json"),
  );
  // The bodies of GitHub's documented examples for these two endpoints (not in testdata/).
  m.set(`${base}/actions/permissions/fork-pr-contributor-approval`, {
    approval_policy: "first_time_contributors",
  });
  m.set(`${base}/actions/permissions/artifact-and-log-retention`, {
    days: 90,
    maximum_allowed_days: 365,
  });
  m.set(
    `${base}/environments/staging/deployment-branch-policies`,
    await example(
      "GET_repos_owner_repo_environments_environment_name_deployment-branch-policies__200__deployment-branch-policies-list.json",
    ),
  );
  return m;
}

function context(url: string, kv: Deno.Kv, logs: string[] = []): JobContext {
  return {
    config: ConfigSchema.parse({ upstream: { github_api: url, timeout_ms: 5000 } }),
    secrets: { githubToken: TOKEN, webhookSecrets: {} },
    kv,
    signal: new AbortController().signal,
    log: (event, fields) => logs.push(JSON.stringify({ event, ...fields })),
    now: () => new Date("2026-11-22T10:00:00Z"),
  };
}

function project(over: Record<string, unknown> = {}): Project {
  return ProjectSchema.parse({ name: "hello-world", github: "octocat/Hello-World", ...over });
}

const FORBIDDEN = [
  "/repos/octocat/Hello-World/hooks",
  "/repos/octocat/Hello-World/keys",
  "/repos/octocat/Hello-World/actions/runners",
];

Deno.test("collect: real example bodies, 403s become not observable, rules fire", async () => {
  const server = serveGithub(await realdataRoutes(), { forbidden: FORBIDDEN });
  const kv = await Deno.openKv(":memory:");
  const logs: string[] = [];
  try {
    const p = project({
      publisher: {
        repository: "octocat/Hello-World",
        workflow: "release.yml",
        environment: "pypi",
      },
    });
    const obs = await job.collect(p, context(server.url, kv, logs));
    assert.equal(obs.job, "repo");
    assert.equal(obs.data.defaultBranch, "master");
    assert.equal(obs.data.rulesets?.length, 2);
    assert.equal(obs.data.branchProtection, null); // "Branch not protected"
    assert.equal(obs.data.codeowners, null);
    assert.equal(obs.data.securityPolicy, null);
    assert.equal(obs.data.workflows?.length, 1);
    assert.equal(obs.data.workflowPermissions?.can_approve_pull_request_reviews, true);
    assert.equal(obs.data.environments?.[0].branchPolicies?.length, 2);
    assert.equal(obs.data.runners, undefined);
    const scopes = Object.fromEntries(obs.unobservable.map((u) => [u.scope, u.reason]));
    assert.deepEqual(Object.keys(scopes).sort(), [
      // The example bodies include no code scanning, code security configuration, secrets,
      // security_and_analysis, releases or commits: each is not observable, never compliant.
      "repo:code-scanning",
      "repo:codebase:default",
      // Drift compares the tag with the default branch: neither read, drift is not judged.
      "repo:codebase:drift",
      "repo:codebase:tag",
      "repo:dependabot",
      "repo:dependency-graph",
      "repo:deploy-keys",
      "repo:runners",
      "repo:secret-scanning",
      "repo:secrets:environment",
      "repo:secrets:organization",
      "repo:secrets:repository",
      "repo:webhooks",
      // The fixture serves no action repositories: the online checks are not observable.
      "repo:workflow-actions:actions/checkout",
      "repo:workflow-actions:actions/setup-python",
      "repo:workflow-actions:pypa/gh-action-pypi-publish",
      "repo:workflows:drift",
    ]);
    // The documented examples: approval for first-time contributors, 90 days of retention.
    assert.equal(obs.data.controls?.forkApproval, "first_time_contributors");
    assert.equal(obs.data.controls?.retentionDays, 90);
    assert.equal(
      scopes["repo:webhooks"],
      "not observable with this token (403; GitHub asks for administration=read)",
    );
    assert.match(scopes["repo:dependabot"], /needs admin/); // 404 with a non-admin token
    assert.equal(obs.stats.requests, server.seen.length);
    assert.ok(server.seen.every((s) => s.auth === `token ${TOKEN}`));
    assert.ok(!logs.join("\n").includes(TOKEN), "the token is never logged");

    const findings = job.evaluate(obs, p, new Date());
    const rules = findings.map((f) => f.rule).sort();
    for (
      const expected of [
        "posture/branch-status-checks-missing",
        "posture/branch-linear-history-off",
        "posture/branch-merge-commits-allowed",
        "posture/release-tags-unprotected",
        "posture/codeowners-missing",
        "posture/security-policy-missing",
        "posture/actions-can-approve-pull-requests",
        "posture/publish-environment-missing",
        "workflows/unpinned-action",
        "workflows/publish-without-environment",
      ]
    ) assert.ok(rules.includes(expected), `missing ${expected}`);
    // The sevn-bot ruleset blocks deletion and force pushes and requires reviews.
    for (
      const absent of [
        "posture/branch-deletion-allowed",
        "posture/branch-force-push-allowed",
        "posture/branch-pull-request-not-required",
        "posture/branch-approvals-too-few",
        "posture/dependabot-alerts-off",
        "posture/self-hosted-runners",
        "posture/immutable-releases-off",
      ]
    ) assert.ok(!rules.includes(absent), `unexpected ${absent}`);
    // Admins may always bypass (real read-back): RepositoryRole 5, and Team 234 from the example.
    const bypass = findings.filter((f) => f.rule === "posture/branch-bypass-actor");
    assert.deepEqual(bypass.map((f) => f.subject).sort(), [
      "octocat/Hello-World@master:bypass:RepositoryRole:5",
      "octocat/Hello-World@master:bypass:Team:234",
    ]);
    // Allow-listing the admin role silences it, and only it.
    const allowed = project({ policy: { bypass_allowed: ["RepositoryRole:5"] } });
    const after = job.evaluate(obs, allowed, new Date()).filter((f) =>
      f.rule === "posture/branch-bypass-actor"
    );
    assert.deepEqual(after.map((f) => f.subject), ["octocat/Hello-World@master:bypass:Team:234"]);
    assert.equal(job.changes?.(undefined, obs).length, 0);
  } finally {
    kv.close();
    await server.close();
  }
});

Deno.test("warm sweep: unchanged resources cost 304s; a weakened setting is ledgered", async () => {
  const routes = await realdataRoutes();
  const server = serveGithub(routes, { forbidden: FORBIDDEN });
  const kv = await Deno.openKv(":memory:");
  try {
    const p = project();
    const cold = await job.collect(p, context(server.url, kv));
    // The codebase controls re-read three default-branch listings the posture read: 304s.
    assert.equal(cold.stats.notModified, 3);
    const warm = await job.collect(p, context(server.url, kv));
    assert.equal(warm.stats.requests, cold.stats.requests);
    const warmSeen = server.seen.slice(cold.stats.requests);
    // The online action checks (3 actions x branches, tags, advisories) answer 404 here.
    const actionChecks = warmSeen.filter((r) =>
      /^\/repos\/(actions|pypa)\/|^\/advisories/.test(r.path)
    ).length;
    assert.equal(actionChecks, 9);
    const non304 = warm.stats.requests - warm.stats.notModified - actionChecks;
    // Left: protection 404, vulnerability-alerts 404, docs/ 404, org SECURITY.md 404, three 403s,
    // and the controls' 404s: three secret lists, code scanning, code security configuration,
    // releases, the default branch's commit.
    assert.equal(non304, 14, JSON.stringify(warmSeen));
    assert.deepEqual(warm.data, cold.data);
    assert.deepEqual(job.changes?.(cold, warm), []);

    // Someone switches the default token to read-write and adds a bypass actor.
    routes.set("/repos/octocat/Hello-World/actions/permissions/workflow", {
      default_workflow_permissions: "write",
      can_approve_pull_request_reviews: true,
    });
    const rs = structuredClone(routes.get("/repos/octocat/Hello-World/rulesets/42")) as {
      bypass_actors: unknown[];
    };
    rs.bypass_actors.push({ actor_id: 1, actor_type: "OrganizationAdmin", bypass_mode: "always" });
    routes.set("/repos/octocat/Hello-World/rulesets/42", rs);
    const next = await job.collect(p, context(server.url, kv));
    const events = job.changes?.(warm, next) ?? [];
    assert.equal(events.length, 1);
    assert.equal(events[0].kind, "posture.changed");
    const body = events[0].body as { changes: { path: string; before: unknown; after: unknown }[] };
    assert.deepEqual(
      body.changes.find((c) => c.path === "workflowPermissions.default_workflow_permissions"),
      {
        path: "workflowPermissions.default_workflow_permissions",
        before: "read",
        after: "write",
      },
    );
    assert.ok(
      body.changes.some((c) => c.path.includes("bypass_actors[actor_type=OrganizationAdmin")),
    );
    const rules = job.evaluate(next, p, new Date()).map((f) => f.rule);
    assert.ok(rules.includes("posture/actions-default-token-write"));
    assert.ok(rules.includes("posture/branch-bypass-actor"));
  } finally {
    kv.close();
    await server.close();
  }
});

Deno.test("a token without admin access: nothing is reported compliant", async () => {
  const routes = await realdataRoutes();
  const server = serveGithub(routes, {
    forbidden: [/\/rulesets/, /\/actions\//, /\/environments/, ...FORBIDDEN],
  });
  const kv = await Deno.openKv(":memory:");
  try {
    const p = project();
    const obs = await job.collect(p, context(server.url, kv));
    const scopes = obs.unobservable.map((u) => u.scope);
    for (
      const s of [
        "repo:rulesets",
        "repo:branch",
        "repo:tags",
        "repo:bypass",
        "repo:actions",
        "repo:environments",
      ]
    ) {
      assert.ok(scopes.includes(s), `${s} should be unobservable`);
    }
    const findings = job.evaluate(obs, p, new Date());
    assert.ok(findings.every((f) => !scopes.includes(f.scope)));
    assert.ok(!findings.some((f) => f.rule.startsWith("posture/branch-")));
  } finally {
    kv.close();
    await server.close();
  }
});

Deno.test("upstream down or project without GitHub: unobservable, never a throw", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    const obs = await job.collect(project(), context(`http://127.0.0.1:${port}`, kv));
    assert.ok(obs.unobservable.some((u) => u.scope === "repo:settings"));
    assert.ok(obs.unobservable.some((u) => u.scope === "repo:branch"));
    assert.ok(obs.stats.errors > 0);
    const findings = job.evaluate(obs, project(), new Date());
    const blind = new Set(obs.unobservable.map((u) => u.scope));
    assert.ok(findings.every((f) => !blind.has(f.scope)));

    const none = await job.collect(
      ProjectSchema.parse({ name: "nogh" }),
      context("http://127.0.0.1:9", kv),
    );
    assert.deepEqual(none.unobservable, [{
      scope: "*",
      reason: "no GitHub repository configured",
    }]);
    assert.deepEqual(job.evaluate(none, ProjectSchema.parse({ name: "nogh" }), new Date()), []);
  } finally {
    kv.close();
  }
});

Deno.test("hostile bodies: wrong shapes and huge lists are bounded, not crashes", async () => {
  const routes = await realdataRoutes();
  routes.set("/repos/octocat/Hello-World/actions/permissions/workflow", {
    default_workflow_permissions: 7,
  });
  routes.set("/repos/octocat/Hello-World/environments", {
    total_count: 1,
    environments: [{ name: "x".repeat(10_000) }],
  });
  routes.set(
    "/repos/octocat/Hello-World/contents/.github/workflows/release.yml",
    { type: "file", path: "x", sha: "y", size: 10, encoding: "base64", content: "!!!not base64" },
  );
  const server = serveGithub(routes, { forbidden: FORBIDDEN });
  const kv = await Deno.openKv(":memory:");
  try {
    const obs = await job.collect(project(), context(server.url, kv));
    const scopes = Object.fromEntries(obs.unobservable.map((u) => [u.scope, u.reason]));
    assert.match(scopes["repo:actions"], /unexpected response shape/);
    assert.match(scopes["repo:environments"], /unexpected response shape/);
    assert.match(obs.data.workflows?.[0].error ?? "", /base64/);
    const findings = job.evaluate(obs, project(), new Date());
    assert.ok(findings.some((f) => f.rule === "workflows/invalid-workflow"));
  } finally {
    kv.close();
    await server.close();
  }
});
