/**
 * The hardening plan, control by control, with the rule ids that check each control, or why a
 * control is not observable from outside (PyPI and GitHub APIs with a read-only token). Pure
 * data plus a Markdown renderer; `docs/controls.md` is generated from it and the rule catalog
 * (`deno task rules --format controls`), and a test fails when it is stale or names a rule id
 * that does not exist. Rules the plan does not name are listed at the end, so the document
 * always covers the whole catalog.
 *
 * @example
 * ```ts
 * await Deno.writeTextFile("docs/controls.md", controlsMarkdown(PLAN, RULES));
 * ```
 * @module
 */
import type { RuleMeta } from "./types.ts";

/** One control of the plan: the rules that check it, or why it cannot be checked. */
export interface PlanControl {
  control: string;
  rules?: readonly string[];
  /** Set when no rule can check it: "not observable, because …". */
  notObservable?: string;
}

/** One area of the plan. */
export interface PlanArea {
  area: string;
  controls: readonly PlanControl[];
}

/** The hardening plan. */
export const PLAN: readonly PlanArea[] = [
  {
    area: "Trusted publishing",
    controls: [
      {
        control: "Every file is published through trusted publishing, with PEP 740 provenance",
        rules: ["provenance/missing", "provenance/invalid-signature", "provenance/unverifiable"],
      },
      {
        control: "The provenance names the expected repository, workflow and environment",
        rules: [
          "provenance/wrong-identity",
          "provenance/wrong-workflow",
          "provenance/wrong-environment",
          "provenance/missing-environment",
          "provenance/subject-mismatch",
        ],
      },
      {
        control: "The provenance names the commit of the release tag",
        rules: ["provenance/source-commit-mismatch"],
      },
      {
        control: "Do not store PyPI API tokens in GitHub secrets",
        rules: ["secrets/pypi-token-stored", "workflows/token-upload"],
      },
      {
        control: "GitHub artifact attestations for every file",
        rules: ["attestation/missing", "attestation/invalid", "attestation/wrong-signer"],
      },
      {
        control: "No API token exists on PyPI for the project",
        notObservable:
          "PyPI does not publish which API tokens an account or project has; only a stored copy in GitHub secrets is visible",
      },
    ],
  },
  {
    area: "Artifact content",
    controls: [
      {
        control: "No .pth files or start-up hooks in artifacts",
        rules: ["content/pth-file", "content/startup-hook"],
      },
      {
        control: "No native binaries unless the project ships native code",
        rules: [
          "content/native-binary",
          "content/native-executable",
          "content/new-binary-file-type",
          "archive/impure-wheel",
        ],
      },
      {
        control: "Artifacts are well-formed and hold nothing unexpected",
        rules: [
          "content/unsafe-path",
          "content/unsafe-link",
          "content/duplicate-path",
          "content/nested-archive",
          "content/embedded-dist-info",
          "content/data-scripts",
          "content/executable-mode",
          "archive/corrupt",
          "archive/zip-confusion",
          "archive/record-mismatch",
          "archive/wheel-metadata-missing",
          "archive/decompression-bomb",
          "archive/entry-count-bomb",
          "archive/inspection-incomplete",
        ],
      },
      {
        control: "Artifacts contain only the tagged source",
        rules: ["source/file-not-in-tag", "source/file-differs-from-tag"],
      },
      {
        control: "Built metadata matches the reviewed pyproject.toml",
        rules: [
          "metadata/undeclared-dependency",
          "metadata/missing-dependency",
          "metadata/extra-drift",
          "metadata/undeclared-entry-point",
          "metadata/missing-entry-point",
          "metadata/requires-python-drift",
        ],
      },
      {
        control: "Every release has an sdist and a wheel; published files never change",
        rules: [
          "release/missing-sdist",
          "release/missing-wheel",
          "release/digest-changed",
          "release/download-digest-mismatch",
          "release/file-added-later",
          "release/file-removed",
        ],
      },
    ],
  },
  {
    area: "Codebase files",
    controls: [
      {
        control: "MANIFEST.in, RELEASING.md, SECURITY.md and CODEOWNERS exist",
        rules: ["codebase/file-missing", "posture/security-policy-missing"],
      },
      {
        control:
          "pyproject.toml is the single metadata source, complete and with pinned build requirements",
        rules: [
          "codebase/pyproject-missing",
          "codebase/duplicate-poetry-metadata",
          "codebase/requires-python-missing",
          "codebase/project-urls-incomplete",
          "codebase/build-requires-unpinned",
        ],
      },
      {
        control: "CI, dependency review, CodeQL, package-content and release workflows exist",
        rules: ["codebase/workflow-missing"],
      },
      {
        control: "CI installs hash-checked dependencies; pre-commit hooks are pinned",
        rules: ["codebase/ci-pip-without-require-hashes", "codebase/precommit-hook-unpinned"],
      },
      {
        control: "No binaries committed; submodules only from trusted repositories",
        rules: ["codebase/binary-committed", "codebase/submodule-not-allowed"],
      },
      {
        control:
          "The release files (pyproject.toml, release workflow, CODEOWNERS, MANIFEST.in) keep their controls on the default branch between releases",
        rules: ["codebase/release-files-drift"],
      },
      {
        control:
          "Workflows pin actions to commit SHAs, declare read-only permissions, resist injection",
        rules: [
          "workflows/unpinned-action",
          "workflows/permissions-undeclared",
          "workflows/permissions-write",
          "workflows/script-injection",
          "workflows/untrusted-checkout",
          "workflows/invalid-workflow",
        ],
      },
    ],
  },
  {
    area: "Branch and tag protection",
    controls: [
      {
        control: "The default branch needs reviewed pull requests, passing checks, linear history",
        rules: [
          "posture/branch-pull-request-not-required",
          "posture/branch-approvals-too-few",
          "posture/branch-last-push-approval-off",
          "posture/branch-conversation-resolution-off",
          "posture/branch-status-checks-missing",
          "posture/branch-linear-history-off",
          "posture/branch-merge-commits-allowed",
        ],
      },
      {
        control: "The default branch cannot be deleted or force-pushed; nobody unexpected bypasses",
        rules: [
          "posture/branch-deletion-allowed",
          "posture/branch-force-push-allowed",
          "posture/branch-bypass-actor",
        ],
      },
      {
        control: "Release tags are protected and never move",
        rules: ["posture/release-tags-unprotected", "parity/tag-moved"],
      },
      {
        control: "Every release is tagged on the default branch, before the upload",
        rules: [
          "parity/tag-missing",
          "parity/tag-not-on-default-branch",
          "parity/upload-before-tag",
        ],
      },
    ],
  },
  {
    area: "CODEOWNERS",
    controls: [
      {
        control: "CODEOWNERS exists, is valid, covers release files, and its review is required",
        rules: [
          "posture/codeowners-missing",
          "posture/codeowners-errors",
          "posture/codeowners-path-uncovered",
          "posture/branch-code-owner-review-off",
        ],
      },
    ],
  },
  {
    area: "Actions settings",
    controls: [
      {
        control: "The default GITHUB_TOKEN is read-only and cannot approve pull requests",
        rules: ["posture/actions-default-token-write", "posture/actions-can-approve-pull-requests"],
      },
      {
        control: "Only selected, SHA-pinned actions may run",
        rules: ["posture/actions-allowed-unrestricted", "posture/actions-sha-pinning-not-required"],
      },
      {
        control: "Workflows from fork contributors need approval",
        rules: ["posture/fork-pr-approval-weak"],
      },
      {
        control: "Artifacts and logs are kept long enough to investigate",
        rules: ["posture/artifact-log-retention-short"],
      },
      {
        control: "GitHub-hosted, ephemeral runners only",
        rules: ["posture/self-hosted-runners"],
      },
    ],
  },
  {
    area: "Environments",
    controls: [
      {
        control: "Publishing runs in a protected environment with required reviewers and ref rules",
        rules: [
          "posture/publish-environment-missing",
          "posture/publish-environment-no-reviewers",
          "posture/publish-environment-unrestricted-refs",
          "workflows/publish-without-environment",
        ],
      },
      {
        control: "Publishing secrets live only in the protected environment",
        rules: ["secrets/publishing-secret-unprotected"],
      },
    ],
  },
  {
    area: "Security features",
    controls: [
      {
        control: "Code scanning (CodeQL) runs",
        rules: ["posture/code-scanning-off"],
      },
      {
        control: "Secret scanning and push protection are on",
        rules: ["posture/secret-scanning-off", "posture/push-protection-off"],
      },
      {
        control: "Dependency graph and Dependabot alerts are on",
        rules: ["posture/dependency-graph-off", "posture/dependabot-alerts-off"],
      },
      {
        control: "A private vulnerability reporting channel exists",
        rules: ["posture/private-vulnerability-reporting-off"],
      },
      {
        control: "Webhooks verify TLS",
        rules: ["posture/webhook-insecure-ssl"],
      },
    ],
  },
  {
    area: "Access",
    controls: [
      {
        control: "Everyone with write or admin access is on the allow list; few admins",
        rules: [
          "access/unlisted-write-grant",
          "access/too-many-admins",
          "access/outside-collaborator-admin",
          "access/pending-invitation",
        ],
      },
      {
        control: "2FA everywhere, with phishing-resistant methods where GitHub reports them",
        rules: ["access/no-2fa", "access/insecure-2fa", "access/org-2fa-not-required"],
      },
      {
        control: "No long-lived credential can push",
        rules: ["access/write-deploy-key", "posture/deploy-key-write"],
      },
      {
        control: "Recovery codes are stored safely; maintainers' laptops are hardened",
        notObservable:
          "recovery codes and workstation hygiene are not exposed by any API; they belong in the maintainers' own checklist",
      },
    ],
  },
  {
    area: "PyPI ownership",
    controls: [
      {
        control: "The project belongs to a PyPI organization; every role is on the allow list",
        rules: ["access/pypi-personal-owner", "access/pypi-unlisted-role"],
      },
      {
        control: "Maintainer contact addresses do not change silently",
        rules: ["release/maintainer-email-changed", "release/maintainer-email-domain-changed"],
      },
      {
        control: "Every PyPI account uses 2FA with a security key (WebAuthn), not TOTP only",
        notObservable:
          "PyPI does not publish which 2FA methods an account uses (PyPI has required some 2FA on every account since 2024, but not which kind)",
      },
    ],
  },
  {
    area: "Release process",
    controls: [
      {
        control: "Every PyPI release has a published, immutable GitHub release with the same files",
        rules: [
          "parity/no-github-release",
          "parity/draft-release",
          "parity/asset-missing",
          "parity/asset-digest-mismatch",
          "parity/unexpected-asset",
          "parity/release-not-immutable",
          "parity/immutable-releases-off",
          "posture/immutable-releases-off",
        ],
      },
      {
        control: "Checksums are published and match",
        rules: ["parity/checksum-mismatch", "codebase/release-checksums-missing"],
      },
      {
        control:
          "The release workflow: build without id-token, a minimal publish job, tag on the default branch checked, attestations generated, no caches",
        rules: [
          "workflows/id-token-outside-publish",
          "codebase/release-build-has-id-token",
          "codebase/release-publish-job-not-minimal",
          "codebase/release-tag-check-missing",
          "codebase/release-attestations-missing",
          "workflows/cache-in-release",
        ],
      },
      {
        control: "Releases follow the project's usual rhythm; yanks are deliberate",
        rules: ["release/after-dormancy", "release/yanked"],
      },
      {
        control: "A human reviews each release before it is approved in the environment",
        notObservable:
          "who approved a deployment and what they looked at is in the deployment's review history, which a read-only token does not list per release; the rules only check that reviewers are required",
      },
    ],
  },
];

/** Rule ids the plan names that are not in `rules` (a test keeps this empty). */
export function unknownPlanRules(plan: readonly PlanArea[], rules: readonly RuleMeta[]): string[] {
  const ids = new Set(rules.map((r) => r.id));
  return plan.flatMap((a) => a.controls.flatMap((c) => c.rules ?? []))
    .filter((id) => !ids.has(id));
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/**
 * `docs/controls.md`: per area, each control with the rules that check it (id, severity) or
 * why it is not observable; then every catalog rule the plan does not name.
 *
 * @example
 * ```ts
 * controlsMarkdown(PLAN, RULES).startsWith("# Controls"); // true
 * ```
 */
export function controlsMarkdown(plan: readonly PlanArea[], rules: readonly RuleMeta[]): string {
  const byId = new Map(rules.map((r) => [r.id, r]));
  const lines = [
    "# Controls",
    "",
    "Generated by `deno task rules --format controls` from the hardening plan (`rules/plan.ts`)",
    "and the rule catalog; do not edit. Each control of the plan, with the rules that watch it,",
    "or why the auditor cannot watch it. Severities follow the plan's priority (P0 high, P1",
    "medium, P2 low); `docs/rules.md` has each rule's remediation.",
    "",
    "The codebase controls are read at the latest release's tag and at the default branch (a",
    "finding's subject says which: `owner/repo@tag:…` or `owner/repo@default:…`); so is the release",
    "workflow's shape and CI's installs (`.github/workflows/` read and parsed at the tag, at most",
    "50 files of 512 KiB; unreadable is not observable, scope `repo:codebase:tag:workflows`).",
    "`codebase/release-files-drift` fires when a release control that passes at the tag fails on",
    "the default branch (a regression the next release would ship); a plain edit is not drift.",
    "Names and allow lists are set per project in `[project.controls]`: `workflows.ci`,",
    "`workflows.dependency_review`, `workflows.codeql`, `workflows.package_content`,",
    "`workflows.release` (file names, any one of a list counts), `required_files`, `project_urls`, `submodule_url_prefixes` (default: the",
    "project's own GitHub owner), `binaries_allowed` (globs), `fork_approval` and",
    "`min_retention_days`. `parity/tag-moved` and `provenance/source-commit-mismatch` are sticky:",
    "only a `[[project.waiver]]` closes them.",
    "",
  ];
  const named = new Set<string>();
  let watched = 0, unwatched = 0;
  for (const area of plan) {
    lines.push(`## ${area.area}`, "", "| control | checked by |", "| --- | --- |");
    for (const c of area.controls) {
      const checks = (c.rules ?? []).map((id) => {
        named.add(id);
        const r = byId.get(id);
        return r ? `\`${id}\` (${r.severity})` : `\`${id}\` (unknown rule)`;
      });
      if (c.notObservable) unwatched++;
      else watched++;
      const right = c.notObservable
        ? `not observable, because ${cell(c.notObservable)}`
        : checks.join(", ");
      lines.push(`| ${cell(c.control)} | ${right} |`);
    }
    lines.push("");
  }
  const others = rules.filter((r) => !named.has(r.id)).sort((a, b) => a.id.localeCompare(b.id));
  lines.push("## Rules the plan does not name", "");
  if (others.length === 0) lines.push("None: every rule of the catalog checks a control above.");
  else {
    lines.push("| rule | severity | control |", "| --- | --- | --- |");
    for (const r of others) lines.push(`| \`${r.id}\` | ${r.severity} | ${cell(r.control)} |`);
  }
  lines.push(
    "",
    `${watched} controls are watched by ${named.size} rules; ${unwatched} are not observable.`,
    "",
  );
  return lines.join("\n");
}
