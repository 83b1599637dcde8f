import { assert, assertEquals } from "../_assert.ts";
import { realdata } from "../_realdata.ts";
import { createReleasesJob, releasesJob } from "../../jobs/releases.ts";
import { loadTrustRoots } from "../../src/sigstore/mod.ts";
import type { ReleasesData } from "../../src/observations/releases.ts";
import type { JobContext, Observation } from "../../src/observations/job.ts";
import { ConfigSchema, type Project } from "../../src/config.ts";
import { type Sandbox, startSandbox } from "../../src/sandbox/server.ts";
import { compromisedProject, hardenedProject } from "../../src/sandbox/scenarios.ts";
import type { SandboxProject } from "../../src/sandbox/scenario.ts";
import {
  type GithubReleaseRouteOptions,
  githubReleaseRoutes,
} from "../../src/sandbox/github_releases.ts";
import type { Finding } from "../../rules/types.ts";
import { retargetTag } from "../../src/sandbox/tags.ts";
import {
  buildSdist,
  buildWheel,
  sdistName,
  sha256Hex,
  wheelName,
} from "../../src/sandbox/artifacts.ts";

const NOW = new Date("2026-11-21T12:00:00Z");

interface Harness {
  sandbox: Sandbox;
  kv: Deno.Kv;
  ctx: JobContext;
  projects: Project[];
  close(): Promise<void>;
}

async function harness(
  projects: SandboxProject[],
  route: Omit<GithubReleaseRouteOptions, "githubUrl" | "pypiUrl">,
  extraConfig: Record<string, unknown> = {},
): Promise<Harness> {
  const sandbox = await startSandbox({ name: "t", description: "", projects, github: new Map() });
  for (const p of projects) {
    const routes = await githubReleaseRoutes(p, {
      ...route,
      githubUrl: sandbox.githubUrl,
      pypiUrl: sandbox.pypiUrl,
    });
    for (const [path, body] of routes) sandbox.scenario.github.set(path, body);
  }
  const workDir = await Deno.makeTempDir({ prefix: "releases-test-" });
  const config = ConfigSchema.parse({
    upstream: {
      pypi: sandbox.pypiUrl,
      github_api: sandbox.githubUrl,
      file_hosts: [sandbox.fileHost],
      timeout_ms: 10_000,
    },
    state: { path: ":memory:", work_dir: workDir },
    project: projects.map((p) => {
      const cfg = p.config as { policy?: Record<string, unknown> };
      return {
        name: p.name,
        ...p.config,
        policy: { ...cfg.policy, ...(extraConfig.policy as Record<string, unknown>) },
      };
    }),
  });
  const kv = await Deno.openKv(":memory:");
  const ctx: JobContext = {
    config,
    secrets: { webhookSecrets: {} },
    kv,
    signal: new AbortController().signal,
    log: () => {},
    now: () => NOW,
  };
  return {
    sandbox,
    kv,
    ctx,
    projects: config.project,
    close: async () => {
      kv.close();
      await sandbox.close();
      await Deno.remove(workDir, { recursive: true }).catch(() => {});
    },
  };
}

async function sweep(h: Harness, index = 0): Promise<[Observation<ReleasesData>, Finding[]]> {
  const project = h.projects[index];
  const observation = await releasesJob.collect(project, h.ctx);
  return [observation, releasesJob.evaluate(observation, project, NOW)];
}

const rules = (findings: Finding[]) => [...new Set(findings.map((f) => f.rule))].sort();

Deno.test("releases job: the hardened control raises no parity finding", async () => {
  const h = await harness([await hardenedProject()], { hardened: true }, {
    policy: { require_provenance: false },
  });
  try {
    const [obs, findings] = await sweep(h);
    assertEquals(obs.unobservable, []);
    assertEquals(findings, []);
    const v100 = obs.data.versions["1.0.0"];
    const v110 = obs.data.versions["1.1.0"];
    assertEquals(v100.release?.immutable, true);
    assertEquals(v100.reachability?.status, "behind");
    assertEquals(v110.reachability?.status, "identical");
    // 1.0.0's assets carry no digest: they were downloaded and hashed.
    const wheel = v100.release?.assets.find((a) => a.name.endsWith(".whl"));
    assertEquals(wheel?.digestSource, "download");
    assertEquals(v110.release?.assets.find((a) => a.name.endsWith(".whl"))?.digestSource, "github");
    assertEquals(v110.release?.checksums[0]?.entries.length, 2);
    const comparisons = Object.values(v110.source);
    assertEquals(comparisons.map((c) => c.kind).sort(), ["sdist", "wheel"]);
    for (const c of comparisons) {
      assert(c.matched > 0 && c.matched === c.compared - c.notInTagCount, JSON.stringify(c));
    }
    // PKG-INFO is the one sdist member not at the tag, and the rules accept it.
    const sdist = comparisons.find((c) => c.kind === "sdist");
    assertEquals(sdist?.notInTag.map((e) => e.path), ["PKG-INFO"]);
    // Provenance was checked: missing everywhere, not required by this policy.
    assertEquals(obs.data.provenance.map((p) => p.pep740?.status), [
      "missing",
      "missing",
      "missing",
      "missing",
    ]);
    assertEquals(obs.data.provenance.map((p) => p.githubAttestation?.status)[0], "missing");
  } finally {
    await h.close();
  }
});

Deno.test("releases job: the same project raises provenance/missing when provenance is required", async () => {
  const h = await harness([await hardenedProject()], { hardened: true });
  try {
    const [, findings] = await sweep(h);
    assertEquals(rules(findings), ["provenance/missing"]);
    assertEquals(findings.length, 4);
  } finally {
    await h.close();
  }
});

Deno.test("releases job: a hijacked project raises release, tag and source parity findings", async () => {
  const h = await harness([await compromisedProject()], { hardened: false });
  try {
    const [obs, findings] = await sweep(h);
    assertEquals(obs.unobservable, []);
    assertEquals(rules(findings), [
      "parity/asset-digest-mismatch",
      "parity/checksum-mismatch",
      "parity/immutable-releases-off",
      "parity/no-github-release",
      "parity/release-not-immutable",
      "parity/tag-missing",
      "parity/tag-not-on-default-branch",
      "parity/unexpected-asset",
      "parity/upload-before-tag",
      "provenance/missing",
      "source/file-not-in-tag",
    ]);
    const notInTag = findings.filter((f) => f.rule === "source/file-not-in-tag");
    assertEquals(notInTag.length, 2, "sdist and wheel");
    for (const f of notInTag) assert(f.message.includes("acme_compromised/__init__.py"), f.message);
    const missing = findings.find((f) => f.rule === "parity/tag-missing");
    assertEquals(missing?.scope, "release:2.0.1");
    const digest = findings.find((f) => f.rule === "parity/asset-digest-mismatch");
    assert(digest?.message.includes("differ"), digest?.message);
    const text = findings.map((f) => f.message.replace(/acme[-_]compromised/gi, "")).join(" ");
    assert(!/malicious|compromis|attack|hijack/i.test(text), "messages stay factual");
  } finally {
    await h.close();
  }
});

Deno.test("releases job: a file whose bytes differ at the tag is source/file-differs-from-tag", async () => {
  const h = await harness([await hardenedProject()], {
    hardened: true,
    editSources: (version, files) => {
      if (version !== "1.1.0") return;
      const init = "acme_hardened/__init__.py";
      files.set(init, new TextEncoder().encode('__version__ = "1.1.0"  # edited\n'));
    },
  }, { policy: { require_provenance: false } });
  try {
    const [, findings] = await sweep(h);
    assertEquals(rules(findings), ["source/file-differs-from-tag"]);
    // sdist: same path, other bytes; wheel: the path exists at the tag with other bytes.
    assertEquals(findings.length, 2);
    for (const f of findings) {
      assert(f.message.includes("acme_hardened/__init__.py"), f.message);
      assert(f.scope.startsWith("source:"), f.scope);
    }
  } finally {
    await h.close();
  }
});

Deno.test("releases job: unreadable upstream parts are not observable, and caches serve the second sweep", async () => {
  const h = await harness([await hardenedProject()], { hardened: true }, {
    policy: { require_provenance: false },
  });
  try {
    const repo = "/repos/acme/acme-hardened";
    const saved = h.sandbox.scenario.github.get(`${repo}/commits/v1.1.0`);
    h.sandbox.scenario.github.set(`${repo}/commits/v1.1.0`, { __status: 403 });
    const [obs, findings] = await sweep(h);
    // The tag could not be read: its release and the source comparisons of its files are not
    // observable (an open source finding must not read as "no longer found").
    assertEquals(obs.unobservable.map((u) => u.scope)[0], "release:1.1.0");
    assertEquals(
      obs.unobservable.slice(1).map((u) => u.scope.split(":")[0]),
      ["source", "source"],
    );
    assertEquals(findings, []);
    // Back to normal: the second sweep reuses the 1.0.0 comparisons from KV.
    h.sandbox.scenario.github.set(`${repo}/commits/v1.1.0`, saved);
    const before = h.sandbox.requests.total;
    const [obs2, findings2] = await sweep(h);
    assertEquals(obs2.unobservable, []);
    assertEquals(findings2, []);
    const cached: string[] = [];
    for await (const e of h.kv.list({ prefix: ["parity-source"] })) {
      if (e.key.length === 3) cached.push(String(e.key[2]));
    }
    assertEquals(cached.length, 4);
    assert(h.sandbox.requests.total - before > 0);
  } finally {
    await h.close();
  }
});

const PA = "pep740/pypi-attestations";
/** The commit pypi_attestations 0.0.19's provenance names (Fulcio Source Repository Digest). */
const PA_COMMIT = "08802efe1f8e5fec4ad842d6b8ce97656092ee72";

/** Serve the real tag commit for v0.0.19, as GitHub does. */
function realTagCommit(h: Harness, sha = PA_COMMIT): void {
  retargetTag(h.sandbox.scenario, "trailofbits/pypi-attestations", "v0.0.19", sha);
}

/** The real pypi_attestations 0.0.19 sdist with its real Integrity API response. */
async function pypiAttestationsProject(): Promise<SandboxProject> {
  const bytes = await Deno.readFile(realdata(`${PA}/pypi_attestations-0.0.19.tar.gz`));
  const provenance = JSON.parse(
    await Deno.readTextFile(realdata(`${PA}/pypi_attestations-0.0.19.tar.gz.provenance`)),
  );
  return {
    name: "pypi-attestations",
    summary: "real PEP 740 material",
    ownership: { organization: null, roles: [] },
    github: "trailofbits/pypi-attestations",
    releases: [{
      version: "0.0.19",
      files: [{
        filename: "pypi_attestations-0.0.19.tar.gz",
        bytes,
        uploadTime: "2024-12-05T18:00:00Z",
        provenance,
      }],
    }],
    config: {
      github: "trailofbits/pypi-attestations",
      publisher: { repository: "trailofbits/pypi-attestations", workflow: "release.yml" },
    },
  };
}

Deno.test("releases job: real PEP 740 provenance of pypi_attestations 0.0.19 verifies end to end", async () => {
  const h = await harness([await pypiAttestationsProject()], { hardened: true });
  try {
    realTagCommit(h);
    const [obs, findings] = await sweep(h);
    assertEquals(obs.unobservable, []);
    assertEquals(findings, []);
    const p = obs.data.provenance[0];
    assertEquals(p.sha256, "9bb1add04b1b4e182be6b0b80931593f7a291eb49d69b4fd728a5d4cbcdc4bd3");
    assertEquals(p.pep740?.status, "verified");
    assertEquals(p.pep740?.publisher?.repository, "trailofbits/pypi-attestations");
    assertEquals(p.pep740?.identity?.sourceRepositoryRef, "refs/tags/v0.0.19");
    const source = Object.values(obs.data.versions["0.0.19"].source)[0];
    assertEquals(source.kind, "sdist");
    assert(source.compared > 10, `compared ${source.compared}`);
  } finally {
    await h.close();
  }
});

Deno.test("releases job: real provenance signed for another publisher, and a file without any", async () => {
  const real = await pypiAttestationsProject();
  real.config = {
    ...real.config,
    publisher: { repository: "trailofbits/pypi-attestations", workflow: "publish.yml" },
  };
  const bare = await hardenedProject("acme-bare");
  const h = await harness([real, bare], { hardened: true });
  try {
    realTagCommit(h);
    const [, findings] = await sweep(h, 0);
    assertEquals(rules(findings), ["provenance/wrong-workflow"]);
    const [, bareFindings] = await sweep(h, 1);
    assertEquals(rules(bareFindings), ["provenance/missing"]);
  } finally {
    await h.close();
  }
});

Deno.test("releases job: real provenance naming another commit than the tag is provenance/source-commit-mismatch", async () => {
  const h = await harness([await pypiAttestationsProject()], { hardened: true });
  try {
    realTagCommit(h);
    const [, clean] = await sweep(h);
    assertEquals(rules(clean), []);
    const other = "1".repeat(40);
    realTagCommit(h, other);
    const [, findings] = await sweep(h);
    assertEquals(rules(findings), ["provenance/source-commit-mismatch"]);
    assertEquals(findings[0].evidence?.observed, [PA_COMMIT]);
    assertEquals(findings[0].evidence?.expected, other);
  } finally {
    await h.close();
  }
});

const CLI = "github-attestations/cli-cli";

Deno.test("releases job: GitHub attestations inline and by bundle_url are verified; unknown CAs are not observable", async () => {
  const project = await hardenedProject();
  const h = await harness([project], { hardened: true }, { policy: { require_provenance: false } });
  try {
    const repo = "/repos/acme/acme-hardened";
    const [sdist110, wheel110] = project.releases[1].files.map((f) => sha256Hex(f.bytes));
    const wheel100 = sha256Hex(project.releases[0].files[1].bytes);
    const read = async (name: string) =>
      JSON.parse(await Deno.readTextFile(realdata(`${CLI}/${name}`)));
    const github = h.sandbox.scenario.github;
    github.set(`${repo}/attestations/sha256%3A${wheel110}`, {
      attestations: [{
        bundle: await read("sigstoreBundle-invalid-signature.json"),
        repository_id: 1,
      }],
    });
    github.set("/bundles/sigstore-js.json", await read("sigstore-js-2.1.0-bundle.json"));
    github.set(`${repo}/attestations/sha256%3A${sdist110}`, {
      attestations: [{
        bundle: null,
        bundle_url: `${h.sandbox.githubUrl}/bundles/sigstore-js.json`,
      }],
    });
    const demo = (await Deno.readTextFile(
      realdata(`${CLI}/github_provenance_demo-0.0.12-py3-none-any-bundle.jsonl`),
    )).split("\n")[0];
    github.set(`${repo}/attestations/sha256%3A${wheel100}`, {
      attestations: [{ bundle: JSON.parse(demo) }],
    });
    const [obs, findings] = await sweep(h);
    // The sigstore-js bundle verifies but attests another file, signed by another repository.
    assertEquals(rules(findings), ["attestation/invalid", "attestation/wrong-signer"]);
    const scopes = (rule: string) => findings.filter((f) => f.rule === rule).map((f) => f.scope);
    assertEquals(
      scopes("attestation/invalid").sort(),
      [`file:${sdist110}`, `file:${wheel110}`].sort(),
    );
    assertEquals(scopes("attestation/wrong-signer"), [`file:${sdist110}`]);
    const bySha = new Map(obs.data.provenance.map((p) => [p.sha256, p.githubAttestation]));
    assertEquals(bySha.get(wheel110)?.status, "invalid-signature");
    assertEquals(bySha.get(sdist110)?.status, "subject-mismatch");
    assertEquals(obs.unobservable.map((u) => u.scope), [`file:${wheel100}`]);
    assert(obs.unobservable[0].reason.includes("trust root"), obs.unobservable[0].reason);
  } finally {
    await h.close();
  }
});

/** A setuptools-shaped project: the sdist's setup.cfg carries setuptools' [egg_info] section. */
async function setuptoolsProject(): Promise<SandboxProject> {
  const spec = {
    name: "acme-cfg",
    version: "1.0.0",
    files: {
      "acme_cfg/__init__.py": "VALUE = 1\n",
      "setup.cfg":
        "[metadata]\nname = acme-cfg\nclassifiers = \n\tA\n\tB\n\n[egg_info]\ntag_build = \ntag_date = 0\n\n",
    },
  };
  const at = "2026-06-01T10:00:00Z";
  return {
    name: "acme-cfg",
    summary: "setuptools-shaped",
    ownership: { organization: null, roles: [] },
    github: "acme/acme-cfg",
    releases: [{
      version: "1.0.0",
      files: [
        { filename: sdistName(spec), bytes: await buildSdist(spec), uploadTime: at },
        {
          filename: wheelName(spec),
          bytes: await buildWheel({ ...spec, files: { "acme_cfg/__init__.py": "VALUE = 1\n" } }),
          uploadTime: at,
        },
      ],
    }],
    config: { github: "acme/acme-cfg", policy: { require_provenance: false } },
  };
}

Deno.test("releases job: setup.cfg rewritten by setuptools is accepted, any other change is not", async () => {
  const tagCfg = (text: string | undefined) => (_: string, files: Map<string, Uint8Array>) => {
    if (text === undefined) files.delete("setup.cfg");
    else files.set("setup.cfg", new TextEncoder().encode(text));
  };
  const cases: [string | undefined, string[]][] = [
    ["# project metadata\n[metadata]\nname=acme-cfg\nclassifiers =\n    A\n    B\n", []],
    ["[metadata]\nname = acme-cfg\nclassifiers = \n\tA\n", ["source/file-differs-from-tag"]],
    [undefined, ["source/file-not-in-tag"]],
  ];
  for (const [text, expected] of cases) {
    const h = await harness([await setuptoolsProject()], {
      hardened: true,
      editSources: tagCfg(text),
    });
    try {
      const [obs, findings] = await sweep(h);
      assertEquals(obs.unobservable, []);
      assertEquals(rules(findings), expected, String(text));
      const sdist = Object.values(obs.data.versions["1.0.0"].source).find((c) =>
        c.kind === "sdist"
      );
      assertEquals(sdist?.setupCfgEquivalent, expected.length === 0);
    } finally {
      await h.close();
    }
  }
});

Deno.test("releases job: a real GitHub-signed attestation verifies with GitHub's trust root", async () => {
  const name = "github_provenance_demo-0.0.12-py3-none-any.whl";
  const bytes = await Deno.readFile(realdata(`${CLI}/${name}`));
  const sha = sha256Hex(bytes);
  const project: SandboxProject = {
    name: "github-provenance-demo",
    summary: "real GitHub attestation",
    ownership: { organization: null, roles: [] },
    github: "actions/attest-demo",
    releases: [{
      version: "0.0.12",
      files: [{ filename: name, bytes, uploadTime: "2024-04-22T18:00:00Z" }],
    }],
    config: {
      github: "actions/attest-demo",
      publisher: { repository: "actions/attest-demo", workflow: "build-python.yml" },
      policy: { require_provenance: false, require_github_attestation: true },
    },
  };
  const h = await harness([project], { hardened: true });
  try {
    const bundle = (await Deno.readTextFile(
      realdata(`${CLI}/github_provenance_demo-0.0.12-py3-none-any-bundle.jsonl`),
    )).split("\n")[0];
    h.sandbox.scenario.github.set(`/repos/actions/attest-demo/attestations/sha256%3A${sha}`, {
      attestations: [{ bundle: JSON.parse(bundle), repository_id: 1 }],
    });
    const roots = await loadTrustRoots({
      githubTrustedRootPath: realdata(
        "github-attestations/attestation-verify/trusted-root-github.json",
      ),
    });
    const job = createReleasesJob({ roots });
    const observation = await job.collect(h.projects[0], h.ctx);
    const result = observation.data.provenance[0].githubAttestation;
    assertEquals(result?.attestations[0]?.signatureVerified, true);
    assertEquals(result?.attestations[0]?.trustRoot, "github");
    // Signed on refs/heads/main, not on the release tag v0.0.12.
    assertEquals(result?.status, "wrong-workflow");
    const findings = job.evaluate(observation, h.projects[0], NOW)
      .filter((f) => f.rule.startsWith("attestation/"));
    assertEquals(rules(findings), ["attestation/wrong-signer"]);
    assert(!observation.unobservable.some((u) => u.scope === `file:${sha}`));
    // The verdict is cached per (file, bundles, policy): a second sweep reuses it, a policy
    // change does not.
    const cachedKeys = async () => {
      const keys: Deno.KvKey[] = [];
      for await (const e of h.kv.list({ prefix: ["parity-attest"] })) {
        if (e.key.length === 3) keys.push(e.key);
      }
      return keys.length;
    };
    assertEquals(await cachedKeys(), 1);
    const again = await job.collect(h.projects[0], h.ctx);
    assertEquals(again.data.provenance[0].githubAttestation, result);
    assertEquals(await cachedKeys(), 1);
    const otherWorkflow = {
      ...h.projects[0],
      publisher: { repository: "actions/attest-demo", workflow: "other.yml" },
    };
    const changed = await job.collect(otherWorkflow, h.ctx);
    assertEquals(await cachedKeys(), 2);
    assertEquals(changed.data.provenance[0].githubAttestation?.status, "wrong-workflow");
  } finally {
    await h.close();
  }
});

Deno.test("releases job: a checksum asset hosted elsewhere is refused and not observable", async () => {
  const h = await harness([await hardenedProject()], { hardened: true }, {
    policy: { require_provenance: false },
  });
  try {
    const release = h.sandbox.scenario.github.get(
      "/repos/acme/acme-hardened/releases/tags/v1.1.0",
    ) as {
      assets: { name: string; browser_download_url: string }[];
    };
    const manifest = release.assets.find((a) => a.name === "dist-manifest.json");
    assert(manifest);
    manifest.browser_download_url = "http://127.0.0.1:1/elsewhere/dist-manifest.json";
    const [obs, findings] = await sweep(h);
    assertEquals(findings, []);
    assertEquals(obs.unobservable.map((u) => u.scope), ["release:1.1.0"]);
    assert(obs.unobservable[0].reason.includes("not allowed"), obs.unobservable[0].reason);
  } finally {
    await h.close();
  }
});
