import assert from "node:assert/strict";
import { ConfigSchema, ProjectSchema } from "../../src/config.ts";
import type { JobContext } from "../../src/observations/job.ts";
import { createRepoJob } from "../../jobs/repo.ts";
import { buildGithubPosture, SandboxResponse } from "../../src/sandbox/github_posture.ts";
import { RulesetSchema } from "../../src/github/schemas.ts";
import { realdata } from "../_realdata.ts";
import { serveGithub } from "../jobs/_github_server.ts";
import { DEFAULT_SANDBOX_ACTIONS, githubActionRoutes } from "../../src/sandbox/github_actions.ts";

/** The posture routes plus the action repositories their workflows pin (online checks). */
const withActions = (routes: Map<string, unknown>) =>
  new Map([...routes, ...githubActionRoutes(DEFAULT_SANDBOX_ACTIONS)]);

const job = createRepoJob({ client: { retries: 0, retryBaseMs: 1 } });

function context(url: string, kv: Deno.Kv): JobContext {
  return {
    config: ConfigSchema.parse({ upstream: { github_api: url, timeout_ms: 5000 } }),
    secrets: { githubToken: "sandbox-token", webhookSecrets: {} },
    kv,
    signal: new AbortController().signal,
    log: () => {},
    now: () => new Date("2026-11-22T10:00:00Z"),
  };
}

const project = (repo: string) =>
  ProjectSchema.parse({
    name: repo,
    github: `acme/${repo}`,
    publisher: { repository: `acme/${repo}`, workflow: "release.yml", environment: "pypi" },
    policy: { required_checks: ["ci"] },
  });

Deno.test("sandbox: a hardened repository produces no posture finding", async () => {
  const server = serveGithub(
    withActions(buildGithubPosture({ owner: "acme", repo: "widgets", hardened: true })),
  );
  const kv = await Deno.openKv(":memory:");
  try {
    const p = project("widgets");
    const obs = await job.collect(p, context(server.url, kv));
    assert.deepEqual(obs.unobservable, []);
    assert.deepEqual(job.evaluate(obs, p, new Date()), []);
    // Every endpoint the job reads is in the scenario (no 404 besides the documented ones).
    const unexpected = server.seen.filter((s) =>
      s.status === 404 && !s.path.endsWith("/protection")
    );
    assert.deepEqual(unexpected, []);
  } finally {
    kv.close();
    await server.close();
  }
});

Deno.test("sandbox: a weak repository produces several findings across areas", async () => {
  const server = serveGithub(
    withActions(buildGithubPosture({ owner: "acme", repo: "legacy", hardened: false })),
  );
  const kv = await Deno.openKv(":memory:");
  try {
    const p = project("legacy");
    const obs = await job.collect(p, context(server.url, kv));
    assert.deepEqual(obs.unobservable, []);
    const rules = new Set(job.evaluate(obs, p, new Date()).map((f) => f.rule));
    for (
      const r of [
        "posture/branch-deletion-allowed",
        "posture/branch-force-push-allowed",
        "posture/branch-pull-request-not-required",
        "posture/branch-approvals-too-few",
        "posture/release-tags-unprotected",
        "posture/codeowners-missing",
        "posture/security-policy-missing",
        "posture/private-vulnerability-reporting-off",
        "posture/dependabot-alerts-off",
        "posture/immutable-releases-off",
        "posture/actions-default-token-write",
        "posture/actions-can-approve-pull-requests",
        "posture/actions-allowed-unrestricted",
        "posture/actions-sha-pinning-not-required",
        "posture/self-hosted-runners",
        "posture/publish-environment-missing",
        "posture/deploy-key-write",
        "posture/webhook-insecure-ssl",
        "workflows/unpinned-action",
        "workflows/publish-without-environment",
        "workflows/cache-in-release",
      ]
    ) assert.ok(rules.has(r), `missing ${r}`);
  } finally {
    kv.close();
    await server.close();
  }
});

Deno.test("sandbox rulesets have the shape of the real read-backs", async () => {
  const routes = buildGithubPosture({ owner: "acme", repo: "w", hardened: true });
  const real = JSON.parse(
    await Deno.readTextFile(
      realdata("github-api/third-party-readbacks/sevn-bot_sevn_ruleset_18631367.json"),
    ),
  );
  const ours = routes.get("/repos/acme/w/rulesets/42") as Record<string, unknown>;
  // Same top-level fields as GitHub's read-back, and valid for our schema.
  assert.deepEqual(Object.keys(ours).sort(), Object.keys(real).sort());
  assert.ok(RulesetSchema.safeParse(ours).success);
  assert.ok(routes.get("/repos/acme/w/branches/main/protection") instanceof SandboxResponse);
  const weak = buildGithubPosture({ owner: "acme", repo: "w", hardened: false });
  assert.deepEqual(weak.get("/repos/acme/w/rulesets"), []);
});
