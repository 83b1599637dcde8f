/**
 * Sigstore verification for the release auditor: PEP 740 provenance from PyPI and GitHub
 * artifact attestations, verified offline. No function here touches the network; the jobs
 * fetch the JSON/bytes and pass them in.
 *
 * ## Trust roots
 * - Public-good Sigstore (Fulcio, Rekor, CT log, TSA): the `trusted_root.json` embedded in
 *   `@sigstore/tuf`'s TUF seeds, used by default ({@link publicGoodTrustRoot}); or a configured
 *   `trusted_root.json` file instead (`trustedRootPath`).
 * - GitHub's own Sigstore instance (Fulcio `fulcio.githubapp.com` + TSA, no transparency log),
 *   which signs GitHub artifact attestations of private repositories and release attestations:
 *   not embedded anywhere, so it must be configured as a file (`githubTrustedRootPath`). Get it
 *   with `gh attestation trusted-root` (the JSON line whose CAs are "GitHub, Inc."), store it
 *   next to the config, and refresh it when GitHub rotates its intermediates (each CA has a
 *   validity window; a bundle signed after the newest window fails as "invalid-signature").
 * - TUF refresh of the public-good root ({@link refreshTrustRoot}) contacts
 *   `tuf-repo-cdn.sigstore.dev` and is only done when the operator allows it (`refresh`).
 *
 * A bundle is verified against the root whose CA issued its leaf certificate.
 *
 * @example
 * ```ts
 * const roots = await loadTrustRoots({ githubTrustedRootPath: "trusted-root-github.json" });
 * const pep740 = await verifyPep740(target, integrityJson, { publisher, roots, kv });
 * const gh = verifyGithubAttestations(target, bundles, { repository: "o/r", roots });
 * const findings = evaluateProvenance([{ ...target, pep740, githubAttestation: gh }], project);
 * ```
 * @module
 */
import {
  loadTrustRoot,
  publicGoodTrustRoot,
  type RefreshOptions,
  refreshTrustRoot,
  type TrustRoot,
} from "./trusted_root.ts";

export * from "./pep740.ts";
export * from "./github_attestation.ts";
export * from "./trusted_root.ts";
export * from "./result.ts";
export * from "./identity.ts";
export * from "./file_provenance.ts";
export { cachedVerification, PROVENANCE_KEY_PREFIX } from "./cache.ts";
export {
  checkGithubIdentity,
  DEFAULT_REF_PATTERN,
  GITHUB_ACTIONS_ISSUER,
  type IdentityPolicy,
  releaseRefPattern,
} from "./publisher_policy.ts";
export {
  bundleDigest,
  bundleStatement,
  type SignatureOutcome,
  verifyBundleSignature,
} from "./verify_bundle.ts";

/** Where the trust roots come from. */
export interface TrustRootSources {
  /** A `trusted_root.json` replacing the embedded public-good root. */
  trustedRootPath?: string;
  /** GitHub's `trusted_root.json` (needed for GitHub artifact attestations signed by GitHub). */
  githubTrustedRootPath?: string;
  /** Refresh the public-good root through TUF (network; only when explicitly allowed). */
  refresh?: RefreshOptions;
}

/**
 * Build the trust roots once per process: public-good (embedded, configured file, or TUF
 * refresh) and GitHub's (configured file).
 *
 * @example
 * ```ts
 * const roots = await loadTrustRoots({}); // [public-good] from the embedded seed, offline
 * ```
 * @throws {TrustRootError} when a configured file is missing or malformed.
 */
export async function loadTrustRoots(sources: TrustRootSources = {}): Promise<TrustRoot[]> {
  const primary = sources.refresh?.allowNetwork
    ? await refreshTrustRoot(sources.refresh)
    : sources.trustedRootPath
    ? await loadTrustRoot(sources.trustedRootPath, "public-good (configured)")
    : publicGoodTrustRoot();
  const roots = [primary];
  if (sources.githubTrustedRootPath) {
    roots.push(await loadTrustRoot(sources.githubTrustedRootPath, "github"));
  }
  return roots;
}
