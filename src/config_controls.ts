/**
 * The `[project.controls]` configuration: per-project names and allow lists of the codebase and
 * settings controls (`rules/codebase.ts`, `rules/settings.ts`). Every key is optional with a
 * default from the hardening plan; unknown keys are errors.
 *
 * @example
 * ```toml
 * [project.controls.workflows]
 * ci = ["ci.yml", "tests.yml"]
 * [project.controls]
 * submodule_url_prefixes = ["https://github.com/acme/"]
 * ```
 * @module
 */
import { z } from "zod";

const fileName = z.string().min(1).max(255).regex(/^[^/]+$/, "expected a file name");
const names = (fallback: string) => z.array(fileName).min(1).max(20).default([fallback]);

/** Workflow file names (in `.github/workflows/`) each control expects; any one of a list counts. */
export const ControlWorkflowsSchema = z.object({
  ci: names("ci.yml"),
  dependency_review: names("dependency-review.yml"),
  codeql: names("codeql.yml"),
  package_content: names("package-content.yml"),
  /** Default: the publisher's workflow, else `release.yml`. */
  release: z.array(fileName).min(1).max(20).optional(),
}).strict();

/** Fork pull request approval policies, weakest first (GitHub's `approval_policy` values). */
export const FORK_APPROVAL_POLICIES = [
  "first_time_contributors_new_to_github",
  "first_time_contributors",
  "all_external_contributors",
] as const;

/** `[project.controls]`. */
export const ControlsConfigSchema = z.object({
  workflows: ControlWorkflowsSchema.prefault({}),
  /** Files the codebase must hold (root, `.github/` or `docs/`). */
  required_files: z.array(z.string().min(1).max(255)).max(50).default([
    "MANIFEST.in",
    "RELEASING.md",
    "SECURITY.md",
    "CODEOWNERS",
  ]),
  /** Keys `[project.urls]` must have (compared case-insensitively). */
  project_urls: z.array(z.string().min(1).max(100)).max(20).default([
    "Source",
    "Issues",
    "Changelog",
    "Security",
    "Documentation",
  ]),
  /** URL prefixes `.gitmodules` may point at; default: the project's own GitHub owner. */
  submodule_url_prefixes: z.array(z.string().min(1).max(500)).max(50).optional(),
  /** Globs of committed binary files that are intended (e.g. `tests/data/*.so`). */
  binaries_allowed: z.array(z.string().min(1).max(500)).max(100).default([]),
  /** The least strict fork pull request approval policy accepted. */
  fork_approval: z.enum(FORK_APPROVAL_POLICIES).default("all_external_contributors"),
  /** Artifact and log retention must be at least this many days (kept for investigations). */
  min_retention_days: z.number().int().min(1).max(400).default(90),
}).strict();
/** See {@link ControlsConfigSchema}. */
export type ControlsConfig = z.infer<typeof ControlsConfigSchema>;
