import assert from "node:assert/strict";
import { PolicySchema } from "../../src/config.ts";
import { parseWorkflow, type Workflow } from "../../src/workflows/parse.ts";
import {
  checkWorkflows,
  isPinnedUses,
  untrustedExpressions,
  WORKFLOW_RULES,
} from "../../rules/workflows.ts";
import { realdata } from "../_realdata.ts";
import { ruleTable } from "./_rule_table.ts";
import { WORKFLOW_RULESET, type WorkflowInput } from "../../rules/workflows.ts";
import type { ActionRefFact } from "../../src/observations/workflow.ts";
import { readWorkflowBytes, readWorkflowText } from "../../src/workflows/read.ts";

const assertEquals: (a: unknown, b: unknown) => void = assert.deepEqual;
const policy = PolicySchema.parse({});

async function load(name: string): Promise<Workflow> {
  const text = await Deno.readTextFile(realdata(`workflows/${name}`));
  const r = parseWorkflow(name, text);
  if (!r.ok) throw new Error(r.error);
  return r.workflow;
}
function parse(text: string): Workflow {
  const r = parseWorkflow("t.yml", text);
  if (!r.ok) throw new Error(r.error);
  return r.workflow;
}
const rulesOf = (fs: { rule: string }[]) => fs.map((f) => f.rule).sort();

Deno.test("sampleproject: tag-pinned, environment-less release raises findings", async () => {
  const fs = checkWorkflows([await load("pypa_sampleproject__release.yml")], policy);
  assertEquals(rulesOf(fs), [
    "workflows/publish-without-environment",
    "workflows/unpinned-action",
    "workflows/unpinned-action",
    "workflows/unpinned-action",
  ]);
  assert(fs.some((f) => f.subject.includes("pypa/gh-action-pypi-publish@release/v1")));
});

Deno.test("PyGithub: twine upload with a password secret is flagged", async () => {
  const fs = checkWorkflows(
    [await load("PyGithub_PyGithub__pypi-release.TOKEN-BASED.yml")],
    policy,
  );
  const upload = fs.filter((f) => f.rule === "workflows/token-upload");
  assertEquals(upload.length, 1);
  assert(upload[0].message.includes("TWINE_PASSWORD"));
  // With a policy that does not require trusted publishing, the token upload is accepted.
  const relaxed = PolicySchema.parse({ require_provenance: false });
  const fs2 = checkWorkflows(
    [await load("PyGithub_PyGithub__pypi-release.TOKEN-BASED.yml")],
    relaxed,
  );
  assertEquals(fs2.filter((f) => f.rule === "workflows/token-upload").length, 0);
});

Deno.test("nautilus_trader: hardened build.yml raises nothing", async () => {
  const wf = await load("nautechsystems_nautilus_trader__build.yml");
  assert(wf.jobs.length > 20);
  assertEquals(checkWorkflows([wf], policy), []);
  const action = await load(
    "nautechsystems_nautilus_trader__actions_attest-build-provenance-retry_action.yml",
  );
  assertEquals(action.kind, "action");
  assertEquals(checkWorkflows([action], policy), []);
});

Deno.test("poetry: trusted publishing from an environment raises nothing", async () => {
  assertEquals(checkWorkflows([await load("python-poetry_poetry__release.yaml")], policy), []);
  // ...unless the project expects another environment name.
  const fs = checkWorkflows([await load("python-poetry_poetry__release.yaml")], policy, {
    environment: "release",
  });
  assertEquals(rulesOf(fs), ["workflows/publish-without-environment"]);
});

Deno.test("sigstore-python: only justified findings", async () => {
  const fs = checkWorkflows([await load("sigstore_sigstore-python__release.yml")], policy);
  // Decision, documented: both findings are real weaknesses, not false positives.
  // 1. The `build` job holds `id-token: write` (for its sigstore smoke test) while it runs
  //    `make package`, i.e. the build backend and its dependencies. Because the publish job
  //    has no environment, PyPI's trusted publisher cannot be bound to one, so a token minted
  //    in `build` would be accepted by PyPI: code run by the build could publish.
  // 2. `release-pypi` publishes without a deployment environment (no required reviewers).
  // `generate-provenance` also holds id-token but only runs pinned attestation actions (no
  // scripts): exempt by design.
  assertEquals(rulesOf(fs), [
    "workflows/id-token-outside-publish",
    "workflows/publish-without-environment",
  ]);
  assert(fs.some((f) => f.subject.includes("#build#id-token")));
  assert(fs.some((f) => f.subject.includes("#release-pypi#environment")));
});

Deno.test("pypi-attestations: setup-python pip cache in a release workflow", async () => {
  const fs = checkWorkflows([await load("trailofbits_pypi-attestations__release.yml")], policy);
  assertEquals(rulesOf(fs), ["workflows/cache-in-release"]);
  const old = checkWorkflows([
    await load("trailofbits_pypi-attestations__release.at-v0.0.19.yml"),
  ], policy);
  assertEquals(rulesOf(old), [
    "workflows/cache-in-release",
    "workflows/unpinned-action",
    "workflows/unpinned-action",
  ]);
});

Deno.test("pinning: SHA and local refs are pinned; tags and branches are not; images apart", () => {
  assert(isPinnedUses("actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8"));
  assert(isPinnedUses("./.github/actions/common-setup"));
  // Docker images are judged by workflows/unpinned-image, not workflows/unpinned-action.
  assert(isPinnedUses("docker://alpine:3.20"));
  assert(!isPinnedUses("actions/checkout@v4"));
  assert(!isPinnedUses("actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a")); // 39 hex
  assert(!isPinnedUses("org/repo/.github/workflows/x.yml@main"));
});

Deno.test("script injection: event titles in run:, not through env", () => {
  const wf = parse(`
on: issues
permissions: {}
jobs:
  triage:
    runs-on: ubuntu-latest
    steps:
      - run: echo "\${{ github.event.issue.title }}"
      - env:
          TITLE: \${{ github.event.issue.title }}
        run: echo "$TITLE"
      - uses: actions/github-script@60a0d83039c74a4aee543508d2ffcb1c3799cdea
        with:
          script: console.log("\${{ github.head_ref }}")
      - run: echo "\${{ github.event.pull_request.head.repo.fork }}"
`);
  const fs = checkWorkflows([wf], policy).filter((f) => f.rule === "workflows/script-injection");
  assertEquals(fs.map((f) => f.subject), [
    "t.yml#triage/steps[0]#injection",
    "t.yml#triage/steps[2]#injection",
  ]);
  assertEquals(untrustedExpressions("git log ${{ github.event.commits[0].message }}").length, 1);
  assertEquals(untrustedExpressions("echo ${{ github.event.number }}"), []);
});

Deno.test("pull_request_target checking out the PR head is critical", () => {
  const wf = parse(`
on: pull_request_target
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8
        with:
          ref: \${{ github.event.pull_request.head.sha }}
      - run: make test
`);
  const fs = checkWorkflows([wf], policy);
  // The checkout also keeps its token in .git/config while fork code runs (artipacked).
  assertEquals(rulesOf(fs), [
    "workflows/checkout-credentials-persisted",
    "workflows/untrusted-checkout",
  ]);
  assertEquals(fs.find((f) => f.rule === "workflows/untrusted-checkout")?.severity, "critical");
  // The same checkout under pull_request is not privileged.
  const safe = parse(
    `on: pull_request\npermissions: {}\njobs:\n  t:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8\n        with:\n          ref: \${{ github.event.pull_request.head.sha }}\n`,
  );
  assertEquals(checkWorkflows([safe], policy), []);
});

Deno.test("permissions: missing, top-level write, write-all, id-token in a build job", () => {
  const wf = parse(`
on:
  push:
    tags: ["v*"]
permissions:
  contents: write
jobs:
  build:
    runs-on: ubuntu-latest
    permissions:
      id-token: write
    steps:
      - run: python -m build
  other:
    runs-on: ubuntu-latest
    permissions: write-all
    steps:
      - uses: actions/cache@0057852bfaa89a56745cba8c7296529d2fc39830
        with: { path: x, key: y }
`);
  const fs = checkWorkflows([wf], policy);
  assertEquals(rulesOf(fs), [
    "workflows/cache-in-release",
    "workflows/id-token-outside-publish",
    "workflows/permissions-write",
    "workflows/permissions-write",
  ]);
  const undeclared = parse(`on: push\njobs:\n  a:\n    runs-on: x\n    steps: [{run: "true"}]\n`);
  assertEquals(rulesOf(checkWorkflows([undeclared], policy)), ["workflows/permissions-undeclared"]);
});

Deno.test("gh-action-pypi-publish with password: and setup-uv cache are flagged", () => {
  const wf = parse(`
on: release
permissions: {}
jobs:
  publish:
    runs-on: ubuntu-latest
    environment: pypi
    steps:
      - uses: astral-sh/setup-uv@ae62891fec2bb8e7d6c99fc78c9fec3a63790f8d
      - uses: pypa/gh-action-pypi-publish@76f52bc884231f62b9a034ebfe128415bbaabdfc
        with:
          password: \${{ secrets.PYPI_API_TOKEN }}
`);
  assertEquals(rulesOf(checkWorkflows([wf], policy)), [
    "workflows/cache-in-release",
    "workflows/token-upload",
  ]);
});

Deno.test("bad input never throws: YAML errors, aliases bomb, wrong shapes", () => {
  assert(!parseWorkflow("x.yml", "jobs: [").ok);
  assert(!parseWorkflow("x.yml", "- a\n- b\n").ok);
  assert(!parseWorkflow("x.yml", "on: push\njobs: 3\n").ok);
  const bomb = "a: &a [x,x,x,x,x,x,x,x,x]\n" +
    Array.from(
      { length: 12 },
      (_, i) =>
        `${"bcdefghijklm"[i]}: &${"bcdefghijklm"[i]} [${
          Array(9).fill(`*${i === 0 ? "a" : "bcdefghijklm"[i - 1]}`).join(",")
        }]`,
    ).join("\n") + "\njobs: {}\n";
  assert(!parseWorkflow("bomb.yml", bomb).ok);
  const odd = parseWorkflow(
    "odd.yml",
    "on: push\njobs:\n  a:\n    steps:\n      - uses: [1]\n        run: {x: 1}\n      - 3\n",
  );
  assert(odd.ok);
  assertEquals(odd.workflow.jobs[0].steps[0].uses, undefined);
});

Deno.test("rule catalog: unique ids, job repo", () => {
  const ids = WORKFLOW_RULES.map((r) => r.id);
  assertEquals(new Set(ids).size, ids.length);
  assert(WORKFLOW_RULES.every((r) => r.job === "repo" && r.id.startsWith("workflows/")));
});

const CORPUS = new URL("../testdata/workflows-corpus/adversarial/", import.meta.url);
/** The workflow input of one corpus file. */
async function corpus(name: string, extra: Partial<WorkflowInput> = {}): Promise<WorkflowInput> {
  const file = readWorkflowBytes(name, await Deno.readFile(new URL(name, CORPUS)));
  return { files: [file], policy, ...extra };
}
/** A case from two corpus files: one where the rule fires, one where it does not. */
const pair = (fires: string, clean: string) => async () => ({
  fires: await corpus(fires),
  clean: await corpus(clean),
});
const IMPOSTOR_SHA = "0e58ed8671d6b60d0890c21b07f8835ace038e67";
const pinnedText = `on: push
permissions: {}
jobs:
  t:
    runs-on: x
    steps:
      - uses: tj-actions/changed-files@${IMPOSTOR_SHA}
`;
const withFacts = (fact: ActionRefFact): WorkflowInput => ({
  files: [readWorkflowText("ci.yml", pinnedText)],
  policy,
  actions: [fact],
});
const factUses = `tj-actions/changed-files@${IMPOSTOR_SHA}`;
const longRun = (n: number) =>
  `on: push\npermissions: {}\njobs:\n  t:\n    runs-on: x\n    steps:\n      - run: echo ${
    "a".repeat(n)
  }\n`;

ruleTable("workflows", WORKFLOW_RULESET, {
  "workflows/unpinned-action": pair("unpinned-tag.yml", "docker-pinned-clean.yml"),
  "workflows/permissions-undeclared": pair("undeclared-permissions.yml", "prt-clean.yml"),
  "workflows/permissions-write": pair("write-all.yml", "read-all.yml"),
  "workflows/permissions-read-all": pair("read-all.yml", "write-all.yml"),
  "workflows/id-token-outside-publish": pair("id-token-build.yml", "pub-uv-trusted-clean.yml"),
  "workflows/publish-without-environment": pair(
    "publish-no-environment.yml",
    "pub-uv-trusted-clean.yml",
  ),
  "workflows/untrusted-checkout": pair("untrusted-checkout-prt.yml", "prt-clean.yml"),
  "workflows/dangerous-trigger": pair("prt-secrets-no-checkout.yml", "prt-clean.yml"),
  "workflows/cache-in-release": pair("cache-tag-setup-python.yml", "cache-ci-only-clean.yml"),
  "workflows/token-upload": pair("pub-poetry.yml", "pub-uv-trusted-clean.yml"),
  "workflows/script-injection": pair("inj-issue-title-run.yml", "clean-injection-safe.yml"),
  "workflows/env-file-injection": pair("envfile-tainted.yml", "clean-envfile-push.yml"),
  "workflows/unsecure-commands": pair("unsecure-commands.yml", "clean-envfile-push.yml"),
  "workflows/secret-exfiltration": pair("ghostaction-push.yml", "clean-secret-to-github-api.yml"),
  "workflows/secrets-inherit": pair("secrets-inherit-remote.yml", "clean-codecov.yml"),
  "workflows/secrets-outside-environment": pair(
    "ghostaction-in-release.yml",
    "cache-tag-setup-python.yml",
  ),
  "workflows/overprovisioned-secrets": pair("overprovisioned-index.yml", "clean-slack-webhook.yml"),
  "workflows/checkout-credentials-persisted": pair(
    "artipacked-upload-workspace.yml",
    "artipacked-clean-dist.yml",
  ),
  "workflows/bot-condition": pair("bot-condition-push.yml", "prt-clean.yml"),
  "workflows/unpinned-image": pair("docker-unpinned.yml", "docker-pinned-clean.yml"),
  "workflows/impostor-commit": {
    fires: withFacts({ uses: factUses, reachable: false }),
    clean: withFacts({ uses: factUses, reachable: true }),
    check: (fs) => assertEquals(fs[0].severity, "critical"),
  },
  "workflows/known-vulnerable-action": {
    fires: withFacts({
      uses: factUses,
      reachable: true,
      advisories: [{ id: "GHSA-mrrh-fwg8-r2c3", summary: "secrets in logs", severity: "high" }],
    }),
    clean: withFacts({ uses: factUses, reachable: true, advisories: [] }),
  },
  "workflows/partially-analysed": {
    fires: { files: [readWorkflowText("big.yml", longRun(70_000))], policy },
    clean: { files: [readWorkflowText("small.yml", longRun(10))], policy },
  },
  "workflows/invalid-workflow": pair("not-utf8.yml", "prt-clean.yml"),
});
