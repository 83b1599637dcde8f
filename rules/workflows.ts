/**
 * Workflow-file rules: pure functions over parsed workflows (src/workflows/parse.ts).
 *
 * They judge what a release workflow lets an attacker do: mutable action references,
 * broad default tokens, OIDC tokens outside the publish job, publishing without a protected
 * environment, untrusted checkouts under privileged triggers, cache poisoning of release
 * builds, long-lived upload tokens, and script injection from event payloads.
 *
 * @example
 * ```ts
 * const parsed = parseWorkflow("release.yml", text);
 * const findings = parsed.ok ? checkWorkflows([parsed.workflow], policy) : [];
 * ```
 * @module
 */
import type { Policy } from "../src/config.ts";
import type { Workflow, WorkflowJob, WorkflowStep } from "../src/workflows/parse.ts";
import { type Finding, finding, type RuleMeta } from "./types.ts";

const control = (s: string) => `Release workflow hardening: ${s}`;

/** `uses:` not pinned to a full commit SHA. */
export const UNPINNED_ACTION: RuleMeta = {
  id: "workflows/unpinned-action",
  job: "repo",
  severity: "high",
  title: "Action or reusable workflow not pinned to a full commit SHA",
  control: control("every third-party action is pinned to an immutable 40-hex commit SHA"),
  remediation:
    "Replace the tag or branch with the full commit SHA it points to (keep the tag in a comment), e.g. `uses: actions/checkout@<40-hex> # v4`.",
};
/** No top-level `permissions` while some job relies on the default token. */
export const PERMISSIONS_UNDECLARED: RuleMeta = {
  id: "workflows/permissions-undeclared",
  job: "repo",
  severity: "medium",
  title: "Workflow does not declare top-level token permissions",
  control: control("the GITHUB_TOKEN is read-only unless a job asks for more"),
  remediation:
    "Add `permissions: {}` (or `contents: read`) at the top of the workflow and grant write scopes per job.",
};
/** Write scopes at the top level, or `write-all` anywhere. */
export const PERMISSIONS_WRITE: RuleMeta = {
  id: "workflows/permissions-write",
  job: "repo",
  severity: "high",
  title: "Write token permissions granted to the whole workflow or as write-all",
  control: control("write scopes are granted only to the job that needs them"),
  remediation:
    "Keep top-level permissions read-only (or `{}`), and grant each write scope only in the job that needs it; never use `write-all`.",
};
/** `id-token: write` outside the publish job. */
export const ID_TOKEN_OUTSIDE_PUBLISH: RuleMeta = {
  id: "workflows/id-token-outside-publish",
  job: "repo",
  severity: "high",
  title: "OIDC token (id-token: write) available outside the publish job",
  control: control("only the publish job can mint a token PyPI accepts"),
  remediation:
    "Remove `id-token: write` from build and test jobs; build in one job, publish from a separate job bound to a protected environment.",
};
/** The publish job does not use the protected environment. */
export const PUBLISH_WITHOUT_ENVIRONMENT: RuleMeta = {
  id: "workflows/publish-without-environment",
  job: "repo",
  severity: "high",
  title: "Publish job does not run in the protected environment",
  control: control("publishing requires the protected deployment environment"),
  remediation:
    "Add `environment: <name>` to the publish job, protect that environment with required reviewers, and bind the PyPI trusted publisher to it.",
};
/** Privileged trigger that checks out untrusted code. */
export const UNTRUSTED_CHECKOUT: RuleMeta = {
  id: "workflows/untrusted-checkout",
  job: "repo",
  severity: "critical",
  title: "pull_request_target / workflow_run workflow checks out untrusted code",
  control: control("code from forks never runs with secrets or a write token"),
  remediation:
    "Use `pull_request` for untrusted code, or never check out the pull request head in a `pull_request_target` / `workflow_run` workflow.",
};
/** Cache restore in a release workflow. */
export const CACHE_IN_RELEASE: RuleMeta = {
  id: "workflows/cache-in-release",
  job: "repo",
  severity: "high",
  title: "Release workflow restores a cache (cache poisoning)",
  control: control("release builds start from a clean state"),
  remediation:
    "Disable caching in release workflows (remove actions/cache, `cache:` inputs of setup-*, set `enable-cache: false` for setup-uv).",
};
/** Token-based upload where trusted publishing is the policy. */
export const TOKEN_UPLOAD: RuleMeta = {
  id: "workflows/token-upload",
  job: "repo",
  severity: "high",
  title: "Upload to PyPI with a long-lived token instead of trusted publishing",
  control: control("PyPI uploads use trusted publishing (OIDC), no stored API token"),
  remediation:
    "Configure a trusted publisher on PyPI, publish with pypa/gh-action-pypi-publish without `password:`, then revoke the API token and delete the secret.",
};
/** Untrusted event data interpolated into a script. */
export const SCRIPT_INJECTION: RuleMeta = {
  id: "workflows/script-injection",
  job: "repo",
  severity: "critical",
  title: "Untrusted event data interpolated into a script",
  control: control("attacker-controlled text never becomes shell code"),
  remediation:
    'Pass the value through an environment variable (`env: TITLE: ${{ github.event.issue.title }}` then `"$TITLE"`) instead of `${{ }}` inside `run:`.',
};
/** The workflow file cannot be parsed. */
export const INVALID_WORKFLOW: RuleMeta = {
  id: "workflows/invalid-workflow",
  job: "repo",
  severity: "low",
  title: "Workflow file could not be parsed",
  control: control("every workflow can be audited"),
  remediation: "Fix the YAML syntax of the workflow file.",
};

/** Every workflow rule, for the catalog. */
export const WORKFLOW_RULES: RuleMeta[] = [
  UNPINNED_ACTION,
  PERMISSIONS_UNDECLARED,
  PERMISSIONS_WRITE,
  ID_TOKEN_OUTSIDE_PUBLISH,
  PUBLISH_WITHOUT_ENVIRONMENT,
  UNTRUSTED_CHECKOUT,
  CACHE_IN_RELEASE,
  TOKEN_UPLOAD,
  SCRIPT_INJECTION,
  INVALID_WORKFLOW,
];

/** Options beyond the policy. */
export interface WorkflowCheckOptions {
  /** Project.publisher.environment: the environment the publish job must use. */
  environment?: string;
  /** Finding scope (default `repo:workflows`). */
  scope?: string;
}

const SCOPE = "repo:workflows";

function where(wf: Workflow, job?: WorkflowJob, step?: WorkflowStep): string {
  let s = wf.path;
  if (job) s += `#${job.id}`;
  if (step) s += `/steps[${step.index}]`;
  return s;
}
/** Line of a job or step, for evidence (not the subject, which must survive edits). */
function lineOf(job?: WorkflowJob, step?: WorkflowStep): { line?: number } {
  const line = step?.line ?? job?.line;
  return line ? { line } : {};
}
function clip(s: string, n = 200): string {
  return s.length > n ? `${s.slice(0, n - 3)}...` : s;
}
const lower = (s: string | undefined) => (s ?? "").toLowerCase();
/** The action of a `uses:` reference, lower-cased, without its ref. */
export const actionName = (uses: string | undefined) => lower(uses).split("@")[0];

// ---------------------------------------------------------------------------------------------
// Classification helpers (pure)

/**
 * True when a `uses:` reference is immutable: a full commit SHA, a local path, or a docker image
 * by digest.
 *
 * @example
 * ```ts
 * isPinnedUses("actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8"); // true
 * isPinnedUses("actions/checkout@v4"); // false
 * ```
 */
export function isPinnedUses(uses: string): boolean {
  const u = uses.trim();
  if (u.startsWith("./")) return true;
  if (u.startsWith("docker://")) return /@sha256:[0-9a-f]{64}$/.test(u);
  return /^[^@\s]+@[0-9a-fA-F]{40}$/.test(u);
}

const PUBLISH_RUN =
  /\b(twine\s+upload|uv\s+publish|poetry\s+publish|flit\s+publish|hatch\s+publish|pdm\s+publish|maturin\s+(publish|upload))\b|publish[-_]pypi|pypi[-_]publish|upload[-_]pypi/i;

/** A shell script without its comment lines. */
function code(run: string | undefined): string {
  return (run ?? "").split("\n").filter((l) => !/^\s*#/.test(l)).join("\n");
}

/**
 * True when a job publishes to PyPI (pypa/gh-action-pypi-publish, twine, uv publish, ...).
 *
 * @example
 * ```ts
 * wf.jobs.filter(isPublishJob).map((j) => j.id); // ["publish"]
 * ```
 */
export function isPublishJob(job: WorkflowJob): boolean {
  return job.steps.some((s) =>
    actionName(s.uses) === "pypa/gh-action-pypi-publish" || PUBLISH_RUN.test(code(s.run))
  );
}

/** Jobs whose only purpose is an artifact attestation, for which `id-token: write` is needed. */
const ATTESTATION_ACTIONS = new Set([
  "actions/attest-build-provenance",
  "actions/attest",
  "actions/attest-sbom",
]);
const ATTESTATION_HELPERS = new Set([
  "actions/download-artifact",
  "actions/upload-artifact",
  "actions/checkout",
]);
function isAttestationOnlyJob(job: WorkflowJob): boolean {
  if (job.uses || job.steps.length === 0) return false;
  if (job.steps.some((s) => s.run !== undefined || !s.uses)) return false;
  const names = job.steps.map((s) => actionName(s.uses));
  return names.some((n) => ATTESTATION_ACTIONS.has(n)) &&
    names.every((n) => ATTESTATION_ACTIONS.has(n) || ATTESTATION_HELPERS.has(n));
}

/**
 * A workflow that publishes, or runs on releases and tag pushes.
 *
 * @example
 * ```ts
 * isReleaseWorkflow(workflow); // true when a job publishes or it runs on release/tags
 * ```
 */
export function isReleaseWorkflow(wf: Workflow): boolean {
  return wf.jobs.some(isPublishJob) || wf.events.includes("release") || wf.pushTags.length > 0;
}

function grantsWrite(p: WorkflowJob["permissions"], scope?: string): boolean {
  if (p === undefined) return false;
  if (p === "write-all") return true;
  if (p === "read-all") return false;
  return Object.entries(p).some(([k, v]) => (scope === undefined || k === scope) && v === "write");
}

// ---------------------------------------------------------------------------------------------
// Rules

/**
 * `workflows/unpinned-action`.
 *
 * @example
 * ```ts
 * checkPinning(workflow).map((f) => f.subject);
 * ```
 */
export function checkPinning(wf: Workflow, scope = SCOPE): Finding[] {
  const out: Finding[] = [];
  for (const job of wf.jobs) {
    if (job.uses && !isPinnedUses(job.uses)) {
      out.push(finding(UNPINNED_ACTION, {
        subject: `${where(wf, job)} ${clip(job.uses)}`,
        scope,
        message: `Job ${clip(job.id, 80)} calls the reusable workflow ${
          clip(job.uses)
        } by a mutable reference.`,
        evidence: {
          observed: job.uses,
          expected: "owner/repo/path@<40-hex commit SHA>",
          ...lineOf(job),
        },
      }));
    }
    for (const step of job.steps) {
      if (step.uses && !isPinnedUses(step.uses)) {
        out.push(finding(UNPINNED_ACTION, {
          subject: `${where(wf, job, step)} ${clip(step.uses)}`,
          scope,
          message: `Step uses ${clip(step.uses)}, a mutable reference.`,
          evidence: {
            observed: step.uses,
            expected: "owner/repo@<40-hex commit SHA>",
            ...lineOf(job, step),
          },
        }));
      }
    }
  }
  return out;
}

/**
 * `workflows/permissions-undeclared` and `workflows/permissions-write`.
 *
 * @example
 * ```ts
 * checkPermissions(workflow);
 * ```
 */
export function checkPermissions(wf: Workflow, scope = SCOPE): Finding[] {
  if (wf.kind !== "workflow") return [];
  const out: Finding[] = [];
  const relying = wf.jobs.filter((j) => j.permissions === undefined);
  if (wf.permissions === undefined && relying.length > 0) {
    out.push(finding(PERMISSIONS_UNDECLARED, {
      subject: wf.path,
      scope,
      message: `No top-level permissions; ${relying.length} job(s) (${
        clip(relying.map((j) => j.id).join(", "), 120)
      }) get the repository's default token.`,
      evidence: { observed: null, expected: "permissions: {} or contents: read" },
    }));
  }
  if (grantsWrite(wf.permissions)) {
    out.push(finding(PERMISSIONS_WRITE, {
      subject: `${wf.path}#permissions`,
      scope,
      message: `The whole workflow is granted write permissions (${
        clip(JSON.stringify(wf.permissions), 200)
      }).`,
      evidence: { observed: wf.permissions, expected: "read-only at the top level" },
    }));
  }
  for (const job of wf.jobs) {
    if (job.permissions === "write-all") {
      out.push(finding(PERMISSIONS_WRITE, {
        subject: `${where(wf, job)}#permissions`,
        scope,
        message: `Job ${clip(job.id, 80)} is granted write-all.`,
        evidence: { observed: "write-all", expected: "the write scopes the job needs" },
      }));
    }
  }
  return out;
}

/**
 * `workflows/id-token-outside-publish`.
 *
 * @example
 * ```ts
 * checkIdToken(workflow);
 * ```
 */
export function checkIdToken(wf: Workflow, scope = SCOPE): Finding[] {
  const out: Finding[] = [];
  for (const job of wf.jobs) {
    if (!grantsWrite(job.permissions, "id-token") || job.permissions === "write-all") continue;
    // Exempt: the publish job; jobs gated by an environment (PyPI can bind the publisher to
    // it, and the environment rules check its protection); attestation-only jobs (no scripts).
    if (isPublishJob(job) || job.environment || isAttestationOnlyJob(job)) continue;
    out.push(finding(ID_TOKEN_OUTSIDE_PUBLISH, {
      subject: `${where(wf, job)}#id-token`,
      scope,
      message: `Job ${
        clip(job.id, 80)
      } can mint an OIDC token but is not the publish job and has no environment: code it runs could publish.`,
      evidence: {
        observed: job.permissions,
        expected: "id-token: write only in the publish job",
        ...lineOf(job),
      },
    }));
  }
  return out;
}

/**
 * `workflows/publish-without-environment`.
 *
 * @example
 * ```ts
 * checkPublishEnvironment(workflow, "pypi");
 * ```
 */
export function checkPublishEnvironment(
  wf: Workflow,
  expected: string | undefined,
  scope = SCOPE,
): Finding[] {
  const out: Finding[] = [];
  for (const job of wf.jobs.filter(isPublishJob)) {
    const env = job.environment;
    let problem: string | undefined;
    if (!env) problem = "has no environment";
    else if (expected && env !== expected) {
      problem = `uses environment ${clip(env, 100)}, not ${clip(expected, 100)}`;
    }
    if (!problem) continue;
    out.push(finding(PUBLISH_WITHOUT_ENVIRONMENT, {
      subject: `${where(wf, job)}#environment`,
      scope,
      message: `Publish job ${clip(job.id, 80)} ${problem}.`,
      evidence: {
        observed: env ?? null,
        expected: expected ?? "a protected environment",
        ...lineOf(job),
      },
    }));
  }
  return out;
}

const UNTRUSTED_REF =
  /github\.event\.pull_request\.head\.|github\.head_ref|github\.event\.workflow_run\.head_|refs\/pull\//i;
const UNTRUSTED_RUN_CHECKOUT =
  /gh\s+pr\s+checkout|git\s+(fetch|checkout|pull)\b[^\n]*(pull\/|github\.event\.pull_request\.head|github\.head_ref|github\.event\.workflow_run\.head_)/i;

/**
 * `workflows/untrusted-checkout`.
 *
 * @example
 * ```ts
 * checkUntrustedCheckout(workflow);
 * ```
 */
export function checkUntrustedCheckout(wf: Workflow, scope = SCOPE): Finding[] {
  if (!wf.events.some((e) => e === "pull_request_target" || e === "workflow_run")) return [];
  const out: Finding[] = [];
  for (const job of wf.jobs) {
    for (const step of job.steps) {
      const checkout = actionName(step.uses) === "actions/checkout" &&
        (UNTRUSTED_REF.test(step.with.ref ?? "") || UNTRUSTED_REF.test(step.with.repository ?? ""));
      const scripted = UNTRUSTED_RUN_CHECKOUT.test(step.run ?? "");
      if (!checkout && !scripted) continue;
      out.push(finding(UNTRUSTED_CHECKOUT, {
        subject: `${where(wf, job, step)}#checkout`,
        scope,
        message: `A ${
          wf.events.filter((e) => e === "pull_request_target" || e === "workflow_run").join("/")
        } workflow checks out the pull request head in job ${clip(job.id, 80)}.`,
        evidence: { observed: clip(step.with.ref ?? step.run ?? "", 300), ...lineOf(job, step) },
      }));
    }
  }
  return out;
}

/**
 * What in a step restores a cache, or undefined.
 *
 * @example
 * ```ts
 * cacheUse(step); // "actions/setup-python cache: pip"
 * ```
 */
export function cacheUse(step: WorkflowStep): string | undefined {
  const name = actionName(step.uses);
  const off = (v: string | undefined) => v === undefined || v === "" || lower(v) === "false";
  if (name === "actions/cache" || name === "actions/cache/restore") return name;
  if (name === "swatinem/rust-cache" || name === "mozilla-actions/sccache-action") return name;
  if (
    ["actions/setup-python", "actions/setup-node", "actions/setup-java", "actions/setup-dotnet"]
      .includes(name) && !off(step.with.cache)
  ) return `${name} cache: ${clip(step.with.cache, 60)}`;
  if (name === "actions/setup-go" && lower(step.with.cache) !== "false") {
    return `${name} (cache on by default)`;
  }
  if (name === "astral-sh/setup-uv" && lower(step.with["enable-cache"]) !== "false") {
    return `${name} (enable-cache not false)`;
  }
  return undefined;
}

/**
 * `workflows/cache-in-release`.
 *
 * @example
 * ```ts
 * checkReleaseCache(workflow);
 * ```
 */
export function checkReleaseCache(wf: Workflow, scope = SCOPE): Finding[] {
  if (wf.kind !== "workflow" || !isReleaseWorkflow(wf)) return [];
  const out: Finding[] = [];
  for (const job of wf.jobs) {
    for (const step of job.steps) {
      const use = cacheUse(step);
      if (!use) continue;
      out.push(finding(CACHE_IN_RELEASE, {
        subject: `${where(wf, job, step)}#cache`,
        scope,
        message: `Release workflow job ${clip(job.id, 80)} restores a cache (${use}).`,
        evidence: {
          observed: use,
          expected: "no cache in release workflows",
          ...lineOf(job, step),
        },
      }));
    }
  }
  return out;
}

const SECRET_REF = /\$\{\{\s*secrets\./i;
const TOKEN_ENV =
  /^(TWINE_PASSWORD|UV_PUBLISH_TOKEN|UV_PUBLISH_PASSWORD|FLIT_PASSWORD|HATCH_INDEX_AUTH|PDM_PUBLISH_PASSWORD|MATURIN_PYPI_TOKEN|MATURIN_PASSWORD|POETRY_PYPI_TOKEN_[A-Z0-9_]+|POETRY_HTTP_BASIC_[A-Z0-9_]+_PASSWORD)$/;
const TOKEN_FLAG = /(\s-p\s|--password[\s=]|--token[\s=]|-u\s+__token__)/;

/**
 * How a step uploads with a stored credential, or undefined.
 *
 * @example
 * ```ts
 * tokenUpload(workflow, job, step); // "TWINE_PASSWORD from secrets"
 * ```
 */
export function tokenUpload(
  wf: Workflow,
  job: WorkflowJob,
  step: WorkflowStep,
): string | undefined {
  if (actionName(step.uses) === "pypa/gh-action-pypi-publish") {
    const pw = step.with.password ?? step.with["password"];
    if (pw && pw.trim() !== "") return "gh-action-pypi-publish with password:";
    return undefined;
  }
  const run = code(step.run);
  if (!PUBLISH_RUN.test(run)) return undefined;
  const env = { ...wf.env, ...job.env, ...step.env };
  for (const [k, v] of Object.entries(env)) {
    if (TOKEN_ENV.test(k) && SECRET_REF.test(v)) return `${k} from secrets`;
  }
  if (TOKEN_FLAG.test(` ${run} `) && SECRET_REF.test(run)) return "credential flag from secrets";
  return undefined;
}

/**
 * `workflows/token-upload` (only when trusted publishing is the policy).
 *
 * @example
 * ```ts
 * checkTokenUpload(workflow, project.policy);
 * ```
 */
export function checkTokenUpload(wf: Workflow, policy: Policy, scope = SCOPE): Finding[] {
  if (!policy.require_provenance) return [];
  const out: Finding[] = [];
  for (const job of wf.jobs) {
    for (const step of job.steps) {
      const how = tokenUpload(wf, job, step);
      if (!how) continue;
      out.push(finding(TOKEN_UPLOAD, {
        subject: `${where(wf, job, step)}#token-upload`,
        scope,
        message: `Job ${clip(job.id, 80)} uploads with a stored token (${how}).`,
        evidence: {
          observed: how,
          expected: "trusted publishing (id-token: write, no password)",
          ...lineOf(job, step),
        },
      }));
    }
  }
  return out;
}

/** Event fields an outsider controls (titles, bodies, branch names, commit messages...). */
const UNTRUSTED_EXPRESSION = new RegExp(
  [
    String.raw`github\.event\.(issue|pull_request|discussion)\.(title|body)`,
    String.raw`github\.event\.(comment|review|review_comment)\.body`,
    String.raw`github\.event\.pages(\[[^\]]*\]|\.\*|\.\d+)?\.page_name`,
    String.raw`github\.event\.commits(\[[^\]]*\]|\.\*|\.\d+)?\.(message|author\.(email|name))`,
    String.raw`github\.event\.head_commit\.(message|author\.(email|name))`,
    String.raw`github\.event\.pull_request\.head\.(ref|label|repo\.default_branch)`,
    String
      .raw`github\.event\.workflow_run\.(head_branch|display_title|head_commit\.(message|author\.(email|name)))`,
    String.raw`github\.head_ref`,
  ].join("|"),
  "i",
);
const EXPRESSION = /\$\{\{([\s\S]*?)\}\}/g;

/**
 * Untrusted expressions inside a script.
 *
 * @example
 * ```ts
 * untrustedExpressions('echo "${{ github.event.issue.title }}"'); // 1 hit
 * ```
 */
export function untrustedExpressions(script: string): string[] {
  const found: string[] = [];
  for (const m of script.matchAll(EXPRESSION)) {
    if (UNTRUSTED_EXPRESSION.test(m[1])) found.push(clip(m[0].trim(), 150));
    if (found.length >= 10) break;
  }
  return found;
}

/**
 * `workflows/script-injection`.
 *
 * @example
 * ```ts
 * checkScriptInjection(workflow);
 * ```
 */
export function checkScriptInjection(wf: Workflow, scope = SCOPE): Finding[] {
  const out: Finding[] = [];
  for (const job of wf.jobs) {
    for (const step of job.steps) {
      const script = step.run ??
        (actionName(step.uses) === "actions/github-script" ? step.with.script : undefined);
      if (!script) continue;
      const exprs = untrustedExpressions(script);
      if (exprs.length === 0) continue;
      out.push(finding(SCRIPT_INJECTION, {
        subject: `${where(wf, job, step)}#injection`,
        scope,
        message: `Job ${clip(job.id, 80)} interpolates ${exprs[0]} into a script.`,
        evidence: {
          observed: exprs,
          expected: "pass event data through env variables",
          ...lineOf(job, step),
        },
      }));
    }
  }
  return out;
}

/**
 * `workflows/invalid-workflow`: a file that could not be parsed.
 *
 * @example
 * ```ts
 * invalidWorkflow(".github/workflows/x.yml", "bad indentation");
 * ```
 */
export function invalidWorkflow(path: string, error: string, scope = SCOPE): Finding {
  return finding(INVALID_WORKFLOW, {
    subject: path,
    scope,
    message: `Cannot parse ${clip(path, 200)}: ${clip(error, 300)}`,
  });
}

/**
 * Run every workflow rule over parsed workflows.
 *
 * @example
 * ```ts
 * const findings = checkWorkflows([workflow], project.policy, {
 *   environment: project.publisher?.environment,
 * });
 * ```
 */
export function checkWorkflows(
  workflows: Workflow[],
  policy: Policy,
  opts: WorkflowCheckOptions = {},
): Finding[] {
  const scope = opts.scope ?? SCOPE;
  return workflows.flatMap((wf) => [
    ...checkPinning(wf, scope),
    ...checkPermissions(wf, scope),
    ...checkIdToken(wf, scope),
    ...checkPublishEnvironment(wf, opts.environment, scope),
    ...checkUntrustedCheckout(wf, scope),
    ...checkReleaseCache(wf, scope),
    ...checkTokenUpload(wf, policy, scope),
    ...checkScriptInjection(wf, scope),
  ]);
}
