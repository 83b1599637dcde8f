import { assert, assertEquals } from "./_assert.ts";
import { pemBase64 } from "./_fixtures.ts";
import { certificateIdentity } from "../../src/sigstore/identity.ts";
import { checkGithubIdentity, releaseRefPattern } from "../../src/sigstore/publisher_policy.ts";

Deno.test("policy: a certificate without Source Repository Ref cannot prove a release ref", async () => {
  const id = certificateIdentity(
    await pemBase64("pep740/pypi-attestations/no-source-repository-ref-extension.pem"),
  );
  const policy = { repository: "SWIFTSIM/swiftgalaxy", workflow: "python-publish.yml" };
  const problems = checkGithubIdentity(id, policy);
  assertEquals(problems.map((p) => p.kind), ["wrong-workflow"]);
  assert(problems[0].detail.includes("names no source ref"), problems[0].detail);
  // Repository comparison is case-insensitive (GitHub names are).
  assertEquals(
    checkGithubIdentity(id, { ...policy, repository: "swiftsim/SwiftGalaxy" }).map((p) => p.kind),
    ["wrong-workflow"],
  );
  assertEquals(
    checkGithubIdentity(id, { ...policy, workflow: "release.yml" }).map((p) => p.kind),
    ["wrong-workflow", "wrong-workflow"],
  );
});

Deno.test("policy: releaseRefPattern follows the tag pattern and escapes the version", () => {
  const p = releaseRefPattern("v{version}", "1.2.0");
  assert(p.test("refs/tags/v1.2.0"));
  assert(!p.test("refs/tags/v1x2x0"));
  assert(!p.test("refs/tags/v1.2.0-evil"));
  assert(!p.test("refs/heads/v1.2.0"));
  assert(releaseRefPattern("release-{version}", "0.1").test("refs/tags/release-0.1"));
});
