import { assert, assertEquals } from "./_assert.ts";
import { realdata } from "../_realdata.ts";
import { readJson } from "./_fixtures.ts";
import { publicGoodTrustRoot } from "../../src/sigstore/trusted_root.ts";
import {
  bundleDigest,
  bundleStatement,
  verifyBundleSignature,
} from "../../src/sigstore/verify_bundle.ts";

const SC = "sigstore-conformance";
const roots = () => [publicGoodTrustRoot()];

Deno.test("conformance: DSSE + SLSA v1 happy path verifies", async () => {
  const bundle = await readJson(`${SC}/happy-path-intoto-in-dsse-v3.sigstore.json`);
  const outcome = verifyBundleSignature(bundle, roots());
  assert(outcome.ok, JSON.stringify(outcome));
  assertEquals(outcome.trustRoot, "public-good");
  assertEquals(bundleStatement(bundle)?.subject[0].name, "a.txt");
});

Deno.test("conformance: message signature over a.txt verifies only with the right artifact", async () => {
  const bundle = await readJson(`${SC}/happy-path-v0.3.sigstore.json`);
  const artifact = await Deno.readFile(realdata(`${SC}/a.txt`));
  assert(verifyBundleSignature(bundle, roots(), artifact).ok);
  const noArtifact = verifyBundleSignature(bundle, roots());
  assert(!noArtifact.ok && noArtifact.failure === "unsupported");
  const other = new Uint8Array(artifact);
  other[0] ^= 1;
  const tampered = verifyBundleSignature(bundle, roots(), other);
  assert(!tampered.ok && tampered.failure === "verify", JSON.stringify(tampered));
});

Deno.test("conformance: the _fail bundles fail", async () => {
  for (const name of ["dsse-invalid-sig_fail", "intoto-expired-certificate_fail"]) {
    const bundle = await readJson(`${SC}/${name}.sigstore.json`);
    const outcome = verifyBundleSignature(bundle, roots());
    assert(!outcome.ok, `${name} must fail`);
    assert(outcome.reason.length > 0 && !outcome.reason.includes("\n"));
  }
});

Deno.test("verify: sigstore-python's production v0.2 bundle for a wheel", async () => {
  const bundle = await readJson("pep740/sigstore-python/bundle_v3_github.whl.sigstore");
  const whl = await Deno.readFile(realdata("pep740/sigstore-python/bundle_v3_github.whl"));
  const outcome = verifyBundleSignature(bundle, roots(), whl);
  assert(outcome.ok, JSON.stringify(outcome));
  assertEquals(outcome.identity.sourceRepositoryUri, "https://github.com/trailofbits/rfc8785.py");
});

Deno.test("verify: malformed input is an outcome, never a throw", () => {
  for (
    const junk of [null, 5, "x", [], {}, {
      mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
    }]
  ) {
    const outcome = verifyBundleSignature(junk, roots());
    assert(!outcome.ok);
    assertEquals(outcome.failure, "malformed");
  }
});

Deno.test("verify: bundleDigest is canonical (key order does not matter)", async () => {
  assertEquals(await bundleDigest({ a: 1, b: [1, 2] }), await bundleDigest({ b: [1, 2], a: 1 }));
  assert((await bundleDigest({ a: 1 })) !== (await bundleDigest({ a: 2 })));
});
