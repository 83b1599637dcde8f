/**
 * Workflow-file rules: pure functions over parsed workflows (the model of
 * src/observations/workflow.ts, built by src/workflows/read.ts in the `repo` job and in
 * `check-workflows`; nothing here parses YAML or reads the environment).
 *
 * They judge what a release workflow lets an attacker do: mutable action and image references,
 * broad tokens, OIDC tokens outside the publish job, publishing without a protected environment,
 * dangerous triggers and untrusted checkouts, cache poisoning of release builds, long-lived upload
 * tokens, script injection in every sink, env-file injection, secret exfiltration, persisted
 * checkout credentials, bot-identity conditions, and (from online facts) impostor commits and
 * actions with advisories.
 *
 * @example
 * ```ts
 * const findings = runRules(WORKFLOW_RULESET, { files: [file], policy });
 * ```
 * @module
 */
import type { Policy } from "../src/config.ts";
import type {
  ActionRefFact,
  Workflow,
  WorkflowFile,
  WorkflowJob,
} from "../src/observations/workflow.ts";
import { defineRule, type Finding, finding, type Rule, type RuleMeta, runRules } from "./types.ts";
import * as M from "./_workflow_meta.ts";
import {
  actionName,
  clip,
  grantsWrite,
  isPublishJob,
  lineOf,
  privileged,
  UNTRUSTED_REF,
  UNTRUSTED_RUN_CHECKOUT,
  where,
  WORKFLOW_SCOPE,
} from "./_workflow.ts";
import {
  checkEnvFileInjection,
  checkOverprovisionedSecrets,
  checkScriptInjection,
  checkSecretExfiltration,
  checkSecretsInherit,
  checkSecretsOutsideEnvironment,
  checkUnsecureCommands,
} from "./workflows_flow.ts";
import {
  checkActionFacts,
  checkBotCondition,
  checkCheckoutCredentials,
  checkDangerousTrigger,
  checkReadAll,
  checkReleaseCache,
  checkTokenUpload,
  checkUnpinnedImages,
} from "./workflows_release.ts";

export * from "./_workflow_meta.ts";
export { isPublishJob, isReleaseWorkflow, untrustedExpressions } from "./_workflow.ts";
export { CODE_INPUTS } from "./workflows_flow.ts";
export { actionRepoRef, cacheUse, tokenUpload } from "./workflows_release.ts";

/** What the workflow rules judge: the observed files plus policy and context. */
export interface WorkflowInput {
  /** Workflow files as observed (parsed, or with the reason they could not be). */
  files: readonly WorkflowFile[];
  policy: Policy;
  /** Project.publisher.environment: the environment the publish job must use. */
  environment?: string;
  /** owner/repo of the audited repository, when known (sweep). */
  repository?: string;
  /** Finding scope (default `repo:workflows`). */
  scope?: string;
  /** Online facts about pinned actions (sweep only). */
  actions?: readonly ActionRefFact[];
  /**
   * Scope of the online findings for one action repository (default
   * `repo:workflow-actions:<owner/repo>`, see `actionScope`).
   */
  onlineScope?: (repository: string) => string;
}

/**
 * True when a `uses:` reference is immutable: a full commit SHA or a local path. (Docker images
 * are judged by `workflows/unpinned-image`.)
 *
 * @example
 * ```ts
 * isPinnedUses("actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8"); // true
 * isPinnedUses("actions/checkout@v4"); // false
 * ```
 */
export function isPinnedUses(uses: string): boolean {
  const u = uses.trim();
  if (u.startsWith("./") || u.startsWith("docker://")) return true;
  return /^[^@\s]+@[0-9a-fA-F]{40}$/.test(u);
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
 * `workflows/unpinned-action`.
 *
 * @example
 * ```ts
 * checkPinning(workflow).map((f) => f.subject);
 * ```
 */
export function checkPinning(wf: Workflow, scope = WORKFLOW_SCOPE): Finding[] {
  const out: Finding[] = [];
  for (const job of wf.jobs) {
    if (job.uses && !isPinnedUses(job.uses)) {
      out.push(finding(M.UNPINNED_ACTION, {
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
        out.push(finding(M.UNPINNED_ACTION, {
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
export function checkPermissions(wf: Workflow, scope = WORKFLOW_SCOPE): Finding[] {
  if (wf.kind !== "workflow") return [];
  const out: Finding[] = [];
  const relying = wf.jobs.filter((j) => j.permissions === undefined);
  if (wf.permissions === undefined && relying.length > 0) {
    out.push(finding(M.PERMISSIONS_UNDECLARED, {
      subject: wf.path,
      scope,
      message: `No top-level permissions; ${relying.length} job(s) (${
        clip(relying.map((j) => j.id).join(", "), 120)
      }) get the repository's default token.`,
      evidence: { observed: null, expected: "permissions: {} or contents: read" },
    }));
  }
  if (grantsWrite(wf.permissions)) {
    out.push(finding(M.PERMISSIONS_WRITE, {
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
      out.push(finding(M.PERMISSIONS_WRITE, {
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
export function checkIdToken(wf: Workflow, scope = WORKFLOW_SCOPE): Finding[] {
  const out: Finding[] = [];
  for (const job of wf.jobs) {
    // A job without its own `permissions:` runs with the workflow's (GitHub does not merge them).
    const perms = job.permissions ?? wf.permissions;
    // `write-all` is reported by `workflows/permissions-write`.
    if (!grantsWrite(perms, "id-token") || perms === "write-all") continue;
    // Exempt: the publish job; jobs gated by an environment (PyPI can bind the publisher to
    // it, and the environment rules check its protection); attestation-only jobs (no scripts).
    if (isPublishJob(job) || job.environment || isAttestationOnlyJob(job)) continue;
    out.push(finding(M.ID_TOKEN_OUTSIDE_PUBLISH, {
      subject: `${where(wf, job)}#id-token`,
      scope,
      message: `Job ${clip(job.id, 80)} can mint an OIDC token${
        job.permissions === undefined ? " (inherited from the workflow's permissions)" : ""
      } but is not the publish job and has no environment: code it runs could publish.`,
      evidence: {
        observed: perms,
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
  scope = WORKFLOW_SCOPE,
): Finding[] {
  // A composite action has no environment of its own: the calling job's is what counts.
  if (wf.kind !== "workflow") return [];
  const out: Finding[] = [];
  for (const job of wf.jobs.filter(isPublishJob)) {
    const env = job.environment;
    let problem: string | undefined;
    if (!env) problem = "has no environment";
    else if (expected && env !== expected) {
      problem = `uses environment ${clip(env, 100)}, not ${clip(expected, 100)}`;
    }
    if (!problem) continue;
    out.push(finding(M.PUBLISH_WITHOUT_ENVIRONMENT, {
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

/**
 * `workflows/untrusted-checkout`.
 *
 * @example
 * ```ts
 * checkUntrustedCheckout(workflow);
 * ```
 */
export function checkUntrustedCheckout(wf: Workflow, scope = WORKFLOW_SCOPE): Finding[] {
  if (!privileged(wf)) return [];
  const out: Finding[] = [];
  for (const job of wf.jobs) {
    for (const step of job.steps) {
      const checkout = actionName(step.uses) === "actions/checkout" &&
        (UNTRUSTED_REF.test(step.with.ref ?? "") || UNTRUSTED_REF.test(step.with.repository ?? ""));
      const scripted = UNTRUSTED_RUN_CHECKOUT.test(step.run ?? "");
      if (!checkout && !scripted) continue;
      out.push(finding(M.UNTRUSTED_CHECKOUT, {
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
 * `workflows/invalid-workflow`: a file that could not be read or parsed.
 *
 * @example
 * ```ts
 * invalidWorkflow(".github/workflows/x.yml", "bad indentation");
 * ```
 */
export function invalidWorkflow(path: string, error: string, scope = WORKFLOW_SCOPE): Finding {
  return finding(M.INVALID_WORKFLOW, {
    subject: path,
    scope,
    message: `Cannot parse ${clip(path, 200)}: ${clip(error, 300)}`,
  });
}

/**
 * `workflows/partially-analysed`: a value exceeded the model's bounds.
 *
 * @example
 * ```ts
 * checkPartial(workflow); // one finding when workflow.partial is not empty
 * ```
 */
export function checkPartial(wf: Workflow, scope = WORKFLOW_SCOPE): Finding[] {
  if (wf.partial.length === 0) return [];
  return [finding(M.PARTIALLY_ANALYSED, {
    subject: `${wf.path}#partial`,
    scope,
    message: `Only part of ${clip(wf.path, 200)} was analysed: ${
      clip(wf.partial.join("; "), 300)
    }.`,
    evidence: { observed: wf.partial.slice(0, 10) },
  })];
}

const parsed = (input: WorkflowInput): Workflow[] =>
  input.files.flatMap((f) => f.workflow ? [f.workflow] : []);
const scopeOf = (input: WorkflowInput) => input.scope ?? WORKFLOW_SCOPE;

/** A rule applied to every parsed workflow of the input. */
function perWorkflow(
  meta: RuleMeta,
  check: (wf: Workflow, input: WorkflowInput, scope: string) => Finding[],
): Rule<WorkflowInput> {
  return defineRule(
    meta,
    (input: WorkflowInput) => parsed(input).flatMap((wf) => check(wf, input, scopeOf(input))),
  );
}

/** The rules judged on the sweep's online facts about pinned actions. */
const online = (wf: Workflow, i: WorkflowInput) =>
  checkActionFacts(wf, i.actions ?? [], i.onlineScope);

/** Every workflow rule as a value. */
export const WORKFLOW_RULESET: readonly Rule<WorkflowInput>[] = [
  perWorkflow(M.UNPINNED_ACTION, (wf, _i, s) => checkPinning(wf, s)),
  perWorkflow(M.PERMISSIONS_UNDECLARED, (wf, _i, s) => checkPermissions(wf, s)),
  perWorkflow(M.PERMISSIONS_WRITE, (wf, _i, s) => checkPermissions(wf, s)),
  perWorkflow(M.PERMISSIONS_READ_ALL, (wf, _i, s) => checkReadAll(wf, s)),
  perWorkflow(M.ID_TOKEN_OUTSIDE_PUBLISH, (wf, _i, s) => checkIdToken(wf, s)),
  perWorkflow(
    M.PUBLISH_WITHOUT_ENVIRONMENT,
    (wf, i, s) => checkPublishEnvironment(wf, i.environment, s),
  ),
  perWorkflow(M.UNTRUSTED_CHECKOUT, (wf, _i, s) => checkUntrustedCheckout(wf, s)),
  perWorkflow(M.DANGEROUS_TRIGGER, (wf, _i, s) => checkDangerousTrigger(wf, s)),
  perWorkflow(M.CACHE_IN_RELEASE, (wf, _i, s) => checkReleaseCache(wf, s)),
  perWorkflow(M.TOKEN_UPLOAD, (wf, i, s) => checkTokenUpload(wf, i.policy, s)),
  perWorkflow(M.SCRIPT_INJECTION, (wf, _i, s) => checkScriptInjection(wf, s)),
  perWorkflow(M.ENV_FILE_INJECTION, (wf, _i, s) => checkEnvFileInjection(wf, s)),
  perWorkflow(M.UNSECURE_COMMANDS, (wf, _i, s) => checkUnsecureCommands(wf, s)),
  perWorkflow(M.SECRET_EXFILTRATION, (wf, _i, s) => checkSecretExfiltration(wf, s)),
  perWorkflow(M.SECRETS_INHERIT, (wf, i, s) => checkSecretsInherit(wf, i.repository, s)),
  perWorkflow(M.SECRETS_OUTSIDE_ENVIRONMENT, (wf, _i, s) => checkSecretsOutsideEnvironment(wf, s)),
  perWorkflow(M.OVERPROVISIONED_SECRETS, (wf, _i, s) => checkOverprovisionedSecrets(wf, s)),
  perWorkflow(M.CHECKOUT_CREDENTIALS, (wf, _i, s) => checkCheckoutCredentials(wf, s)),
  perWorkflow(M.BOT_CONDITION, (wf, _i, s) => checkBotCondition(wf, s)),
  perWorkflow(M.UNPINNED_IMAGE, (wf, _i, s) => checkUnpinnedImages(wf, s)),
  perWorkflow(M.IMPOSTOR_COMMIT, online),
  perWorkflow(M.KNOWN_VULNERABLE_ACTION, online),
  perWorkflow(M.PARTIALLY_ANALYSED, (wf, _i, s) => checkPartial(wf, s)),
  defineRule(
    M.INVALID_WORKFLOW,
    (input: WorkflowInput) =>
      input.files.filter((f) => !f.workflow).map((f) =>
        invalidWorkflow(f.path, f.error ?? "not read", scopeOf(input))
      ),
  ),
];

/** Every workflow rule's metadata, for the catalog. */
export const WORKFLOW_RULES: RuleMeta[] = WORKFLOW_RULESET.map((r) => r.meta);

/** Options of {@link checkWorkflows} beyond the policy. */
export type WorkflowCheckOptions = Omit<WorkflowInput, "files" | "policy">;

/**
 * Run every workflow rule over already parsed workflows (a convenience over
 * `runRules(WORKFLOW_RULESET, input)`).
 *
 * @example
 * ```ts
 * const findings = checkWorkflows([workflow], project.policy, { environment: "pypi" });
 * ```
 */
export function checkWorkflows(
  workflows: readonly Workflow[],
  policy: Policy,
  opts: WorkflowCheckOptions = {},
): Finding[] {
  const files = workflows.map((workflow) => ({ path: workflow.path, workflow }));
  return runRules(WORKFLOW_RULESET, { ...opts, files, policy });
}
