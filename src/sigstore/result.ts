/**
 * Result vocabulary shared by PEP 740 and GitHub attestation verification: a list of problems
 * per file, and a status that names the worst of them.
 *
 * @example
 * ```ts
 * statusOf([{ kind: "wrong-workflow", detail: "..." }]); // "wrong-workflow"
 * statusOf([]); // "verified"
 * ```
 * @module
 */
import { z } from "zod";

/** Problem kinds, worst first. */
export const PROBLEM_KINDS = [
  "invalid-signature",
  "subject-mismatch",
  "wrong-identity",
  "wrong-workflow",
  "wrong-environment",
  "missing-environment",
  "unsupported",
  "error",
  "missing",
] as const;
/** One of {@link PROBLEM_KINDS}. */
export type ProblemKind = typeof PROBLEM_KINDS[number];
/** zod schema for a problem kind. */
export const ProblemKindSchema = z.enum(PROBLEM_KINDS);

/** `verified`, or the worst problem found. */
export type ProvenanceStatus = "verified" | ProblemKind;

/** One thing wrong with a file's provenance. */
export interface Problem {
  kind: ProblemKind;
  /** One human sentence; upstream text inside it is quoted with JSON.stringify. */
  detail: string;
  observed?: unknown;
  expected?: unknown;
}

/**
 * The worst problem's kind, or `verified` when there is none.
 *
 * @example
 * ```ts
 * statusOf([{ kind: "missing-environment", detail: "" }, { kind: "invalid-signature", detail: "" }]);
 * // "invalid-signature"
 * ```
 */
export function statusOf(problems: readonly Problem[]): ProvenanceStatus {
  let best: ProblemKind | undefined;
  for (const p of problems) {
    if (best === undefined || PROBLEM_KINDS.indexOf(p.kind) < PROBLEM_KINDS.indexOf(best)) {
      best = p.kind;
    }
  }
  return best ?? "verified";
}
