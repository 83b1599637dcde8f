import { assert, assertEquals, assertThrows } from "./_assert.ts";
import { rejects } from "node:assert";
import { realdata } from "../_realdata.ts";
import { readJson, readJsonLines } from "./_fixtures.ts";
import {
  embeddedTrustedRootJson,
  loadTrustRoot,
  publicGoodTrustRoot,
  refreshTrustRoot,
  selectTrustRoot,
  TrustRootError,
  trustRootFromJson,
} from "../../src/sigstore/trusted_root.ts";
import { leafCertificate, parseBundle } from "../../src/sigstore/verify_bundle.ts";

const GITHUB_ROOT = "github-attestations/attestation-verify/trusted-root-github.json";

Deno.test("trusted root: the embedded seed root is the public-good root of @sigstore/tuf 5.0.1", async () => {
  const expected = await readJson(
    "sigstore-conformance/public-good-trusted_root.from-sigstore-tuf-5.0.1-seeds.json",
  );
  assertEquals(embeddedTrustedRootJson(), expected);
  const root = publicGoodTrustRoot();
  assertEquals(root.name, "public-good");
  assert(root.material.tlogs.length > 0 && root.material.ctlogs.length > 0);
  assertEquals(root.verifierOptions.tlogThreshold, 1);
  assert(publicGoodTrustRoot() === root, "built once per process");
});

Deno.test("trusted root: GitHub's root has no log, so the verifier relies on TSA timestamps", async () => {
  const root = await loadTrustRoot(realdata(GITHUB_ROOT), "github");
  assertEquals(root.material.tlogs.length, 0);
  assert(root.material.timestampAuthorities.length > 0);
  assertEquals(root.verifierOptions, {
    tlogThreshold: 0,
    ctlogThreshold: 0,
    timestampThreshold: 1,
  });
});

Deno.test("trusted root: the issuing CA picks the root for a bundle", async () => {
  const github = await loadTrustRoot(realdata(GITHUB_ROOT), "github");
  const publicGood = publicGoodTrustRoot();
  const [ghBundle] = await readJsonLines(
    "github-attestations/cli-cli/github_provenance_demo-0.0.12-py3-none-any-bundle.jsonl",
  );
  const pgBundle = await readJson(
    "github-attestations/cli-cli/reusable-workflow-attestation.sigstore.json",
  );
  const ghLeaf = leafCertificate(parseBundle(ghBundle))!;
  const pgLeaf = leafCertificate(parseBundle(pgBundle))!;
  assertEquals(selectTrustRoot([publicGood, github], ghLeaf)?.name, "github");
  assertEquals(selectTrustRoot([publicGood, github], pgLeaf)?.name, "public-good");
  assertEquals(selectTrustRoot([publicGood], ghLeaf), undefined);
  assertEquals(selectTrustRoot([publicGood], new Uint8Array([1, 2, 3])), undefined);
});

Deno.test("trusted root: bad files are one-line errors", async () => {
  await rejects(loadTrustRoot("/nonexistent/trusted_root.json"), (e: Error) => {
    assert(e instanceof TrustRootError);
    assert(e.message.includes("file not found"));
    return true;
  });
  // A real bundle is JSON but not a trusted root.
  await rejects(
    loadTrustRoot(realdata("github-attestations/cli-cli/github_release_bundle.json")),
    TrustRootError,
  );
  assertThrows(() => trustRootFromJson({ mediaType: 5 }, "x"), TrustRootError);
});

Deno.test("trusted root: TUF refresh is refused unless network use is allowed", async () => {
  await rejects(
    refreshTrustRoot({ allowNetwork: false, cachePath: "/tmp/unused" }),
    (e: Error) => e instanceof TrustRootError && e.message.includes("allowNetwork"),
  );
});
