import { assert, assertEquals } from "./_assert.ts";
import { rejects } from "node:assert";
import { realdata } from "../_realdata.ts";
import { loadTrustRoots, TrustRootError } from "../../src/sigstore/mod.ts";

Deno.test("mod: loadTrustRoots is offline by default and adds GitHub's root when configured", async () => {
  const plain = await loadTrustRoots();
  assertEquals(plain.map((r) => r.name), ["public-good"]);
  const both = await loadTrustRoots({
    githubTrustedRootPath: realdata(
      "github-attestations/attestation-verify/trusted-root-github.json",
    ),
  });
  assertEquals(both.map((r) => r.name), ["public-good", "github"]);
  const configured = await loadTrustRoots({
    trustedRootPath: realdata("pep740/sigstore-python/prod_trusted_root.json"),
    refresh: { allowNetwork: false, cachePath: "/tmp/unused" },
  });
  assertEquals(configured.map((r) => r.name), ["public-good (configured)"]);
  await rejects(loadTrustRoots({ githubTrustedRootPath: "/nonexistent.json" }), TrustRootError);
  assert(plain[0] === (await loadTrustRoots())[0]);
});
