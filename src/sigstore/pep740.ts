/**
 * PEP 740 provenance from PyPI's Integrity API: parse it, turn each attestation into a Sigstore
 * bundle, verify it offline, and check what the Sigstore verifier does not: the in-toto
 * subject (file name and SHA-256), the predicate type, the certificate's GitHub identity, and
 * PyPI's publisher object (kind, repository, workflow, environment) against the project's
 * configured trusted publisher.
 *
 * No network: the caller fetches `GET /integrity/<project>/<version>/<filename>/provenance`
 * and passes the JSON (or `undefined` when PyPI has none).
 *
 * @example
 * ```ts
 * const result = await verifyPep740(
 *   { filename: "pypi_attestations-0.0.19.tar.gz", sha256 },
 *   JSON.parse(provenanceText),
 *   { publisher: { repository: "trailofbits/pypi-attestations", workflow: "release.yml" } },
 * );
 * result.status; // "verified"
 * ```
 * @module
 */
import { z } from "zod";
import type { Publisher } from "./types.ts";
import type { CertificateIdentity } from "./identity.ts";
import { type Problem, type ProvenanceStatus, statusOf } from "./result.ts";
import { publicGoodTrustRoot, type TrustRoot } from "./trusted_root.ts";
import {
  bundleDigest,
  bundleStatement,
  type SignatureOutcome,
  verifyBundleSignature,
} from "./verify_bundle.ts";
import { IN_TOTO_PAYLOAD_TYPE, PREDICATE, type Statement, subjectMatches } from "./intoto.ts";
import { checkGithubIdentity } from "./publisher_policy.ts";
import { cachedVerification } from "./cache.ts";

/** Media type of the bundles built from PEP 740 attestations. */
export const BUNDLE_V03_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json";
/** Most attestations verified per file (PyPI serves one publish and at most one SLSA). */
export const MAX_ATTESTATIONS = 8;
/** Predicate types a PEP 740 attestation may carry. */
export const PEP740_PREDICATES: readonly string[] = [PREDICATE.pypiPublish, PREDICATE.slsaV1];

const b64 = (max: number) => z.string().max(max).regex(/^[A-Za-z0-9+/=_-]*$/, "expected base64");

/** A PEP 740 attestation object. */
export const Pep740AttestationSchema = z.object({
  version: z.literal(1),
  verification_material: z.object({
    certificate: b64(64 * 1024),
    transparency_entries: z.array(z.record(z.string(), z.unknown())).min(1).max(16),
  }).passthrough(),
  envelope: z.object({
    statement: b64(6 * 1024 * 1024),
    signature: b64(8 * 1024),
  }).passthrough(),
}).passthrough();
/** See {@link Pep740AttestationSchema}. */
export type Pep740Attestation = z.infer<typeof Pep740AttestationSchema>;

/** PyPI's trusted publisher object (`kind` GitHub, GitLab, Google, ActiveState...). */
export const PypiPublisherSchema = z.object({
  kind: z.string().max(100),
  repository: z.string().max(500).optional(),
  workflow: z.string().max(500).optional(),
  workflow_filepath: z.string().max(500).optional(),
  environment: z.string().max(500).nullable().optional(),
}).passthrough();
/** See {@link PypiPublisherSchema}. */
export type PypiPublisher = z.infer<typeof PypiPublisherSchema>;

/** The Integrity API provenance response. */
export const IntegrityResponseSchema = z.object({
  version: z.literal(1),
  attestation_bundles: z.array(
    z.object({
      publisher: PypiPublisherSchema,
      attestations: z.array(Pep740AttestationSchema).max(32),
    }).passthrough(),
  ).max(32),
}).passthrough();
/** See {@link IntegrityResponseSchema}. */
export type IntegrityResponse = z.infer<typeof IntegrityResponseSchema>;

/** Which of the accepted provenance shapes a JSON document is. */
export type ProvenanceShape = "integrity" | "attestation" | "bundle" | "unknown";

/**
 * Tell an Integrity API response, a single PEP 740 attestation and a Sigstore bundle apart.
 *
 * @example
 * ```ts
 * detectProvenanceShape({ version: 1, attestation_bundles: [] }); // "integrity"
 * ```
 */
export function detectProvenanceShape(json: unknown): ProvenanceShape {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return "unknown";
  const o = json as Record<string, unknown>;
  if ("attestation_bundles" in o) return "integrity";
  if ("verification_material" in o && "envelope" in o) return "attestation";
  if (
    typeof o.mediaType === "string" && o.mediaType.startsWith("application/vnd.dev.sigstore.bundle")
  ) {
    return "bundle";
  }
  return "unknown";
}

/**
 * Convert a PEP 740 attestation into a Sigstore bundle v0.3 (JSON form): the certificate
 * becomes `verificationMaterial.certificate`, the transparency entries become `tlogEntries`,
 * and the statement and signature form a DSSE envelope of type `application/vnd.in-toto+json`.
 *
 * @example
 * ```ts
 * attestationToBundle(attestation).mediaType; // "application/vnd.dev.sigstore.bundle.v0.3+json"
 * ```
 */
export function attestationToBundle(attestation: Pep740Attestation): Record<string, unknown> {
  return {
    mediaType: BUNDLE_V03_MEDIA_TYPE,
    verificationMaterial: {
      certificate: { rawBytes: attestation.verification_material.certificate },
      tlogEntries: attestation.verification_material.transparency_entries,
      timestampVerificationData: {},
    },
    dsseEnvelope: {
      payload: attestation.envelope.statement,
      payloadType: IN_TOTO_PAYLOAD_TYPE,
      signatures: [{ sig: attestation.envelope.signature }],
    },
  };
}

/**
 * Normalize a distribution filename the way PyPI compares them: the project name part
 * lowercased with runs of `-_.` turned into `_`, the rest lowercased.
 *
 * @example
 * ```ts
 * normalizeDistFilename("Pypi.Attestations-0.0.19.tar.gz"); // "pypi_attestations-0.0.19.tar.gz"
 * ```
 */
export function normalizeDistFilename(filename: string): string {
  const name = (s: string) => s.toLowerCase().replace(/[-_.]+/g, "_");
  if (filename.toLowerCase().endsWith(".whl")) {
    const dash = filename.indexOf("-");
    if (dash > 0) return `${name(filename.slice(0, dash))}${filename.slice(dash).toLowerCase()}`;
    return filename.toLowerCase();
  }
  const sdist = /^(.+)-([^-]+?)(\.tar\.gz|\.zip|\.tar\.bz2|\.tgz)$/i.exec(filename);
  if (sdist) return `${name(sdist[1])}-${sdist[2].toLowerCase()}${sdist[3].toLowerCase()}`;
  return filename.toLowerCase();
}

/** The file whose provenance is checked. */
export interface ProvenanceTarget {
  filename: string;
  /** Hex SHA-256 of the file as downloaded (or as listed by PyPI). */
  sha256: string;
}

/** How to verify. */
export interface Pep740Options {
  /** The project's configured trusted publisher. */
  publisher: Publisher;
  /** Accepted Source Repository Ref (default: any tag). */
  refPattern?: RegExp;
  /** Trust roots (default: the embedded public-good root). */
  roots?: readonly TrustRoot[];
  /** Cache signature outcomes here (key prefix `provenance`). */
  kv?: Deno.Kv;
  /**
   * The artifact's bytes: only needed for a message-signature bundle (accepted from the CLI,
   * where the signature itself binds the artifact's digest; PyPI only serves DSSE statements).
   */
  artifact?: Uint8Array;
}

/** The check of one attestation. */
export interface AttestationCheck {
  predicateType?: string;
  trustRoot?: string;
  /** Certificate identity (only trustworthy when the signature verified). */
  identity?: CertificateIdentity;
  signatureVerified: boolean;
  /** The signature outcome came from the KV cache. */
  cached: boolean;
  problems: Problem[];
  notes: string[];
}

/** The provenance verdict for one file. */
export interface Pep740Result {
  filename: string;
  sha256: string;
  status: ProvenanceStatus;
  /** One line: what was verified, or the worst problem. */
  detail: string;
  problems: Problem[];
  /** PyPI's publisher object of the first attestation bundle (absent for a bare attestation). */
  publisher?: PypiPublisher;
  /** Identity of the first attestation whose signature verified (else of the first one). */
  identity?: CertificateIdentity;
  attestations: AttestationCheck[];
  /** Explanations for the evidence (e.g. where the environment check came from). */
  notes: string[];
}

const q = JSON.stringify;

/**
 * Check PyPI's publisher object against the configured publisher.
 *
 * @example
 * ```ts
 * checkPypiPublisher({ kind: "GitLab" }, { repository: "o/r", workflow: "release.yml" }, []);
 * // [{ kind: "wrong-identity", ... }]
 * ```
 */
export function checkPypiPublisher(
  publisher: PypiPublisher | undefined,
  config: Publisher,
  notes: string[],
): Problem[] {
  const problems: Problem[] = [];
  if (publisher === undefined) {
    if (config.environment !== undefined) {
      problems.push({
        kind: "missing-environment",
        detail: `no PyPI publisher object: environment ${
          q(config.environment)
        } cannot be confirmed (Fulcio certificates do not carry the environment)`,
        expected: config.environment,
      });
    }
    notes.push("no PyPI publisher object: only the certificate identity was checked");
    return problems;
  }
  if (publisher.kind !== "GitHub") {
    problems.push({
      kind: "wrong-identity",
      detail: `published by a ${q(publisher.kind)} trusted publisher (${
        q(publisher.repository ?? "?")
      }), expected GitHub ${q(config.repository)}`,
      observed: publisher,
      expected: config,
    });
    return problems;
  }
  if ((publisher.repository ?? "").toLowerCase() !== config.repository.toLowerCase()) {
    problems.push({
      kind: "wrong-identity",
      detail: `PyPI publisher repository ${q(publisher.repository ?? "?")}, expected ${
        q(config.repository)
      }`,
      observed: publisher.repository,
      expected: config.repository,
    });
  }
  if (publisher.workflow !== config.workflow) {
    problems.push({
      kind: "wrong-workflow",
      detail: `PyPI publisher workflow ${q(publisher.workflow ?? "?")}, expected ${
        q(config.workflow)
      }`,
      observed: publisher.workflow,
      expected: config.workflow,
    });
  }
  const observedEnv = publisher.environment ? publisher.environment : undefined;
  if (config.environment !== undefined) {
    notes.push(
      "the environment check uses PyPI's publisher object: Fulcio certificates do not carry the " +
        "GitHub environment, and the object reflects PyPI's trusted-publisher registration, not " +
        "the workflow file",
    );
    if (observedEnv === undefined) {
      problems.push({
        kind: "missing-environment",
        detail: `PyPI's trusted publisher is registered without an environment (publisher ` +
          `environment ${q(publisher.environment ?? null)}), expected ${
            q(config.environment)
          }: PyPI would accept an upload from any job of the workflow`,
        observed: publisher.environment ?? null,
        expected: config.environment,
      });
    } else if (observedEnv.toLowerCase() !== config.environment.toLowerCase()) {
      problems.push({
        kind: "wrong-environment",
        detail: `PyPI publisher environment ${q(observedEnv)}, expected ${q(config.environment)}`,
        observed: observedEnv,
        expected: config.environment,
      });
    }
  } else if (observedEnv !== undefined) {
    notes.push(`PyPI's publisher pins environment ${q(observedEnv)} (none configured)`);
  }
  return problems;
}

async function signatureOutcome(
  bundle: unknown,
  target: ProvenanceTarget,
  roots: readonly TrustRoot[],
  kv: Deno.Kv | undefined,
  artifact: Uint8Array | undefined,
): Promise<{ outcome: SignatureOutcome; cached: boolean }> {
  const compute = () => verifyBundleSignature(bundle, roots, artifact);
  if (!kv) return { outcome: compute(), cached: false };
  return await cachedVerification(
    kv,
    target.sha256.toLowerCase(),
    await bundleDigest(bundle),
    roots,
    compute,
  );
}

/**
 * Verify one Sigstore bundle that is meant to attest `target` as a PEP 740 attestation:
 * signature, statement, predicate type, subject and certificate identity.
 *
 * @example
 * ```ts
 * const check = await checkAttestationBundle(bundle, target, options);
 * check.problems.length === 0;
 * ```
 */
export async function checkAttestationBundle(
  bundle: unknown,
  target: ProvenanceTarget,
  options: Pep740Options,
): Promise<AttestationCheck> {
  const roots = options.roots ?? [publicGoodTrustRoot()];
  const problems: Problem[] = [];
  const { outcome, cached } = await signatureOutcome(
    bundle,
    target,
    roots,
    options.kv,
    options.artifact,
  );
  const check: AttestationCheck = {
    identity: outcome.identity,
    trustRoot: outcome.ok ? outcome.trustRoot : undefined,
    signatureVerified: outcome.ok,
    cached,
    problems,
    notes: [],
  };
  if (!outcome.ok) {
    problems.push({
      kind: outcome.failure === "unsupported" ? "unsupported" : "invalid-signature",
      detail: outcome.reason,
    });
    return check;
  }
  let statement: Statement | undefined;
  try {
    statement = bundleStatement(bundle);
  } catch (e) {
    problems.push({ kind: "unsupported", detail: (e as Error).message.slice(0, 300) });
    return check;
  }
  if (!statement) {
    if (isMessageSignature(bundle) && options.artifact) {
      // The verifier compared the signed digest with the artifact's: the subject is bound.
      check.notes.push("message signature over the artifact's digest (no in-toto statement)");
    } else {
      problems.push({ kind: "unsupported", detail: "the bundle carries no in-toto statement" });
      return check;
    }
  }
  if (statement) checkStatement(statement, target, check);
  problems.push(
    ...checkGithubIdentity(outcome.identity, {
      repository: options.publisher.repository,
      workflow: options.publisher.workflow,
      refPattern: options.refPattern,
    }),
  );
  return check;
}

function isMessageSignature(bundle: unknown): boolean {
  return typeof bundle === "object" && bundle !== null && "messageSignature" in bundle;
}

function checkStatement(statement: Statement, target: ProvenanceTarget, check: AttestationCheck) {
  const problems = check.problems;
  check.predicateType = statement.predicateType.slice(0, 200);
  if (!PEP740_PREDICATES.includes(statement.predicateType)) {
    problems.push({
      kind: "unsupported",
      detail: `predicate type ${q(check.predicateType)} is not a PEP 740 attestation`,
      observed: check.predicateType,
      expected: PEP740_PREDICATES,
    });
  }
  const subject = subjectMatches(statement, target.filename, target.sha256, normalizeDistFilename);
  if (!subject.ok) {
    problems.push({
      kind: "subject-mismatch",
      detail: subject.detail ?? "subject mismatch",
      observed: subject.observed,
      expected: { name: target.filename, sha256: target.sha256.toLowerCase() },
    });
  }
}

/** Bundles to verify, each with the publisher object it came with. */
interface Unit {
  publisher?: PypiPublisher;
  bundle: unknown;
}

function unitsOf(json: unknown): Unit[] | Problem {
  switch (detectProvenanceShape(json)) {
    case "integrity": {
      const parsed = IntegrityResponseSchema.safeParse(json);
      if (!parsed.success) return schemaProblem("Integrity API response", parsed.error);
      return parsed.data.attestation_bundles.flatMap((b) =>
        b.attestations.map((a) => ({ publisher: b.publisher, bundle: attestationToBundle(a) }))
      );
    }
    case "attestation": {
      const parsed = Pep740AttestationSchema.safeParse(json);
      if (!parsed.success) return schemaProblem("PEP 740 attestation", parsed.error);
      return [{ bundle: attestationToBundle(parsed.data) }];
    }
    case "bundle":
      return [{ bundle: json }];
    default:
      return { kind: "unsupported", detail: "not a PEP 740 provenance document" };
  }
}

function schemaProblem(what: string, error: z.ZodError): Problem {
  const issue = error.issues[0];
  return {
    kind: "unsupported",
    detail: `malformed ${what}: ${issue?.path.join(".") || "(root)"}: ${issue?.message}`.slice(
      0,
      300,
    ),
  };
}

/**
 * Verify a file's PEP 740 provenance. `provenance` is the Integrity API response, a single
 * attestation or a Sigstore bundle; `undefined`/`null` means PyPI has none (`missing`).
 *
 * @example
 * ```ts
 * const r = await verifyPep740(target, provenanceJson, { publisher, kv });
 * if (r.status !== "verified") console.log(r.detail);
 * ```
 */
export async function verifyPep740(
  target: ProvenanceTarget,
  provenance: unknown,
  options: Pep740Options,
): Promise<Pep740Result> {
  const notes: string[] = [];
  const result = (
    problems: Problem[],
    attestations: AttestationCheck[],
    publisher?: PypiPublisher,
  ): Pep740Result => {
    const identity = attestations.find((a) => a.signatureVerified)?.identity ??
      attestations[0]?.identity;
    const status = statusOf(problems);
    const detail = status === "verified"
      ? `verified: ${attestations.length} attestation(s) signed by ${
        q(identity?.buildConfigUri ?? identity?.subjectAlternativeName ?? "?")
      }`
      : problems.find((p) => p.kind === status)?.detail ?? status;
    return {
      filename: target.filename,
      sha256: target.sha256.toLowerCase(),
      status,
      detail,
      problems,
      publisher,
      identity,
      attestations,
      notes,
    };
  };
  if (provenance === undefined || provenance === null) {
    return result([{ kind: "missing", detail: "PyPI has no provenance for this file" }], []);
  }
  let units: Unit[] | Problem;
  try {
    units = unitsOf(provenance);
  } catch (e) {
    units = {
      kind: "error",
      detail: `cannot read provenance: ${(e as Error).message}`.slice(0, 300),
    };
  }
  if (!Array.isArray(units)) return result([units], []);
  if (units.length === 0) {
    return result([{ kind: "missing", detail: "the provenance lists no attestation" }], []);
  }
  if (units.length > MAX_ATTESTATIONS) {
    return result([{
      kind: "unsupported",
      detail: `the provenance lists ${units.length} attestations, more than ${MAX_ATTESTATIONS}`,
    }], []);
  }
  const problems: Problem[] = [];
  const checks: AttestationCheck[] = [];
  const publishersSeen = new Set<PypiPublisher | undefined>();
  for (const unit of units) {
    if (!publishersSeen.has(unit.publisher)) {
      publishersSeen.add(unit.publisher);
      problems.push(...checkPypiPublisher(unit.publisher, options.publisher, notes));
    }
    let check: AttestationCheck;
    try {
      check = await checkAttestationBundle(unit.bundle, target, options);
    } catch (e) {
      check = {
        signatureVerified: false,
        cached: false,
        notes: [],
        problems: [{
          kind: "error",
          detail: `verification failed: ${(e as Error).message}`.slice(0, 300),
        }],
      };
    }
    checks.push(check);
    problems.push(...check.problems);
    for (const note of check.notes) if (!notes.includes(note)) notes.push(note);
  }
  return result(dedupe(problems), checks, units[0].publisher);
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.kind}\u0000${p.detail}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
