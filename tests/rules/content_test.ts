import assert from "node:assert/strict";
import { PolicySchema } from "../../src/config.ts";
import { inspectArtifact, limitsFromPolicy } from "../../src/inspect/mod.ts";
import { contentFindings, pthFiles } from "../../rules/content.ts";
import { realdata } from "../_realdata.ts";

const policy = PolicySchema.parse({});
const limits = limitsFromPolicy(policy);

for (const version of ["65.5.0", "67.6.1"]) {
  Deno.test(`real setuptools ${version} wheel: distutils-precedence.pth is flagged`, async () => {
    const name = `setuptools-${version}-py3-none-any.whl`;
    const inspection = await inspectArtifact(realdata(`wheels/ensurepip/${name}`), name, limits);
    const findings = pthFiles(inspection, policy);
    assert.deepEqual(findings.map((f) => f.subject), [`${name}!distutils-precedence.pth`]);
    assert.deepEqual(findings[0].rule, "content/pth-file");
    assert.deepEqual(findings[0].severity, "critical");
    assert.deepEqual(findings[0].scope, `file:${inspection.sha256}`);
    assert(contentFindings(inspection, policy).some((f) => f.rule === "content/pth-file"));
  });
}
