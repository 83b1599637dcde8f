import { assert, assertEquals, assertThrows } from "./_assert.ts";
import { realdata } from "../_realdata.ts";
import { readJson, readJsonLines, snappyLiterals, tamperedCopy, targetOf } from "./_fixtures.ts";
import {
  AttestationResponseError,
  bundlesToFetch,
  checkGithubAttestation,
  decodeBundleBody,
  inlineBundles,
  parseAttestationsResponse,
  verifyGithubAttestations,
} from "../../src/sigstore/github_attestation.ts";
import {
  loadTrustRoot,
  publicGoodTrustRoot,
  type TrustRoot,
} from "../../src/sigstore/trusted_root.ts";
import { sha256Hex } from "../../src/sigstore/verify_bundle.ts";

const CLI = "github-attestations/cli-cli";
const DEMO = `${CLI}/github_provenance_demo-0.0.12-py3-none-any`;
const MAIN = /^refs\/heads\/main$/;
let rootsMemo: TrustRoot[] | undefined;
async function roots(): Promise<TrustRoot[]> {
  rootsMemo ??= [
    publicGoodTrustRoot(),
    await loadTrustRoot(
      realdata("github-attestations/attestation-verify/trusted-root-github.json"),
      "github",
    ),
  ];
  return rootsMemo;
}
const demoPolicy = async () => ({
  repository: "actions/attest-demo",
  workflow: "build-python.yml",
  refPattern: MAIN,
  roots: await roots(),
});

Deno.test("github: the attest-demo wheel verifies against GitHub's trust root (TSA, no log)", async () => {
  const target = await targetOf(`${DEMO}.whl`);
  const r = verifyGithubAttestations(
    target,
    await readJsonLines(`${DEMO}-bundle.jsonl`),
    await demoPolicy(),
  );
  assertEquals(r.status, "verified", r.detail);
  const a = r.attestations[0];
  assertEquals(a.trustRoot, "github");
  assertEquals(a.kind, "provenance");
  assertEquals(a.predicateType, "https://slsa.dev/provenance/v1");
  assertEquals(
    a.signer,
    "https://github.com/actions/attest-demo/.github/workflows/build-python.yml@refs/heads/main",
  );
  // Without GitHub's root the certificate is not trusted.
  const pgOnly = verifyGithubAttestations(target, await readJsonLines(`${DEMO}-bundle.jsonl`), {
    ...(await demoPolicy()),
    roots: [publicGoodTrustRoot()],
  });
  assertEquals(pgOnly.status, "invalid-signature");
});

Deno.test("github: policy failures: ref, workflow, repository, tampered file", async () => {
  const target = await targetOf(`${DEMO}.whl`);
  const bundles = await readJsonLines(`${DEMO}-bundle.jsonl`);
  const policy = await demoPolicy();
  assertEquals(
    verifyGithubAttestations(target, bundles, { ...policy, refPattern: undefined }).status,
    "wrong-workflow",
  );
  assertEquals(
    verifyGithubAttestations(target, bundles, { ...policy, workflow: "release.yml" }).status,
    "wrong-workflow",
  );
  assertEquals(
    verifyGithubAttestations(target, bundles, { ...policy, repository: "actions/other" }).status,
    "wrong-identity",
  );
  assertEquals(
    verifyGithubAttestations(target, bundles, { ...policy, workflow: undefined }).status,
    "verified",
  );
  const bytes = await tamperedCopy(`${DEMO}.whl`, 500);
  const tampered = { filename: target.filename, sha256: await sha256Hex(bytes) };
  assertEquals(verifyGithubAttestations(tampered, bundles, policy).status, "subject-mismatch");
});

Deno.test("github: broken bundles (missing cert, missing material, bad signature) are invalid", async () => {
  const target = await targetOf(`${DEMO}.whl`);
  const policy = await demoPolicy();
  for (const variant of ["missing-cert", "missing-verification-material"]) {
    const r = verifyGithubAttestations(
      target,
      await readJsonLines(`${DEMO}-bundle-${variant}.jsonl`),
      policy,
    );
    assertEquals(r.status, "invalid-signature", variant);
  }
  const bad = checkGithubAttestation(
    await readJson(`${CLI}/sigstoreBundle-invalid-signature.json`),
    target,
    policy,
  );
  assertEquals(bad.problems[0].kind, "invalid-signature");
  assert(bad.problems[0].detail.includes("TLOG_BODY_ERROR"), bad.problems[0].detail);
  assertEquals(verifyGithubAttestations(target, [], policy).status, "missing");
});

Deno.test("github: a reusable workflow signs, the caller is the Build Config URI", async () => {
  const bytes = await Deno.readFile(realdata(`${CLI}/reusable-workflow-artifact`));
  const target = {
    filename: "github_provenance_demo-0.0.0-py3-none-any.whl",
    sha256: await sha256Hex(bytes),
  };
  const bundle = await readJson(`${CLI}/reusable-workflow-attestation.sigstore.json`);
  const policy = {
    repository: "malancas/attest-demo",
    workflow: "shared.yml",
    refPattern: MAIN,
    roots: await roots(),
  };
  const r = verifyGithubAttestations(target, [bundle], policy);
  assertEquals(r.status, "verified", r.detail);
  const a = r.attestations[0];
  assertEquals(a.trustRoot, "public-good");
  assert(
    a.signer?.startsWith(
      "https://github.com/github/artifact-attestations-workflows/.github/workflows/attest.yml@",
    ),
  );
  assertEquals(
    a.caller,
    "https://github.com/malancas/attest-demo/.github/workflows/shared.yml@refs/heads/main",
  );
  assert(a.notes[0].includes("reusable workflow"));
  // The reusable workflow is not the caller: configuring it is a wrong workflow.
  assertEquals(
    verifyGithubAttestations(target, [bundle], { ...policy, workflow: "attest.yml" }).status,
    "wrong-workflow",
  );
});

Deno.test("github: custom issuer identity is not accepted as GitHub Actions", async () => {
  const bytes = await Deno.readFile(realdata(`${CLI}/custom-issuer-artifact`));
  const target = { filename: "artifact", sha256: await sha256Hex(bytes) };
  const bundle = await readJson(`${CLI}/custom-issuer.sigstore.json`);
  const check = checkGithubAttestation(bundle, target, {
    repository: "too-legit/attest",
    refPattern: MAIN,
    roots: await roots(),
  });
  assert(check.signatureVerified);
  assertEquals(check.identity?.issuer, "https://token.actions.githubusercontent.com/hammer-time");
  assertEquals(check.problems.map((p) => p.kind), ["wrong-identity"]);
  assert(check.problems[0].detail.includes("hammer-time"), check.problems[0].detail);
});

Deno.test("github: release attestations (v0.1 and the 23-subject v0.2 of gh 2.96.0)", async () => {
  const policy = { repository: "cli/cli", roots: await roots() };
  const [checksums] = await readJsonLines(
    "github-attestations/attestation-verify/checksums-gh-download.jsonl",
  );
  const target = {
    filename: "gh_2.96.0_checksums.txt",
    sha256: "fc046371efa250e2875208341a786a35a01717d5eebec6903e199a9b8a3f3565",
  };
  const r = verifyGithubAttestations(target, [checksums], policy);
  assertEquals(r.status, "verified", r.detail);
  assertEquals(r.attestations[0].kind, "release");
  assertEquals(r.attestations[0].trustRoot, "github");
  assertEquals(
    verifyGithubAttestations(target, [checksums], { ...policy, repository: "evil/cli" }).status,
    "wrong-identity",
  );
  const release = await readJson(`${CLI}/github_release_bundle.json`);
  const zip = {
    filename: "artifact.zip",
    sha256: "e15b593c6ab8d7725a3cc82226ef816cac6bf9c70eed383bd459295cc65f5ec3",
  };
  assertEquals(
    verifyGithubAttestations(zip, [release], { ...policy, repository: "bdehamer/delme" }).status,
    "verified",
  );
  assertEquals(verifyGithubAttestations(zip, [release], policy).status, "wrong-identity");
});

Deno.test("github: the real attestations API response lists bundles to fetch", async () => {
  const response = parseAttestationsResponse(
    await readJson(
      "github-attestations/attestation-verify/attestations-api-response.redacted.json",
    ),
  );
  assertEquals(response.attestations.length, 2);
  assertEquals(inlineBundles(response), []);
  const pending = bundlesToFetch(response);
  assertEquals(pending.map((p) => p.index), [0, 1]);
  assert(pending.every((p) => p.url.startsWith("https://")));
  assertThrows(() => parseAttestationsResponse({ attestations: "x" }), AttestationResponseError);
  assertThrows(() => parseAttestationsResponse(null), AttestationResponseError);
});

Deno.test("github: fetched bodies decode from snappy or plain JSON", async () => {
  const text = await Deno.readFile(realdata(`${CLI}/reusable-workflow-attestation.sigstore.json`));
  const expected = JSON.parse(new TextDecoder().decode(text));
  assertEquals(decodeBundleBody(text), expected);
  assertEquals(decodeBundleBody(snappyLiterals(text)), expected);
  assertThrows(() => decodeBundleBody(new Uint8Array([1, 2, 3])));
  assertThrows(() => decodeBundleBody(snappyLiterals(new TextEncoder().encode("not json"))));
});
