/**
 * What the releases job observes about one distribution file's provenance: its PEP 740
 * verdict and, when checked, its GitHub artifact attestation verdict. The pure rules in
 * `rules/provenance.ts` judge a list of these.
 *
 * @example
 * ```ts
 * const observed: FileProvenance = {
 *   version: "0.0.19",
 *   filename: target.filename,
 *   sha256: target.sha256,
 *   pep740: await verifyPep740(target, provenanceJson, { publisher }),
 * };
 * ```
 * @module
 */
import type { Pep740Result } from "./pep740.ts";
import type { GithubAttestationResult } from "./github_attestation.ts";

/** One file's provenance observation. */
export interface FileProvenance {
  /** The release version the file belongs to. */
  version?: string;
  filename: string;
  /** Hex SHA-256 of the file. */
  sha256: string;
  /** Link to the file on PyPI, for evidence. */
  url?: string;
  /** PEP 740 verdict; absent when it was not checked. */
  pep740?: Pep740Result;
  /** GitHub attestation verdict; absent when it was not checked. */
  githubAttestation?: GithubAttestationResult;
}
