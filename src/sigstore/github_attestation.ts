/**
 * GitHub artifact attestations: parse `GET /repos/{owner}/{repo}/attestations/sha256:{digest}`,
 * list the bundles that must be fetched from `bundle_url`, decode fetched bodies (snappy JSON),
 * and verify each bundle offline against GitHub's trust root (Fulcio + TSA, no log) or the
 * public-good root, whichever issued its certificate.
 *
 * On top of the Sigstore verification: the in-toto subject must name the file's SHA-256; the
 * predicate must be SLSA provenance v1 (signed by a workflow of the project's repository; the
 * caller workflow is the Build Config URI, the signer may be a reusable workflow, reported as
 * such) or a GitHub release attestation (signed by GitHub's release service for the project's
 * repository).
 *
 * @example
 * ```ts
 * const response = parseAttestationsResponse(json);
 * const pending = bundlesToFetch(response); // caller fetches each url
 * const bundles = [...inlineBundles(response), ...fetched.map(decodeBundleBody)];
 * const result = verifyGithubAttestations(target, bundles, { repository: "o/r", roots });
 * ```
 * @module
 */
import { z } from "zod";
import type { CertificateIdentity } from "./identity.ts";
import { type Problem, type ProvenanceStatus, statusOf } from "./result.ts";
import type { TrustRoot } from "./trusted_root.ts";
import { bundleStatement, MAX_BUNDLE_BYTES, verifyBundleSignature } from "./verify_bundle.ts";
import { PREDICATE, type Statement, subjectMatches } from "./intoto.ts";
import { checkGithubIdentity } from "./publisher_policy.ts";
import { normalizeDistFilename, type ProvenanceTarget } from "./pep740.ts";
import { snappyDecode } from "./snappy.ts";

/** SLSA provenance predicates accepted from workflows. */
export const PROVENANCE_PREDICATES: readonly string[] = [PREDICATE.slsaV1];
/** GitHub release attestation predicates (v0.2 is what GitHub emits since 2026). */
export const RELEASE_PREDICATES: readonly string[] = [
  PREDICATE.release,
  "https://in-toto.io/attestation/release/v0.2",
];
/** Attestations considered per file (the GitHub CLI's default limit). */
export const MAX_ATTESTATIONS_PER_FILE = 30;
/** The SAN of certificates GitHub's release service signs release attestations with. */
export const RELEASE_SIGNER = "https://dotcom.releases.github.com";

/** One entry of the attestations list. */
export const AttestationEntrySchema = z.object({
  bundle: z.record(z.string(), z.unknown()).nullable().optional(),
  bundle_url: z.string().url().max(4000).optional(),
  repository_id: z.number().int().optional(),
  initiator: z.string().max(100).optional(),
}).passthrough();

/** The attestations API response. */
export const AttestationsResponseSchema = z.object({
  attestations: z.array(AttestationEntrySchema).max(1000),
}).passthrough();
/** See {@link AttestationsResponseSchema}. */
export type AttestationsResponse = z.infer<typeof AttestationsResponseSchema>;

/** The response could not be parsed. */
export class AttestationResponseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AttestationResponseError";
  }
}

/**
 * Validate an attestations API response.
 *
 * @example
 * ```ts
 * parseAttestationsResponse({ attestations: [] }).attestations.length; // 0
 * ```
 * @throws {AttestationResponseError} with a one-line reason.
 */
export function parseAttestationsResponse(json: unknown): AttestationsResponse {
  const parsed = AttestationsResponseSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AttestationResponseError(
      `malformed attestations response: ${issue?.path.join(".") || "(root)"}: ${issue?.message}`,
    );
  }
  return parsed.data;
}

/** A bundle the caller must download. */
export interface BundleToFetch {
  /** Position in `attestations`. */
  index: number;
  url: string;
}

/**
 * Bundles given only by URL (`bundle: null`): fetch each (the body is snappy-compressed
 * JSON), then pass it through {@link decodeBundleBody}.
 *
 * @example
 * ```ts
 * bundlesToFetch(response).map((b) => b.url);
 * ```
 */
export function bundlesToFetch(
  response: AttestationsResponse,
  limit = MAX_ATTESTATIONS_PER_FILE,
): BundleToFetch[] {
  const out: BundleToFetch[] = [];
  response.attestations.slice(0, limit).forEach((entry, index) => {
    if (!entry.bundle && entry.bundle_url) out.push({ index, url: entry.bundle_url });
  });
  return out;
}

/**
 * Bundles included inline in the response.
 *
 * @example
 * ```ts
 * inlineBundles(response).length;
 * ```
 */
export function inlineBundles(
  response: AttestationsResponse,
  limit = MAX_ATTESTATIONS_PER_FILE,
): { index: number; bundle: unknown }[] {
  const out: { index: number; bundle: unknown }[] = [];
  response.attestations.slice(0, limit).forEach((entry, index) => {
    if (entry.bundle) out.push({ index, bundle: entry.bundle });
  });
  return out;
}

/**
 * Decode a fetched `bundle_url` body: snappy-compressed JSON (as GitHub serves it) or plain
 * JSON. Bounded to {@link MAX_BUNDLE_BYTES}.
 *
 * @example
 * ```ts
 * const bundle = decodeBundleBody(new Uint8Array(await response.arrayBuffer()));
 * ```
 * @throws {Error} with a one-line reason when the body is neither.
 */
export function decodeBundleBody(body: Uint8Array): unknown {
  if (body.length > MAX_BUNDLE_BYTES) {
    throw new Error(`bundle larger than ${MAX_BUNDLE_BYTES} bytes`);
  }
  let i = 0;
  while (
    i < body.length &&
    (body[i] === 0x20 || body[i] === 0x0a || body[i] === 0x0d || body[i] === 0x09)
  ) i++;
  const bytes = body[i] === 0x7b ? body : snappyDecode(body, MAX_BUNDLE_BYTES);
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new Error("bundle body is not JSON");
  }
}

/** Who must have signed. */
export interface GithubAttestationPolicy {
  /** `owner/repo` of the project. */
  repository: string;
  /** Expected caller workflow file (`release.yml`); omit to accept any workflow of the repo. */
  workflow?: string;
  /** Accepted Source Repository Ref (default: any tag). */
  refPattern?: RegExp;
  /** Trust roots: public-good and GitHub's (from a configured `trusted_root.json`). */
  roots: readonly TrustRoot[];
}

/** The check of one attestation bundle. */
export interface GithubAttestationCheck {
  /** `provenance` (SLSA, signed by a workflow) or `release` (signed by GitHub's release service). */
  kind?: "provenance" | "release";
  predicateType?: string;
  trustRoot?: string;
  identity?: CertificateIdentity;
  /** Who signed: Build Signer URI (a reusable workflow, if one was used) or the SAN. */
  signer?: string;
  /** The caller workflow: Build Config URI. */
  caller?: string;
  signatureVerified: boolean;
  problems: Problem[];
  notes: string[];
}

const q = JSON.stringify;

function releaseSignerProblems(
  identity: CertificateIdentity,
  statement: Statement,
  policy: GithubAttestationPolicy,
): Problem[] {
  const problems: Problem[] = [];
  if (identity.subjectAlternativeName !== RELEASE_SIGNER) {
    problems.push({
      kind: "wrong-identity",
      detail: `release attestation signed by ${
        q(identity.subjectAlternativeName ?? "?")
      }, not GitHub's release service`,
      observed: identity.subjectAlternativeName,
      expected: RELEASE_SIGNER,
    });
  }
  const predicate = statement.predicate as { repository?: unknown; tag?: unknown } | undefined;
  const repository = typeof predicate?.repository === "string" ? predicate.repository : undefined;
  if (repository?.toLowerCase() !== policy.repository.toLowerCase()) {
    problems.push({
      kind: "wrong-identity",
      detail: `release attestation for repository ${q(repository ?? "?")}, expected ${
        q(policy.repository)
      }`,
      observed: repository,
      expected: policy.repository,
    });
  }
  return problems;
}

/**
 * Verify one attestation bundle for a file.
 *
 * @example
 * ```ts
 * const check = checkGithubAttestation(bundle, { filename, sha256 }, policy);
 * check.problems; // [] when it attests the file and was signed as the policy says
 * ```
 */
export function checkGithubAttestation(
  bundle: unknown,
  target: ProvenanceTarget,
  policy: GithubAttestationPolicy,
): GithubAttestationCheck {
  const outcome = verifyBundleSignature(bundle, policy.roots);
  const check: GithubAttestationCheck = {
    identity: outcome.identity,
    signer: outcome.identity?.buildSignerUri ?? outcome.identity?.subjectAlternativeName,
    caller: outcome.identity?.buildConfigUri,
    trustRoot: outcome.ok ? outcome.trustRoot : undefined,
    signatureVerified: outcome.ok,
    problems: [],
    notes: [],
  };
  if (!outcome.ok) {
    check.problems.push({
      kind: outcome.failure === "unsupported" ? "unsupported" : "invalid-signature",
      detail: outcome.reason,
    });
    return check;
  }
  let statement: Statement | undefined;
  try {
    statement = bundleStatement(bundle);
  } catch (e) {
    check.problems.push({ kind: "unsupported", detail: (e as Error).message.slice(0, 300) });
    return check;
  }
  if (!statement) {
    check.problems.push({ kind: "unsupported", detail: "the bundle carries no in-toto statement" });
    return check;
  }
  check.predicateType = statement.predicateType.slice(0, 200);
  const subject = subjectMatches(statement, target.filename, target.sha256, normalizeDistFilename);
  if (!subject.ok) {
    check.problems.push({
      kind: "subject-mismatch",
      detail: subject.detail ?? "subject mismatch",
      observed: subject.observed,
      expected: { name: target.filename, sha256: target.sha256.toLowerCase() },
    });
  }
  if (PROVENANCE_PREDICATES.includes(statement.predicateType)) {
    check.kind = "provenance";
    check.problems.push(...checkGithubIdentity(outcome.identity, policy));
    if (check.signer && check.caller && check.signer !== check.caller) {
      check.notes.push(
        `signed by reusable workflow ${q(check.signer)} called from ${q(check.caller)}`,
      );
    }
  } else if (RELEASE_PREDICATES.includes(statement.predicateType)) {
    check.kind = "release";
    check.problems.push(...releaseSignerProblems(outcome.identity, statement, policy));
  } else {
    check.problems.push({
      kind: "unsupported",
      detail: `predicate type ${q(check.predicateType)} is neither SLSA provenance nor a release`,
      observed: check.predicateType,
      expected: [...PROVENANCE_PREDICATES, ...RELEASE_PREDICATES],
    });
  }
  return check;
}

/** The GitHub attestation verdict for one file. */
export interface GithubAttestationResult {
  filename: string;
  sha256: string;
  /** `verified` when at least one attestation passes every check (as `gh attestation verify`). */
  status: ProvenanceStatus;
  detail: string;
  /** Problems of the attestations when none verified (empty when verified). */
  problems: Problem[];
  attestations: GithubAttestationCheck[];
}

/**
 * Verify all attestation bundles found for a file; `verified` if one of them passes.
 *
 * @example
 * ```ts
 * verifyGithubAttestations(target, [], policy).status; // "missing"
 * ```
 */
export function verifyGithubAttestations(
  target: ProvenanceTarget,
  bundles: readonly unknown[],
  policy: GithubAttestationPolicy,
): GithubAttestationResult {
  const base = { filename: target.filename, sha256: target.sha256.toLowerCase() };
  if (bundles.length === 0) {
    const problems: Problem[] = [{
      kind: "missing",
      detail: "no GitHub attestation for this file",
    }];
    return { ...base, status: "missing", detail: problems[0].detail, problems, attestations: [] };
  }
  const attestations = bundles.slice(0, MAX_ATTESTATIONS_PER_FILE).map((bundle) => {
    try {
      return checkGithubAttestation(bundle, target, policy);
    } catch (e) {
      return {
        signatureVerified: false,
        problems: [{
          kind: "error" as const,
          detail: `verification failed: ${(e as Error).message}`.slice(0, 300),
        }],
        notes: [],
      };
    }
  });
  const passing = attestations.find((a) => a.problems.length === 0);
  if (passing) {
    const by = passing.kind === "release" ? "GitHub's release service" : q(passing.signer ?? "?");
    return {
      ...base,
      status: "verified",
      detail: `verified: ${passing.kind} attestation signed by ${by}`,
      problems: [],
      attestations,
    };
  }
  const seen = new Set<string>();
  const problems = attestations.flatMap((a) => a.problems).filter((p) => {
    const key = `${p.kind}\u0000${p.detail}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
  const status = statusOf(problems);
  return {
    ...base,
    status,
    detail: problems.find((p) => p.kind === status)?.detail ?? status,
    problems,
    attestations,
  };
}
