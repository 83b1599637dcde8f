/**
 * A fleet of small sandbox projects for scale tests and the sweep benchmark: `n` projects, each
 * with two releases of two files (an sdist and a wheel). The artifacts are built once; each
 * project gets its own bytes (and digests) by a cheap patch that leaves the contents alone: the
 * wheel's zip comment and the sdist's gzip MTIME carry the project number. Digests are
 * precomputed so the sandbox does not hash on every download.
 *
 * @module
 */
import { sandboxConfigToml, type SandboxUrls } from "../src/sandbox/config.ts";
import { type ArtifactSpec, buildSdist, buildWheel, sha256Hex } from "../src/sandbox/artifacts.ts";
import type { SandboxFile, SandboxProject, Scenario } from "../src/sandbox/scenario.ts";

/** A copy of a zip (no comment yet) whose end-of-central-directory comment says `comment`. */
export function withZipComment(zip: Uint8Array, comment: string): Uint8Array {
  const eocd = zip.length - 22;
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  if (view.getUint32(eocd, true) !== 0x06054b50 || view.getUint16(eocd + 20, true) !== 0) {
    throw new Error("expected a zip without a comment");
  }
  const text = new TextEncoder().encode(comment);
  const out = new Uint8Array(zip.length + text.length);
  out.set(zip);
  out.set(text, zip.length);
  new DataView(out.buffer).setUint16(eocd + 20, text.length, true);
  return out;
}

/** A copy of a gzip stream with another MTIME header field. */
export function withGzipMtime(gz: Uint8Array, mtime: number): Uint8Array {
  if (gz[0] !== 0x1f || gz[1] !== 0x8b) throw new Error("expected gzip");
  const out = gz.slice();
  new DataView(out.buffer).setUint32(4, mtime, true);
  return out;
}

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
  const projects: SandboxProject[] = [];
  for (let i = 0; i < n; i++) {
    const name = fleetName(i);
    const dist = name.replace(/-/g, "_");
    const file = (filename: string, bytes: Uint8Array, at: string): SandboxFile => ({
      filename,
      bytes,
      uploadTime: at,
      listedSha256: sha256Hex(bytes),
    });
    projects.push({
      name,
      summary: "fleet member",
      ownership: { organization: "fleet", roles: [{ role: "Owner", user: "fleet-release" }] },
      releases: built.map((b) => ({
        version: b.version,
        files: [
          file(`${dist}-${b.version}.tar.gz`, withGzipMtime(b.sdist, 1_700_000_000 + i), b.at),
          file(`${dist}-${b.version}-py3-none-any.whl`, withZipComment(b.wheel, name), b.at),
        ],
      })),
      config: {},
    });
  }
  return { name: "fleet", description: `${n} small projects`, projects, github: new Map() };
}

/** Config text for a fleet served by a sandbox. */
export function fleetConfigToml(
  scenario: Scenario,
  urls: SandboxUrls,
  opts: {
    dir: string;
    ledger?: Record<string, unknown>;
    state?: Record<string, unknown>;
    schedules?: Record<string, unknown>;
    concurrency?: number;
    port?: number;
  },
): string {
  return sandboxConfigToml(scenario, urls, {
    ...opts,
    origin: "fleet.localhost/auditor",
    timeoutMs: 20_000,
    concurrency: opts.concurrency ?? 8,
  });
}
