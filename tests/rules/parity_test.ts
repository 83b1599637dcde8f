import { assert, assertEquals } from "../_assert.ts";
import {
  evaluateParity,
  isGeneratedMember,
  PARITY_RULES,
  PARITY_RULESET,
  type ParityInput,
  UPLOAD_SKEW_MS,
} from "../../rules/parity.ts";
import { ruleTable } from "./_rule_table.ts";
import type {
  ReleaseObservation,
  ReleasesData,
  SourceComparison,
  VersionParity,
} from "../../src/observations/releases.ts";
import { type Project, ProjectSchema } from "../../src/config.ts";
import type { PypiFile } from "../../src/observations/pypi.ts";
import type { Finding } from "../../rules/types.ts";

const SDIST_SHA = "a".repeat(64);
const WHEEL_SHA = "b".repeat(64);
const OTHER_SHA = "c".repeat(64);

function project(policy: Record<string, unknown> = {}): Project {
  return ProjectSchema.parse({ name: "acme", github: "acme/acme", policy });
}

function file(filename: string, sha256: string, version = "1.0.0"): PypiFile {
  return {
    version,
    filename,
    packagetype: filename.endsWith(".whl") ? "wheel" : "sdist",
    sha256,
    url: `https://files.example/${filename}`,
    uploadTime: "2026-06-01T10:00:00Z",
    yanked: false,
  };
}

function release(overrides: Partial<ReleaseObservation> = {}): ReleaseObservation {
  return {
    id: 1,
    tag: "v1.0.0",
    draft: false,
    prerelease: false,
    immutable: true,
    assets: [
      {
        name: "acme-1.0.0.tar.gz",
        size: 10,
        sha256: SDIST_SHA,
        digestSource: "github",
        url: "https://x/1",
      },
      {
        name: "acme-1.0.0-py3-none-any.whl",
        size: 10,
        sha256: WHEEL_SHA,
        digestSource: "github",
        url: "https://x/2",
      },
    ],
    checksums: [],
    ...overrides,
  };
}

function version(overrides: Partial<VersionParity> = {}): VersionParity {
  return {
    version: "1.0.0",
    tag: "v1.0.0",
    firstUpload: "2026-06-01T10:00:00Z",
    release: release(),
    tagCommit: { sha: "1".repeat(40), date: "2026-06-01T09:00:00Z", treeSha: "2".repeat(40) },
    reachability: { status: "behind", aheadBy: 0 },
    source: {},
    ...overrides,
  };
}

function comparison(overrides: Partial<SourceComparison> = {}): SourceComparison {
  return {
    filename: "acme-1.0.0.tar.gz",
    sha256: SDIST_SHA,
    kind: "sdist",
    treeSha: "2".repeat(40),
    compared: 3,
    matched: 2,
    notInTag: [{ path: "PKG-INFO", size: 300, gitSha1: "3".repeat(40) }],
    notInTagCount: 1,
    differs: [],
    differsCount: 0,
    uncomparable: [],
    ...overrides,
  };
}

function data(v: VersionParity = version(), extra: Partial<ReleasesData> = {}): ReleasesData {
  return {
    name: "acme",
    repository: "acme/acme",
    defaultBranch: "main",
    files: [file("acme-1.0.0.tar.gz", SDIST_SHA), file("acme-1.0.0-py3-none-any.whl", WHEEL_SHA)],
    provenance: [],
    immutableReleases: { enabled: true },
    versions: { [v.version]: v },
    ...extra,
  };
}

const ids = (findings: Finding[]) => findings.map((f) => f.rule).sort();

Deno.test("parity: a release that matches PyPI raises nothing", () => {
  assertEquals(
    evaluateParity(data(version({ source: { [SDIST_SHA]: comparison() } })), project()),
    [],
  );
});

Deno.test("parity: every rule is listed once, with the releases job", () => {
  const seen = new Set(PARITY_RULES.map((r) => r.id));
  assertEquals(seen.size, PARITY_RULES.length);
  for (const rule of PARITY_RULES) {
    assertEquals(rule.job, "releases");
    assert(/^(parity|source)\/[a-z-]+$/.test(rule.id), rule.id);
  }
});

Deno.test("parity/no-github-release: only when the policy requires releases", () => {
  const d = data(version({ release: null }));
  const findings = evaluateParity(d, project());
  assertEquals(ids(findings), ["parity/no-github-release"]);
  assertEquals(findings[0].severity, "high");
  assertEquals(findings[0].scope, "release:1.0.0");
  assertEquals(evaluateParity(d, project({ require_github_release: false })), []);
  // Not observed (undefined) is not "no release".
  assertEquals(evaluateParity(data(version({ release: undefined })), project()), []);
});

Deno.test("parity/draft-release", () => {
  const d = data(version({ release: release({ draft: true }) }));
  assertEquals(ids(evaluateParity(d, project())), ["parity/draft-release"]);
  assertEquals(evaluateParity(d, project({ require_github_release: false })), []);
});

Deno.test("parity/asset-missing: a PyPI file not attached", () => {
  const r = release();
  r.assets = r.assets.filter((a) => !a.name.endsWith(".whl"));
  const findings = evaluateParity(data(version({ release: r })), project());
  assertEquals(ids(findings), ["parity/asset-missing"]);
  assertEquals(findings[0].subject, "acme==1.0.0/acme-1.0.0-py3-none-any.whl");
  assertEquals(
    evaluateParity(data(version({ release: r })), project({ require_github_release: false })),
    [],
  );
});

Deno.test("parity/asset-digest-mismatch: same name, other bytes (requests 2.32.5 shape)", () => {
  // requests 2.32.5: PyPI wheel 2462f946..., CI artifact 0f39b052...: benign, still a finding.
  const pypi = "2462f94637a34fd532264295e186976db0f5d453d1cdd31473c85a6a161affb6";
  const ci = "0f39b052d7ba3d55645a49019311390fc576ea7c2a594f56eb9b67a5388a6e84";
  const r = release();
  r.assets[1] = { ...r.assets[1], sha256: ci, digestSource: "download" };
  const d = data(version({ release: r }));
  d.files[1] = file("acme-1.0.0-py3-none-any.whl", pypi);
  const findings = evaluateParity(d, project());
  assertEquals(ids(findings), ["parity/asset-digest-mismatch"]);
  assertEquals(findings[0].severity, "critical");
  assert(findings[0].message.includes(ci) && findings[0].message.includes(pypi));
  assert(!/malic|attack|compromis/i.test(findings[0].message), "factual message");
  // An asset without any digest (not hashed) is not a mismatch.
  r.assets[1] = { ...r.assets[1], sha256: undefined, digestSource: "none" };
  assertEquals(evaluateParity(d, project()), []);
});

Deno.test("parity/checksum-mismatch: a checksum file disagrees with PyPI", () => {
  const good = release({
    checksums: [{
      asset: "SHA256SUMS",
      entries: [{ filename: "acme-1.0.0.tar.gz", sha256: SDIST_SHA }, {
        filename: "other.bin",
        sha256: OTHER_SHA,
      }],
    }],
  });
  assertEquals(evaluateParity(data(version({ release: good })), project()), []);
  const bad = release({
    checksums: [{
      asset: "SHA256SUMS",
      entries: [{ filename: "acme-1.0.0.tar.gz", sha256: OTHER_SHA }],
    }],
  });
  const findings = evaluateParity(data(version({ release: bad })), project());
  assertEquals(ids(findings), ["parity/checksum-mismatch"]);
  assertEquals(findings[0].severity, "critical");
});

Deno.test("parity/unexpected-asset: sidecars and checksum files are expected, others are not", () => {
  const r = release();
  const extra = (name: string) => ({
    name,
    size: 1,
    digestSource: "none" as const,
    url: "https://x",
  });
  r.assets.push(
    extra("acme-1.0.0.tar.gz.sigstore.json"),
    extra("acme-1.0.0-py3-none-any.whl.asc"),
    extra("SHA256SUMS"),
    extra("dist-manifest.json"),
    extra("provenance.intoto.jsonl"),
  );
  assertEquals(evaluateParity(data(version({ release: r })), project()), []);
  r.assets.push(extra("installer.exe"));
  const findings = evaluateParity(data(version({ release: r })), project());
  assertEquals(ids(findings), ["parity/unexpected-asset"]);
  assertEquals(findings[0].severity, "low");
});

Deno.test("parity/release-not-immutable: judged on the newest release only", () => {
  const old = version({ release: release({ immutable: false }) });
  const newer = version({
    version: "1.1.0",
    tag: "v1.1.0",
    firstUpload: "2026-07-01T10:00:00Z",
    release: release({ tag: "v1.1.0", assets: [] }),
  });
  const d = data(old);
  d.versions["1.1.0"] = newer;
  const policy = project({ require_github_release: false });
  assertEquals(evaluateParity(d, policy), []);
  newer.release = release({ tag: "v1.1.0", assets: [], immutable: false });
  const findings = evaluateParity(d, policy);
  assertEquals(ids(findings), ["parity/release-not-immutable"]);
  assertEquals(findings[0].scope, "release:1.1.0");
  // Unknown immutability (older servers) is not judged.
  newer.release = release({ tag: "v1.1.0", assets: [], immutable: undefined });
  assertEquals(evaluateParity(d, policy), []);
});

Deno.test("parity/immutable-releases-off", () => {
  const findings = evaluateParity(
    data(version(), { immutableReleases: { enabled: false } }),
    project(),
  );
  assertEquals(ids(findings), ["parity/immutable-releases-off"]);
  assertEquals(findings[0].scope, "repo:immutable-releases");
  assertEquals(evaluateParity(data(version(), { immutableReleases: undefined }), project()), []);
});

Deno.test("parity/tag-missing and parity/tag-not-on-default-branch", () => {
  assertEquals(ids(evaluateParity(data(version({ tagCommit: null })), project())), [
    "parity/tag-missing",
  ]);
  for (const status of ["ahead", "diverged"] as const) {
    const d = data(version({ reachability: { status, aheadBy: 3 } }));
    const findings = evaluateParity(d, project());
    assertEquals(ids(findings), ["parity/tag-not-on-default-branch"]);
    assert(findings[0].message.includes("3 commit(s)"), findings[0].message);
  }
  for (const status of ["behind", "identical"] as const) {
    assertEquals(
      evaluateParity(data(version({ reachability: { status, aheadBy: 0 } })), project()),
      [],
    );
  }
});

Deno.test("parity/upload-before-tag: beyond the tolerated clock skew", () => {
  const at = (ms: number) => new Date(Date.parse("2026-06-01T10:00:00Z") + ms).toISOString();
  const commit = (date: string) => ({ sha: "1".repeat(40), date, treeSha: "2".repeat(40) });
  assertEquals(
    evaluateParity(data(version({ tagCommit: commit(at(UPLOAD_SKEW_MS)) })), project()),
    [],
  );
  const findings = evaluateParity(
    data(version({ tagCommit: commit(at(UPLOAD_SKEW_MS + 1000)) })),
    project(),
  );
  assertEquals(ids(findings), ["parity/upload-before-tag"]);
  assertEquals(findings[0].severity, "medium");
});

Deno.test("source/file-not-in-tag: code only on PyPI (aiocpa, ultralytics)", () => {
  const c = comparison({
    notInTag: [
      { path: "PKG-INFO", size: 300, gitSha1: "3".repeat(40) },
      { path: "src/acme.egg-info/SOURCES.txt", size: 300, gitSha1: "4".repeat(40) },
      { path: "src/acme/_version.py", size: 700, gitSha1: "5".repeat(40) },
      { path: "src/acme/utils/downloads.py", size: 4000, gitSha1: "6".repeat(40) },
    ],
    notInTagCount: 4,
  });
  const findings = evaluateParity(data(version({ source: { [SDIST_SHA]: c } })), project());
  assertEquals(ids(findings), ["source/file-not-in-tag"]);
  assertEquals(findings[0].scope, `source:${SDIST_SHA}`);
  assert(findings[0].message.includes("1 file(s)"), findings[0].message);
  assert(findings[0].message.includes("downloads.py"), findings[0].message);
  // Counts beyond the listed paths still count.
  const many = comparison({ notInTag: c.notInTag.slice(0, 1), notInTagCount: 250 });
  assert(
    evaluateParity(data(version({ source: { [SDIST_SHA]: many } })), project())[0].message.includes(
      "249",
    ),
  );
});

Deno.test("source/file-differs-from-tag, with setup.cfg judged by the job's comparison", () => {
  const differs = (path: string) =>
    comparison({
      differs: [{ path, size: 10, gitSha1: "7".repeat(40), tagSha1: "8".repeat(40) }],
      differsCount: 1,
    });
  const findings = evaluateParity(
    data(version({ source: { [SDIST_SHA]: differs("src/acme/__init__.py") } })),
    project(),
  );
  assertEquals(ids(findings), ["source/file-differs-from-tag"]);
  assertEquals(findings[0].severity, "critical");
  // setup.cfg: setuptools' [egg_info] section alone is explained, any other change is not.
  const cfg = differs("setup.cfg");
  assertEquals(ids(evaluateParity(data(version({ source: { [SDIST_SHA]: cfg } })), project())), [
    "source/file-differs-from-tag",
  ]);
  cfg.setupCfgEquivalent = true;
  assertEquals(evaluateParity(data(version({ source: { [SDIST_SHA]: cfg } })), project()), []);
  cfg.setupCfgEquivalent = false;
  assertEquals(ids(evaluateParity(data(version({ source: { [SDIST_SHA]: cfg } })), project())), [
    "source/file-differs-from-tag",
  ]);
});

Deno.test("isGeneratedMember: the documented list, nothing more", () => {
  assert(isGeneratedMember("sdist", { path: "PKG-INFO", size: 10 }));
  assert(!isGeneratedMember("wheel", { path: "PKG-INFO", size: 10 }));
  assert(!isGeneratedMember("sdist", { path: "src/PKG-INFO", size: 10 }));
  assert(isGeneratedMember("sdist", { path: "a.egg-info/PKG-INFO", size: 10 }));
  assert(!isGeneratedMember("sdist", { path: "setup.cfg", size: 10 }));
  assert(isGeneratedMember("wheel", { path: "acme/_version.py", size: 1000 }));
  assert(!isGeneratedMember("wheel", { path: "acme/_version.py", size: 40_000 }));
  assert(!isGeneratedMember("wheel", { path: "acme/downloads.py", size: 100 }));
  assert(!isGeneratedMember("sdist", { path: "evil.egg-info.py", size: 100 }));
});

Deno.test("parity: nothing is judged without a repository", () => {
  const d = data(version({ release: null, tagCommit: null }), { repository: undefined });
  assertEquals(evaluateParity(d, project()), []);
});

const parityCase = (d: ReleasesData, policy: Record<string, unknown> = {}): ParityInput => ({
  data: d,
  project: project(policy),
});
/** The matching release of the first test: nothing fires on it. */
const matching = parityCase(data(version({ source: { [SDIST_SHA]: comparison() } })));
const withAssets = (f: (r: ReleaseObservation) => void) => {
  const r = release();
  f(r);
  return parityCase(data(version({ release: r })));
};
const newest = (immutable: boolean | undefined) => {
  const d = data(version());
  d.versions["1.1.0"] = version({
    version: "1.1.0",
    tag: "v1.1.0",
    firstUpload: "2026-07-01T10:00:00Z",
    release: release({ tag: "v1.1.0", assets: [], immutable }),
  });
  return parityCase(d, { require_github_release: false });
};
const tagged = (date: string) =>
  parityCase(data(version({ tagCommit: { sha: "1".repeat(40), date, treeSha: "2".repeat(40) } })));
const sourced = (c: Partial<SourceComparison>) =>
  parityCase(data(version({ source: { [SDIST_SHA]: comparison(c) } })));

ruleTable("parity", PARITY_RULESET, {
  "parity/no-github-release": {
    fires: parityCase(data(version({ release: null }))),
    clean: parityCase(data(version({ release: null })), { require_github_release: false }),
  },
  "parity/draft-release": {
    fires: parityCase(data(version({ release: release({ draft: true }) }))),
    clean: matching,
  },
  "parity/asset-missing": {
    fires: withAssets((r) => r.assets.pop()),
    clean: matching,
  },
  "parity/asset-digest-mismatch": {
    fires: withAssets((r) => r.assets[1] = { ...r.assets[1], sha256: OTHER_SHA }),
    clean: withAssets((r) =>
      r.assets[1] = { ...r.assets[1], sha256: undefined, digestSource: "none" }
    ),
  },
  "parity/checksum-mismatch": {
    fires: withAssets((r) =>
      r.checksums = [{
        asset: "SHA256SUMS",
        entries: [{ filename: "acme-1.0.0.tar.gz", sha256: OTHER_SHA }],
      }]
    ),
    clean: withAssets((r) =>
      r.checksums = [{
        asset: "SHA256SUMS",
        entries: [{ filename: "acme-1.0.0.tar.gz", sha256: SDIST_SHA }],
      }]
    ),
  },
  "parity/unexpected-asset": {
    fires: withAssets((r) =>
      r.assets.push({ name: "installer.exe", size: 1, digestSource: "none", url: "https://x" })
    ),
    clean: withAssets((r) =>
      r.assets.push({ name: "SHA256SUMS", size: 1, digestSource: "none", url: "https://x" })
    ),
  },
  "parity/release-not-immutable": { fires: newest(false), clean: newest(undefined) },
  "parity/immutable-releases-off": {
    fires: parityCase(data(version(), { immutableReleases: { enabled: false } })),
    clean: parityCase(data(version(), { immutableReleases: undefined })),
  },
  "parity/tag-missing": {
    fires: parityCase(data(version({ tagCommit: null }))),
    clean: matching,
  },
  "parity/tag-not-on-default-branch": {
    fires: parityCase(data(version({ reachability: { status: "diverged", aheadBy: 3 } }))),
    clean: parityCase(data(version({ reachability: { status: "identical", aheadBy: 0 } }))),
  },
  "parity/upload-before-tag": {
    fires: tagged(
      new Date(Date.parse("2026-06-01T10:00:00Z") + UPLOAD_SKEW_MS + 1000).toISOString(),
    ),
    clean: tagged(new Date(Date.parse("2026-06-01T10:00:00Z") + UPLOAD_SKEW_MS).toISOString()),
  },
  "source/file-not-in-tag": {
    fires: sourced({
      notInTag: [{ path: "src/acme/utils/downloads.py", size: 4000, gitSha1: "6".repeat(40) }],
      notInTagCount: 1,
    }),
    clean: matching,
  },
  "source/file-differs-from-tag": {
    fires: sourced({
      differs: [{
        path: "src/acme/__init__.py",
        size: 10,
        gitSha1: "7".repeat(40),
        tagSha1: "8".repeat(40),
      }],
      differsCount: 1,
    }),
    clean: sourced({
      differs: [{ path: "setup.cfg", size: 10, gitSha1: "7".repeat(40), tagSha1: "8".repeat(40) }],
      differsCount: 1,
      setupCfgEquivalent: true,
    }),
  },
});
