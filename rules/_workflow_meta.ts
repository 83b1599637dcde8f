/**
 * Metadata of every workflow rule (ids are stable). The rules themselves are in
 * rules/workflows.ts, rules/workflows_flow.ts and rules/workflows_release.ts.
 *
 * @example
 * ```ts
 * SECRET_EXFILTRATION.id; // "workflows/secret-exfiltration"
 * ```
 * @module
 */
import { ruleMetaFor } from "./types.ts";

const meta = ruleMetaFor("repo", "workflows/");
const control = (s: string) => `Release workflow hardening: ${s}`;

/** `uses:` not pinned to a full commit SHA. */
export const UNPINNED_ACTION = meta(
  "unpinned-action",
  "high",
  "Action or reusable workflow not pinned to a full commit SHA",
  control("every third-party action is pinned to an immutable 40-hex commit SHA"),
  "Replace the tag or branch with the full commit SHA it points to (keep the tag in a comment), e.g. `uses: actions/checkout@<40-hex> # v4`.",
);
/** No top-level `permissions` while some job relies on the default token. */
export const PERMISSIONS_UNDECLARED = meta(
  "permissions-undeclared",
  "medium",
  "Workflow does not declare top-level token permissions",
  control("the GITHUB_TOKEN is read-only unless a job asks for more"),
  "Add `permissions: {}` (or `contents: read`) at the top of the workflow and grant write scopes per job.",
);
/** Write scopes at the top level, or `write-all` anywhere. */
export const PERMISSIONS_WRITE = meta(
  "permissions-write",
  "high",
  "Write token permissions granted to the whole workflow or as write-all",
  control("write scopes are granted only to the job that needs them"),
  "Keep top-level permissions read-only (or `{}`), and grant each write scope only in the job that needs it; never use `write-all`.",
);
/** `permissions: read-all` at the top level. */
export const PERMISSIONS_READ_ALL = meta(
  "permissions-read-all",
  "medium",
  "Workflow grants read-all token permissions",
  control("the GITHUB_TOKEN carries only the scopes a job needs"),
  "Replace `permissions: read-all` with `permissions: {}` (or `contents: read`) and grant each job the scopes it needs; read-all also exposes security events, packages and actions data.",
);
/** `id-token: write` outside the publish job. */
export const ID_TOKEN_OUTSIDE_PUBLISH = meta(
  "id-token-outside-publish",
  "high",
  "OIDC token (id-token: write) available outside the publish job",
  control("only the publish job can mint a token PyPI accepts"),
  "Remove `id-token: write` from build and test jobs; build in one job, publish from a separate job bound to a protected environment.",
);
/** The publish job does not use the protected environment. */
export const PUBLISH_WITHOUT_ENVIRONMENT = meta(
  "publish-without-environment",
  "high",
  "Publish job does not run in the protected environment",
  control("publishing requires the protected deployment environment"),
  "Add `environment: <name>` to the publish job, protect that environment with required reviewers, and bind the PyPI trusted publisher to it.",
);
/** Privileged trigger that checks out untrusted code. */
export const UNTRUSTED_CHECKOUT = meta(
  "untrusted-checkout",
  "critical",
  "pull_request_target / workflow_run workflow checks out untrusted code",
  control("code from forks never runs with secrets or a write token"),
  "Use `pull_request` for untrusted code, or never check out the pull request head in a `pull_request_target` / `workflow_run` workflow.",
);
/** Cache restore in a release workflow. */
export const CACHE_IN_RELEASE = meta(
  "cache-in-release",
  "high",
  "Release workflow restores a cache (cache poisoning)",
  control("release builds start from a clean state"),
  "Disable caching in release workflows: remove actions/cache and rust-cache/sccache steps, drop `cache:` inputs of setup-python/java/go/dotnet, set `package-manager-cache: false` for setup-node v5+, `enable-cache: false` for setup-uv, `sccache: false` for maturin-action, `cache-binary: false` for setup-buildx-action with a `version:`, and remove `type=gha` docker caches.",
);
/** Token-based upload where trusted publishing is the policy. */
export const TOKEN_UPLOAD = meta(
  "token-upload",
  "high",
  "Upload to PyPI with a long-lived token instead of trusted publishing",
  control("PyPI uploads use trusted publishing (OIDC), no stored API token"),
  "Configure a trusted publisher on PyPI, publish with pypa/gh-action-pypi-publish (or `uv publish --trusted-publishing always`) without a password or token, then revoke the API token and delete the secret.",
);
/** Untrusted event data interpolated into a script. */
export const SCRIPT_INJECTION = meta(
  "script-injection",
  "critical",
  "Untrusted event data interpolated into a script",
  control("attacker-controlled text never becomes shell code"),
  'Pass the value through an environment variable (`env: TITLE: ${{ github.event.issue.title }}` then `"$TITLE"`) instead of `${{ }}` inside `run:`, github-script `script:` or another code-evaluating input.',
);
/** Attacker-controlled values written to GITHUB_ENV / GITHUB_PATH / GITHUB_OUTPUT. */
export const ENV_FILE_INJECTION = meta(
  "env-file-injection",
  "high",
  "Attacker-controlled value written to GITHUB_ENV, GITHUB_PATH or GITHUB_OUTPUT",
  control("later steps' environment, PATH and outputs are not attacker-controlled"),
  "Do not write event data or downloaded content to $GITHUB_ENV / $GITHUB_PATH (a line like `LD_PRELOAD=...` or `NODE_OPTIONS=...` runs code in every later step); validate the value against a strict pattern first, or pass it through `env:` of the step that needs it.",
);
/** ACTIONS_ALLOW_UNSECURE_COMMANDS enabled. */
export const UNSECURE_COMMANDS = meta(
  "unsecure-commands",
  "high",
  "Deprecated set-env / add-path workflow commands re-enabled",
  control("log output cannot change the environment of later steps"),
  "Remove `ACTIONS_ALLOW_UNSECURE_COMMANDS`; write to $GITHUB_ENV / $GITHUB_PATH instead, with values that no attacker controls.",
);
/** A secret reaches a network command or an outside URL. */
export const SECRET_EXFILTRATION = meta(
  "secret-exfiltration",
  "high",
  "A secret is sent to a network command or an outside URL",
  control("secrets reach only the service they are for"),
  "Remove the step (the GhostAction campaign of 2025 appended exactly such a step to steal PyPI tokens), then revoke and rotate every secret the workflow could read; publish with trusted publishing so no long-lived token exists to steal.",
);
/** `secrets: inherit` into a workflow of another repository. */
export const SECRETS_INHERIT = meta(
  "secrets-inherit",
  "high",
  "All secrets passed to a reusable workflow of another repository",
  control("a reusable workflow receives only the secrets it needs"),
  "Replace `secrets: inherit` with an explicit `secrets:` map of the few secrets the called workflow needs, and pin the called workflow to a commit SHA.",
);
/** Stored secrets used by a release-workflow job without an environment. */
export const SECRETS_OUTSIDE_ENVIRONMENT = meta(
  "secrets-outside-environment",
  "medium",
  "Release workflow job uses secrets outside a deployment environment",
  control("release secrets live in a protected environment"),
  "Move the secret to the environment of the job that needs it (Settings > Environments > <name> > secrets), add `environment: <name>` to the job, and protect the environment with required reviewers and a branch/tag policy.",
);
/** Every secret handed to a step (toJSON(secrets), dynamic index). */
export const OVERPROVISIONED_SECRETS = meta(
  "overprovisioned-secrets",
  "medium",
  "All secrets exposed at once (toJSON(secrets) or a dynamic secrets[...] index)",
  control("each step sees only the secrets it needs"),
  "Reference each secret by name (`${{ secrets.NAME }}`) where it is needed instead of `toJSON(secrets)` or `secrets[expression]`.",
);
/** Checkout credentials persisted in a job that uploads the workspace or runs untrusted code. */
export const CHECKOUT_CREDENTIALS = meta(
  "checkout-credentials-persisted",
  "medium",
  "Checkout leaves the token in .git/config in a job that uploads the workspace or runs untrusted code",
  control("the GITHUB_TOKEN never leaves the job"),
  "Set `persist-credentials: false` on actions/checkout (and pass a token explicitly only to the step that pushes); upload only the build output folder, never the workspace root.",
);
/** pull_request_target / workflow_run with secrets or a write token. */
export const DANGEROUS_TRIGGER = meta(
  "dangerous-trigger",
  "high",
  "pull_request_target / workflow_run workflow holds secrets or a write token",
  control("workflows that outsiders can trigger hold no secrets and no write token"),
  "Use `pull_request` (no secrets, read-only token) where possible; otherwise declare `permissions: {}` and pass no secrets, and move privileged work to a separate workflow that does not process outsiders' input.",
);
/** `if:` trusting a bot identity. */
export const BOT_CONDITION = meta(
  "bot-condition",
  "high",
  "Condition trusts a bot's identity (github.actor == '...[bot]')",
  control("privileged steps are not gated on a spoofable actor name"),
  "Do not gate on `github.actor` / `github.triggering_actor`: they name whoever caused the latest event (an attacker can make Dependabot's update re-run); check `github.event.pull_request.user.login` together with the pull request's head repository, or use dependabot/fetch-metadata.",
);
/** `docker://` step or container/service image without a digest. */
export const UNPINNED_IMAGE = meta(
  "unpinned-image",
  "high",
  "Container image not pinned to a digest",
  control("every container image is immutable"),
  "Pin the image by digest (`docker://image@sha256:<64-hex>`, `container: image@sha256:...`), keeping the tag in a comment.",
);
/** A pinned commit that no branch or tag of the action's repository contains. */
export const IMPOSTOR_COMMIT = meta(
  "impostor-commit",
  "critical",
  "Action pinned to a commit that is not in the action's repository (impostor commit)",
  control("pinned commits come from the action's own history"),
  "A SHA from a fork is served under the parent's name (as in the tj-actions/changed-files compromise); re-pin to a commit reachable from a tag of the action's repository, and review what the workflow ran.",
);
/** An action version with a published advisory. */
export const KNOWN_VULNERABLE_ACTION = meta(
  "known-vulnerable-action",
  "high",
  "Action version affected by a published security advisory",
  control("no action with a known vulnerability runs in a workflow"),
  "Upgrade the action to the first patched version named by the advisory (pinned by commit SHA), and review the advisory for what an attacker could have done.",
);
/** Part of the file exceeded the bounds and was not analysed. */
export const PARTIALLY_ANALYSED = meta(
  "partially-analysed",
  "low",
  "Workflow file only partially analysed (a value exceeded the size bounds)",
  control("every workflow can be audited"),
  "Split the oversized script into a file in the repository (run it with `run: bash scripts/x.sh`) so that the whole workflow can be audited.",
);
/** The workflow file cannot be parsed. */
export const INVALID_WORKFLOW = meta(
  "invalid-workflow",
  "low",
  "Workflow file could not be parsed",
  control("every workflow can be audited"),
  "Fix the file: it must be UTF-8 YAML with a `jobs:` mapping (GitHub refuses to run it otherwise).",
);
