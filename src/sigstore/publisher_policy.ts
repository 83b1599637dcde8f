/**
 * Judge a GitHub Actions signing identity (from a Fulcio certificate) against the configured
 * trusted publisher: issuer, Source Repository URI, Build Config URI (the caller workflow and
 * its ref) and Source Repository Ref (tags by default).
 *
 * @example
 * ```ts
 * const problems = checkGithubIdentity(identity, {
 *   repository: "trailofbits/pypi-attestations",
 *   workflow: "release.yml",
 * });
 * ```
 * @module
 */
import { type CertificateIdentity, parseWorkflowUri } from "./identity.ts";
import type { Problem } from "./result.ts";

/** GitHub Actions' OIDC issuer. */
export const GITHUB_ACTIONS_ISSUER = "https://token.actions.githubusercontent.com";
/** Default accepted ref: any tag. */
export const DEFAULT_REF_PATTERN: RegExp = /^refs\/tags\/[^\s]+$/;

/** The identity a project's releases must be signed by. */
export interface IdentityPolicy {
  /** `owner/repo`. */
  repository: string;
  /** Caller workflow file name, e.g. `release.yml` (omit: any workflow of the repository). */
  workflow?: string;
  /** Accepted Source Repository Ref; {@link DEFAULT_REF_PATTERN} when omitted. */
  refPattern?: RegExp;
}

const q = JSON.stringify;

/**
 * Problems with a GitHub Actions identity (empty when it matches the policy).
 *
 * @example
 * ```ts
 * checkGithubIdentity({ issuer: "https://gitlab.com" }, policy)[0].kind; // "wrong-identity"
 * ```
 */
export function checkGithubIdentity(
  identity: CertificateIdentity,
  policy: IdentityPolicy,
): Problem[] {
  if (identity.issuer !== GITHUB_ACTIONS_ISSUER) {
    return [{
      kind: "wrong-identity",
      detail: `signed by ${q(identity.subjectAlternativeName ?? "?")} from issuer ${
        q(identity.issuer ?? "?")
      }, not by GitHub Actions`,
      observed: { issuer: identity.issuer, san: identity.subjectAlternativeName },
      expected: { issuer: GITHUB_ACTIONS_ISSUER, repository: policy.repository },
    }];
  }
  const problems: Problem[] = [];
  const expectedRepoUri = `https://github.com/${policy.repository}`;
  const caller = parseWorkflowUri(identity.buildConfigUri);
  const repoUri = identity.sourceRepositoryUri ??
    (caller ? `https://github.com/${caller.repository}` : undefined);
  if (repoUri?.toLowerCase() !== expectedRepoUri.toLowerCase()) {
    problems.push({
      kind: "wrong-identity",
      detail: `signed from repository ${q(repoUri ?? "?")}, expected ${q(expectedRepoUri)}`,
      observed: repoUri,
      expected: expectedRepoUri,
    });
    return problems;
  }
  if (!caller) {
    problems.push({
      kind: "wrong-workflow",
      detail: "the certificate carries no Build Config URI: the caller workflow is unknown",
      expected: policy.workflow,
    });
    return problems;
  }
  const expectedPath = `.github/workflows/${policy.workflow ?? caller.file}`;
  if (
    caller.path !== expectedPath ||
    caller.repository.toLowerCase() !== policy.repository.toLowerCase()
  ) {
    problems.push({
      kind: "wrong-workflow",
      detail: `signed by workflow ${q(`${caller.repository}/${caller.path}`)}, expected ${
        q(`${policy.repository}/${expectedPath}`)
      }`,
      observed: identity.buildConfigUri,
      expected: `${expectedRepoUri}/${expectedPath}`,
    });
  }
  const pattern = policy.refPattern ?? DEFAULT_REF_PATTERN;
  const ref = identity.sourceRepositoryRef ??
    (caller.ref.startsWith("refs/") ? caller.ref : undefined);
  if (ref === undefined) {
    problems.push({
      kind: "wrong-workflow",
      detail: `the certificate names no source ref (Build Config URI ref ${
        q(caller.ref)
      }): cannot confirm it ran for a release ref`,
      observed: caller.ref,
      expected: String(pattern),
    });
  } else if (!pattern.test(ref)) {
    problems.push({
      kind: "wrong-workflow",
      detail: `the workflow ran for ref ${q(ref)}, which does not match ${String(pattern)}`,
      observed: ref,
      expected: String(pattern),
    });
  }
  return problems;
}

/**
 * The exact release tag ref a version must be published from, per the policy's `tag_pattern`
 * (`v{version}` by default): a stricter alternative to {@link DEFAULT_REF_PATTERN}.
 *
 * @example
 * ```ts
 * releaseRefPattern("v{version}", "1.2.0").test("refs/tags/v1.2.0"); // true
 * ```
 */
export function releaseRefPattern(tagPattern: string, version: string): RegExp {
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const tag = tagPattern.split("{version}").map(escape).join(escape(version));
  return new RegExp(`^refs/tags/${tag}$`);
}
