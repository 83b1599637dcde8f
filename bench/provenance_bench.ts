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
import { testdataPath } from "../src/sandbox/testdata.ts";
const rd = testdataPath;
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

// --- release parity (releases job) ------------------------------------------------------
// Needs --allow-net=127.0.0.1 --allow-write=/tmp (sandbox upstream, download scratch folder).
const parityPermitted =
  (await Deno.permissions.query({ name: "net", host: "127.0.0.1" })).state === "granted" &&
  (await Deno.permissions.query({ name: "write", path: "/tmp" })).state === "granted";
if (!parityPermitted) {
  console.log("release parity: skipped (needs --allow-net=127.0.0.1 --allow-write=/tmp)");
} else {
  const { startSandbox } = await import("../src/sandbox/server.ts");
  const { hardenedProject, compromisedProject } = await import("../src/sandbox/scenarios.ts");
  const { githubReleaseRoutes } = await import("../src/sandbox/github_releases.ts");
  const { releasesJob } = await import("../jobs/releases.ts");
  const { compareWithTree } = await import("../jobs/releases_source.ts");
  const { ConfigSchema } = await import("../src/config.ts");
  const projects = [await hardenedProject(), await compromisedProject()];
  const sandbox = await startSandbox({
    name: "bench",
    description: "",
    projects,
    github: new Map(),
  });
  for (const [i, p] of projects.entries()) {
    const urls = { githubUrl: sandbox.githubUrl, pypiUrl: sandbox.pypiUrl };
    const routes = await githubReleaseRoutes(p, { hardened: i === 0, ...urls });
    for (const [path, body] of routes) sandbox.scenario.github.set(path, body);
  }
  const workDir = await Deno.makeTempDir({ prefix: "parity-bench-" });
  const config = ConfigSchema.parse({
    upstream: {
      pypi: sandbox.pypiUrl,
      github_api: sandbox.githubUrl,
      file_hosts: [sandbox.fileHost],
    },
    state: { path: ":memory:", work_dir: workDir },
    project: projects.map((p) => ({ name: p.name, ...p.config })),
  });
  const parityKv = await Deno.openKv(":memory:");
  const ctx = {
    config,
    secrets: { webhookSecrets: {} },
    kv: parityKv,
    signal: new AbortController().signal,
    log: () => {},
    now: () => new Date(),
  };
  const sweepAll = async () => {
    const before = sandbox.requests.total;
    const t0 = performance.now();
    let findings = 0;
    for (const project of config.project) {
      const o = await releasesJob.collect(project, ctx);
      findings += releasesJob.evaluate(o, project, new Date()).length;
    }
    return { ms: performance.now() - t0, requests: sandbox.requests.total - before, findings };
  };
  const cold = await sweepAll();
  const warm = await sweepAll();
  const versions = projects.reduce((n, p) => n + p.releases.length, 0);
  const files = projects.reduce((n, p) => n + p.releases.flatMap((r) => r.files).length, 0);
  console.log(
    `release parity (sandbox: ${projects.length} projects, ${versions} versions, ${files} files)`,
  );
  console.log(
    `  sweep cold: ${cold.ms.toFixed(1)} ms, ${cold.requests} requests, ${cold.findings} findings`,
  );
  console.log(
    `  sweep warm (KV caches, 304s): ${
      warm.ms.toFixed(1)
    } ms, ${warm.requests} requests, ${warm.findings} findings`,
  );
  parityKv.close();
  await sandbox.close();
  await Deno.remove(workDir, { recursive: true });

  // Source comparison alone: a 2,000-member sdist against a 50,000-blob tree.
  const hex = (n: number) => n.toString(16).padStart(40, "0");
  const tree = {
    sha: hex(0),
    tree: Array.from({ length: 50_000 }, (_, i) => ({
      path: `pkg/m${i}/f${i}.py`,
      mode: "100644",
      type: "blob" as const,
      sha: hex(i + 1),
    })),
  };
  const members = Array.from(
    { length: 2_000 },
    (_, i) =>
      [`pkg/m${i}/f${i}.py`, 10, hex(i % 3 === 0 ? i + 1 : 999_999)] as [
        string,
        number,
        string,
      ],
  );
  const file = { filename: "pkg-1.0.tar.gz", sha256: "0".repeat(64) };
  const samples: number[] = [];
  for (let i = 0; i < 20; i++) {
    const [, ms] = await time(() =>
      compareWithTree(file, { kind: "sdist", truncated: false, members }, tree)
    );
    samples.push(ms);
  }
  const wheelSamples: number[] = [];
  for (let i = 0; i < 20; i++) {
    const [, ms] = await time(() =>
      compareWithTree(file, { kind: "wheel", truncated: false, members }, tree)
    );
    wheelSamples.push(ms);
  }
  console.log(`  compare sdist (2k members) with a 50k-blob tree: ${stats(samples)}`);
  console.log(`  compare wheel (2k .py) with a 50k-blob tree: ${stats(wheelSamples)}`);
}
