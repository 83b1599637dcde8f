/**
 * Workflow rules about the release pipeline: cache poisoning, token uploads, persisted checkout
 * credentials, dangerous triggers, bot-identity conditions, unpinned images, broad read tokens,
 * and the online facts about pinned actions (impostor commits, advisories).
 *
 * @example
 * ```ts
 * checkReleaseCache(workflow).map((f) => f.evidence?.observed);
 * ```
 * @module
 */
import type { Policy } from "../src/config.ts";
import {
  type ActionRefFact,
  actionScope,
  type Workflow,
  type WorkflowJob,
  type WorkflowStep,
} from "../src/observations/workflow.ts";
import { type Finding, finding } from "./types.ts";
import {
  BOT_CONDITION,
  CACHE_IN_RELEASE,
  CHECKOUT_CREDENTIALS,
  DANGEROUS_TRIGGER,
  IMPOSTOR_COMMIT,
  KNOWN_VULNERABLE_ACTION,
  PERMISSIONS_READ_ALL,
  TOKEN_UPLOAD,
  UNPINNED_IMAGE,
} from "./_workflow_meta.ts";
import {
  actionName,
  clip,
  code,
  grantsWrite,
  isReleaseWorkflow,
  isStoredSecret,
  jobSecrets,
  lineOf,
  lower,
  majorVersion,
  OUTSIDER_EVENTS,
  privileged,
  publishesInScript,
  SECRET_REF,
  stepEnv,
  storedCredential,
  TOKEN_ENV,
  UNTRUSTED_REF,
  UNTRUSTED_RUN_CHECKOUT,
  where,
  WORKFLOW_SCOPE,
} from "./_workflow.ts";

/**
 * Whether an input value switches a feature on. An expression counts as on, unless it is a
 * tag guard (`!startsWith(github.ref, 'refs/tags/')`, `github.ref_type != 'tag'`) and every
 * release trigger of the workflow runs on a tag (`tagOnly`).
 */
function isOn(v: string | undefined, dflt: boolean, tagOnly = false): boolean {
  if (v === undefined) return dflt;
  const s = v.trim().toLowerCase();
  if (s.includes("${{")) {
    const guard =
      /!\s*startswith\(\s*github\.ref\s*,\s*'refs\/tags\/'|github\.ref_type\s*!=\s*'tag'/.test(s);
    return !(guard && tagOnly);
  }
  return !(s === "" || s === "false" || s === "0" || s === "no" || s === "off");
}

/** The major version of a step's action: from its ref, else from a `# v5.0.0` comment. */
const stepMajor = (step: WorkflowStep): number | undefined =>
  majorVersion(step.uses) ?? majorVersion(`x@${step.usesComment ?? ""}`);

/** True when every release trigger of a workflow runs on a tag ref. */
function tagOnlyRelease(wf: Workflow | undefined): boolean {
  if (!wf) return false;
  const releaseBranch = wf.pushBranches.some((b) => /(^|\/)releases?([/_*-]|$)/i.test(b));
  return !releaseBranch && (wf.pushTags.length > 0 || wf.events.includes("release"));
}

/** Events on which setup-uv v10+ switches its automatic cache off. */
const UV_AUTO_OFF = new Set(["pull_request_target", "workflow_run", "release"]);

/**
 * Whether setup-uv caches when `enable-cache` is absent or `auto`: off before v5, on (on
 * GitHub-hosted runners) from v5, and from v10 off on pull_request_target, workflow_run and
 * release events only. A SHA without a version comment is taken as v5-v9 (cache on).
 */
function setupUvDefault(step: WorkflowStep, wf?: Workflow): boolean {
  const major = stepMajor(step);
  if (major === undefined) return true;
  if (major < 5) return false;
  if (major < 10) return true;
  return wf !== undefined && wf.events.some((e) => !UV_AUTO_OFF.has(e));
}

type CacheSpec =
  | { always: true }
  | { input: string; dflt: boolean | ((step: WorkflowStep, wf?: Workflow) => boolean) }
  | { optOut: string };

/** Cache-aware actions (key lower case), and how their cache is switched. */
const CACHE_PROVIDERS: Readonly<Record<string, CacheSpec>> = {
  "actions/cache": { optOut: "lookup-only" },
  "actions/cache/restore": { always: true },
  "actions/setup-python": { input: "cache", dflt: false },
  "actions/setup-java": { input: "cache", dflt: false },
  "actions/setup-dotnet": { input: "cache", dflt: false },
  "actions/setup-go": { input: "cache", dflt: (s) => (stepMajor(s) ?? 4) >= 4 },
  "astral-sh/setup-uv": { input: "enable-cache", dflt: setupUvDefault },
  "swatinem/rust-cache": { optOut: "lookup-only" },
  "mozilla-actions/sccache-action": { always: true },
  "pyo3/maturin-action": { input: "sccache", dflt: false },
  "ruby/setup-ruby": { input: "bundler-cache", dflt: false },
  "gradle/actions/setup-gradle": { optOut: "cache-disabled" },
  "actions-rust-lang/setup-rust-toolchain": { input: "cache", dflt: true },
  "jdx/mise-action": { input: "cache", dflt: true },
  "oven-sh/setup-bun": { optOut: "no-cache" },
  "mlugg/setup-zig": { input: "use-cache", dflt: true },
  "determinatesystems/magic-nix-cache-action": { input: "use-gha-cache", dflt: true },
  "graalvm/setup-graalvm": { input: "cache", dflt: false },
  "ramsey/composer-install": { optOut: "ignore-cache" },
  "awalsh128/cache-apt-pkgs-action": { always: true },
  "nix-community/cache-nix-action": { always: true },
};

/**
 * What in a step restores a cache, or undefined.
 *
 * @example
 * ```ts
 * cacheUse(step, workflow); // "actions/setup-python cache: pip"
 * ```
 */
export function cacheUse(step: WorkflowStep, wf?: Workflow): string | undefined {
  const name = actionName(step.uses);
  const tagOnly = tagOnlyRelease(wf);
  if (name === "actions/setup-node") {
    if (isOn(step.with.cache, false, tagOnly)) {
      return `${name} cache: ${clip(step.with.cache ?? "", 60)}`;
    }
    const major = stepMajor(step);
    if (
      major !== undefined && major >= 5 && isOn(step.with["package-manager-cache"], true, tagOnly)
    ) {
      return `${name} v${major} (package-manager-cache on by default)`;
    }
    return undefined;
  }
  if (name === "docker/setup-buildx-action") {
    // Only a downloaded buildx (`version:` given) is cached; the runner's own is not.
    const version = (step.with.version ?? "").trim();
    return version !== "" && isOn(step.with["cache-binary"], true, tagOnly)
      ? `${name} (cache-binary on by default, version ${clip(version, 40)})`
      : undefined;
  }
  if (name === "docker/build-push-action" || name === "docker/bake-action") {
    const from = `${step.with["cache-from"] ?? ""} ${step.with.set ?? ""}`;
    return /type\s*=\s*gha/i.test(from) ? `${name} cache-from type=gha` : undefined;
  }
  const spec = CACHE_PROVIDERS[name];
  if (!spec) return undefined;
  if ("always" in spec) return name;
  if ("optOut" in spec) {
    return isOn(step.with[spec.optOut], false) ? undefined : `${name} (${spec.optOut} not set)`;
  }
  const dflt = typeof spec.dflt === "function" ? spec.dflt(step, wf) : spec.dflt;
  // `auto` is the action's own default (setup-uv), whatever that is for this version.
  const given = step.with[spec.input];
  const v = given?.trim().toLowerCase() === "auto" ? undefined : given;
  if (!isOn(v, dflt, tagOnly)) return undefined;
  return v === undefined
    ? `${name} (${spec.input} on by default)`
    : `${name} ${spec.input}: ${clip(v, 60)}`;
}

/**
 * `workflows/cache-in-release`: any cache provider in a release workflow (tags, release
 * branches, `release` events, publishing or GitHub-release jobs).
 *
 * @example
 * ```ts
 * checkReleaseCache(workflow);
 * ```
 */
export function checkReleaseCache(wf: Workflow, scope = WORKFLOW_SCOPE): Finding[] {
  if (!isReleaseWorkflow(wf)) return [];
  const out: Finding[] = [];
  const off = (mode: string | undefined) => lower(mode).trim() === "none";
  for (const job of wf.jobs) {
    // `cache-mode: none` (workflow or job) switches the Actions cache off for the job.
    if (off(job.cacheMode) || (job.cacheMode === undefined && off(wf.cacheMode))) continue;
    for (const step of job.steps) {
      const use = cacheUse(step, wf);
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

const TOKEN_FLAG = /(\s-p\s|--password[\s=]|--token[\s=]|-u\s+__token__|\s-t\s)/;
const TOOL = /\b(twine|uv|poetry|flit|hatch|pdm|maturin)(==[\w.]+)?\s+(upload|publish)\b/i;

/**
 * The upload credential from secrets a script step receives without a visible upload command:
 * from its own `env:`, or (reported once, on the job's first script, when no step of the job
 * uploads visibly) from the job's or workflow's `env:`.
 */
function handedCredential(wf: Workflow, job: WorkflowJob, step: WorkflowStep): string | undefined {
  if (step.run === undefined) return undefined;
  const own = storedCredential(step.env);
  if (own) return own;
  const first = job.steps.find((s) => s.run !== undefined);
  if (first !== step || job.steps.some((s) => publishesInScript(s.run))) return undefined;
  return storedCredential({ ...wf.env, ...job.env });
}

/** Tools that mint a PyPI token from the job's OIDC token themselves. */
const OIDC_TOOLS = new Set(["uv", "pdm", "maturin"]);

/**
 * How a step uploads with a stored or long-lived credential, or undefined (trusted publishing,
 * or no upload).
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
    const pw = step.with.password;
    return pw && pw.trim() !== "" ? "gh-action-pypi-publish with password:" : undefined;
  }
  if (!publishesInScript(step.run)) {
    // An upload credential from secrets handed to a script (`run: scripts/publish` with
    // TWINE_PASSWORD) is a token-based upload even when the upload command is not visible.
    const handed = handedCredential(wf, job, step);
    return handed ? `${handed} from secrets handed to a script` : undefined;
  }
  const run = code(step.run);
  const env = stepEnv(wf, job, step);
  const credential = storedCredential(env);
  if (credential) return `${credential} from secrets`;
  if (TOKEN_FLAG.test(` ${run} `) && SECRET_REF.test(run)) return "credential flag from secrets";
  const tool = TOOL.exec(run)?.[1].toLowerCase();
  if (!tool) return undefined;
  // Exchanging the OIDC token by hand (`/_/oidc/mint-token`) is trusted publishing too.
  if (job.steps.some((s) => /oidc\/mint-token/.test(s.run ?? ""))) return undefined;
  if (OIDC_TOOLS.has(tool)) {
    if (/--trusted-publishing[\s=]+(always|automatic)/.test(run)) return undefined;
    const given = TOKEN_FLAG.test(` ${run} `) ||
      Object.keys(env).some((k) => TOKEN_ENV.test(k) && k !== "TWINE_USERNAME");
    if (!given && grantsWrite(job.permissions ?? wf.permissions, "id-token")) {
      return undefined;
    }
    return `${tool} publish without trusted publishing`;
  }
  return `${tool} ${tool === "twine" ? "upload" : "publish"} (a token-based upload)`;
}

/**
 * `workflows/token-upload` (only when trusted publishing is the policy): every `twine upload`,
 * `uv publish`, `poetry publish`, `flit publish`, `hatch publish`, `pdm publish` (line
 * continuations included) that does not use trusted publishing.
 *
 * @example
 * ```ts
 * checkTokenUpload(workflow, project.policy);
 * ```
 */
export function checkTokenUpload(wf: Workflow, policy: Policy, scope = WORKFLOW_SCOPE): Finding[] {
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

const WORKSPACE_ROOT =
  /^(\.\/?|\.\/\*+|\*+|\$\{\{\s*github\.workspace\s*\}\}\/?|\$\{?GITHUB_WORKSPACE\}?\/?)$|(^|\/)\.git(\/|$)/;

/**
 * `workflows/checkout-credentials-persisted` (artipacked): actions/checkout without
 * `persist-credentials: false` in a job that later uploads the workspace root as an artifact,
 * or that checks out and runs untrusted code on a privileged trigger.
 *
 * @example
 * ```ts
 * checkCheckoutCredentials(workflow);
 * ```
 */
export function checkCheckoutCredentials(wf: Workflow, scope = WORKFLOW_SCOPE): Finding[] {
  const out: Finding[] = [];
  for (const job of wf.jobs) {
    // The pull request head comes in through a checkout input or a script (`gh pr checkout`).
    const untrusted = privileged(wf) &&
      job.steps.some((s) =>
        (actionName(s.uses) === "actions/checkout" && UNTRUSTED_REF.test(s.with.ref ?? "")) ||
        UNTRUSTED_RUN_CHECKOUT.test(s.run ?? "")
      );
    for (const step of job.steps) {
      if (actionName(step.uses) !== "actions/checkout") continue;
      if (lower(step.with["persist-credentials"]).trim() === "false") continue;
      const later = job.steps.filter((s) => s.index > step.index);
      const upload = later.find((s) =>
        actionName(s.uses) === "actions/upload-artifact" &&
        (s.with.path ?? "").split("\n").some((p) => WORKSPACE_ROOT.test(p.trim()))
      );
      const runs = untrusted && later.some((s) => s.run !== undefined);
      if (!upload && !runs) continue;
      out.push(finding(CHECKOUT_CREDENTIALS, {
        subject: `${where(wf, job, step)}#persist-credentials`,
        scope,
        message: `Job ${clip(job.id, 80)} keeps the checkout token in .git/config and ${
          upload ? `uploads the workspace (steps[${upload.index}])` : "runs untrusted code"
        }.`,
        evidence: {
          observed: step.with["persist-credentials"] ?? null,
          expected: "persist-credentials: false",
          ...lineOf(job, step),
        },
      }));
    }
  }
  return out;
}

/**
 * `workflows/dangerous-trigger`: a `pull_request_target` / `workflow_run` workflow that holds
 * stored secrets or a write token (declared, or the repository default when undeclared), even
 * without checking out the pull request.
 *
 * @example
 * ```ts
 * checkDangerousTrigger(workflow);
 * ```
 */
export function checkDangerousTrigger(wf: Workflow, scope = WORKFLOW_SCOPE): Finding[] {
  if (wf.kind !== "workflow" || !privileged(wf)) return [];
  const secrets = [...new Set(wf.jobs.flatMap((j) => jobSecrets(wf, j)))].filter(isStoredSecret);
  const inherit = wf.jobs.some((j) => j.secrets === "inherit");
  const write = grantsWrite(wf.permissions) || wf.jobs.some((j) => grantsWrite(j.permissions));
  const undeclared = wf.permissions === undefined && wf.jobs.some((j) => !j.permissions);
  if (secrets.length === 0 && !inherit && !write && !undeclared) return [];
  const holds = [
    secrets.length ? `secrets ${clip(secrets.join(", "), 100)}` : "",
    inherit ? "inherited secrets" : "",
    write ? "a write token" : undeclared ? "the default token (permissions undeclared)" : "",
  ].filter(Boolean).join(" and ");
  const events = wf.events.filter((e) => e === "pull_request_target" || e === "workflow_run");
  return [finding(DANGEROUS_TRIGGER, {
    subject: `${wf.path}#trigger`,
    scope,
    message: `${events.join("/")} workflow holds ${holds}.`,
    evidence: { observed: { events, secrets: secrets.slice(0, 20), write, undeclared } },
  })];
}

const ACTOR = String.raw`github(\.|\[\s*['"])(actor|triggering_actor)(['"]\s*\])?`;
const BOT_ACTOR = new RegExp(
  [
    String.raw`${ACTOR}\s*[!=]=\s*['"][^'"]*\[bot\]['"]`,
    String.raw`['"][^'"]*\[bot\]['"]\s*[!=]=\s*${ACTOR}`,
    String.raw`(contains|endswith)\(\s*${ACTOR}\s*,\s*['"][^'"]*bot`,
  ].join("|"),
  "i",
);

const AUTHOR_CHECK = /github\.event\.pull_request\.user\.login\s*==\s*['"][^'"]*\[bot\]['"]/i;

/**
 * True when a condition also requires the pull request's author to be the bot, with no `||`
 * that would let the actor test alone pass (the check the remediation recommends).
 */
const checksAuthor = (cond: string): boolean => AUTHOR_CHECK.test(cond) && !/\|\|/.test(cond);

/**
 * `workflows/bot-condition`: a job or step `if:` that trusts `github.actor` being a bot.
 *
 * @example
 * ```ts
 * checkBotCondition(workflow);
 * ```
 */
export function checkBotCondition(wf: Workflow, scope = WORKFLOW_SCOPE): Finding[] {
  const outsider = wf.events.some((e) => OUTSIDER_EVENTS.includes(e));
  const out: Finding[] = [];
  const add = (job: WorkflowJob, step: WorkflowStep | undefined, cond: string) =>
    out.push(finding(BOT_CONDITION, {
      subject: `${where(wf, job, step)}#bot-condition`,
      scope,
      severity: outsider ? undefined : "medium",
      message: `Job ${clip(job.id, 80)} is gated on a bot's name (${clip(cond.trim(), 120)}).`,
      evidence: { observed: clip(cond, 300), ...lineOf(job, step) },
    }));
  const trusts = (cond: string | undefined): cond is string =>
    cond !== undefined && BOT_ACTOR.test(cond) && !checksAuthor(cond);
  for (const job of wf.jobs) {
    if (trusts(job.if)) add(job, undefined, job.if);
    for (const step of job.steps) if (trusts(step.if)) add(job, step, step.if);
  }
  return out;
}

const pinnedImage = (image: string) => /@sha256:[0-9a-f]{64}$/i.test(image.trim());

/**
 * `workflows/unpinned-image`: `docker://` steps, job containers and service containers whose
 * image is not pinned by digest.
 *
 * @example
 * ```ts
 * checkUnpinnedImages(workflow);
 * ```
 */
export function checkUnpinnedImages(wf: Workflow, scope = WORKFLOW_SCOPE): Finding[] {
  const out: Finding[] = [];
  const add = (subject: string, image: string, line: { line?: number }) =>
    out.push(finding(UNPINNED_IMAGE, {
      subject: `${subject} ${clip(image, 200)}`,
      scope,
      message: `Image ${clip(image, 200)} is referenced by a mutable tag.`,
      evidence: { observed: image, expected: "image@sha256:<64-hex>", ...line },
    }));
  for (const job of wf.jobs) {
    for (const image of [job.container, ...job.services]) {
      if (image && !image.includes("${{") && !pinnedImage(image)) {
        add(`${where(wf, job)}#image`, image, lineOf(job));
      }
    }
    for (const step of job.steps) {
      const uses = step.uses?.trim() ?? "";
      if (uses.startsWith("docker://") && !pinnedImage(uses)) {
        add(where(wf, job, step), uses, lineOf(job, step));
      }
    }
  }
  return out;
}

/**
 * `workflows/permissions-read-all`: `permissions: read-all` at the top level.
 *
 * @example
 * ```ts
 * checkReadAll(workflow);
 * ```
 */
export function checkReadAll(wf: Workflow, scope = WORKFLOW_SCOPE): Finding[] {
  if (wf.permissions !== "read-all") return [];
  return [finding(PERMISSIONS_READ_ALL, {
    subject: `${wf.path}#permissions`,
    scope,
    message: "The whole workflow is granted read-all.",
    evidence: { observed: "read-all", expected: "permissions: {} or contents: read" },
  })];
}

/**
 * `owner/repo@ref` of a `uses:` value (a path inside the repository removed), or undefined for
 * local and docker references.
 *
 * @example
 * ```ts
 * actionRepoRef("github/codeql-action/init@abc"); // "github/codeql-action@abc"
 * ```
 */
export function actionRepoRef(uses: string | undefined): string | undefined {
  const u = (uses ?? "").trim();
  if (!u || u.startsWith("./") || u.startsWith("docker://")) return undefined;
  const [path, ref] = u.split("@");
  const parts = path.split("/");
  if (parts.length < 2 || !ref) return undefined;
  return `${parts[0]}/${parts[1]}@${ref}`.toLowerCase();
}

/**
 * `workflows/impostor-commit` and `workflows/known-vulnerable-action`, from facts the sweep
 * collected online; without facts (offline, or not observable) nothing is claimed.
 *
 * @example
 * ```ts
 * checkActionFacts(workflow, facts); // scoped `repo:workflow-actions:<owner/repo>`
 * ```
 */
export function checkActionFacts(
  wf: Workflow,
  facts: readonly ActionRefFact[],
  scopeOf: (repository: string) => string = actionScope,
): Finding[] {
  if (facts.length === 0) return [];
  const byRef = new Map(facts.map((f) => [f.uses.toLowerCase(), f]));
  const out: Finding[] = [];
  for (const job of wf.jobs) {
    const refs: [string | undefined, WorkflowStep | undefined][] = [
      [job.uses, undefined],
      ...job.steps.map((s): [string | undefined, WorkflowStep] => [s.uses, s]),
    ];
    for (const [uses, step] of refs) {
      const key = actionRepoRef(uses);
      const fact = key ? byRef.get(key) : undefined;
      if (!fact || !uses) continue;
      const scope = scopeOf(key!.split("@")[0]);
      if (fact.reachable === false) {
        out.push(finding(IMPOSTOR_COMMIT, {
          subject: `${where(wf, job, step)} ${clip(uses, 200)}#impostor`,
          scope,
          message: `${clip(uses, 200)} is pinned to a commit that no branch or tag of ${
            clip(key!.split("@")[0], 100)
          } contains.`,
          evidence: {
            observed: uses,
            expected: "a commit of the action's own history",
            ...lineOf(job, step),
          },
        }));
      }
      for (const adv of fact.advisories ?? []) {
        out.push(finding(KNOWN_VULNERABLE_ACTION, {
          subject: `${where(wf, job, step)} ${clip(uses, 200)}#${clip(adv.id, 60)}`,
          scope,
          severity: adv.severity === "critical" ? "critical" : undefined,
          message: `${clip(uses, 200)} is affected by ${clip(adv.id, 60)}: ${
            clip(adv.summary, 200)
          }`,
          evidence: { observed: uses, url: adv.url, ...lineOf(job, step) },
        }));
      }
    }
  }
  return out;
}
