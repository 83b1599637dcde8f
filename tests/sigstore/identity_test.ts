import { assertEquals } from "./_assert.ts";
import { pemBase64, readJson } from "./_fixtures.ts";
import { certificateIdentity, parseWorkflowUri } from "../../src/sigstore/identity.ts";

const PA = "pep740/pypi-attestations";

Deno.test("identity: GitHub certificate fields of pypi_attestations 0.0.19", async () => {
  const att = await readJson(`${PA}/pypi_attestations-0.0.19.tar.gz.publish.attestation`) as {
    verification_material: { certificate: string };
  };
  const id = certificateIdentity(att.verification_material.certificate);
  assertEquals(id.issuer, "https://token.actions.githubusercontent.com");
  assertEquals(id.sourceRepositoryUri, "https://github.com/trailofbits/pypi-attestations");
  assertEquals(id.sourceRepositoryRef, "refs/tags/v0.0.19");
  assertEquals(
    id.buildConfigUri,
    "https://github.com/trailofbits/pypi-attestations/.github/workflows/release.yml@refs/tags/v0.0.19",
  );
  assertEquals(id.subjectAlternativeName, id.buildSignerUri);
  assertEquals(id.buildTrigger, "release");
});

Deno.test("identity: a certificate without Source Repository Ref", async () => {
  const id = certificateIdentity(await pemBase64(`${PA}/no-source-repository-ref-extension.pem`));
  assertEquals(id.sourceRepositoryRef, undefined);
  assertEquals(id.issuer, "https://token.actions.githubusercontent.com");
  assertEquals(id.sourceRepositoryUri, "https://github.com/SWIFTSIM/swiftgalaxy");
  assertEquals(parseWorkflowUri(id.buildConfigUri)?.file, "python-publish.yml");
  assertEquals(
    parseWorkflowUri(id.buildConfigUri)?.ref,
    "a26eb006d04dd0c41a6e38dc15ddaf7b46143505",
  );
});

Deno.test("identity: Google Cloud and GitLab publishers", async () => {
  const google = certificateIdentity(await pemBase64(`${PA}/200170367.pem`));
  assertEquals(google.issuer, "https://accounts.google.com");
  assertEquals(google.subjectAlternativeName, "919436158236-compute@developer.gserviceaccount.com");
  assertEquals(google.buildConfigUri, undefined);
  const gitlab = await readJson(`${PA}/gitlab_oidc_project-0.0.3.tar.gz.publish.attestation`) as {
    verification_material: { certificate: string };
  };
  const id = certificateIdentity(gitlab.verification_material.certificate);
  assertEquals(id.issuer, "https://gitlab.com");
  assertEquals(id.sourceRepositoryUri, "https://gitlab.com/facutuesca/gitlab-oidc-project");
  assertEquals(parseWorkflowUri(id.buildConfigUri), undefined);
});

Deno.test("identity: garbage is an empty identity, not a crash", () => {
  assertEquals(certificateIdentity(new Uint8Array([0x30, 0x82, 0xff])), {});
  assertEquals(certificateIdentity("not base64 at all!"), {});
});

Deno.test("identity: parseWorkflowUri", () => {
  assertEquals(
    parseWorkflowUri("https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1"),
    {
      repository: "o/r",
      path: ".github/workflows/release.yml",
      file: "release.yml",
      ref: "refs/tags/v1",
    },
  );
  assertEquals(
    parseWorkflowUri("https://gitlab.com/o/r//.gitlab-ci.yml@refs/heads/main"),
    undefined,
  );
  assertEquals(parseWorkflowUri(undefined), undefined);
});
