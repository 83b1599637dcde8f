/**
 * Codebase rules: what the hardening plan asks of the repository's files, judged at the latest
 * release's tag and at the default branch (so a control dropped after the release shows up as
 * its own finding, `…@default`). Collection (`jobs/repo_codebase.ts`) read the files and parsed
 * TOML and YAML; the release workflow's shape and CI's installs are judged on the workflows
 * parsed at the tag (`…@tag:`) and on the default branch (`…@default:`).
 * `codebase/release-files-drift` reports a release control that passes at the tag and fails on
 * the default branch (a regression the next release would ship). Severities follow the plan's
 * priorities: P0 high, P1 medium, P2 low.
 *
 * @example
 * ```ts
 * const findings = runRules(CODEBASE_RULESET, { data, project, workflows });
 * ```
 * @module
 */
import {
  defineRule,
  type Finding,
  finding,
  type Rule,
  type RuleMeta,
  ruleMetaFor,
  type Severity,
} from "./types.ts";
import { clip, type ControlsInput, type Workflow, type WorkflowJob } from "./controls_input.ts";
import { type Codebase, CONTROL_SCOPES } from "../src/observations/controls.ts";
import { SCOPES } from "../src/observations/repo.ts";
import { globToRegex } from "./posture.ts";
import { actionName, isPublishJob } from "./_workflow.ts";

const meta = ruleMetaFor("repo", "codebase/");
const FILES = "Codebase: the release files the plan requires";
const PYPROJECT = "Codebase: pyproject.toml is the single, complete metadata source";
const RELEASE =
  "Release process: the release workflow builds, checks and publishes in separate steps";

/** A required file is missing. */
export const FILE_MISSING = meta(
  "file-missing",
  "medium",
  "A file the plan requires is missing",
  FILES,
  "Add the file: CODEOWNERS (owners of release files), SECURITY.md (how to report), MANIFEST.in (what the sdist holds), RELEASING.md (how a release is made and checked).",
);
/** No pyproject.toml, or not valid TOML. */
export const PYPROJECT_MISSING = meta(
  "pyproject-missing",
  "medium",
  "No valid pyproject.toml",
  PYPROJECT,
  "Declare the project in pyproject.toml ([build-system] and a PEP 621 [project] table).",
);
/** Metadata declared in [tool.poetry] too. */
export const POETRY_DUPLICATE = meta(
  "duplicate-poetry-metadata",
  "medium",
  "Metadata is declared in [tool.poetry] as well as (or instead of) [project]",
  PYPROJECT,
  "Keep the metadata in [project] only (Poetry 2 reads it there) and remove the duplicate keys from [tool.poetry].",
);
/** No requires-python. */
export const REQUIRES_PYTHON = meta(
  "requires-python-missing",
  "low",
  "pyproject.toml does not declare requires-python",
  PYPROJECT,
  "Set [project] requires-python to the versions you test.",
);
/** [project.urls] lacks expected keys. */
export const PROJECT_URLS = meta(
  "project-urls-incomplete",
  "low",
  "[project.urls] lacks links the plan expects",
  PYPROJECT,
  "Add Source, Issues, Changelog, Security and Documentation to [project.urls], so users can check where a release comes from.",
);
/** Build requirements not pinned exactly. */
export const BUILD_UNPINNED = meta(
  "build-requires-unpinned",
  "medium",
  "[build-system].requires is not pinned exactly",
  PYPROJECT,
  "Pin every build requirement with == (e.g. hatchling==1.27.0), so a release is built with known tools.",
);
/** A named workflow is missing. */
export const WORKFLOW_MISSING = meta(
  "workflow-missing",
  "medium",
  "A workflow the plan requires is missing",
  "Codebase: CI, dependency review, CodeQL, package-content and release workflows",
  "Add the workflow under .github/workflows/ (or name the file you use in [project.controls.workflows]).",
);
/** The publish job does more than download and publish. */
export const PUBLISH_NOT_MINIMAL = meta(
  "release-publish-job-not-minimal",
  "high",
  "The publish job does more than download the built files and publish them",
  RELEASE,
  "Build in a job without id-token; publish in a separate job that only downloads the build's artifacts (actions/download-artifact) and runs pypa/gh-action-pypi-publish through trusted publishing.",
);
/** A job that builds the release can mint an OIDC token. */
export const BUILD_ID_TOKEN = meta(
  "release-build-has-id-token",
  "high",
  "The job that builds the release can mint an OIDC token",
  RELEASE,
  "Remove id-token: write from the build job (and from the workflow's top-level permissions): only the publish job, which runs no build code, needs it.",
);
/** No step checks that the tag is on the default branch. */
export const TAG_CHECK_MISSING = meta(
  "release-tag-check-missing",
  "medium",
  "The release workflow does not check that the tag is on the default branch",
  RELEASE,
  'Add a step before building that fails unless the tag\'s commit is on the default branch (git merge-base --is-ancestor "$GITHUB_SHA" origin/main).',
);
/** No checksums generated. */
export const CHECKSUMS_MISSING = meta(
  "release-checksums-missing",
  "medium",
  "The release workflow generates no checksums",
  RELEASE,
  "Generate SHA256SUMS of the built files (sha256sum dist/* > SHA256SUMS) and attach it to the GitHub release.",
);
/** No attestations generated. */
export const ATTESTATIONS_MISSING = meta(
  "release-attestations-missing",
  "medium",
  "The release workflow generates no attestations",
  RELEASE,
  "Keep pypa/gh-action-pypi-publish's PEP 740 attestations on (the default) and add actions/attest-build-provenance for the GitHub release files.",
);
/** CI installs without hashes. */
export const PIP_WITHOUT_HASHES = meta(
  "ci-pip-without-require-hashes",
  "medium",
  "CI installs dependencies without --require-hashes",
  "Codebase: CI installs pinned, hash-checked dependencies",
  "Install from a lock file with hashes: pip install --require-hashes -r requirements.txt (pip-compile --generate-hashes, uv export).",
);
/** pre-commit hooks not pinned to a commit. */
export const PRECOMMIT_UNPINNED = meta(
  "precommit-hook-unpinned",
  "medium",
  "A pre-commit hook is not pinned to a commit SHA",
  "Codebase: developer tooling is pinned",
  "Pin each hook's rev to a full commit SHA (pre-commit autoupdate --freeze).",
);
/** Binary artifacts committed. */
export const BINARY_COMMITTED = meta(
  "binary-committed",
  "high",
  "Binary artifacts are committed to the repository",
  "Codebase: no native binaries in the source tree (OpenSSF Scorecard Binary-Artifacts)",
  "Remove the binaries and build them in CI from source; list intended ones in [project.controls] binaries_allowed.",
);
/** A submodule points outside the allow list. */
export const SUBMODULE_NOT_ALLOWED = meta(
  "submodule-not-allowed",
  "high",
  "A git submodule points at a repository outside the allow list",
  "Codebase: submodules only from trusted repositories",
  "Remove the submodule or add its URL prefix to [project.controls] submodule_url_prefixes after review.",
);

/** A release control that passes at the tag fails on the default branch. */
export const RELEASE_DRIFT = meta(
  "release-files-drift",
  "medium",
  "A release control that passes at the latest release's tag fails on the default branch",
  "Codebase: the release files keep their controls between releases",
  "Restore the control on the default branch before the next release (the evidence shows the tag's passing state and the default branch's failure), or record the change in RELEASING.md and waive the finding.",
);

/** Severity of a missing file, by the plan's priority. */
const FILE_SEVERITY: Record<string, Severity> = {
  codeowners: "high",
  "security.md": "medium",
  "manifest.in": "medium",
  "releasing.md": "low",
};

/** Files the posture rules already judge at the default branch head. */
const POSTURE_FILES = new Set(["codeowners", "security.md"]);

const URL_ALIASES: Record<string, string[]> = {
  source: ["source", "source code", "repository", "code"],
  issues: ["issues", "bug tracker", "issue tracker", "tracker", "bugs"],
  changelog: ["changelog", "changes", "release notes", "history"],
  security: ["security", "security policy"],
  documentation: ["documentation", "docs"],
};

function snapshots(input: ControlsInput): Codebase[] {
  return input.data.controls?.codebase ?? [];
}

function at(input: ControlsInput, s: Codebase, what: string): string {
  return `${input.data.repository}@${s.kind}:${what}`;
}

function scopeOf(s: Codebase): string {
  return `${CONTROL_SCOPES.codebase}:${s.kind}`;
}

function where(s: { kind: Codebase["kind"]; ref: string }): string {
  return s.kind === "tag" ? `at tag ${clip(s.ref)}` : `on ${clip(s.ref)}`;
}

function basename(path: string): string {
  return (path.split("/").pop() ?? path).toLowerCase();
}

function fileMissing(input: ControlsInput): Finding[] {
  const out: Finding[] = [];
  for (const s of snapshots(input)) {
    const present = new Set(s.files.map(basename));
    for (const name of input.project.controls.required_files) {
      const key = name.toLowerCase();
      if (present.has(key) || (s.kind === "default" && POSTURE_FILES.has(key))) continue;
      out.push(finding(FILE_MISSING, {
        subject: at(input, s, clip(name, 255)),
        scope: scopeOf(s),
        severity: FILE_SEVERITY[key] ?? "medium",
        message: `${clip(name)} is missing ${where(s)} (root, .github/ or docs/).`,
        evidence: { expected: name, ref: s.ref },
      }));
    }
  }
  return out;
}

function pyprojectRules(input: ControlsInput): Finding[] {
  return snapshots(input).flatMap((s) => pyprojectAt(input, s));
}

function pyprojectAt(input: ControlsInput, s: Codebase): Finding[] {
  const out: Finding[] = [];
  const p = s.pyproject;
  if (p === undefined) return out;
  const base = { scope: scopeOf(s), evidence: { ref: s.ref } };
  if (p === null || p.error) {
    out.push(finding(PYPROJECT_MISSING, {
      ...base,
      subject: at(input, s, "pyproject.toml"),
      message: p === null
        ? `No pyproject.toml ${where(s)}.`
        : `pyproject.toml ${where(s)} is not valid TOML: ${clip(p.error ?? "", 200)}`,
    }));
    return out;
  }
  if (p.poetryMetadata.length > 0) {
    out.push(finding(POETRY_DUPLICATE, {
      ...base,
      subject: at(input, s, "tool.poetry"),
      message: `[tool.poetry] ${where(s)} declares ${p.poetryMetadata.join(", ")}${
        p.project ? " besides [project]" : " and there is no [project] table"
      }.`,
      evidence: { observed: p.poetryMetadata, ref: s.ref },
    }));
  }
  if (p.project && !p.requiresPython) {
    out.push(finding(REQUIRES_PYTHON, {
      ...base,
      subject: at(input, s, "requires-python"),
      message: `[project] ${where(s)} has no requires-python.`,
    }));
  }
  const keys = new Set(p.urls.map((k) => k.toLowerCase().trim()));
  const missing = input.project.controls.project_urls.filter((wanted) =>
    !(URL_ALIASES[wanted.toLowerCase()] ?? [wanted.toLowerCase()]).some((a) => keys.has(a))
  );
  if (p.project && missing.length > 0) {
    out.push(finding(PROJECT_URLS, {
      ...base,
      subject: at(input, s, "project.urls"),
      message: `[project.urls] ${where(s)} lacks ${missing.join(", ")}.`,
      evidence: { observed: p.urls, expected: input.project.controls.project_urls, ref: s.ref },
    }));
  }
  const loose = p.buildRequires.filter((r) =>
    !/^[A-Za-z0-9._\[\], -]+\s*===?\s*[^,;*]+(;.*)?$/.test(r)
  );
  if (loose.length > 0) {
    out.push(finding(BUILD_UNPINNED, {
      ...base,
      subject: at(input, s, "build-system.requires"),
      message: `[build-system].requires ${where(s)} is not pinned exactly: ${
        clip(loose.join(", "), 200)
      }.`,
      evidence: { observed: loose.slice(0, 20), ref: s.ref },
    }));
  }
  return out;
}

/** The expected workflow names per control, and their severity. */
function expectedWorkflows(input: ControlsInput): [string, string[], Severity][] {
  const w = input.project.controls.workflows;
  const release = w.release ?? [input.project.publisher?.workflow ?? "release.yml"];
  const out: [string, string[], Severity][] = [
    ["CI", w.ci, "medium"],
    ["dependency review", w.dependency_review, "medium"],
    ["package content", w.package_content, "medium"],
    ["release", release, "high"],
  ];
  if (input.data.controls?.codeScanningDefaultSetup !== "configured") {
    out.push(["CodeQL", w.codeql, "medium"]);
  }
  return out;
}

function workflowMissing(input: ControlsInput): Finding[] {
  const out: Finding[] = [];
  for (const s of snapshots(input)) {
    const present = new Set(s.workflows);
    for (const [label, names, severity] of expectedWorkflows(input)) {
      if (names.some((n) => present.has(n))) continue;
      out.push(finding(WORKFLOW_MISSING, {
        subject: at(input, s, `workflow:${label}`),
        scope: scopeOf(s),
        severity,
        message: `No ${label} workflow ${where(s)} (expected ${clip(names.join(" or "), 200)}).`,
        evidence: { expected: names, observed: s.workflows.slice(0, 50), ref: s.ref },
      }));
    }
  }
  return out;
}

/** The parsed workflows at one ref, with the scope their findings belong to. */
interface WorkflowSet {
  kind: Codebase["kind"];
  ref: string;
  scope: string;
  workflows: readonly Workflow[];
}

/** The tag's workflows (when read) and the default branch's. */
function workflowSets(input: ControlsInput): WorkflowSet[] {
  const out: WorkflowSet[] = [];
  const tag = snapshots(input).find((s) => s.kind === "tag");
  if (tag?.workflowFiles) {
    out.push({
      kind: "tag",
      ref: tag.ref,
      scope: CONTROL_SCOPES.tagWorkflows,
      workflows: tag.workflowFiles.flatMap((f) => f.workflow ? [f.workflow] : []),
    });
  }
  out.push({
    kind: "default",
    ref: input.data.defaultBranch,
    scope: SCOPES.workflows,
    workflows: input.workflows,
  });
  return out;
}

function workflowNamed(workflows: readonly Workflow[], names: readonly string[]): Workflow[] {
  return workflows.filter((wf) => names.includes(wf.path.split("/").pop() ?? ""));
}

function releaseNames(input: ControlsInput): string[] {
  const w = input.project.controls.workflows;
  return w.release ?? [input.project.publisher?.workflow ?? "release.yml"];
}

function releaseWorkflow(
  input: ControlsInput,
  workflows: readonly Workflow[],
): Workflow | undefined {
  return workflowNamed(workflows, releaseNames(input))[0];
}

/** Actions a minimal publish job may use. */
const PUBLISH_STEPS = new Set([
  "actions/download-artifact",
  "pypa/gh-action-pypi-publish",
  "actions/attest-build-provenance",
  "actions/attest",
]);

function steps(wf: Workflow): { job: WorkflowJob; run: string; uses: string }[] {
  return wf.jobs.flatMap((job) =>
    job.steps.map((s) => ({ job, run: s.run ?? "", uses: actionName(s.uses) }))
  );
}

type ShapeCheck = (wf: Workflow) => string | undefined;

function releaseShape(m: RuleMeta, check: ShapeCheck): (input: ControlsInput) => Finding[] {
  return (input) =>
    workflowSets(input).flatMap((set) => {
      const wf = releaseWorkflow(input, set.workflows);
      const problem = wf && check(wf);
      if (!wf || !problem) return [];
      return [finding(m, {
        subject: `${input.data.repository}@${set.kind}:${wf.path}`,
        scope: set.scope,
        message: `${clip(wf.path)} ${where(set)}: ${problem}.`,
        evidence: { observed: problem, ref: set.ref },
      })];
    });
}

const BUILD_RUN =
  /\b(python3?\s+-m\s+build|pipx\s+run\s+build|pyproject-build|uv\s+build|hatch\s+build|poetry\s+build|pdm\s+build|flit\s+build|maturin\s+build|cibuildwheel)\b/;

function idTokenWrite(permissions: unknown): boolean {
  if (permissions === "write-all") return true;
  return typeof permissions === "object" && permissions !== null &&
    (permissions as Record<string, string>)["id-token"] === "write";
}

function buildHasIdToken(wf: Workflow): string | undefined {
  for (const job of wf.jobs) {
    if (!job.steps.some((s) => BUILD_RUN.test(s.run ?? ""))) continue;
    const permissions = job.permissions ?? wf.permissions;
    if (idTokenWrite(permissions)) {
      return `job ${clip(job.id, 80)} builds the release and has id-token: write`;
    }
  }
  return undefined;
}

function publishNotMinimal(wf: Workflow): string | undefined {
  const publish = wf.jobs.filter(isPublishJob);
  if (publish.length === 0) return "no job publishes to PyPI";
  for (const job of publish) {
    const extra = job.steps.filter((s) => s.run || !PUBLISH_STEPS.has(actionName(s.uses)));
    if (extra.length > 0) {
      return `publish job ${clip(job.id, 80)} also runs ${
        clip(extra.map((s) => s.uses ?? s.name ?? "a script").join(", "), 200)
      }`;
    }
  }
  return undefined;
}

const TAG_CHECK =
  /merge-base\s+--is-ancestor|branch\s+(-r\s+|-a\s+)?--contains|tag\s+--merged|--merged\s|base_ref/;

function tagCheckMissing(wf: Workflow): string | undefined {
  return steps(wf).some((s) => TAG_CHECK.test(s.run))
    ? undefined
    : "no step checks that the tag's commit is on the default branch";
}

function checksumsMissing(wf: Workflow): string | undefined {
  return steps(wf).some((s) => /\bsha256sum\b|shasum\s+-a\s*256|SHA256SUMS/i.test(s.run))
    ? undefined
    : "no step writes checksums of the built files";
}

function attestationsMissing(wf: Workflow): string | undefined {
  const all = steps(wf);
  const attest = all.some((s) =>
    s.uses === "actions/attest-build-provenance" || s.uses === "actions/attest"
  );
  const pep740 = wf.jobs.some((j) =>
    j.steps.some((s) =>
      actionName(s.uses) === "pypa/gh-action-pypi-publish" &&
      !/^false$/i.test(s.with.attestations ?? "")
    )
  );
  return attest || pep740 ? undefined : "no step generates attestations";
}

function pipWithoutHashes(input: ControlsInput): Finding[] {
  return workflowSets(input).flatMap((set) => pipAt(input, set));
}

function pipAt(input: ControlsInput, set: WorkflowSet): Finding[] {
  const out: Finding[] = [];
  for (const wf of workflowNamed(set.workflows, input.project.controls.workflows.ci)) {
    const installs = steps(wf).flatMap((s) =>
      s.run.split("\n").filter((l) => /\bpip3?\s+install\b/.test(l) && !/^\s*#/.test(l))
    );
    const unhashed = installs.filter((l) => !/--require-hashes/.test(l));
    if (unhashed.length === 0) continue;
    out.push(finding(PIP_WITHOUT_HASHES, {
      subject: `${input.data.repository}@${set.kind}:${wf.path}:pip`,
      scope: set.scope,
      message: `${clip(wf.path)} ${where(set)} runs ${
        clip(unhashed[0].trim(), 150)
      } without --require-hashes.`,
      evidence: { observed: unhashed.slice(0, 10).map((l) => clip(l.trim(), 200)), ref: set.ref },
    }));
  }
  return out;
}

function precommitUnpinned(input: ControlsInput): Finding[] {
  const out: Finding[] = [];
  for (const s of snapshots(input)) {
    const loose = (s.precommit ?? []).filter((h) => !/^[0-9a-f]{40}$/.test(h.rev));
    if (loose.length === 0) continue;
    out.push(finding(PRECOMMIT_UNPINNED, {
      subject: at(input, s, ".pre-commit-config.yaml"),
      scope: scopeOf(s),
      message: `${loose.length} pre-commit hook(s) ${where(s)} are not pinned to a commit: ${
        clip(loose.map((h) => `${h.repo}@${h.rev}`).join(", "), 200)
      }.`,
      evidence: { observed: loose.slice(0, 20), ref: s.ref },
    }));
  }
  return out;
}

function binaryCommitted(input: ControlsInput): Finding[] {
  const allowed = input.project.controls.binaries_allowed.map(globToRegex);
  const out: Finding[] = [];
  for (const s of snapshots(input)) {
    const hits = (s.binaries ?? []).filter((p) => !allowed.some((re) => re.test(p)));
    if (hits.length === 0) continue;
    out.push(finding(BINARY_COMMITTED, {
      subject: at(input, s, "binaries"),
      scope: scopeOf(s),
      message: `${s.binariesCount ?? hits.length} binary file(s) ${where(s)}: ${
        clip(hits.join(", "), 200)
      }.`,
      evidence: { observed: hits.slice(0, 50), ref: s.ref },
    }));
  }
  return out;
}

function submoduleNotAllowed(input: ControlsInput): Finding[] {
  const owner = input.data.repository.split("/")[0];
  const prefixes = input.project.controls.submodule_url_prefixes ??
    [`https://github.com/${owner}/`];
  const out: Finding[] = [];
  for (const s of snapshots(input)) {
    for (const m of s.submodules ?? []) {
      if (prefixes.some((p) => m.url.startsWith(p))) continue;
      out.push(finding(SUBMODULE_NOT_ALLOWED, {
        subject: at(input, s, `submodule:${clip(m.path, 500)}`),
        scope: scopeOf(s),
        message: `Submodule ${clip(m.path)} ${where(s)} points at ${clip(m.url, 200)}.`,
        evidence: { observed: m.url, expected: prefixes, ref: s.ref },
      }));
    }
  }
  return out;
}

/** One side of a drift comparison: a snapshot and, when read, its parsed workflows. */
interface Side {
  snapshot: Codebase;
  workflows?: readonly Workflow[];
}

/**
 * A release control judged at one side: a problem (fails), `undefined` (passes) or `null`
 * (cannot be judged there: not read, or the control does not apply).
 */
interface DriftControl {
  id: string;
  what: string;
  scope: string;
  judge(input: ControlsInput, side: Side): string | undefined | null;
  /** What the control looked at on one side, for the before/after evidence. */
  facts(input: ControlsInput, side: Side): unknown;
}

const SHAPE_CHECKS: [RuleMeta, ShapeCheck][] = [
  [BUILD_ID_TOKEN, buildHasIdToken],
  [PUBLISH_NOT_MINIMAL, publishNotMinimal],
  [TAG_CHECK_MISSING, tagCheckMissing],
  [CHECKSUMS_MISSING, checksumsMissing],
  [ATTESTATIONS_MISSING, attestationsMissing],
];

const PYPROJECT_CHECKS = [PYPROJECT_MISSING, POETRY_DUPLICATE, REQUIRES_PYTHON, PROJECT_URLS];

/** Files whose removal weakens the release (CODEOWNERS: review of release files). */
const DRIFT_FILES = ["CODEOWNERS", "MANIFEST.in"];

const DRIFT_CONTROLS: readonly DriftControl[] = [
  ...DRIFT_FILES.map((name): DriftControl => ({
    id: `file:${name}`,
    what: name,
    scope: CONTROL_SCOPES.drift,
    judge: (_input, side) =>
      side.snapshot.files.some((f) => basename(f) === name.toLowerCase())
        ? undefined
        : `${name} is missing ${where(side.snapshot)}`,
    facts: (_input, side) =>
      side.snapshot.files.find((f) => basename(f) === name.toLowerCase()) ?? null,
  })),
  {
    id: "workflow:release",
    what: "the release workflow",
    scope: CONTROL_SCOPES.drift,
    judge: (input, side) =>
      releaseNames(input).some((n) => side.snapshot.workflows.includes(n))
        ? undefined
        : `no release workflow ${where(side.snapshot)}`,
    facts: (input, side) => releaseNames(input).filter((n) => side.snapshot.workflows.includes(n)),
  },
  ...[...PYPROJECT_CHECKS, BUILD_UNPINNED].map((m): DriftControl => ({
    id: m.id,
    what: "pyproject.toml",
    scope: CONTROL_SCOPES.drift,
    judge: (input, side) => {
      if (side.snapshot.pyproject === undefined) return null;
      return pyprojectAt(input, side.snapshot).find((f) => f.rule === m.id)?.message;
    },
    facts: (_input, side) => side.snapshot.pyproject ?? null,
  })),
  ...SHAPE_CHECKS.map(([m, check]): DriftControl => ({
    id: m.id,
    what: "the release workflow",
    scope: CONTROL_SCOPES.workflowDrift,
    judge: (input, side) => {
      const wf = side.workflows && releaseWorkflow(input, side.workflows);
      if (!wf) return null;
      const problem = check(wf);
      return problem && `${clip(wf.path)} ${where(side.snapshot)}: ${problem}`;
    },
    facts: (input, side) => {
      const wf = side.workflows && releaseWorkflow(input, side.workflows);
      return wf ? { path: wf.path, jobs: wf.jobs.map((j) => clip(j.id, 80)).slice(0, 20) } : null;
    },
  })),
];

function releaseDrift(input: ControlsInput): Finding[] {
  const tagSnap = snapshots(input).find((s) => s.kind === "tag");
  const defaultSnap = snapshots(input).find((s) => s.kind === "default");
  if (!tagSnap || !defaultSnap) return [];
  const tag: Side = {
    snapshot: tagSnap,
    workflows: tagSnap.workflowFiles?.flatMap((f) => f.workflow ? [f.workflow] : []),
  };
  const head: Side = { snapshot: defaultSnap, workflows: input.workflows };
  const out: Finding[] = [];
  for (const c of DRIFT_CONTROLS) {
    const before = c.judge(input, tag);
    const after = c.judge(input, head);
    if (before !== undefined || typeof after !== "string") continue;
    out.push(finding(RELEASE_DRIFT, {
      subject: at(input, defaultSnap, `drift:${c.id}`),
      scope: c.scope,
      message: `${c.what} weakened since tag ${clip(tagSnap.ref)}: ${clip(after, 300)}.`,
      evidence: {
        control: c.id,
        before: { ref: tagSnap.ref, state: "passes", facts: c.facts(input, tag) },
        after: { ref: defaultSnap.ref, state: clip(after, 500), facts: c.facts(input, head) },
      },
    }));
  }
  return out;
}

/** The codebase rules as values. */
export const CODEBASE_RULESET: readonly Rule<ControlsInput>[] = [
  defineRule(FILE_MISSING, fileMissing),
  defineRule(PYPROJECT_MISSING, pyprojectRules),
  defineRule(POETRY_DUPLICATE, pyprojectRules),
  defineRule(REQUIRES_PYTHON, pyprojectRules),
  defineRule(PROJECT_URLS, pyprojectRules),
  defineRule(BUILD_UNPINNED, pyprojectRules),
  defineRule(WORKFLOW_MISSING, workflowMissing),
  defineRule(BUILD_ID_TOKEN, releaseShape(BUILD_ID_TOKEN, buildHasIdToken)),
  defineRule(PUBLISH_NOT_MINIMAL, releaseShape(PUBLISH_NOT_MINIMAL, publishNotMinimal)),
  defineRule(TAG_CHECK_MISSING, releaseShape(TAG_CHECK_MISSING, tagCheckMissing)),
  defineRule(CHECKSUMS_MISSING, releaseShape(CHECKSUMS_MISSING, checksumsMissing)),
  defineRule(ATTESTATIONS_MISSING, releaseShape(ATTESTATIONS_MISSING, attestationsMissing)),
  defineRule(PIP_WITHOUT_HASHES, pipWithoutHashes),
  defineRule(PRECOMMIT_UNPINNED, precommitUnpinned),
  defineRule(BINARY_COMMITTED, binaryCommitted),
  defineRule(SUBMODULE_NOT_ALLOWED, submoduleNotAllowed),
  defineRule(RELEASE_DRIFT, releaseDrift),
];
/** Metadata of the codebase rules, for the catalog. */
export const CODEBASE_RULES = CODEBASE_RULESET.map((r) => r.meta);
