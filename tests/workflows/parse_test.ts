import assert from "node:assert/strict";
import { MAX_WORKFLOW_BYTES, parseWorkflow } from "../../src/workflows/parse.ts";
import { realdata } from "../_realdata.ts";

Deno.test("real workflows: triggers, permissions, environments, steps with lines", async () => {
  const text = await Deno.readTextFile(realdata("workflows/python-poetry_poetry__release.yaml"));
  const r = parseWorkflow("release.yaml", text);
  assert.ok(r.ok);
  const wf = r.workflow;
  assert.equal(wf.kind, "workflow");
  assert.deepEqual(wf.events, ["release"]);
  assert.deepEqual(wf.permissions, {});
  assert.deepEqual(wf.jobs.map((j) => j.id), ["build", "upload-github", "upload-pypi"]);
  const pypi = wf.jobs[2];
  assert.equal(pypi.environment, "pypi"); // environment: { name: pypi, url: ... }
  assert.deepEqual(pypi.permissions, { "id-token": "write" });
  assert.match(pypi.steps[1].uses ?? "", /^pypa\/gh-action-pypi-publish@cef2210/);
  assert.equal(pypi.steps[1].with["print-hash"], "true");
  // Line numbers point at the step in the file.
  const line = pypi.steps[1].line!;
  assert.match(text.split("\n")[line - 1], /pypa\/gh-action-pypi-publish/);

  const pygithub = parseWorkflow(
    "p.yml",
    await Deno.readTextFile(realdata("workflows/PyGithub_PyGithub__pypi-release.TOKEN-BASED.yml")),
  );
  assert.ok(pygithub.ok);
  assert.deepEqual(pygithub.workflow.events, ["push", "workflow_dispatch"]);
  assert.deepEqual(pygithub.workflow.pushTags, ["*"]);
  assert.equal(pygithub.workflow.jobs[0].uses, "./.github/workflows/_build-pkg.yml");
  assert.equal(
    pygithub.workflow.jobs[1].steps[2].env.TWINE_PASSWORD,
    "${{ secrets.PYPI_PASSWORD }}",
  );
});

Deno.test("composite actions become one pseudo-job", async () => {
  const r = parseWorkflow(
    "action.yml",
    await Deno.readTextFile(realdata("workflows/pypa_gh-action-pypi-publish__action.yml")),
  );
  assert.ok(r.ok);
  assert.equal(r.workflow.kind, "action");
  assert.equal(r.workflow.jobs[0].id, "(action)");
});

Deno.test("on: forms and bounds", () => {
  const list = parseWorkflow("a.yml", "on: [push, pull_request_target]\njobs: {}\n");
  assert.ok(list.ok && list.workflow.events.join() === "push,pull_request_target");
  const dup = parseWorkflow("a.yml", "on: push\non: release\njobs: {}\n");
  assert.ok(!dup.ok); // duplicate keys are rejected, not silently merged
  const big = parseWorkflow("a.yml", "#".repeat(MAX_WORKFLOW_BYTES + 1));
  assert.ok(!big.ok && /larger than/.test(big.error));
  const badPerms = parseWorkflow("a.yml", "on: push\npermissions: 3\njobs: {}\n");
  assert.ok(!badPerms.ok);
});

Deno.test("reusable workflows: string-typed workflow_call inputs are recorded", () => {
  const r = parseWorkflow(
    "called.yml",
    `on:
  workflow_call:
    inputs:
      title: { type: string }
      dry-run: { type: boolean }
      retries: { type: number }
  workflow_dispatch:
    inputs:
      note: { type: string }
jobs:
  a:
    runs-on: x
    steps: []
`,
  );
  assert.ok(r.ok);
  assert.deepEqual(r.workflow.callInputs, ["title"]);
  const plain = parseWorkflow("p.yml", "on: push\njobs:\n  a:\n    runs-on: x\n    steps: []\n");
  assert.ok(plain.ok);
  assert.equal(plain.workflow.callInputs, undefined);
});
