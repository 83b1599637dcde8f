import { assert, assertEquals } from "./_assert.ts";
import { readJson, tamperedCopy, targetOf } from "./_fixtures.ts";
import {
  attestationToBundle,
  detectProvenanceShape,
  type IntegrityResponse,
  normalizeDistFilename,
  Pep740AttestationSchema,
  verifyPep740,
} from "../../src/sigstore/pep740.ts";
import { sha256Hex } from "../../src/sigstore/verify_bundle.ts";
import { loadTrustRoot } from "../../src/sigstore/trusted_root.ts";
import { realdata } from "../_realdata.ts";
import type { Problem } from "../../src/sigstore/result.ts";

const PA = "pep740/pypi-attestations";
const SDIST = `${PA}/pypi_attestations-0.0.19.tar.gz`;
const TOB = { repository: "trailofbits/pypi-attestations", workflow: "release.yml" };
const kinds = (problems: Problem[]) => [...new Set(problems.map((p) => p.kind))].sort();

async function provenance019(): Promise<IntegrityResponse> {
  return await readJson(`${SDIST}.provenance`) as IntegrityResponse;
}

Deno.test("pep740: real pypi_attestations 0.0.19 sdist verifies against its Integrity API response", async () => {
  const file = await targetOf(SDIST);
  assertEquals(file.sha256, "9bb1add04b1b4e182be6b0b80931593f7a291eb49d69b4fd728a5d4cbcdc4bd3");
  const r = await verifyPep740(file, await provenance019(), { publisher: TOB });
  assertEquals(r.problems, []);
  assertEquals(r.status, "verified");
  assert(r.detail.startsWith("verified"));
  assertEquals(r.publisher?.repository, "trailofbits/pypi-attestations");
  assertEquals(
    r.identity?.buildConfigUri,
    "https://github.com/trailofbits/pypi-attestations/.github/workflows/release.yml@refs/tags/v0.0.19",
  );
  assertEquals(r.identity?.sourceRepositoryRef, "refs/tags/v0.0.19");
  assertEquals(r.attestations[0].predicateType, "https://docs.pypi.org/attestations/publish/v1");
  assertEquals(r.attestations[0].trustRoot, "public-good");
  assert(r.attestations[0].signatureVerified);
});

Deno.test("pep740: environment comes from PyPI's publisher object (null for 0.0.19)", async () => {
  const file = await targetOf(SDIST);
  const r = await verifyPep740(file, await provenance019(), {
    publisher: { ...TOB, environment: "pypi" },
  });
  assertEquals(r.status, "missing-environment");
  assertEquals(kinds(r.problems), ["missing-environment"]);
  assert(
    r.notes.some((n) => n.includes("publisher object") && n.includes("not the workflow file")),
  );
  // A publisher object naming another environment.
  const other = await provenance019();
  (other.attestation_bundles[0].publisher as { environment: string }).environment = "release";
  const w = await verifyPep740(file, other, { publisher: { ...TOB, environment: "pypi" } });
  assertEquals(w.status, "wrong-environment");
  const ok = await verifyPep740(file, other, { publisher: { ...TOB, environment: "Release" } });
  assertEquals(ok.status, "verified", "GitHub environment names are case-insensitive");
});

Deno.test("pep740: a tampered artifact is a subject mismatch", async () => {
  const bytes = await tamperedCopy(SDIST);
  const target = { filename: "pypi_attestations-0.0.19.tar.gz", sha256: await sha256Hex(bytes) };
  const r = await verifyPep740(target, await provenance019(), { publisher: TOB });
  assertEquals(r.status, "subject-mismatch");
  assert(r.problems[0].detail.includes("9bb1add04b1b4e18"), r.problems[0].detail);
  // The right digest under another file name is a mismatch too.
  const renamed = await verifyPep740(
    { filename: "pypi_attestations-0.0.20.tar.gz", sha256: (await targetOf(SDIST)).sha256 },
    await provenance019(),
    { publisher: TOB },
  );
  assertEquals(renamed.status, "subject-mismatch");
  // Normalized names compare equal.
  const normalized = await verifyPep740(
    { filename: "PyPI-Attestations-0.0.19.tar.gz", sha256: (await targetOf(SDIST)).sha256 },
    await provenance019(),
    { publisher: TOB },
  );
  assertEquals(normalized.status, "verified");
});

Deno.test("pep740: wrong repository, wrong workflow, wrong ref", async () => {
  const file = await targetOf(SDIST);
  const repo = await verifyPep740(file, await provenance019(), {
    publisher: { repository: "evil/pypi-attestations", workflow: "release.yml" },
  });
  assertEquals(repo.status, "wrong-identity");
  const wf = await verifyPep740(file, await provenance019(), {
    publisher: { ...TOB, workflow: "publish.yml" },
  });
  assertEquals(kinds(wf.problems), ["wrong-workflow"]);
  assertEquals(wf.problems.length, 2, "certificate and publisher object both disagree");
  const ref = await verifyPep740(file, await provenance019(), {
    publisher: TOB,
    refPattern: /^refs\/heads\/main$/,
  });
  assertEquals(ref.status, "wrong-workflow");
  assert(ref.detail.includes("refs/tags/v0.0.19"));
});

Deno.test("pep740: a flipped signature is an invalid signature", async () => {
  const prov = await provenance019();
  const env = prov.attestation_bundles[0].attestations[0].envelope;
  const sig = atob(env.signature);
  env.signature = btoa(
    sig.slice(0, 40) + String.fromCharCode(sig.charCodeAt(40) ^ 1) + sig.slice(41),
  );
  const r = await verifyPep740(await targetOf(SDIST), prov, { publisher: TOB });
  assertEquals(r.status, "invalid-signature");
  assert(!r.attestations[0].signatureVerified);
});

Deno.test("pep740: single attestations (publish and SLSA) and the raw Sigstore bundle", async () => {
  const file = await targetOf(SDIST);
  for (const kind of ["publish", "slsa"]) {
    const att = await readJson(`${SDIST}.${kind}.attestation`);
    assertEquals(detectProvenanceShape(att), "attestation");
    const r = await verifyPep740(file, att, { publisher: TOB });
    assertEquals(r.status, "verified", `${kind}: ${r.detail}`);
    assertEquals(r.publisher, undefined);
    assert(r.notes.some((n) => n.includes("no PyPI publisher object")));
    const env = await verifyPep740(file, att, { publisher: { ...TOB, environment: "pypi" } });
    assertEquals(env.status, "missing-environment");
  }
  assertEquals(
    (await verifyPep740(file, await readJson(`${SDIST}.slsa.attestation`), { publisher: TOB }))
      .attestations[0].predicateType,
    "https://slsa.dev/provenance/v1",
  );
  const models = await targetOf(`${PA}/pypi_attestation_models-0.0.4a2.tar.gz`);
  const models_publisher = {
    repository: "trailofbits/pypi-attestation-models",
    workflow: "release.yml",
  };
  const bundle = await verifyPep740(
    models,
    await readJson(`${PA}/pypi_attestation_models-0.0.4a2.tar.gz.sigstore`),
    {
      publisher: models_publisher,
    },
  );
  assertEquals(bundle.status, "verified", bundle.detail);
  const att = await verifyPep740(
    models,
    await readJson(`${PA}/pypi_attestation_models-0.0.4a2.tar.gz.attestation`),
    {
      publisher: models_publisher,
    },
  );
  assertEquals(att.status, "verified", att.detail);
});

Deno.test("pep740: conversion equals pypi-attestations' own bundle for 0.0.4a2", async () => {
  const att = Pep740AttestationSchema.parse(
    await readJson(`${PA}/pypi_attestation_models-0.0.4a2.tar.gz.attestation`),
  );
  const bundle = await readJson(`${PA}/pypi_attestation_models-0.0.4a2.tar.gz.sigstore`);
  assertEquals(attestationToBundle(att), bundle);
  assertEquals(detectProvenanceShape(bundle), "bundle");
});

Deno.test("pep740: a GitLab-published file is the wrong identity for a GitHub-configured project", async () => {
  const file = await targetOf(`${PA}/gitlab_oidc_project-0.0.3.tar.gz`);
  const att = await readJson(`${PA}/gitlab_oidc_project-0.0.3.tar.gz.publish.attestation`);
  const r = await verifyPep740(file, att, {
    publisher: { repository: "facutuesca/gitlab-oidc-project", workflow: "release.yml" },
  });
  assertEquals(r.status, "wrong-identity");
  assert(r.attestations[0].signatureVerified, "the signature itself is valid");
  assert(r.detail.includes("https://gitlab.com"), r.detail);
  // TestPyPI's GitLab provenance: the publisher object says GitLab too.
  const sample = await readJson("pep740/warehouse/pep740-sampleproject-1.0.0.tar.gz.provenance");
  const s = await verifyPep740(
    {
      filename: "pep740_sampleproject-1.0.0.tar.gz",
      sha256: "6cdd4a1a0a49aeef47265e7bf8ec1667257b397d34d731dc7b7af349deca1cd8",
    },
    sample,
    { publisher: { repository: "pep740-example/sampleproject", workflow: "release.yml" } },
  );
  assertEquals(kinds(s.problems), ["wrong-identity"]);
  assert(s.problems.some((p) => p.detail.includes('"GitLab" trusted publisher')));
});

Deno.test("pep740: sampleproject 4.0.0 (sdist absent): identity, branch ref, empty environment", async () => {
  const prov = await readJson("pep740/warehouse/sampleproject-4.0.0.tar.gz.provenance");
  const publisher = { repository: "pypa/sampleproject", workflow: "release.yml" };
  const digest = "0ace7980f82c5815ede4cd7bf9f6693684cec2ae47b9b7ade9add533b8627c6b";
  const r = await verifyPep740({ filename: "sampleproject-4.0.0.tar.gz", sha256: digest }, prov, {
    publisher,
    refPattern: /^refs\/heads\/main$/,
  });
  assertEquals(r.status, "verified", r.detail);
  assertEquals(r.identity?.sourceRepositoryUri, "https://github.com/pypa/sampleproject");
  // Published from a branch: wrong under the default (tags) ref policy.
  const tags = await verifyPep740(
    { filename: "sampleproject-4.0.0.tar.gz", sha256: digest },
    prov,
    {
      publisher,
    },
  );
  assertEquals(tags.status, "wrong-workflow");
  const other = await verifyPep740(
    { filename: "sampleproject-4.0.0.tar.gz", sha256: "ab".repeat(32) },
    prov,
    { publisher, refPattern: /^refs\/heads\/main$/ },
  );
  assertEquals(other.status, "subject-mismatch");
  const env = await verifyPep740({ filename: "sampleproject-4.0.0.tar.gz", sha256: digest }, prov, {
    publisher: { ...publisher, environment: "pypi" },
    refPattern: /^refs\/heads\/main$/,
  });
  assertEquals(env.status, "missing-environment");
});

Deno.test("pep740: an identity that is not a trusted publisher (spt3g, personal GitHub login)", async () => {
  const att = await readJson(
    `${PA}/spt3g-1.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl.publish.attestation`,
  );
  const target = {
    filename: "spt3g-1.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    sha256: "d2772f9a5199f05ed1be8d9aa78b879e51772e3ead9d73fe8057257b1aec7cf8",
  };
  const publisher = { repository: "CMB-S4/spt3g_software", workflow: "release.yml" };
  // Signed on Sigstore's staging instance: not trusted by the production root.
  const prod = await verifyPep740(target, att, { publisher });
  assertEquals(prod.status, "invalid-signature", prod.detail);
  const staging = await loadTrustRoot(
    realdata("pep740/sigstore-python/staging_trusted_root.json"),
    "staging",
  );
  const r = await verifyPep740(target, att, { publisher, roots: [staging] });
  assert(r.attestations[0].signatureVerified, r.detail);
  assertEquals(r.status, "wrong-identity", r.detail);
  assertEquals(r.identity?.issuer, "https://github.com/login/oauth");
  assertEquals(r.identity?.subjectAlternativeName, "william@yossarian.net");
});

Deno.test("pep740: missing and malformed provenance never throw", async () => {
  const target = { filename: "x-1.0.tar.gz", sha256: "00".repeat(32) };
  const publisher = TOB;
  assertEquals((await verifyPep740(target, undefined, { publisher })).status, "missing");
  assertEquals((await verifyPep740(target, null, { publisher })).status, "missing");
  assertEquals(
    (await verifyPep740(target, { version: 1, attestation_bundles: [] }, { publisher })).status,
    "missing",
  );
  for (
    const junk of [5, "x", [], {}, { version: 2, attestation_bundles: [] }, {
      version: 1,
      attestation_bundles: [{ publisher: { kind: "GitHub" }, attestations: [{ version: 1 }] }],
    }]
  ) {
    const r = await verifyPep740(target, junk, { publisher });
    assertEquals(r.status, "unsupported", JSON.stringify(junk));
    assert(!r.detail.includes("\n"));
  }
  const huge = { version: 1, attestation_bundles: Array.from({ length: 40 }, () => ({})) };
  assertEquals((await verifyPep740(target, huge, { publisher })).status, "unsupported");
  // Many valid-looking attestations are refused before any verification work.
  const real = await provenance019();
  const one = real.attestation_bundles[0];
  const many = {
    version: 1,
    attestation_bundles: Array.from({ length: 3 }, () => ({
      ...one,
      attestations: Array(4).fill(one.attestations[0]),
    })),
  };
  const r = await verifyPep740(target, many, { publisher });
  assertEquals(r.status, "unsupported");
  assertEquals(r.attestations, []);
});

Deno.test("pep740: normalizeDistFilename", () => {
  assertEquals(
    normalizeDistFilename("Pypi.Attestations-0.0.19.tar.gz"),
    "pypi_attestations-0.0.19.tar.gz",
  );
  assertEquals(normalizeDistFilename("Foo-1.0-PY3-none-any.whl"), "foo-1.0-py3-none-any.whl");
  assert(normalizeDistFilename("a-1.0.tar.gz") !== normalizeDistFilename("b-1.0.tar.gz"));
});
