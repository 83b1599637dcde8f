import assert from "node:assert/strict";
import {
  isWorkflowCandidate,
  readWorkflowBytes,
  readWorkflowText,
} from "../../src/workflows/read.ts";
import { MAX_WORKFLOW_STRING } from "../../src/observations/workflow.ts";
import { only } from "../rules/_workflow_fixtures.ts";
import { runRules } from "../../rules/types.ts";
import { WORKFLOW_RULESET } from "../../rules/workflows.ts";
import { PolicySchema } from "../../src/config.ts";

Deno.test("bytes that are not UTF-8 are an observation with an error, not an exception", () => {
  const f = readWorkflowBytes("a.yml", new Uint8Array([0x6f, 0x6e, 0x3a, 0x20, 0xff, 0x0a]));
  assert.equal(f.workflow, undefined);
  assert.equal(f.error, "not valid UTF-8");
  const findings = runRules(WORKFLOW_RULESET, { files: [f], policy: PolicySchema.parse({}) });
  assert.deepEqual(findings.map((x) => x.rule), ["workflows/invalid-workflow"]);
});

Deno.test("a value beyond the 64 KiB cap is cut and marked partial, never silently clean", () => {
  const long = `echo ${"a".repeat(MAX_WORKFLOW_STRING)} \${{ github.event.issue.title }}`;
  const text =
    `on: issues\npermissions: {}\njobs:\n  t:\n    runs-on: x\n    steps:\n      - run: ${long}\n`;
  const f = readWorkflowText("big.yml", text);
  assert.ok(f.workflow);
  assert.equal(f.workflow.jobs[0].steps[0].run?.length, MAX_WORKFLOW_STRING);
  assert.match(f.workflow.partial[0], /jobs\.t\.steps\[0\]\.run: longer than 65536/);
  const partial = only("partially-analysed", text);
  assert.equal(partial.length, 1);
  assert.equal(partial[0].severity, "low");
  // The injection beyond the cap is not seen: the partial finding is what tells.
  assert.equal(only("script-injection", text).length, 0);
  assert.equal(only("partially-analysed", "on: push\npermissions: {}\njobs: {}\n").length, 0);
});

Deno.test("non-workflow YAML beside workflows is skipped", () => {
  assert.equal(isWorkflowCandidate(".github/dependabot.yml", "version: 2\nupdates: []\n"), false);
  assert.equal(isWorkflowCandidate(".github/FUNDING.yml", "github: x\n"), false);
  assert.equal(isWorkflowCandidate(".github/release.yml", "changelog:\n  categories: []\n"), false);
  assert.equal(isWorkflowCandidate(".github/ISSUE_TEMPLATE/bug.yml", "name: Bug\n"), false);
  assert.equal(isWorkflowCandidate("ci/pipeline.yml", "on: push\njobs: {}\n"), true);
  assert.equal(isWorkflowCandidate(".github/workflows/broken.yml", "jobs: ["), true);
  assert.equal(isWorkflowCandidate(".github/workflows/dependabot.yml", "x"), true);
  assert.equal(isWorkflowCandidate("my-action/action.yml", "runs: {}\n"), true);
});
