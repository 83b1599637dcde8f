/**
 * Sandbox scenario data: the GitHub API responses that describe a repository's posture,
 * shaped like GitHub's documented examples (rest-api-description) and real ruleset read-backs.
 * A hardened repository yields no posture finding; a weak one yields several.
 *
 * The map is keyed by the request path without query string, percent-decoded
 * (`/repos/o/r/contents/.github/workflows`): a server should look up
 * `decodeURIComponent(url.pathname)`. A plain value is a `200` JSON body; a
 * {@link SandboxResponse} carries another status (`404` "Branch not protected", `204`).
 *
 * @example
 * ```ts
 * const routes = buildGithubPosture({ owner: "acme", repo: "widgets", hardened: true });
 * const hit = routes.get("/repos/acme/widgets/rulesets");
 * const { status, body } = hit instanceof SandboxResponse ? hit : { status: 200, body: hit };
 * ```
 * @module
 */

import { controlsRoutes, PIN, releaseWorkflow } from "./github_controls.ts";

/** A response with a status other than 200 (body null for 204). */
export class SandboxResponse {
  constructor(readonly status: number, readonly body: unknown) {}
}

/** Options of {@link buildGithubPosture}. */
export interface GithubPostureOptions {
  owner: string;
  repo: string;
  hardened: boolean;
  /** Default branch (default `main`). */
  defaultBranch?: string;
  /** The publishing environment (default `pypi`). */
  environment?: string;
}

/** Commits the sandbox workflows pin (github_actions.ts serves them as reachable). */
export const SHA = PIN;

/** A weak release workflow (as pypa/sampleproject's: tags, one job, no environment). */
const WEAK_WORKFLOW = `name: Release
on:
  push:
    branches:
      - main
jobs:
  build-and-publish:
    runs-on: ubuntu-latest
    permissions:
      id-token: write
    steps:
    - uses: actions/checkout@v3
    - uses: actions/setup-python@v4
      with:
        python-version: '3.x'
        cache: pip
    - run: python -m pip install -U build && python -m build .
    - uses: pypa/gh-action-pypi-publish@release/v1
`;

const HARDENED_CODEOWNERS = `# Release-sensitive files need two teams.
*                 @{owner}/maintainers
/.github/         @{owner}/release-team @{owner}/security
/pyproject.toml   @{owner}/release-team @{owner}/security
/setup.py         @{owner}/release-team @{owner}/security
/MANIFEST.in      @{owner}/release-team @{owner}/security
/SECURITY.md      @{owner}/security
/RELEASING.md     @{owner}/release-team
`;

function b64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/(.{60})/g, "$1\n");
}

/** Git blob SHA-1 is not needed for the scenario: a stable fake id derived from the text. */
function blobId(text: string): string {
  let h1 = 0x811c9dc5, h2 = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    h1 = Math.imul(h1 ^ text.charCodeAt(i), 16777619) >>> 0;
    h2 = Math.imul(h2 + text.charCodeAt(i), 2246822519) >>> 0;
  }
  return (h1.toString(16).padStart(8, "0") + h2.toString(16).padStart(8, "0")).repeat(3)
    .slice(0, 40);
}

function fileEntry(path: string, text: string) {
  return {
    name: path.split("/").pop(),
    path,
    sha: blobId(text),
    size: new TextEncoder().encode(text).byteLength,
    type: "file",
  };
}
function dirEntry(path: string) {
  return { name: path.split("/").pop(), path, sha: blobId(path), size: 0, type: "dir" };
}
function fileBody(path: string, text: string) {
  return { ...fileEntry(path, text), encoding: "base64", content: b64(text) };
}

/**
 * Build the posture responses of a scenario repository.
 *
 * @example
 * ```ts
 * const weak = buildGithubPosture({ owner: "acme", repo: "legacy", hardened: false });
 * weak.get("/repos/acme/legacy/actions/permissions/workflow");
 * // { default_workflow_permissions: "write", can_approve_pull_request_reviews: true }
 * ```
 */
export function buildGithubPosture(opts: GithubPostureOptions): Map<string, unknown> {
  const { owner, repo, hardened } = opts;
  const branch = opts.defaultBranch ?? "main";
  const env = opts.environment ?? "pypi";
  const base = `/repos/${owner}/${repo}`;
  const api = `https://api.github.com${base}`;
  const m = new Map<string, unknown>();
  const notFound = (message = "Not Found") =>
    new SandboxResponse(404, {
      message,
      documentation_url: "https://docs.github.com/rest",
      status: "404",
    });

  m.set(base, {
    id: 1296269,
    node_id: "MDEwOlJlcG9zaXRvcnkxMjk2MjY5",
    name: repo,
    full_name: `${owner}/${repo}`,
    owner: { login: owner, id: 1, type: "Organization" },
    private: false,
    html_url: `https://github.com/${owner}/${repo}`,
    default_branch: branch,
    visibility: "public",
    archived: false,
    allow_merge_commit: !hardened,
    allow_squash_merge: true,
    allow_rebase_merge: true,
    permissions: { admin: true, maintain: true, push: true, triage: true, pull: true },
    security_and_analysis: {
      advanced_security: { status: "enabled" },
      secret_scanning: { status: hardened ? "enabled" : "disabled" },
      secret_scanning_push_protection: { status: hardened ? "enabled" : "disabled" },
      dependabot_security_updates: { status: hardened ? "enabled" : "disabled" },
    },
  });

  // Rulesets: a branch ruleset shaped like a real read-back, and a tag ruleset.
  const links = (id: number) => ({
    self: { href: `${api}/rulesets/${id}` },
    html: { href: `https://github.com/${owner}/${repo}/rules/${id}` },
  });
  const branchRules = [
    { type: "deletion" },
    { type: "non_fast_forward" },
    { type: "required_linear_history" },
    {
      type: "pull_request",
      parameters: {
        required_approving_review_count: 1,
        dismiss_stale_reviews_on_push: true,
        required_reviewers: [],
        require_code_owner_review: true,
        require_last_push_approval: true,
        required_review_thread_resolution: true,
        allowed_merge_methods: ["squash", "rebase"],
      },
    },
    {
      type: "required_status_checks",
      parameters: {
        strict_required_status_checks_policy: true,
        do_not_enforce_on_create: false,
        required_status_checks: [{ context: "ci" }],
      },
    },
  ];
  if (hardened) {
    const summary = (id: number, name: string) => ({
      id,
      name,
      source_type: "Repository",
      source: `${owner}/${repo}`,
      enforcement: "active",
      node_id: `RRS_${id}`,
      _links: links(id),
      created_at: "2026-07-15T08:43:03Z",
      updated_at: "2026-08-23T16:29:47Z",
    });
    m.set(`${base}/rulesets`, [summary(42, "protect-default"), summary(43, "release-tags")]);
    m.set(`${base}/rulesets/42`, {
      ...summary(42, "protect-default"),
      target: "branch",
      bypass_actors: [],
      current_user_can_bypass: "never",
      conditions: { ref_name: { include: ["~DEFAULT_BRANCH"], exclude: [] } },
      rules: branchRules,
    });
    m.set(`${base}/rulesets/43`, {
      ...summary(43, "release-tags"),
      target: "tag",
      bypass_actors: [{ actor_id: 7, actor_type: "Team", bypass_mode: "always" }],
      current_user_can_bypass: "never",
      conditions: { ref_name: { include: ["refs/tags/v*"], exclude: [] } },
      rules: [{ type: "creation" }, { type: "update" }, { type: "deletion" }],
    });
    m.set(
      `${base}/rules/branches/${branch}`,
      branchRules.map((r) => ({
        ...r,
        ruleset_source_type: "Repository",
        ruleset_source: `${owner}/${repo}`,
        ruleset_id: 42,
      })),
    );
  } else {
    m.set(`${base}/rulesets`, []);
    m.set(`${base}/rules/branches/${branch}`, []);
  }
  m.set(`${base}/branches/${branch}/protection`, notFound("Branch not protected"));

  // Files: CODEOWNERS and SECURITY.md in .github/, the release workflow.
  const codeowners = HARDENED_CODEOWNERS.replaceAll("{owner}", owner);
  const security = "# Security policy\n\nReport vulnerabilities privately through GitHub.\n";
  const workflow = hardened ? releaseWorkflow(env) : WEAK_WORKFLOW;
  const dotGithub: unknown[] = [dirEntry(".github/workflows")];
  if (hardened) {
    dotGithub.push(fileEntry(".github/CODEOWNERS", codeowners));
    dotGithub.push(fileEntry(".github/SECURITY.md", security));
    m.set(`${base}/contents/.github/CODEOWNERS`, fileBody(".github/CODEOWNERS", codeowners));
    m.set(`${base}/codeowners/errors`, { errors: [] });
  }
  m.set(`${base}/contents/.github`, dotGithub);
  m.set(`${base}/contents`, [
    dirEntry(".github"),
    fileEntry("README.md", "# readme\n"),
    fileEntry("pyproject.toml", "[project]\n"),
  ]);
  m.set(`${base}/contents/.github/workflows`, [
    fileEntry(".github/workflows/release.yml", workflow),
  ]);
  m.set(
    `${base}/contents/.github/workflows/release.yml`,
    fileBody(".github/workflows/release.yml", workflow),
  );

  m.set(`${base}/private-vulnerability-reporting`, { enabled: hardened });
  m.set(`${base}/vulnerability-alerts`, hardened ? new SandboxResponse(204, null) : notFound());
  m.set(
    `${base}/immutable-releases`,
    hardened ? { enabled: true, enforced_by_owner: false } : notFound(),
  );

  m.set(`${base}/actions/permissions`, {
    enabled: true,
    allowed_actions: hardened ? "selected" : "all",
    selected_actions_url: `${api}/actions/permissions/selected-actions`,
    sha_pinning_required: hardened,
  });
  m.set(`${base}/actions/permissions/selected-actions`, {
    github_owned_allowed: true,
    verified_allowed: false,
    patterns_allowed: ["pypa/gh-action-pypi-publish@*"],
  });
  m.set(`${base}/actions/permissions/workflow`, {
    default_workflow_permissions: hardened ? "read" : "write",
    can_approve_pull_request_reviews: !hardened,
  });

  const environment = {
    id: 161088068,
    node_id: "MDExOkVudmlyb25tZW50MTYxMDg4MDY4",
    name: env,
    url: `${api}/environments/${env}`,
    html_url:
      `https://github.com/${owner}/${repo}/deployments/activity_log?environments_filter=${env}`,
    created_at: "2020-11-23T22:00:40Z",
    updated_at: "2020-11-23T22:00:40Z",
    protection_rules: [
      {
        id: 3755,
        node_id: "MDQ6R2F0ZTM3NTU=",
        prevent_self_review: true,
        type: "required_reviewers",
        reviewers: [{ type: "Team", reviewer: { id: 1, slug: "release-team" } }],
      },
      { id: 3756, node_id: "MDQ6R2F0ZTM3NTY=", type: "branch_policy" },
    ],
    deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
  };
  m.set(`${base}/environments`, {
    total_count: hardened ? 1 : 0,
    environments: hardened ? [environment] : [],
  });
  m.set(`${base}/environments/${env}/deployment-branch-policies`, {
    total_count: 1,
    branch_policies: [{
      id: 361471,
      node_id: "MDE2OkdhdGVCcmFuY2hQb2xpY3kzNjE0NzE=",
      name: "v*",
      type: "tag",
    }],
  });

  m.set(`${base}/actions/runners`, {
    total_count: hardened ? 0 : 1,
    runners: hardened
      ? []
      : [{ id: 23, name: "MBP", os: "macos", status: "online", busy: false, labels: [] }],
  });
  m.set(`${base}/hooks`, [{
    type: "Repository",
    id: 12345678,
    name: "web",
    active: true,
    events: ["push", "pull_request"],
    config: {
      content_type: "json",
      insecure_ssl: hardened ? "0" : "1",
      url: "https://example.com/webhook",
    },
  }]);
  m.set(`${base}/keys`, [{
    id: 1,
    key: "ssh-rsa AAA...",
    url: `${api}/keys/1`,
    title: "ci-deploy",
    verified: true,
    created_at: "2014-12-10T15:53:42Z",
    read_only: hardened,
  }]);
  // The owner's `.github` repository has no SECURITY.md in either scenario.
  m.set(`/repos/${owner}/.github/contents/SECURITY.md`, notFound());
  const controls = { owner, repo, hardened, defaultBranch: branch, environment: env };
  for (
    const [k, v] of controlsRoutes({
      ...controls,
      weakRelease: hardened ? undefined : WEAK_WORKFLOW,
    })
  ) m.set(k, v);
  return m;
}
