/**
 * Ledger event kinds and their bodies. Every producer builds bodies through these schemas,
 * and every reader (state projection, web app, feeds) parses them back with them.
 *
 * @module
 */
import { z } from "zod";
import { EvidenceSchema, JobNameSchema, SeveritySchema } from "../rules/types.ts";

/** `finding.opened`: a rule started firing (or a waiver expired). */
export const FindingOpenedSchema = z.object({
  project: z.string(),
  job: JobNameSchema,
  id: z.string(),
  rule: z.string(),
  severity: SeveritySchema,
  subject: z.string(),
  scope: z.string(),
  message: z.string(),
  evidence: EvidenceSchema.optional(),
});

/** `finding.resolved`: a rule stopped firing on an observed scope. */
export const FindingResolvedSchema = z.object({
  project: z.string(),
  job: JobNameSchema,
  id: z.string(),
  rule: z.string(),
  subject: z.string(),
  reason: z.string(),
});

/** `finding.waived`: a firing rule is covered by a configured waiver. */
export const FindingWaivedSchema = FindingOpenedSchema.extend({
  waiver: z.object({ reason: z.string(), expires: z.string() }),
});

/** `coverage.changed`: a scope became (not) observable. */
export const CoverageChangedSchema = z.object({
  project: z.string(),
  job: JobNameSchema,
  scope: z.string(),
  observable: z.boolean(),
  reason: z.string(),
});

/** `sweep.completed` / `sweep.incomplete`: the record of one run of a job. */
export const SweepSchema = z.object({
  job: JobNameSchema,
  sweep: z.string(),
  startedAt: z.string(),
  durationMs: z.number().int(),
  projects: z.number().int(),
  projectsTotal: z.number().int(),
  requests: z.number().int(),
  notModified: z.number().int(),
  errors: z.number().int(),
  opened: z.number().int(),
  resolved: z.number().int(),
  unobservable: z.number().int(),
  /** Projects not observable at all (absent in records older than this field). */
  whole: z.number().int().optional(),
  /** Secrets replaced with `[redacted]` during the sweep. */
  redacted: z.number().int().optional(),
  error: z.string().optional(),
});

/** `release.observed`: a release's files seen for the first time (digests pinned). */
export const ReleaseObservedSchema = z.object({
  project: z.string(),
  version: z.string(),
  /** The release had been observed before: these files were added to it later. */
  late: z.boolean().default(false),
  files: z.array(z.object({
    filename: z.string(),
    sha256: z.string(),
    size: z.number().int(),
    uploadTime: z.string().optional(),
  })),
});

/**
 * Make a value fit the ledger's JSON profile: `undefined` members are dropped, numbers that
 * are not safe integers become decimal strings, and nesting and string sizes are bounded.
 * Producers pass event bodies through this, so an odd upstream value never makes an append fail.
 *
 * @example
 * ```ts
 * toLedgerValue({ ratio: 12.5, missing: undefined }); // { ratio: "12.5" }
 * ```
 */
export function toLedgerValue(value: unknown, depth = 0): unknown {
  if (value === null || typeof value === "boolean") return value;
  if (typeof value === "string") return value.length > 8192 ? `${value.slice(0, 8192)}…` : value;
  if (typeof value === "number") return Number.isSafeInteger(value) ? value : String(value);
  if (typeof value === "bigint") return value.toString();
  if (depth > 16) return "[nested too deep]";
  if (Array.isArray(value)) {
    return value.slice(0, 1000).map((v) => v === undefined ? null : toLedgerValue(v, depth + 1));
  }
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined || typeof v === "function" || typeof v === "symbol") continue;
      out[k] = toLedgerValue(v, depth + 1);
    }
    return out;
  }
  return String(value);
}
