/**
 * Provenance rules: PEP 740 attestations (trusted publishing) and GitHub artifact attestations
 * of each released file, judged from the verdicts computed in `src/sigstore/`.
 *
 * Pure: no network, no clock. A verdict of status `error` is not judged here (the check could
 * not be made): the job reports it as not observable, see {@link unobservableProvenance}.
 *
 * @example
 * ```ts
 * const findings = evaluateProvenance(observed, project);
 * ```
 * @module
 */
import {
  defineRule,
  type Finding,
  finding,
  type Rule,
  type RuleMeta,
  ruleMetaFor,
  runRules,
  type Unobservable,
} from "./types.ts";
import { oncePerInput } from "./_shared.ts";
import type { Project } from "../src/config.ts";
import type { FileProvenance } from "../src/sigstore/file_provenance.ts";
import type { Problem, ProblemKind } from "../src/sigstore/result.ts";
import { applyOverrides } from "./overrides.ts";

const meta = ruleMetaFor("releases");

const TP = "Every file is published by the configured trusted publisher, with PEP 740 provenance";

/** A file on PyPI has no PEP 740 provenance. */
export const PROVENANCE_MISSING = meta(
  "provenance/missing",
  "high",
  "File not published through trusted publishing",
  TP,
  "Publish with pypa/gh-action-pypi-publish from the configured workflow (attestations are on by default) and remove API tokens.",
);
/** The attestation's signature, certificate chain or log inclusion does not verify. */
export const PROVENANCE_INVALID_SIGNATURE = meta(
  "provenance/invalid-signature",
  "critical",
  "Provenance signature does not verify",
  TP,
  "Treat the file as untrusted: compare it with a fresh build, yank it if it cannot be explained, and rotate publishing credentials.",
);
/** The attestation names another file or digest. */
export const PROVENANCE_SUBJECT_MISMATCH = meta(
  "provenance/subject-mismatch",
  "critical",
  "Provenance does not attest this file",
  TP,
  "The file served differs from the one that was attested: yank it and investigate the upload path.",
);
/** Signed by another repository or another identity provider. */
export const PROVENANCE_WRONG_IDENTITY = meta(
  "provenance/wrong-identity",
  "critical",
  "Provenance signed by an unexpected identity",
  TP,
  "Check PyPI's trusted publishers for the project: remove publishers that are not the configured repository, yank files they uploaded.",
);
/** Signed by another workflow of the repository, or for a ref that is not a release tag. */
export const PROVENANCE_WRONG_WORKFLOW = meta(
  "provenance/wrong-workflow",
  "high",
  "Provenance signed by an unexpected workflow or ref",
  TP,
  "Publish only from the configured workflow, on release tags; restrict the trusted publisher to that workflow.",
);
/** PyPI's trusted publisher pins a different environment. */
export const PROVENANCE_WRONG_ENVIRONMENT = meta(
  "provenance/wrong-environment",
  "high",
  "Trusted publisher bound to an unexpected environment",
  "Publishing runs in the protected GitHub environment named in the plan",
  "Register the trusted publisher on PyPI with the configured environment, and protect that environment.",
);
/** PyPI's trusted publisher pins no environment although one is expected. */
export const PROVENANCE_MISSING_ENVIRONMENT = meta(
  "provenance/missing-environment",
  "medium",
  "Trusted publisher not bound to an environment",
  "Publishing runs in the protected GitHub environment named in the plan",
  "Re-register the trusted publisher on PyPI with the environment name, so that PyPI refuses uploads from any other job.",
);
/** Provenance exists but in a form that cannot be verified (unknown predicate, bare key). */
export const PROVENANCE_UNVERIFIABLE = meta(
  "provenance/unverifiable",
  "medium",
  "Provenance cannot be verified",
  TP,
  "Publish with the current pypa/gh-action-pypi-publish so that PyPI serves standard PEP 740 attestations.",
);
/** No GitHub artifact attestation for the file. */
export const ATTESTATION_MISSING = meta(
  "attestation/missing",
  "medium",
  "File has no GitHub artifact attestation",
  "Every released file carries a build attestation in the source repository",
  "Add actions/attest-build-provenance to the release workflow for every built file.",
);
/** A GitHub attestation does not verify or does not attest this file. */
export const ATTESTATION_INVALID = meta(
  "attestation/invalid",
  "high",
  "GitHub artifact attestation invalid",
  "Every released file carries a build attestation in the source repository",
  "Investigate the file and the attestation: a signature or digest that does not verify means the file is not the one that was built.",
);
/** A GitHub attestation was signed by an unexpected workflow or repository. */
export const ATTESTATION_WRONG_SIGNER = meta(
  "attestation/wrong-signer",
  "high",
  "GitHub artifact attestation signed by an unexpected workflow",
  "Every released file carries a build attestation in the source repository",
  "Attest only from the configured release workflow on release tags; check who can run other workflows.",
);

const PEP740_RULE: Record<ProblemKind, RuleMeta | undefined> = {
  "missing": PROVENANCE_MISSING,
  "invalid-signature": PROVENANCE_INVALID_SIGNATURE,
  "subject-mismatch": PROVENANCE_SUBJECT_MISMATCH,
  "wrong-identity": PROVENANCE_WRONG_IDENTITY,
  "wrong-workflow": PROVENANCE_WRONG_WORKFLOW,
  "wrong-environment": PROVENANCE_WRONG_ENVIRONMENT,
  "missing-environment": PROVENANCE_MISSING_ENVIRONMENT,
  "unsupported": PROVENANCE_UNVERIFIABLE,
  "error": undefined,
};

const ATTESTATION_RULE: Record<ProblemKind, RuleMeta | undefined> = {
  "missing": ATTESTATION_MISSING,
  "invalid-signature": ATTESTATION_INVALID,
  "subject-mismatch": ATTESTATION_INVALID,
  "unsupported": ATTESTATION_INVALID,
  "wrong-identity": ATTESTATION_WRONG_SIGNER,
  "wrong-workflow": ATTESTATION_WRONG_SIGNER,
  "wrong-environment": ATTESTATION_WRONG_SIGNER,
  "missing-environment": undefined,
  "error": undefined,
};

/** Scope of a file's findings. */
export function fileScope(sha256: string): string {
  return `file:${sha256.toLowerCase()}`;
}

function bounded(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Group problems by the rule they map to (one finding per rule and file). */
function byRule(
  problems: readonly Problem[],
  table: Record<ProblemKind, RuleMeta | undefined>,
): Map<RuleMeta, Problem[]> {
  const groups = new Map<RuleMeta, Problem[]>();
  for (const problem of problems) {
    const rule = table[problem.kind];
    if (!rule) continue;
    groups.set(rule, [...(groups.get(rule) ?? []), problem]);
  }
  return groups;
}

function identityEvidence(identity: Record<string, string | undefined> | undefined) {
  if (!identity) return undefined;
  const { subjectAlternativeName, issuer, buildSignerUri, buildConfigUri, sourceRepositoryRef } =
    identity;
  return { subjectAlternativeName, issuer, buildSignerUri, buildConfigUri, sourceRepositoryRef };
}

function pep740Findings(file: FileProvenance, project: Project): Finding[] {
  const result = file.pep740;
  if (!result || result.status === "verified") return [];
  const out: Finding[] = [];
  for (const [rule, problems] of byRule(result.problems, PEP740_RULE)) {
    if (rule === PROVENANCE_MISSING && !project.policy.require_provenance) continue;
    out.push(finding(rule, {
      subject: bounded(file.filename, 2000),
      scope: fileScope(file.sha256),
      message: bounded(`${file.filename}: ${problems.map((p) => p.detail).join("; ")}`, 4000),
      evidence: {
        observed: problems[0].observed,
        expected: problems[0].expected ?? project.publisher,
        url: file.url,
        version: file.version,
        problems: problems.map((p) => p.detail),
        publisher: result.publisher,
        certificate: identityEvidence(result.identity as Record<string, string | undefined>),
        notes: result.notes,
      },
    }));
  }
  return out;
}

function attestationFindings(file: FileProvenance, project: Project): Finding[] {
  const result = file.githubAttestation;
  if (!result || result.status === "verified") return [];
  const out: Finding[] = [];
  for (const [rule, problems] of byRule(result.problems, ATTESTATION_RULE)) {
    if (rule === ATTESTATION_MISSING && !project.policy.require_github_attestation) continue;
    out.push(finding(rule, {
      subject: bounded(file.filename, 2000),
      scope: fileScope(file.sha256),
      message: bounded(`${file.filename}: ${problems.map((p) => p.detail).join("; ")}`, 4000),
      evidence: {
        observed: problems[0].observed,
        expected: problems[0].expected,
        url: file.url,
        version: file.version,
        problems: problems.map((p) => p.detail),
        signers: result.attestations.map((a) => ({
          kind: a.kind,
          signer: a.signer,
          caller: a.caller,
          trustRoot: a.trustRoot,
        })),
      },
    }));
  }
  return out;
}

/** What the provenance rules judge: the verdicts on a release's files and the project's policy. */
export interface ProvenanceInput {
  results: readonly FileProvenance[];
  project: Project;
}

const allProvenance = oncePerInput(({ results, project }: ProvenanceInput) =>
  results.flatMap((file) => [
    ...pep740Findings(file, project),
    ...attestationFindings(file, project),
  ])
);

/** Every provenance and attestation rule as a value (see `rules/registry.ts`). */
export const PROVENANCE_RULESET: readonly Rule<ProvenanceInput>[] = [
  defineRule(PROVENANCE_MISSING, allProvenance),
  defineRule(PROVENANCE_INVALID_SIGNATURE, allProvenance),
  defineRule(PROVENANCE_SUBJECT_MISMATCH, allProvenance),
  defineRule(PROVENANCE_WRONG_IDENTITY, allProvenance),
  defineRule(PROVENANCE_WRONG_WORKFLOW, allProvenance),
  defineRule(PROVENANCE_WRONG_ENVIRONMENT, allProvenance),
  defineRule(PROVENANCE_MISSING_ENVIRONMENT, allProvenance),
  defineRule(PROVENANCE_UNVERIFIABLE, allProvenance),
  defineRule(ATTESTATION_MISSING, allProvenance),
  defineRule(ATTESTATION_INVALID, allProvenance),
  defineRule(ATTESTATION_WRONG_SIGNER, allProvenance),
];

/** All rules' metadata of this module, for the catalog (derived from {@link PROVENANCE_RULESET}). */
export const PROVENANCE_RULES: RuleMeta[] = PROVENANCE_RULESET.map((r) => r.meta);

/**
 * Judge the provenance of a release's files.
 *
 * @example
 * ```ts
 * evaluateProvenance([{ filename: "x-1.0.tar.gz", sha256, pep740 }], project)
 *   .map((f) => f.rule); // ["provenance/missing"]
 * ```
 */
export function evaluateProvenance(
  results: readonly FileProvenance[],
  project: Project,
): Finding[] {
  return applyOverrides(project, runRules(PROVENANCE_RULESET, { results, project }));
}

/**
 * Files whose provenance could not be checked (status `error`): report them as not observable
 * so that earlier findings on them are neither resolved nor reported compliant.
 *
 * @example
 * ```ts
 * observation.unobservable.push(...unobservableProvenance(observed));
 * ```
 */
export function unobservableProvenance(results: readonly FileProvenance[]): Unobservable[] {
  const out: Unobservable[] = [];
  for (const file of results) {
    for (const result of [file.pep740, file.githubAttestation]) {
      if (result?.problems.some((p) => p.kind === "error")) {
        const why = result.problems.find((p) => p.kind === "error")?.detail ?? "error";
        out.push({
          scope: fileScope(file.sha256),
          reason: bounded(`${file.filename}: ${why}`, 1000),
        });
        break;
      }
    }
  }
  return out;
}
