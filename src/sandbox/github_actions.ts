/**
 * Sandbox GitHub responses for the online action checks of the `repo` sweep: the branches and
 * tags of action repositories, the compare API (`base...sha`) and the global advisory database
 * (`GET /advisories?ecosystem=actions&affects=owner/repo`). Shaped like GitHub's documented
 * responses, reduced to the fields the auditor reads.
 *
 * @example
 * ```ts
 * const routes = githubActionRoutes([{ repository: "acme/act", branches: [{ name: "main", sha }] }]);
 * routes.get("/repos/acme/act/branches"); // [{ name: "main", commit: { sha } }]
 * ```
 * @module
 */
import { githubRouteKey } from "./github_access.ts";
import { SHA } from "./github_posture.ts";

/** One action repository as the sandbox serves it. */
export interface SandboxAction {
  /** owner/repo. */
  repository: string;
  branches: { name: string; sha: string }[];
  tags?: { name: string; sha: string }[];
  /** Compare results by `base...head`; a pair not listed answers 404. */
  compare?: Record<string, "ahead" | "behind" | "identical" | "diverged">;
  /** Advisories (GitHub's global advisory shape, reduced). */
  advisories?: {
    ghsa_id: string;
    summary: string;
    severity: string;
    range: string;
    patched?: string;
  }[];
}

const refs = (list: { name: string; sha: string }[], repo: string) =>
  list.map((r) => ({
    name: r.name,
    commit: { sha: r.sha, url: `https://api.github.com/repos/${repo}/commits/${r.sha}` },
  }));

/**
 * The routes of some action repositories.
 *
 * @example
 * ```ts
 * githubActionRoutes(DEFAULT_SANDBOX_ACTIONS).has("/repos/actions/checkout/tags"); // true
 * ```
 */
export function githubActionRoutes(actions: readonly SandboxAction[]): Map<string, unknown> {
  const routes = new Map<string, unknown>();
  const all: unknown[] = [];
  for (const a of actions) {
    const base = `/repos/${a.repository}`;
    routes.set(`${base}/branches`, refs(a.branches, a.repository));
    routes.set(`${base}/tags`, refs(a.tags ?? [], a.repository));
    for (const [basehead, status] of Object.entries(a.compare ?? {})) {
      routes.set(`${base}/compare/${basehead}`, {
        status,
        ahead_by: status === "ahead" || status === "diverged" ? 1 : 0,
        behind_by: status === "behind" || status === "diverged" ? 1 : 0,
        total_commits: 0,
        commits: [],
      });
    }
    const advisories = (a.advisories ?? []).map((adv) => ({
      ghsa_id: adv.ghsa_id,
      summary: adv.summary,
      severity: adv.severity,
      html_url: `https://github.com/advisories/${adv.ghsa_id}`,
      vulnerabilities: [{
        package: { ecosystem: "actions", name: a.repository },
        vulnerable_version_range: adv.range,
        first_patched_version: adv.patched ?? null,
      }],
    }));
    routes.set(
      githubRouteKey("/advisories", `ecosystem=actions&affects=${a.repository}`),
      advisories,
    );
    // A server that ignores the query gets every advisory (the job filters by package name).
    all.push(...advisories);
  }
  routes.set("/advisories", all);
  return routes;
}

const MAIN = (sha: string) => [{ name: "main", sha }];

/** The actions the sandbox's workflows use, their pinned commits reachable, no advisories. */
export const DEFAULT_SANDBOX_ACTIONS: readonly SandboxAction[] = [
  {
    repository: "actions/checkout",
    branches: MAIN(SHA.checkout),
    tags: [{ name: "v5.0.0", sha: SHA.checkout }],
  },
  {
    repository: "actions/upload-artifact",
    branches: MAIN(SHA.upload),
    tags: [{ name: "v4.6.2", sha: SHA.upload }],
  },
  {
    repository: "actions/download-artifact",
    branches: MAIN(SHA.download),
    tags: [{ name: "v5.0.0", sha: SHA.download }],
  },
  {
    repository: "actions/setup-python",
    branches: MAIN("a26af69be951a213d495a4c3e4e4022e16d87065"),
  },
  {
    repository: "actions/dependency-review-action",
    branches: MAIN(SHA.review),
    tags: [{ name: "v4.7.1", sha: SHA.review }],
  },
  {
    repository: "github/codeql-action",
    branches: MAIN(SHA.codeql),
    tags: [{ name: "v3.29.0", sha: SHA.codeql }],
  },
  {
    repository: "pypa/gh-action-pypi-publish",
    branches: [{ name: "release/v1", sha: SHA.publish }],
    tags: [{ name: "v1.12.4", sha: SHA.publish }],
  },
];
