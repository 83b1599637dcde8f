/**
 * Pure helpers shared by the workflow rules (rules/workflows*.ts): locations, expressions,
 * untrusted contexts, secrets, release and publish classification. No parsing of YAML here:
 * the input is the model of `src/observations/workflow.ts`.
 *
 * @example
 * ```ts
 * isReleaseWorkflow(workflow); // true for a tag-triggered or publishing workflow
 * ```
 * @module
 */
import type {
  Permissions,
  Workflow,
  WorkflowJob,
  WorkflowStep,
} from "../src/observations/workflow.ts";

/** Default finding scope of workflow findings in the repo sweep. */
export const WORKFLOW_SCOPE = "repo:workflows";

/**
 * Subject prefix of a workflow location, e.g. `release.yml#publish/steps[2]`.
 *
 * @example
 * ```ts
 * where(wf, job, step); // ".github/workflows/release.yml#publish/steps[2]"
 * ```
 */
export function where(wf: Workflow, job?: WorkflowJob, step?: WorkflowStep): string {
  let s = wf.path;
  if (job) s += `#${job.id}`;
  if (step) s += `/steps[${step.index}]`;
  return s;
}

/** Line of a job or step, for evidence (not the subject, which must survive edits). */
export function lineOf(job?: WorkflowJob, step?: WorkflowStep): { line?: number } {
  const line = step?.line ?? job?.line;
  return line ? { line } : {};
}

/**
 * Bound a string for a message.
 *
 * @example
 * ```ts
 * clip("x".repeat(500), 10); // "xxxxxxx..."
 * ```
 */
export function clip(s: string, n = 200): string {
  return s.length > n ? `${s.slice(0, n - 3)}...` : s;
}

/** Lower-case, empty for undefined. */
export const lower = (s: string | undefined): string => (s ?? "").toLowerCase();

/**
 * `owner/repo[/path]` of a `uses:` value, lower-cased, without the ref.
 *
 * @example
 * ```ts
 * actionName("Actions/Checkout@v4"); // "actions/checkout"
 * ```
 */
export const actionName = (uses: string | undefined): string => lower(uses).trim().split("@")[0];

/**
 * The ref of a `uses:` value (`v4`, a SHA...), or "".
 *
 * @example
 * ```ts
 * actionRef("actions/checkout@v4"); // "v4"
 * ```
 */
export const actionRef = (uses: string | undefined): string =>
  (uses ?? "").trim().split("@")[1] ?? "";

/**
 * Major version of an action ref like `v5`, `v5.1.0` or `5`, else undefined (a SHA, a branch).
 *
 * @example
 * ```ts
 * majorVersion("actions/setup-node@v5.0.0"); // 5
 * ```
 */
export function majorVersion(uses: string | undefined): number | undefined {
  const m = /^v?(\d+)(\.\d+)*$/.exec(actionRef(uses));
  return m ? Number(m[1]) : undefined;
}

/**
 * A shell script without its comment lines, with line continuations joined (`\`, PowerShell
 * backtick, cmd `^`), so `twine \` + `upload` is one command.
 *
 * @example
 * ```ts
 * code("twine \\\n  upload dist/*"); // "twine   upload dist/*"
 * ```
 */
export function code(run: string | undefined): string {
  return (run ?? "").replace(/[\\`^]\r?\n/g, " ").split("\n").filter((l) => !/^\s*#/.test(l))
    .join("\n");
}

const EXPRESSION = /\$\{\{([\s\S]*?)\}\}/g;

/**
 * The inner text of every `${{ }}` expression in a string (at most 50).
 *
 * @example
 * ```ts
 * expressions("a ${{ github.sha }} b"); // [" github.sha "]
 * ```
 */
export function expressions(s: string | undefined): string[] {
  const out: string[] = [];
  for (const m of (s ?? "").matchAll(EXPRESSION)) {
    out.push(m[1]);
    if (out.length >= 50) break;
  }
  return out;
}

/** Event fields an outsider controls (titles, bodies, branch names, commit messages...). */
export const UNTRUSTED_CONTEXT = new RegExp(
  [
    String.raw`github\.event\.(issue|pull_request|discussion)\.(title|body)`,
    String.raw`github\.event\.(comment|review|review_comment)\.body`,
    String.raw`github\.event\.pages(\[[^\]]*\]|\.\*|\.\d+)?\.page_name`,
    String
      .raw`github\.event\.commits(\[[^\]]*\]|\.\*|\.\d+)?\.(message|author\.(email|name)|committer\.(email|name))`,
    String.raw`github\.event\.head_commit\.(message|author\.(email|name)|committer\.(email|name))`,
    String
      .raw`github\.event\.pull_request\.head\.(ref|label|repo\.(default_branch|description|homepage|name|full_name))`,
    String
      .raw`github\.event\.workflow_run\.(head_branch|display_title|head_commit\.(message|author\.(email|name))|head_repository\.(description|name|full_name)|pull_requests(\[[^\]]*\]|\.\*|\.\d+)?\.head\.ref)`,
    String.raw`github\.event\.(check_suite|check_run\.check_suite)\.head_branch`,
    String.raw`github\.event\.workflow_run\.head_commit\.message`,
    String.raw`github\.event\.client_payload`,
    String.raw`github\.event\.changes\.`,
    String.raw`github\.head_ref`,
    String.raw`toJSON\(\s*github\.event\s*\)`,
    String.raw`toJSON\(\s*github\s*\)`,
  ].join("|"),
  "i",
);

/**
 * True when an expression can only evaluate to a boolean (a comparison, contains(),
 * startsWith(), endsWith()), which no attacker can turn into code.
 */
function yieldsNoText(inner: string): boolean {
  const e = inner.trim();
  if (/\|\||&&/.test(e)) return false; // `a == b && x || y` may yield x or y
  return /^!?\s*(contains|startsWith|endsWith)\(/i.test(e) || /(==|!=|<=|>=)/.test(e);
}

/**
 * The untrusted expressions of a string (`${{ github.event.issue.title }}`...), at most 10.
 *
 * @example
 * ```ts
 * untrustedExpressions('echo "${{ github.event.issue.title }}"'); // 1 hit
 * ```
 */
export function untrustedExpressions(script: string): string[] {
  const found: string[] = [];
  for (const raw of expressions(script)) {
    // `github['event']['issue']['title']` is `github.event.issue.title`.
    const inner = raw.replace(/\[\s*['"]([A-Za-z0-9_-]+)['"]\s*\]/g, ".$1");
    if (UNTRUSTED_CONTEXT.test(inner) && !yieldsNoText(inner)) {
      found.push(clip(`\${{${inner}}}`.trim(), 150));
    }
    if (found.length >= 10) break;
  }
  return found;
}

/** The environment a step sees (workflow, job, step; later wins). */
export function stepEnv(
  wf: Workflow,
  job: WorkflowJob,
  step: WorkflowStep,
): Record<string, string> {
  return { ...wf.env, ...job.env, ...step.env };
}

/** Names of environment variables whose value carries untrusted event data. */
export function taintedEnv(env: Record<string, string>): string[] {
  return Object.entries(env).filter(([, v]) => untrustedExpressions(v).length > 0).map(([k]) => k);
}

const SECRET_NAME = /\bsecrets\.([A-Za-z_][A-Za-z0-9_]*)|\bsecrets\[\s*['"]([^'"]+)['"]\s*\]/g;

/**
 * Names of the secrets referenced inside `${{ }}` of a string (GITHUB_TOKEN included);
 * `toJSON(secrets)` and dynamic `secrets[...]` give `*`.
 *
 * @example
 * ```ts
 * secretNames("${{ secrets.PYPI_TOKEN }}"); // ["PYPI_TOKEN"]
 * ```
 */
export function secretNames(s: string | undefined): string[] {
  const out = new Set<string>();
  for (const inner of expressions(s)) {
    if (/toJSON\(\s*secrets\s*\)|\bsecrets\s*\[\s*[^'"\s]/i.test(inner)) out.add("*");
    for (const m of inner.matchAll(SECRET_NAME)) out.add((m[1] ?? m[2]).toUpperCase());
  }
  return [...out];
}

/** True for secret names other than the automatic GITHUB_TOKEN. */
export const isStoredSecret = (name: string): boolean => name !== "GITHUB_TOKEN";

/** Every secret a job references (env, with, run, reusable-workflow secrets). */
export function jobSecrets(wf: Workflow, job: WorkflowJob): string[] {
  const texts = [
    ...Object.values(job.env),
    ...Object.values(job.with),
    ...(job.secrets && job.secrets !== "inherit" ? Object.values(job.secrets) : []),
    job.if ?? "",
    ...job.steps.flatMap((s) => [
      s.run ?? "",
      s.if ?? "",
      ...Object.values(s.with),
      ...Object.values(s.env),
    ]),
  ];
  const out = new Set<string>();
  for (const t of texts) for (const n of secretNames(t)) out.add(n);
  // Workflow-level env only counts for jobs that see it (all of them).
  for (const v of Object.values(wf.env)) for (const n of secretNames(v)) out.add(n);
  return [...out];
}

const PUBLISH_RUN =
  /\b(twine(==[\w.]+)?\s+upload|uv\s+publish|poetry\s+publish|flit\s+publish|hatch\s+publish|pdm\s+publish|maturin\s+(publish|upload))\b|publish[-_]pypi|pypi[-_]publish|upload[-_]pypi/i;

/**
 * True when a run script uploads to a Python package index.
 *
 * @example
 * ```ts
 * publishesInScript("python -m twine \\\n upload dist/*"); // true
 * ```
 */
export function publishesInScript(run: string | undefined): boolean {
  return PUBLISH_RUN.test(code(run));
}

/** A `${{ }}` expression that reads a secret. */
export const SECRET_REF = /\$\{\{[^}]*\bsecrets\./i;
/** Environment variables that carry an index upload credential (twine, uv, poetry, ...). */
export const TOKEN_ENV =
  /^(TWINE_PASSWORD|TWINE_USERNAME|UV_PUBLISH_TOKEN|UV_PUBLISH_PASSWORD|FLIT_PASSWORD|HATCH_INDEX_AUTH|PDM_PUBLISH_PASSWORD|MATURIN_PYPI_TOKEN|MATURIN_PASSWORD|POETRY_PYPI_TOKEN_[A-Z0-9_]+|POETRY_HTTP_BASIC_[A-Z0-9_]+_PASSWORD)$/;

/**
 * The first upload-credential variable (TWINE_PASSWORD, UV_PUBLISH_TOKEN...) set from secrets in
 * an environment mapping, or undefined.
 *
 * @example
 * ```ts
 * storedCredential({ TWINE_PASSWORD: "${{ secrets.PYPI }}" }); // "TWINE_PASSWORD"
 * ```
 */
export function storedCredential(env: Record<string, string>): string | undefined {
  return Object.entries(env).find(([k, v]) =>
    TOKEN_ENV.test(k) && k !== "TWINE_USERNAME" && SECRET_REF.test(v)
  )?.[0];
}

/**
 * True when a job publishes to PyPI: pypa/gh-action-pypi-publish, a visible upload command
 * (twine, uv publish, ...), or a script handed an upload credential from secrets
 * (`run: tox -e release` with TWINE_PASSWORD).
 *
 * @example
 * ```ts
 * wf.jobs.filter(isPublishJob).map((j) => j.id); // ["publish"]
 * ```
 */
export function isPublishJob(job: WorkflowJob): boolean {
  const scripts = job.steps.filter((s) => s.run !== undefined);
  return job.steps.some((s) =>
    actionName(s.uses) === "pypa/gh-action-pypi-publish" || publishesInScript(s.run)
  ) || scripts.some((s) => storedCredential(s.env) !== undefined) ||
    (scripts.length > 0 && storedCredential(job.env) !== undefined);
}

const RELEASE_ACTIONS = new Set([
  "softprops/action-gh-release",
  "ncipollo/release-action",
  "actions/create-release",
  "actions/upload-release-asset",
  "googleapis/release-please-action",
  "google-github-actions/release-please-action",
  "goreleaser/goreleaser-action",
  "svenstaro/upload-release-action",
]);

/** True when a job creates or uploads to a GitHub release. */
export function createsRelease(job: WorkflowJob): boolean {
  return job.steps.some((s) =>
    RELEASE_ACTIONS.has(actionName(s.uses)) ||
    /\bgh\s+release\s+(create|upload|edit)\b/.test(code(s.run))
  );
}

/**
 * A release workflow: it publishes or creates a GitHub release, or runs on `release` events,
 * tag pushes or pushes to release branches.
 *
 * @example
 * ```ts
 * isReleaseWorkflow(workflow); // true when a job publishes or it runs on release/tags
 * ```
 */
export function isReleaseWorkflow(wf: Workflow): boolean {
  if (wf.kind !== "workflow") return false;
  return wf.events.includes("release") || wf.pushTags.length > 0 ||
    wf.pushBranches.some((b) => /(^|\/)releases?([/_*-]|$)/i.test(b)) ||
    wf.jobs.some((j) => isPublishJob(j) || createsRelease(j));
}

/**
 * True when permissions grant write (to `scope`, or to anything).
 *
 * @example
 * ```ts
 * grantsWrite({ "id-token": "write" }, "id-token"); // true
 * ```
 */
export function grantsWrite(p: Permissions | undefined, scope?: string): boolean {
  if (p === undefined) return false;
  if (p === "write-all") return true;
  if (p === "read-all") return false;
  return Object.entries(p).some(([k, v]) => (scope === undefined || k === scope) && v === "write");
}

/** Events under which a workflow runs with secrets and a write token on outsiders' input. */
export const PRIVILEGED_EVENTS = ["pull_request_target", "workflow_run"];
/** Events an outsider can trigger whose payload an outsider writes. */
export const OUTSIDER_EVENTS = [
  ...PRIVILEGED_EVENTS,
  "issue_comment",
  "issues",
  "discussion",
  "discussion_comment",
  "pull_request_review",
  "pull_request_review_comment",
];

/** True when a workflow runs on a privileged trigger. */
export const privileged = (wf: Workflow): boolean =>
  wf.events.some((e) => PRIVILEGED_EVENTS.includes(e));

/** A ref expression of the pull request head (fork code). */
export const UNTRUSTED_REF =
  /github\.event\.pull_request\.head\.|github\.head_ref|github\.event\.workflow_run\.head_|refs\/pull\//i;

/** A script that checks out the pull request head (`gh pr checkout`, `git fetch ... pull/`). */
export const UNTRUSTED_RUN_CHECKOUT =
  /gh\s+pr\s+checkout|git\s+(fetch|checkout|pull)\b[^\n]*(pull\/|github\.event\.pull_request\.head|github\.head_ref|github\.event\.workflow_run\.head_)/i;
