import assert from "node:assert/strict";
import type { Observation } from "../../src/observations/job.ts";
import type { RepoPosture } from "../../src/observations/repo.ts";
import {
  diffPosture,
  DRIFT_LIMITS,
  postureChanges,
  postureDigest,
} from "../../src/github/drift.ts";
import { buildGithubPosture } from "../../src/sandbox/github_posture.ts";
import { RulesetSchema } from "../../src/github/schemas.ts";

const base: RepoPosture = {
  repository: "o/r",
  defaultBranch: "main",
  workflowPermissions: {
    default_workflow_permissions: "read",
    can_approve_pull_request_reviews: false,
  },
  rulesets: [RulesetSchema.parse(
    buildGithubPosture({ owner: "o", repo: "r", hardened: true }).get("/repos/o/r/rulesets/42"),
  )],
  workflows: [{ path: ".github/workflows/r.yml", sha: "aaa", size: 3, text: "on: push" }],
};
const obs = (data: RepoPosture): Observation<RepoPosture> => ({
  job: "repo",
  project: "p",
  observedAt: "2026-11-22T10:00:00.000Z",
  data,
  unobservable: [],
  stats: { requests: 0, notModified: 0, errors: 0 },
});

Deno.test("digest is canonical: key order does not matter, content does", () => {
  const reordered = Object.fromEntries(Object.entries(base).reverse()) as RepoPosture;
  assert.equal(postureDigest(reordered), postureDigest(base));
  assert.match(postureDigest(base), /^[0-9a-f]{64}$/);
  const changed = structuredClone(base);
  changed.workflows![0].sha = "bbb";
  assert.notEqual(postureDigest(changed), postureDigest(base));
  // File text is represented by its blob SHA only.
  const sameSha = structuredClone(base);
  sameSha.workflows![0].text = "different text";
  assert.equal(postureDigest(sameSha), postureDigest(base));
});

Deno.test("changes: a relaxed ruleset and a write token, keyed by stable paths", () => {
  const next = structuredClone(base);
  next.workflowPermissions!.default_workflow_permissions = "write";
  const pr = next.rulesets![0].rules.find((r) => r.type === "pull_request")!;
  (pr.parameters as Record<string, unknown>).required_approving_review_count = 0;
  next.rulesets![0].bypass_actors!.push({
    actor_id: 5,
    actor_type: "RepositoryRole",
    bypass_mode: "always",
  });
  const events = postureChanges(obs(base), obs(next));
  assert.equal(events.length, 1);
  const body = events[0].body as { project: string; digest: string; changes: unknown[] };
  assert.equal(body.project, "p");
  assert.equal(body.digest, postureDigest(next));
  assert.deepEqual(body.changes, [
    {
      path: "rulesets[id=42].bypass_actors[actor_type=RepositoryRole:5].actor_id",
      before: null,
      after: 5,
    },
    {
      path: "rulesets[id=42].bypass_actors[actor_type=RepositoryRole:5].actor_type",
      before: null,
      after: "RepositoryRole",
    },
    {
      path: "rulesets[id=42].bypass_actors[actor_type=RepositoryRole:5].bypass_mode",
      before: null,
      after: "always",
    },
    {
      path: "rulesets[id=42].rules[type=pull_request].parameters.required_approving_review_count",
      before: 1,
      after: 0,
    },
    { path: "workflowPermissions.default_workflow_permissions", before: "read", after: "write" },
  ]);
});

Deno.test("no event: first sweep, unchanged, or a section that became unobservable", () => {
  assert.deepEqual(postureChanges(undefined, obs(base)), []);
  assert.deepEqual(postureChanges(obs(base), obs(structuredClone(base))), []);
  const blind = structuredClone(base);
  delete blind.rulesets;
  assert.deepEqual(postureChanges(obs(base), obs(blind)), []);
});

Deno.test("bounded: long values truncated, many changes capped", () => {
  const next = structuredClone(base);
  next.defaultBranch = "x".repeat(5000);
  const change = diffPosture(base, next).find((c) => c.path === "defaultBranch");
  assert.ok(
    typeof change?.after === "string" && change.after.length <= DRIFT_LIMITS.valueChars + 1,
  );
  const many = structuredClone(base);
  many.workflows = Array.from(
    { length: 500 },
    (_, i) => ({ path: `w${i}.yml`, sha: `s${i}`, size: i }),
  );
  const events = postureChanges(obs(base), obs(many));
  const body = events[0].body as { changes: unknown[]; omitted: number };
  assert.equal(body.changes.length, DRIFT_LIMITS.changes);
  assert.ok(body.omitted > 0);
  assert.ok(JSON.stringify(body).length <= DRIFT_LIMITS.bodyBytes);
});
