/**
 * Observations for the hardening plan's controls beyond the repository posture: the names (never
 * the values) of the Actions secrets visible to the repository, Actions and security settings
 * (approval of fork contributors' workflows, artifact and log retention, code scanning default
 * setup, dependency graph), and codebase facts read through the contents API at the latest
 * release tag and at the default branch. Collected by `jobs/repo_controls.ts` and
 * `jobs/repo_codebase.ts`; judged by `rules/secrets.ts`, `rules/settings.ts` and
 * `rules/codebase.ts`. An absent section was not observable (its scope is listed).
 *
 * @example
 * ```ts
 * const controls: RepoControls = { secrets: { repository: ["PYPI_API_TOKEN"] } };
 * ```
 * @module
 */
import { z } from "zod";
import { WorkflowFileSchema } from "./workflow.ts";

/** Most names kept per secret list, files per listing, paths per finding list. */
export const CONTROL_LIMITS = {
  secrets: 200,
  paths: 200,
  hooks: 200,
  submodules: 100,
  /** Workflow files read at the release tag. */
  tagWorkflows: 50,
} as const;

const name = z.string().max(255);

/** Secret names visible to the repository, by level (absent: not observed). */
export const SecretNamesSchema = z.object({
  repository: z.array(name).max(CONTROL_LIMITS.secrets).optional(),
  organization: z.array(name).max(CONTROL_LIMITS.secrets).optional(),
  /** Environment name → its secret names. */
  environments: z.record(name, z.array(name).max(CONTROL_LIMITS.secrets)).optional(),
});
/** See {@link SecretNamesSchema}. */
export type SecretNames = z.infer<typeof SecretNamesSchema>;

/** Facts of `pyproject.toml` (parsed in collection). */
export const PyprojectFactsSchema = z.object({
  /** A `[project]` table exists. */
  project: z.boolean(),
  /** Metadata keys that `[tool.poetry]` declares too (name, version, dependencies, …). */
  poetryMetadata: z.array(z.string().max(100)).max(50),
  requiresPython: z.string().max(500).optional(),
  /** Keys of `[project.urls]`. */
  urls: z.array(z.string().max(200)).max(100),
  /** `[build-system].requires` entries. */
  buildRequires: z.array(z.string().max(500)).max(100),
  /** The file is not valid TOML. */
  error: z.string().max(300).optional(),
});
/** See {@link PyprojectFactsSchema}. */
export type PyprojectFacts = z.infer<typeof PyprojectFactsSchema>;

/** The codebase at one ref. */
export const CodebaseSchema = z.object({
  /** `tag` (the latest release's tag) or `default` (the default branch). */
  kind: z.enum(["tag", "default"]),
  ref: z.string().max(500),
  /** Paths present among the controls' files (root, `.github/`, `docs/`). */
  files: z.array(z.string().max(1000)).max(CONTROL_LIMITS.paths),
  /** Workflow file names in `.github/workflows/`. */
  workflows: z.array(z.string().max(255)).max(CONTROL_LIMITS.paths),
  /** Null when there is no pyproject.toml. */
  pyproject: PyprojectFactsSchema.nullable().optional(),
  /** `.pre-commit-config.yaml` hooks (repo, rev); null when there is no such file. */
  precommit: z.array(z.object({ repo: z.string().max(1000), rev: z.string().max(200) }))
    .max(CONTROL_LIMITS.hooks).nullable().optional(),
  /** Not a valid pre-commit config. */
  precommitError: z.string().max(300).optional(),
  /** `.gitmodules` entries; null when there is none. */
  submodules: z.array(z.object({ path: z.string().max(1000), url: z.string().max(2000) }))
    .max(CONTROL_LIMITS.submodules).nullable().optional(),
  /** Binary artifacts in the tree (by extension, as Scorecard's Binary-Artifacts). */
  binaries: z.array(z.string().max(1000)).max(CONTROL_LIMITS.paths).optional(),
  binariesCount: z.number().int().min(0).optional(),
  /**
   * The workflow files of `.github/workflows/` at the release tag, parsed in collection (the
   * default branch's are the repo job's own `workflowFiles`). Absent: not read or not observable.
   */
  workflowFiles: z.array(WorkflowFileSchema).max(CONTROL_LIMITS.tagWorkflows).optional(),
});
/** See {@link CodebaseSchema}. */
export type Codebase = z.infer<typeof CodebaseSchema>;

/** Everything the controls collectors add to the repo observation. */
export const RepoControlsSchema = z.object({
  secrets: SecretNamesSchema.optional(),
  /** `approval_policy` of fork pull request workflows from contributors. */
  forkApproval: z.string().max(100).optional(),
  /** Artifact and log retention, in days. */
  retentionDays: z.number().int().optional(),
  /** Code scanning default setup `state` (`configured`, `not-configured`). */
  codeScanningDefaultSetup: z.string().max(50).optional(),
  /** `dependency_graph` of the attached code security configuration (`enabled`, …). */
  dependencyGraph: z.string().max(50).optional(),
  codebase: z.array(CodebaseSchema).max(2).optional(),
});
/** See {@link RepoControlsSchema}. */
export type RepoControls = z.infer<typeof RepoControlsSchema>;

/** Scopes of the controls, for findings and `unobservable` entries. */
export const CONTROL_SCOPES = {
  secrets: "repo:secrets",
  forkApproval: "repo:fork-approval",
  retention: "repo:retention",
  codeScanning: "repo:code-scanning",
  dependencyGraph: "repo:dependency-graph",
  /** Secret scanning and push protection (`security_and_analysis` of the repository). */
  secretScanning: "repo:secret-scanning",
  /** Followed by `:tag` or `:default`. */
  codebase: "repo:codebase",
  /** The workflows read at the release tag. */
  tagWorkflows: "repo:codebase:tag:workflows",
  /** Release files that weakened between the tag and the default branch. */
  drift: "repo:codebase:drift",
  /** Release workflows that weakened between the tag and the default branch. */
  workflowDrift: "repo:workflows:drift",
} as const;
