/**
 * The GitHub Actions job documented in docs/ci.md: it parses, every action is pinned to a full
 * commit SHA, the token is least-privilege, the SARIF goes to code scanning, and the auditor's own
 * workflow rules find nothing to say about it.
 */
import { parse as parseYaml } from "yaml";
import { assert, assertEquals } from "../_assert.ts";
import { PolicySchema } from "../../src/config.ts";
import { parseWorkflow } from "../../src/workflows/parse.ts";
import { checkWorkflows } from "../../rules/workflows.ts";

const DOC = new URL("../../docs/ci.md", import.meta.url).pathname;

async function documentedWorkflow(): Promise<string> {
  const text = await Deno.readTextFile(DOC);
  const m = /```yaml\n([\s\S]*?)```/.exec(text);
  assert(m, "docs/ci.md has a yaml block");
  return m[1];
}

Deno.test("docs/ci.md: pinned actions, least privilege, SARIF upload", async () => {
  const yaml = await documentedWorkflow();
  // deno-lint-ignore no-explicit-any
  const wf = parseYaml(yaml) as any;
  assertEquals(wf.permissions, {});
  const job = wf.jobs.audit;
  assertEquals(job.permissions, {
    contents: "read",
    actions: "read",
    "security-events": "write",
  });
  const uses: string[] = job.steps.filter((s: { uses?: string }) => s.uses).map((
    s: { uses: string },
  ) => s.uses);
  assert(uses.length >= 6);
  for (const u of uses) assert(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(u), `unpinned: ${u}`);
  assert(uses.some((u) => u.startsWith("github/codeql-action/upload-sarif@")));
  const audit = job.steps.find((s: { id?: string }) => s.id === "audit");
  assert(audit.run.includes("--format sarif") && audit.run.includes("--fail-on"));
  assert(!JSON.stringify(wf).includes("pull_request_target"));
});

Deno.test("docs/ci.md: the auditor's workflow rules raise nothing", async () => {
  const parsed = parseWorkflow(".github/workflows/release-audit.yml", await documentedWorkflow());
  assert(parsed.ok, parsed.ok ? "" : parsed.error);
  const findings = checkWorkflows([parsed.workflow], PolicySchema.parse({}));
  assertEquals(findings.map((f) => `${f.rule} ${f.subject}`), []);
});
