/**
 * Fixtures for the controls rule tables (secrets, settings, codebase): a hardened input on which
 * no rule fires, and helpers to break one control at a time.
 */
import { ProjectSchema } from "../../src/config.ts";
import type { RepoPosture } from "../../src/observations/repo.ts";
import type { Codebase, RepoControls } from "../../src/observations/controls.ts";
import type { ControlsInput, Workflow } from "../../rules/controls_input.ts";
import { parseWorkflow } from "../../src/workflows/parse.ts";
import { ciWorkflow, releaseWorkflow } from "../../src/sandbox/github_controls.ts";

/** A project with a trusted publisher, optionally with extra config. */
export function project(extra: Record<string, unknown> = {}) {
  return ProjectSchema.parse({
    name: "x",
    github: "o/x",
    publisher: { repository: "o/x", workflow: "release.yml", environment: "pypi" },
    ...extra,
  });
}

/** Parse a workflow text (tests may parse; rules never do). */
export function workflow(name: string, text: string): Workflow {
  const r = parseWorkflow(`.github/workflows/${name}`, text);
  if (!r.ok) throw new Error(r.error);
  return r.workflow;
}

/** The codebase of a hardened repository at one ref. */
export function snapshot(over: Partial<Codebase> = {}): Codebase {
  return {
    kind: "tag",
    ref: "v1.0.0",
    files: ["MANIFEST.in", "RELEASING.md", ".github/SECURITY.md", ".github/CODEOWNERS"],
    workflows: [
      "ci.yml",
      "dependency-review.yml",
      "codeql.yml",
      "package-content.yml",
      "release.yml",
    ],
    pyproject: {
      project: true,
      poetryMetadata: [],
      requiresPython: ">=3.9",
      urls: ["Source", "Issues", "Changelog", "Security", "Documentation"],
      buildRequires: ["hatchling==1.27.0"],
    },
    precommit: [{ repo: "https://github.com/psf/black", rev: "a".repeat(40) }],
    submodules: [{ path: "vendor/v", url: "https://github.com/o/v" }],
    binaries: [],
    binariesCount: 0,
    ...over,
  };
}

/** Controls of a hardened repository. */
export function controls(over: Partial<RepoControls> = {}): RepoControls {
  return {
    secrets: { repository: [], organization: [], environments: { pypi: [] } },
    forkApproval: "all_external_contributors",
    retentionDays: 90,
    codeScanningDefaultSetup: "configured",
    dependencyGraph: "enabled",
    codebase: [snapshot()],
    ...over,
  };
}

/** A hardened input; `over` replaces parts of it. */
export function input(
  over: {
    controls?: Partial<RepoControls>;
    analysis?: Record<string, string>;
    reviewers?: boolean;
    workflows?: Workflow[];
    project?: ReturnType<typeof project>;
  } = {},
): ControlsInput {
  const data = {
    repository: "o/x",
    defaultBranch: "main",
    settings: {
      private: false,
      security_and_analysis: over.analysis ?? {
        secret_scanning: "enabled",
        secret_scanning_push_protection: "enabled",
      },
    },
    environments: [{
      id: 1,
      name: "pypi",
      protection_rules: over.reviewers === false
        ? []
        : [{ id: 2, type: "required_reviewers", reviewers: [{ type: "User" }] }],
    }],
    controls: controls(over.controls),
  } as unknown as RepoPosture;
  return {
    data,
    project: over.project ?? project(),
    workflows: over.workflows ??
      [workflow("release.yml", releaseWorkflow("pypi")), workflow("ci.yml", ciWorkflow(true))],
  };
}
