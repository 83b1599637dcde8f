/**
 * The built-in sandbox scenarios. `hardened` is the control: a project that follows the
 * hardening plan and must raise nothing. `compromised` rebuilds the observable signals of a
 * token-uploaded release carrying a `.pth` start-up hook (as litellm 1.82.8 did), with inert
 * content in place of any payload.
 *
 * Releases are built from a source tree: the sdist holds the tree, the wheel the package, and
 * the tree is what the sandbox GitHub serves at the release's tag.
 *
 * @module
 */
import { type ArtifactSpec, buildSdist, buildWheel, sdistName, wheelName } from "./artifacts.ts";
import type { SandboxFile, SandboxProject, Scenario } from "./scenario.ts";
import { buildGithubPosture } from "./github_posture.ts";
import { DEFAULT_SANDBOX_ACTIONS, githubActionRoutes } from "./github_actions.ts";
import { githubAccessAllow, githubAccessRoutes } from "./github_access.ts";
import { githubReleaseRoutes } from "./github_releases.ts";

const INERT_PTH = "# inert stand-in for a start-up hook: does nothing\n";

/** The standard source tree of a small pure-Python project. */
export function sourceTree(name: string, version: string): Record<string, string> {
  const pkg = name.replace(/-/g, "_");
  return {
    "pyproject.toml": [
      "[build-system]",
      'requires = ["setuptools==80.9.0"]',
      'build-backend = "setuptools.build_meta"',
      "",
      "[project]",
      `name = "${name}"`,
      `version = "${version}"`,
      'requires-python = ">=3.9"',
      "dependencies = []",
      "",
      "[project.urls]",
      `Source = "https://github.com/acme/${name}"`,
      `Issues = "https://github.com/acme/${name}/issues"`,
      `Changelog = "https://github.com/acme/${name}/releases"`,
      `Security = "https://github.com/acme/${name}/security/policy"`,
      `Documentation = "https://acme.example/${name}"`,
      "",
    ].join("\n"),
    [`${pkg}/__init__.py`]: `__version__ = "${version}"\n`,
  };
}

/** Package files of a tree (what a wheel holds): everything but the build files. */
function packageFiles(tree: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(tree).filter(([path]) => path.includes("/") && !path.startsWith(".github/")),
  );
}

/** Build an sdist and a wheel from a source tree. */
export async function releaseFromTree(
  name: string,
  version: string,
  tree: Record<string, string>,
  uploadTime: string,
  extra: Partial<ArtifactSpec> = {},
): Promise<SandboxFile[]> {
  const spec: ArtifactSpec = {
    name,
    version,
    files: tree,
    metadata: ["Requires-Python: >=3.9"],
    ...extra,
  };
  const wheelSpec: ArtifactSpec = { ...spec, files: { ...packageFiles(tree), ...extra.files } };
  return [
    { filename: sdistName(spec), bytes: await buildSdist({ ...spec, files: tree }), uploadTime },
    { filename: wheelName(wheelSpec), bytes: await buildWheel(wheelSpec), uploadTime },
  ];
}

/** A well-hardened project: clean artifacts built from the tagged source, regular releases. */
export async function hardenedProject(name = "acme-hardened"): Promise<SandboxProject> {
  const versions: [string, string][] = [
    ["1.0.0", "2026-06-01T10:00:00Z"],
    ["1.1.0", "2026-09-01T10:00:00Z"],
  ];
  const sources: Record<string, Record<string, string>> = {};
  const releases = [];
  for (const [version, at] of versions) {
    sources[version] = sourceTree(name, version);
    releases.push({ version, files: await releaseFromTree(name, version, sources[version], at) });
  }
  return {
    name,
    summary: "A project that follows the hardening plan",
    authorEmail: "Release Team <release@acme.example>",
    ownership: { organization: "acme", roles: [{ role: "Owner", user: "acme-release" }] },
    github: `acme/${name}`,
    sources,
    releases,
    config: {
      github: `acme/${name}`,
      publisher: { repository: `acme/${name}`, workflow: "release.yml", environment: "pypi" },
      allow: {
        maintainers: ["acme-release"],
        ...githubAccessAllow({ owner: "acme", repo: name, hardened: true }),
      },
    },
  };
}

/**
 * A compromised project: 2.0.0 is clean; 2.0.1 was uploaded with a stolen token (a wheel
 * only, no tag, no provenance) and carries a `.pth` start-up hook listed in RECORD.
 */
export async function compromisedProject(name = "acme-compromised"): Promise<SandboxProject> {
  const pkg = name.replace(/-/g, "_");
  const clean = sourceTree(name, "2.0.0");
  const hooked: ArtifactSpec = {
    name,
    version: "2.0.1",
    files: {
      [`${pkg}/__init__.py`]: '__version__ = "2.0.1"\n',
      [`${pkg}_init.pth`]: INERT_PTH,
    },
  };
  return {
    name,
    summary: "A project whose newest release was hijacked",
    authorEmail: "maintainer@acme.example",
    ownership: { organization: null, roles: [{ role: "Owner", user: "acme-maintainer" }] },
    github: `acme-labs/${name}`,
    sources: { "2.0.0": clean },
    releases: [
      {
        version: "2.0.0",
        files: await releaseFromTree(name, "2.0.0", clean, "2026-08-01T10:00:00Z"),
      },
      {
        version: "2.0.1",
        files: [{
          filename: wheelName(hooked),
          bytes: await buildWheel(hooked),
          uploadTime: "2026-11-20T10:52:00Z",
        }],
      },
    ],
    config: {
      github: `acme-labs/${name}`,
      publisher: { repository: `acme-labs/${name}`, workflow: "release.yml", environment: "pypi" },
      allow: {
        maintainers: ["acme-maintainer"],
        ...githubAccessAllow({ owner: "acme-labs", repo: name, hardened: false }),
      },
    },
  };
}

/** GitHub responses for a scenario's projects: posture, hardened or weak. */
export function githubRoutes(
  projects: { project: SandboxProject; hardened: boolean }[],
): Map<string, unknown> {
  const routes = githubActionRoutes(DEFAULT_SANDBOX_ACTIONS);
  for (const { project, hardened } of projects) {
    if (!project.github) continue;
    const [owner, repo] = project.github.split("/");
    for (const [path, body] of buildGithubPosture({ owner, repo, hardened })) {
      routes.set(path, body);
    }
    for (const [path, body] of githubAccessRoutes({ owner, repo, hardened })) {
      routes.set(path, body);
    }
  }
  return routes;
}

/** A scenario over projects, each with a hardened or weak GitHub side. */
export function scenarioOf(
  name: string,
  description: string,
  projects: { project: SandboxProject; hardened: boolean }[],
): Scenario {
  const scenario: Scenario = {
    name,
    description,
    projects: projects.map((p) => p.project),
    github: githubRoutes(projects),
    onListen: async (urls) => {
      for (const { project, hardened } of projects) {
        if (!project.github) continue;
        const routes = await githubReleaseRoutes(project, { hardened, ...urls });
        for (const [path, body] of routes) scenario.github.set(path, body);
      }
    },
  };
  return scenario;
}

/** The demo's scenarios: the control and the compromised project. */
export async function defaultScenario(): Promise<Scenario> {
  const control = await hardenedProject();
  // A sandbox cannot produce Sigstore signatures, so the demo's control does not require
  // provenance; real provenance is verified on real material in tests/jobs/releases_test.ts.
  control.config.policy = { require_provenance: false };
  return scenarioOf("default", "A well-hardened project (the control) and a compromised one", [
    { project: control, hardened: true },
    { project: await compromisedProject(), hardened: false },
  ]);
}
