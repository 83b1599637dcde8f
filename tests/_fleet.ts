/**
 * A fleet of small sandbox projects for scale tests and the sweep benchmark: `n` projects, each
 * with two releases of two files (an sdist and a wheel). The artifacts are built once and served
 * under every project's file names (so they share digests), with the digests precomputed.
 *
 * @module
 */
import { stringify } from "smol-toml";
import { type ArtifactSpec, buildSdist, buildWheel, sha256Hex } from "../src/sandbox/artifacts.ts";
import type { SandboxFile, SandboxProject, Scenario } from "../src/sandbox/scenario.ts";

/** Name of the i-th fleet project. */
export function fleetName(i: number): string {
  return `fleet-${String(i).padStart(5, "0")}`;
}

/** A scenario of `n` projects sharing two releases' worth of artifacts. */
export async function fleetScenario(n: number): Promise<Scenario> {
  const built: { version: string; sdist: Uint8Array; wheel: Uint8Array; at: string }[] = [];
  for (
    const [version, at] of [["1.0.0", "2026-06-01T10:00:00Z"], ["1.1.0", "2026-09-01T10:00:00Z"]]
  ) {
    const spec: ArtifactSpec = {
      name: "fleet",
      version,
      files: { "fleet/__init__.py": `__version__ = "${version}"\n` },
      metadata: ["Requires-Python: >=3.9"],
    };
    built.push({ version, sdist: await buildSdist(spec), wheel: await buildWheel(spec), at });
  }
  const digests = new Map(
    built.flatMap((b) => [[b.sdist, sha256Hex(b.sdist)], [b.wheel, sha256Hex(b.wheel)]]),
  );
  const projects: SandboxProject[] = [];
  for (let i = 0; i < n; i++) {
    const name = fleetName(i);
    const dist = name.replace(/-/g, "_");
    projects.push({
      name,
      summary: "fleet member",
      ownership: { organization: "fleet", roles: [{ role: "Owner", user: "fleet-release" }] },
      releases: built.map((b) => ({
        version: b.version,
        files: [
          {
            filename: `${dist}-${b.version}.tar.gz`,
            bytes: b.sdist,
            uploadTime: b.at,
            listedSha256: digests.get(b.sdist),
          },
          {
            filename: `${dist}-${b.version}-py3-none-any.whl`,
            bytes: b.wheel,
            uploadTime: b.at,
            listedSha256: digests.get(b.wheel),
          },
        ] satisfies SandboxFile[],
      })),
      config: {},
    });
  }
  return { name: "fleet", description: `${n} small projects`, projects, github: new Map() };
}

/** Config text for a fleet served by a sandbox. */
export function fleetConfigToml(
  scenario: Scenario,
  urls: { pypi: string; github: string; fileHost: string },
  opts: {
    dir: string;
    ledger?: Record<string, unknown>;
    state?: Record<string, unknown>;
    schedules?: Record<string, unknown>;
    concurrency?: number;
    port?: number;
  },
): string {
  return stringify({
    upstream: {
      pypi: urls.pypi,
      github_api: urls.github,
      file_hosts: [urls.fileHost],
      timeout_ms: 20_000,
      concurrency: opts.concurrency ?? 8,
    },
    schedules: opts.schedules ?? {},
    ledger: opts.ledger ??
      { store: "file", path: `${opts.dir}/ledger`, origin: "fleet.localhost/auditor" },
    state: opts.state ?? { path: `${opts.dir}/state.kv`, work_dir: `${opts.dir}/work` },
    status: { hostname: "127.0.0.1", port: opts.port ?? 0 },
    project: scenario.projects.map((p) => ({ name: p.name, ...p.config })),
  });
}
