/**
 * The vocabulary every rule speaks: severities, rule metadata and findings.
 *
 * Rules are pure functions `(observation, policy) -> Finding[]`; this module holds
 * only types and tiny helpers, so that jobs, reconcile, the CLI and the web app can
 * share them without importing any rule.
 *
 * @module
 */
import { z } from "zod";

/** Severities, lowest first. The order is used by `--fail-on` and webhooks. */
export const SEVERITIES = ["info", "low", "medium", "high", "critical"] as const;
/** One of {@link SEVERITIES}. */
export type Severity = typeof SEVERITIES[number];
/** zod schema for a severity. */
export const SeveritySchema = z.enum(SEVERITIES);

/** The jobs that collect observations; every rule belongs to exactly one. */
export const JOBS = ["pypi", "releases", "repo", "access"] as const;
/** One of {@link JOBS}. */
export type JobName = typeof JOBS[number];
/** zod schema for a job name. */
export const JobNameSchema = z.enum(JOBS);

/**
 * Rank of a severity, for comparisons.
 *
 * @example
 * ```ts
 * severityRank("high") > severityRank("low"); // true
 * ```
 */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/** True when `severity` is at or above `threshold`. */
export function atLeast(severity: Severity, threshold: Severity): boolean {
  return severityRank(severity) >= severityRank(threshold);
}

/** Static description of a rule, shown in the catalog, SARIF and the status page. */
export interface RuleMeta {
  /** Stable id, `area/name`, e.g. `content/pth-file`. Never reused for another meaning. */
  readonly id: string;
  /** The job whose observation the rule judges. */
  readonly job: JobName;
  /** Default severity (a project's policy may override it). */
  readonly severity: Severity;
  /** One-line title. */
  readonly title: string;
  /** The hardening-plan control the rule enforces. */
  readonly control: string;
  /** What to do when the rule fires. */
  readonly remediation: string;
  /**
   * Sticky: once open, the finding is never resolved by reconcile because the condition went
   * away (a moved tag moved back proves nothing); only a maintainer's waiver closes it.
   */
  readonly sticky?: boolean;
}

/**
 * A short constructor of rule metadata for one job (and an id prefix).
 *
 * @example
 * ```ts
 * const meta = ruleMetaFor("repo", "posture/");
 * const RULE = meta("branch-deletion-allowed", "high", "Title", "Control", "Fix");
 * ```
 */
export function ruleMetaFor(job: JobName, prefix = "") {
  return (
    id: string,
    severity: Severity,
    title: string,
    control: string,
    remediation: string,
  ): RuleMeta => ({ id: `${prefix}${id}`, job, severity, title, control, remediation });
}

/** Evidence attached to a finding: what was observed against what was expected. */
export const EvidenceSchema = z.object({
  observed: z.unknown().optional(),
  expected: z.unknown().optional(),
  /** Link to the upstream resource (PyPI file, GitHub settings page, ...). */
  url: z.string().optional(),
}).catchall(z.unknown());
/** Evidence, see {@link EvidenceSchema}. */
export type Evidence = z.infer<typeof EvidenceSchema>;

/** A finding as produced by a rule, before reconcile gives it an identity. */
export const FindingSchema = z.object({
  /** Rule id. */
  rule: z.string().min(1).max(100),
  severity: SeveritySchema,
  /**
   * What the finding is about, stable across sweeps, e.g.
   * `litellm==1.82.8/litellm-1.82.8-py3-none-any.whl!litellm_init.pth`.
   */
  subject: z.string().min(1).max(2000),
  /**
   * The unit of observation the finding belongs to (`release:1.82.8`, `repo:rulesets`, ...).
   * Reconcile never resolves a finding whose scope was not observable in a sweep.
   */
  scope: z.string().min(1).max(500),
  /** One human sentence. Upstream text inside it is escaped by whoever renders it. */
  message: z.string().max(4000),
  evidence: EvidenceSchema.optional(),
});
/** See {@link FindingSchema}. */
export type Finding = z.infer<typeof FindingSchema>;

/** A scope that could not be observed, and why (an upstream failed, a token lacked a permission). */
export const UnobservableSchema = z.object({
  scope: z.string().min(1).max(500),
  reason: z.string().max(1000),
});
/** See {@link UnobservableSchema}. */
export type Unobservable = z.infer<typeof UnobservableSchema>;

/**
 * Build a finding from a rule's metadata.
 *
 * @example
 * ```ts
 * const f = finding(PTH_RULE, { subject: "x==1/x.whl!a.pth", scope: "file:ab12", message: "..." });
 * ```
 */
export function finding(
  meta: RuleMeta,
  fields: Omit<Finding, "rule" | "severity"> & { severity?: Severity },
): Finding {
  return { ...fields, rule: meta.id, severity: fields.severity ?? meta.severity };
}

/**
 * One rule as a value: its metadata and its pure judgement. Each rule module exports a
 * readonly array of these (e.g. `CONTENT_RULESET`); `rules/registry.ts` gathers every module's
 * array once, and the catalog, the docs and each job's rule list are derived from it.
 *
 * `I` is the rule module's own input type: the parsed observation it judges plus whatever
 * policy, project and clock it needs, all passed in (a rule reads no environment, clock,
 * network or KV). Several rules of a module may share pure helpers; each rule still returns
 * only findings carrying its own id.
 *
 * @example
 * ```ts
 * const pthFile = defineRule(PTH_FILE, (input: ArtifactInput) => findingsFor(input));
 * pthFile.evaluate(input); // Finding[] whose rule is always "content/pth-file"
 * ```
 */
export interface Rule<I> {
  readonly meta: RuleMeta;
  readonly evaluate: (input: I) => Finding[];
}

/**
 * Build a {@link Rule}. The returned `evaluate` keeps only findings with this rule's id, so a
 * shared helper that emits several ids cannot leak another rule's findings.
 *
 * @example
 * ```ts
 * const rule = defineRule(NO_2FA, (input: AccessInput) => twoFactorFindings(input));
 * ```
 */
export function defineRule<I>(meta: RuleMeta, evaluate: (input: I) => Finding[]): Rule<I> {
  return {
    meta,
    evaluate: (input: I) => evaluate(input).filter((f) => f.rule === meta.id),
  };
}

/**
 * Run every rule of a rule set over one input.
 *
 * @example
 * ```ts
 * const findings = runRules(CONTENT_RULESET, input);
 * ```
 */
export function runRules<I>(rules: readonly Rule<I>[], input: I): Finding[] {
  return rules.flatMap((rule) => rule.evaluate(input));
}
