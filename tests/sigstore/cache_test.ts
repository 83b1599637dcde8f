import { assert, assertEquals } from "./_assert.ts";
import { readJson, targetOf } from "./_fixtures.ts";
import { cachedVerification, PROVENANCE_KEY_PREFIX } from "../../src/sigstore/cache.ts";
import { verifyPep740 } from "../../src/sigstore/pep740.ts";
import { bundleDigest, verifyBundleSignature } from "../../src/sigstore/verify_bundle.ts";
import { publicGoodTrustRoot, trustRootFromJson } from "../../src/sigstore/trusted_root.ts";

const SDIST = "pep740/pypi-attestations/pypi_attestations-0.0.19.tar.gz";
const TOB = { repository: "trailofbits/pypi-attestations", workflow: "release.yml" };

Deno.test("cache: signature outcome stored under [provenance, file, bundle]; policy re-run", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const file = await targetOf(SDIST);
    const prov = await readJson(`${SDIST}.provenance`);
    const first = await verifyPep740(file, prov, { publisher: TOB, kv });
    assertEquals(first.status, "verified");
    assertEquals(first.attestations[0].cached, false);
    const entries = await Array.fromAsync(
      kv.list({ prefix: [PROVENANCE_KEY_PREFIX, file.sha256] }),
    );
    assertEquals(entries.length, 1);
    assertEquals(entries[0].key.length, 3);
    assertEquals((entries[0].value as { outcome: { ok: boolean } }).outcome.ok, true);
    // Second run: cached signature, policy still evaluated against the (changed) config.
    const second = await verifyPep740(file, prov, {
      publisher: { ...TOB, workflow: "other.yml" },
      kv,
    });
    assertEquals(second.attestations[0].cached, true);
    assertEquals(second.status, "wrong-workflow");
    assertEquals(second.identity, first.identity);
  } finally {
    kv.close();
  }
});

Deno.test("cache: other trust roots are a miss; bad keys bypass the cache", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const bundle = await readJson(
      "sigstore-conformance/happy-path-intoto-in-dsse-v3.sigstore.json",
    );
    const digest = await bundleDigest(bundle);
    const file = "a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf";
    let calls = 0;
    const roots = [publicGoodTrustRoot()];
    const compute = () => (calls++, verifyBundleSignature(bundle, roots));
    assertEquals((await cachedVerification(kv, file, digest, roots, compute)).cached, false);
    assertEquals((await cachedVerification(kv, file, digest, roots, compute)).cached, true);
    assertEquals(calls, 1);
    const renamed = [trustRootFromJson(
      await readJson(
        "sigstore-conformance/public-good-trusted_root.from-sigstore-tuf-5.0.1-seeds.json",
      ),
      "configured",
    )];
    const miss = await cachedVerification(kv, file, digest, renamed, compute);
    assertEquals(miss.cached, false);
    assert(miss.outcome.ok);
    const bad = await cachedVerification(kv, "../x", digest, roots, compute);
    assertEquals(bad.cached, false);
    assertEquals(calls, 3);
    // Corrupt cached values are recomputed.
    await kv.set(["provenance", file, digest], { roots: "public-good", outcome: "garbage" });
    assertEquals((await cachedVerification(kv, file, digest, roots, compute)).cached, false);
  } finally {
    kv.close();
  }
});
