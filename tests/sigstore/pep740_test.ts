import { assert, assertEquals } from "./_assert.ts";
import { realdata } from "../_realdata.ts";
import {
  attestationToBundle,
  detectProvenanceShape,
  normalizeDistFilename,
  Pep740AttestationSchema,
  verifyPep740,
} from "../../src/sigstore/pep740.ts";
import { sha256Hex } from "../../src/sigstore/verify_bundle.ts";

const PA = "pep740/pypi-attestations";
const readJson = async (p: string) => JSON.parse(await Deno.readTextFile(realdata(p)));
const fileOf = async (p: string) => {
  const bytes = await Deno.readFile(realdata(p));
  return { filename: p.split("/").at(-1)!, sha256: await sha256Hex(bytes), bytes };
};
const TOB = { repository: "trailofbits/pypi-attestations", workflow: "release.yml" };

Deno.test("pep740: real pypi_attestations 0.0.19 sdist verifies against its Integrity API response", async () => {
  const file = await fileOf(`${PA}/pypi_attestations-0.0.19.tar.gz`);
  assertEquals(file.sha256, "9bb1add04b1b4e182be6b0b80931593f7a291eb49d69b4fd728a5d4cbcdc4bd3");
  const provenance = await readJson(`${PA}/pypi_attestations-0.0.19.tar.gz.provenance`);
  const r = await verifyPep740(file, provenance, { publisher: TOB });
  assertEquals(r.problems, []);
  assertEquals(r.status, "verified");
  assertEquals(r.publisher?.repository, "trailofbits/pypi-attestations");
  assertEquals(
    r.identity?.buildConfigUri,
    "https://github.com/trailofbits/pypi-attestations/.github/workflows/release.yml@refs/tags/v0.0.19",
  );
  assertEquals(r.identity?.sourceRepositoryRef, "refs/tags/v0.0.19");
  assertEquals(r.identity?.issuer, "https://token.actions.githubusercontent.com");
  assertEquals(r.attestations[0].predicateType, "https://docs.pypi.org/attestations/publish/v1");
  assertEquals(r.attestations[0].trustRoot, "public-good");
});

Deno.test("pep740: conversion equals pypi-attestations' own bundle for 0.0.4a2", async () => {
  const att = Pep740AttestationSchema.parse(
    await readJson(`${PA}/pypi_attestation_models-0.0.4a2.tar.gz.attestation`),
  );
  const bundle = await readJson(`${PA}/pypi_attestation_models-0.0.4a2.tar.gz.sigstore`);
  assertEquals(attestationToBundle(att), bundle);
  assertEquals(detectProvenanceShape(bundle), "bundle");
  assertEquals(detectProvenanceShape(att), "attestation");
});

Deno.test("pep740: normalizeDistFilename", () => {
  assertEquals(
    normalizeDistFilename("Pypi.Attestations-0.0.19.tar.gz"),
    "pypi_attestations-0.0.19.tar.gz",
  );
  assertEquals(normalizeDistFilename("Foo-1.0-PY3-none-any.whl"), "foo-1.0-py3-none-any.whl");
  assert(normalizeDistFilename("a-1.0.tar.gz") !== normalizeDistFilename("b-1.0.tar.gz"));
});
