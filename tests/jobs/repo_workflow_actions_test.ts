import assert from "node:assert/strict";
import { createGitHubClient } from "../../src/github/client.ts";
import { startSandbox } from "../../src/sandbox/server.ts";
import { githubActionRoutes, type SandboxAction } from "../../src/sandbox/github_actions.ts";
import { readWorkflowText } from "../../src/workflows/read.ts";
import {
  collectActionFacts,
  inVersionRange,
  pinnedActions,
} from "../../jobs/repo_workflow_actions.ts";
import { runRules } from "../../rules/types.ts";
import { WORKFLOW_RULESET } from "../../rules/workflows.ts";
import { PolicySchema } from "../../src/config.ts";

// tj-actions/changed-files, March 2025: tags re-pointed at a commit of a fork's network.
const GOOD = "a284dc1814e3fd07f2e34267fc8f81227ed29fb8";
const IMPOSTOR = "0e58ed8671d6b60d0890c21b07f8835ace038e67";
const OLD = "cbda684547adc8c052d50711417fa61b428a9f88";
const DL = "fa0a91b85d4f404e444e00e005971372dc801d16";

const OLDER = "2222222222222222222222222222222222222222";
const MANY = "3333333333333333333333333333333333333333";

const ACTIONS: SandboxAction[] = [
  // An older commit of main: not a head, but main's history contains it.
  {
    repository: "acme/setup",
    branches: [{ name: "main", sha: GOOD }],
    compare: { [`refs/heads/main...${OLDER}`]: "behind" },
  },
  // More refs than the compare bound: undecided, so not observable (never "reachable").
  {
    repository: "acme/busy",
    branches: [{ name: "main", sha: GOOD }],
    tags: Array.from({ length: 40 }, (_, i) => ({ name: `v1.0.${i}`, sha: GOOD })),
  },
  {
    repository: "tj-actions/changed-files",
    branches: [{ name: "main", sha: GOOD }],
    tags: [{ name: "v45.0.8", sha: GOOD }, { name: "v44.5.7", sha: OLD }],
    // Unrelated histories answer 404 (not listed); a diverged fork commit "diverged".
    compare: {
      [`refs/heads/main...${IMPOSTOR}`]: "diverged",
      [`refs/tags/v45.0.8...${IMPOSTOR}`]: "diverged",
    },
    advisories: [{
      ghsa_id: "GHSA-mrrh-fwg8-r2c3",
      summary:
        "tj-actions/changed-files through 45.0.7 allows remote attackers to discover secrets",
      severity: "high",
      range: "<= 45.0.7",
      patched: "46.0.1",
    }],
  },
  {
    repository: "actions/download-artifact",
    branches: [{ name: "main", sha: "9c19ed7fe5d278cd354c7dfd5d3b88589c7e2395" }],
    tags: [{ name: "v4.1.0", sha: DL }],
    advisories: [{
      ghsa_id: "GHSA-cxww-7g56-2vh6",
      summary: "actions/download-artifact has an Arbitrary File Write via artifact extraction",
      severity: "high",
      range: ">= 4.0.0, < 4.1.7",
      patched: "4.1.7",
    }],
  },
];

const WORKFLOW = `on: push
permissions: {}
jobs:
  t:
    runs-on: ubuntu-latest
    steps:
      - uses: tj-actions/changed-files@${IMPOSTOR}
      - uses: tj-actions/changed-files@${GOOD}
      - uses: tj-actions/changed-files@v45.0.7
      - uses: actions/download-artifact@${DL}
      - uses: unknown-org/gone@1111111111111111111111111111111111111111
      - uses: acme/setup@${OLDER}
      - uses: acme/busy@${MANY}
`;

async function withSandbox(fn: (url: string, kv: Deno.Kv) => Promise<void>) {
  const sandbox = await startSandbox({
    name: "actions",
    description: "",
    projects: [],
    github: githubActionRoutes(ACTIONS),
  });
  const kv = await Deno.openKv(":memory:");
  try {
    await fn(sandbox.githubUrl, kv);
  } finally {
    kv.close();
    await sandbox.close();
  }
}

Deno.test("online checks: impostor commit, advisories, and not observable", async () => {
  await withSandbox(async (url, kv) => {
    const gh = createGitHubClient({
      baseUrl: url,
      kv,
      userAgent: "test",
      timeoutMs: 5000,
      maxResponseBytes: 1 << 20,
      retries: 0,
    });
    const file = readWorkflowText(".github/workflows/ci.yml", WORKFLOW);
    assert.deepEqual([...pinnedActions([file]).keys()].sort(), [
      "acme/busy",
      "acme/setup",
      "actions/download-artifact",
      "tj-actions/changed-files",
      "unknown-org/gone",
    ]);
    const { facts, unobservable } = await collectActionFacts(gh, [file]);
    const byUses = Object.fromEntries(facts.map((f) => [f.uses, f]));
    assert.equal(byUses[`tj-actions/changed-files@${IMPOSTOR}`].reachable, false);
    assert.equal(byUses[`tj-actions/changed-files@${GOOD}`].reachable, true);
    assert.equal(
      byUses["tj-actions/changed-files@v45.0.7"].advisories?.[0].id,
      "GHSA-mrrh-fwg8-r2c3",
    );
    // A commit pinned by SHA is matched to its tag (v4.1.0) for the advisory range.
    assert.equal(
      byUses[`actions/download-artifact@${DL}`].advisories?.[0].id,
      "GHSA-cxww-7g56-2vh6",
    );
    assert.equal(byUses[`actions/download-artifact@${DL}`].reachable, true);
    // An action repository the API does not answer for is not observable, never "reachable".
    assert.equal(facts.some((f) => f.uses.startsWith("unknown-org/")), false);
    assert.equal(byUses[`acme/setup@${OLDER}`].reachable, true);
    assert.equal(byUses[`acme/busy@${MANY}`].reachable, undefined);
    assert.deepEqual(unobservable.map((u) => u.scope).sort(), [
      "repo:workflow-actions:acme/busy",
      "repo:workflow-actions:unknown-org/gone",
    ]);

    const findings = runRules(WORKFLOW_RULESET, {
      files: [file],
      policy: PolicySchema.parse({}),
      actions: facts,
    });
    const impostor = findings.filter((f) => f.rule === "workflows/impostor-commit");
    assert.equal(impostor.length, 1);
    assert.equal(impostor[0].severity, "critical");
    assert.equal(impostor[0].scope, "repo:workflow-actions:tj-actions/changed-files");
    assert.match(impostor[0].subject, new RegExp(IMPOSTOR));
    const vulnerable = findings.filter((f) => f.rule === "workflows/known-vulnerable-action");
    assert.deepEqual(vulnerable.map((f) => f.subject.split("#").pop()).sort(), [
      "GHSA-cxww-7g56-2vh6",
      "GHSA-mrrh-fwg8-r2c3",
    ]);
    // Offline (no facts), neither rule says anything.
    const offline = runRules(WORKFLOW_RULESET, { files: [file], policy: PolicySchema.parse({}) });
    assert.equal(offline.some((f) => /impostor|known-vulnerable/.test(f.rule)), false);
  });
});

Deno.test("version ranges of advisories", () => {
  assert.ok(inVersionRange("45.0.7", "<= 45.0.7"));
  assert.ok(!inVersionRange("46.0.1", "<= 45.0.7"));
  assert.ok(inVersionRange("v4.1.0", ">= 4.0.0, < 4.1.7"));
  assert.ok(!inVersionRange("4.1.7", ">= 4.0.0, < 4.1.7"));
  assert.ok(!inVersionRange("main", "< 2"));
  assert.ok(!inVersionRange("1.0.0", "garbage"));
});
