/**
 * The built-in sandbox scenarios. `hardened` is the control: a project that follows the
 * hardening plan and must raise nothing. `compromised` rebuilds the observable signals of a
 * token-uploaded release carrying a `.pth` start-up hook (as litellm 1.82.8 did), with inert
 * content in place of any payload.
 *
 * @module
 */
import { buildSdist, buildWheel } from "./artifacts.ts";
import type { ArtifactSpec } from "./artifacts.ts";
import type { SandboxFile, SandboxProject, Scenario } from "./scenario.ts";
import { sdistName, wheelName } from "./artifacts.ts";

const INERT_PTH = "# inert stand-in for a start-up hook: does nothing\n";

async function release(spec: ArtifactSpec, uploadTime: string): Promise<SandboxFile[]> {
  return [
    { filename: sdistName(spec), bytes: await buildSdist(spec), uploadTime },
    { filename: wheelName(spec), bytes: await buildWheel(spec), uploadTime },
  ];
}

function pyproject(name: string, version: string): string {
  return [
    "[project]",
    `name = "${name}"`,
    `version = "${version}"`,
    'requires-python = ">=3.9"',
    "dependencies = []",
    "",
  ].join("\n");
}

/** A well-hardened project: clean artifacts, regular releases. */
export async function hardenedProject(name = "acme-hardened"): Promise<SandboxProject> {
  const pkg = name.replace(/-/g, "_");
  const spec = (version: string): ArtifactSpec => ({
    name,
    version,
    files: {
      [`${pkg}/__init__.py`]: `__version__ = "${version}"\n`,
      "pyproject.toml": pyproject(name, version),
    },
    metadata: ["Requires-Python: >=3.9"],
  });
  const wheelSpec = (version: string): ArtifactSpec => ({
    ...spec(version),
    files: { [`${pkg}/__init__.py`]: `__version__ = "${version}"\n` },
  });
  const files = async (version: string, at: string) => [
    { filename: sdistName(spec(version)), bytes: await buildSdist(spec(version)), uploadTime: at },
    {
      filename: wheelName(wheelSpec(version)),
      bytes: await buildWheel(wheelSpec(version)),
      uploadTime: at,
    },
  ];
  return {
    name,
    summary: "A project that follows the hardening plan",
    authorEmail: "Release Team <release@acme.example>",
    ownership: { organization: "acme", roles: [{ role: "Owner", user: "acme-release" }] },
    github: `acme/${name}`,
    releases: [
      { version: "1.0.0", files: await files("1.0.0", "2026-06-01T10:00:00Z") },
      { version: "1.1.0", files: await files("1.1.0", "2026-09-01T10:00:00Z") },
    ],
    config: {
      github: `acme/${name}`,
      publisher: { repository: `acme/${name}`, workflow: "release.yml", environment: "pypi" },
      allow: { maintainers: ["acme-release"] },
    },
  };
}

/** A compromised project: the newest release was uploaded with a token and carries a `.pth`. */
export async function compromisedProject(name = "acme-compromised"): Promise<SandboxProject> {
  const pkg = name.replace(/-/g, "_");
  const clean: ArtifactSpec = {
    name,
    version: "2.0.0",
    files: { [`${pkg}/__init__.py`]: '__version__ = "2.0.0"\n' },
  };
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
    github: `acme/${name}`,
    releases: [
      { version: "2.0.0", files: await release(clean, "2026-08-01T10:00:00Z") },
      // Token upload: a wheel only, no sdist, no provenance.
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
      github: `acme/${name}`,
      publisher: { repository: `acme/${name}`, workflow: "release.yml", environment: "pypi" },
      allow: { maintainers: ["acme-maintainer"] },
    },
  };
}

/** The demo's scenarios: the control and the compromised project. */
export async function defaultScenario(): Promise<Scenario> {
  return {
    name: "default",
    description: "A well-hardened project (the control) and a compromised one",
    projects: [await hardenedProject(), await compromisedProject()],
    github: new Map(),
  };
}
