/**
 * Provenance verification timings on real material (offline).
 *
 *   deno run --unstable-kv --allow-read --allow-env bench/provenance_bench.ts [iterations]
 *
 * cold: first verification in this process, including module load and trust material
 * construction; warm: repeated verification of the same bundle and of different bundles;
 * cached: a KV hit (signature outcome cached, policy checks re-run).
 *
 * @module
 */
const REALDATA = (() => {
  try {
    return Deno.env.get("REALDATA_DIR");
  } catch {
    return undefined;
  }
})() ?? new URL("../../shared/realdata", import.meta.url).pathname;
const rd = (p: string) => `${REALDATA}/${p}`;
const json = async (p: string) => JSON.parse(await Deno.readTextFile(rd(p)));
const iterations = Number(Deno.args[0] ?? 200);

const SDIST = "pep740/pypi-attestations/pypi_attestations-0.0.19.tar.gz";
const TOB = { repository: "trailofbits/pypi-attestations", workflow: "release.yml" };

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  return `mean ${mean.toFixed(2)} ms, p50 ${at(0.5).toFixed(2)} ms, p95 ${
    at(0.95).toFixed(2)
  } ms (n=${samples.length})`;
}

async function time<T>(fn: () => Promise<T> | T): Promise<[T, number]> {
  const t0 = performance.now();
  const value = await fn();
  return [value, performance.now() - t0];
}

// --- cold -------------------------------------------------------------------------------
const sdistBytes = await Deno.readFile(rd(SDIST));
const provenance = await json(`${SDIST}.provenance`);
const t0 = performance.now();
const pep740 = await import("../src/sigstore/pep740.ts");
const trusted = await import("../src/sigstore/trusted_root.ts");
const gha = await import("../src/sigstore/github_attestation.ts");
const { sha256Hex } = await import("../src/sigstore/verify_bundle.ts");
const tImport = performance.now() - t0;
const [root, tRoot] = await time(() => trusted.publicGoodTrustRoot());
const target = { filename: "pypi_attestations-0.0.19.tar.gz", sha256: await sha256Hex(sdistBytes) };
const [first, tFirst] = await time(() =>
  pep740.verifyPep740(target, provenance, { publisher: TOB, roots: [root] })
);
if (first.status !== "verified") throw new Error(`bench precondition: ${first.detail}`);
console.log("provenance bench (real material, offline)");
console.log(
  `  cold: module load ${tImport.toFixed(1)} ms, public-good trust material ${
    tRoot.toFixed(1)
  } ms, first verification ${first.status} ${tFirst.toFixed(1)} ms; total ${
    (tImport + tRoot + tFirst).toFixed(1)
  } ms`,
);

// --- warm, same bundle ------------------------------------------------------------------
const same: number[] = [];
for (let i = 0; i < iterations; i++) {
  const [r, t] = await time(() =>
    pep740.verifyPep740(target, provenance, { publisher: TOB, roots: [root] })
  );
  if (r.status !== "verified") throw new Error(r.detail);
  same.push(t);
}
console.log(`  warm, same PEP 740 provenance: ${stats(same)}`);

// --- warm, different bundles ------------------------------------------------------------
const github = await trusted.loadTrustRoot(
  rd("github-attestations/attestation-verify/trusted-root-github.json"),
  "github",
);
const roots = [root, github];
const models = "pep740/pypi-attestations/pypi_attestation_models-0.0.4a2.tar.gz";
const modelsTarget = {
  filename: "pypi_attestation_models-0.0.4a2.tar.gz",
  sha256: await sha256Hex(await Deno.readFile(rd(models))),
};
const gitlab = "pep740/pypi-attestations/gitlab_oidc_project-0.0.3.tar.gz";
const gitlabTarget = {
  filename: "gitlab_oidc_project-0.0.3.tar.gz",
  sha256: await sha256Hex(await Deno.readFile(rd(gitlab))),
};
const demo = "github-attestations/cli-cli/github_provenance_demo-0.0.12-py3-none-any.whl";
const demoTarget = {
  filename: "github_provenance_demo-0.0.12-py3-none-any.whl",
  sha256: await sha256Hex(await Deno.readFile(rd(demo))),
};
const demoBundle = JSON.parse(
  (await Deno.readTextFile(rd(demo.replace(".whl", "-bundle.jsonl")))).trim(),
);
const reusable = await json(
  "github-attestations/cli-cli/reusable-workflow-attestation.sigstore.json",
);
const reusableTarget = {
  filename: "github_provenance_demo-0.0.0-py3-none-any.whl",
  sha256: await sha256Hex(
    await Deno.readFile(rd("github-attestations/cli-cli/reusable-workflow-artifact")),
  ),
};
const cases: [string, () => Promise<string> | string][] = [
  [
    "0.0.19 publish attestation",
    async () =>
      (await pep740.verifyPep740(target, await json(`${SDIST}.publish.attestation`), {
        publisher: TOB,
        roots,
      })).status,
  ],
  [
    "0.0.19 SLSA attestation",
    async () =>
      (await pep740.verifyPep740(target, await json(`${SDIST}.slsa.attestation`), {
        publisher: TOB,
        roots,
      })).status,
  ],
  [
    "0.0.4a2 Sigstore bundle",
    async () =>
      (await pep740.verifyPep740(modelsTarget, await json(`${models}.sigstore`), {
        publisher: { repository: "trailofbits/pypi-attestation-models", workflow: "release.yml" },
        roots,
      })).status,
  ],
  [
    "GitLab attestation (wrong identity)",
    async () =>
      (await pep740.verifyPep740(gitlabTarget, await json(`${gitlab}.publish.attestation`), {
        publisher: TOB,
        roots,
      })).status,
  ],
  [
    "GitHub attestation, GitHub root (TSA)",
    () =>
      gha.verifyGithubAttestations(demoTarget, [demoBundle], {
        repository: "actions/attest-demo",
        refPattern: /^refs\/heads\/main$/,
        roots,
      }).status,
  ],
  [
    "GitHub attestation, reusable workflow",
    () =>
      gha.verifyGithubAttestations(reusableTarget, [reusable], {
        repository: "malancas/attest-demo",
        refPattern: /^refs\/heads\/main$/,
        roots,
      }).status,
  ],
];
const expected = ["verified", "verified", "verified", "wrong-identity", "verified", "verified"];
const mixed: number[] = [];
const perCase = cases.map(() => [] as number[]);
const rounds = Math.max(1, Math.floor(iterations / cases.length));
for (let round = 0; round < rounds; round++) {
  for (const [i, [name, fn]] of cases.entries()) {
    const [status, t] = await time(fn);
    if (status !== expected[i]) throw new Error(`${name}: ${status}`);
    mixed.push(t);
    perCase[i].push(t);
  }
}
console.log(
  `  warm, different bundles (${cases.length} real bundles, round-robin, includes JSON parse): ${
    stats(mixed)
  }`,
);
for (const [i, [name]] of cases.entries()) {
  const mean = perCase[i].reduce((a, b) => a + b, 0) / perCase[i].length;
  console.log(`    ${name}: mean ${mean.toFixed(2)} ms`);
}

// --- cached through KV ------------------------------------------------------------------
const kv = await Deno.openKv(":memory:");
await pep740.verifyPep740(target, provenance, { publisher: TOB, roots: [root], kv });
const cached: number[] = [];
for (let i = 0; i < iterations; i++) {
  const [r, t] = await time(() =>
    pep740.verifyPep740(target, provenance, { publisher: TOB, roots: [root], kv })
  );
  if (!r.attestations[0].cached || r.status !== "verified") throw new Error("expected a cache hit");
  cached.push(t);
}
kv.close();
console.log(`  cached (KV hit, policy re-run): ${stats(cached)}`);
const warmMean = same.reduce((a, b) => a + b, 0) / same.length;
console.log(
  `  goal <= 30 ms per warm verification: ${warmMean <= 30 ? "met" : "NOT met"} (${
    warmMean.toFixed(2)
  } ms)`,
);
