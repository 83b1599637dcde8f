/**
 * Sandbox scenarios: the data a local upstream serves in place of PyPI and GitHub. A scenario
 * lists projects, their releases and files (artifacts built on the fly, or real bytes), the
 * PyPI ownership data, and GitHub responses by path. It also says how the auditor is expected
 * to be configured for it (publisher, policy), so the demo can write its own config.
 *
 * @module
 */
import { sha256Hex } from "./artifacts.ts";

/** One file of a sandbox release. */
export interface SandboxFile {
  filename: string;
  bytes: Uint8Array;
  /** RFC 3339 upload time. */
  uploadTime: string;
  yanked?: boolean | string;
  /** PEP 740 Integrity API response to serve for this file. */
  provenance?: unknown;
  /** Serve a digest other than the bytes' own (to model a tampered index or host). */
  listedSha256?: string;
}

/** One release. */
export interface SandboxRelease {
  version: string;
  files: SandboxFile[];
}

/** One PyPI project with its GitHub repository. */
export interface SandboxProject {
  name: string;
  summary: string;
  authorEmail?: string;
  maintainerEmail?: string;
  ownership: { organization: string | null; roles: { role: string; user: string }[] };
  releases: SandboxRelease[];
  /** `owner/repo` on the sandbox GitHub. */
  github?: string;
  /**
   * The tagged source of each release (version → path → text): served by the contents API at
   * the release's tag. A release with no entry has no tag.
   */
  sources?: Record<string, Record<string, string>>;
  /** Commit SHA of a release's tag (version → SHA), e.g. the one real provenance names. */
  tagCommits?: Record<string, string>;
  /** Auditor config for this project (TOML-able values), merged into the demo config. */
  config: Record<string, unknown>;
}

/** A named scenario. */
export interface Scenario {
  name: string;
  description: string;
  projects: SandboxProject[];
  /** GitHub API responses by path (no query string), e.g. `/repos/o/r/rulesets`. */
  github: Map<string, unknown>;
  /**
   * Called once the sandbox listens, for responses that embed its URLs (release asset and
   * attestation bundle links): add them to `github`.
   */
  onListen?: (urls: { pypiUrl: string; githubUrl: string }) => Promise<void>;
}

/** The tag of a sandbox release (the project's `tag_pattern`, default `v{version}`). */
export function sandboxTag(project: SandboxProject, version: string): string {
  const policy = project.config.policy as { tag_pattern?: string } | undefined;
  return (policy?.tag_pattern ?? "v{version}").replaceAll("{version}", version);
}

/** sha256 the index lists for a sandbox file. */
export function listedDigest(file: SandboxFile): string {
  return file.listedSha256 ?? sha256Hex(file.bytes);
}
