/**
 * Ledger event kinds and their bodies, as one zod-discriminated union ({@link LedgerEventSchema}).
 * Producers (reconcile, the jobs' `changes`, the sweep runner) build every event with
 * {@link ledgerEvent}, which checks the body against its kind's schema, and `record` in
 * `src/audit.ts` validates each event again at append ({@link validateEvents}), so a body that
 * does not match its kind never reaches the ledger. Readers (state projection, web app, feeds,
 * webhooks) parse bodies back with the same schemas. `ledger.repaired` is written by the file
 * store itself (`src/ledger/file_store.ts`) and only read through here.
 *
 * @example
 * ```ts
 * const event = ledgerEvent("coverage.changed", {
 *   project: "requests", job: "repo", scope: "repo:rulesets", observable: true, reason: "readable",
 * });
 * ```
 * @module
 */
import { z } from "zod";
import { EvidenceSchema, JobNameSchema, SeveritySchema } from "../rules/types.ts";
import { AccessChangedBodySchema } from "./observations/access.ts";
import { TagObservedSchema } from "./observations/tags.ts";
import type { LedgerEventInput } from "./ledger/types.ts";

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

/** What every `sweep.*` body names: the job and the sweep's id. */
export const SweepRefSchema = z.object({ job: z.string(), sweep: z.string() });

/** `sweep.started`: a run of a job began (written before any of its projects). */
export const SweepStartedSchema = SweepRefSchema.extend({
  job: JobNameSchema,
  startedAt: z.string(),
  /** Projects this run plans to cover (from the cursor to the end of the list). */
  planned: z.number().int(),
  projectsTotal: z.number().int(),
  /** Index of the first project (the cursor of a resumed run). */
  from: z.number().int(),
  /** Fencing token of the lease the run holds. */
  token: z.number().int().optional(),
});

/** `sweep.abandoned`: a started sweep found without an end by a later run of its job. */
export const SweepAbandonedSchema = SweepRefSchema.extend({
  job: JobNameSchema,
  startedAt: z.string(),
  planned: z.number().int(),
  /** Ledger index of its `sweep.started`. */
  startedIndex: z.number().int(),
  /** The sweep that noticed it. */
  detectedBy: z.string(),
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
  /** The projects covered, `from <= i < to` (absent in records older than cursors). */
  from: z.number().int().optional(),
  to: z.number().int().optional(),
  budgetExhausted: z.boolean().optional(),
  /** Why the run failed, one line (incomplete runs only). */
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

/** `posture.changed`: what changed in a repository's posture since the previous sweep. */
export const PostureChangedSchema = z.object({
  project: z.string(),
  repository: z.string(),
  changes: z.array(z.object({
    path: z.string(),
    before: z.unknown().optional(),
    after: z.unknown().optional(),
  })),
  /** Changes left out to bound the body. */
  omitted: z.number().int().min(0),
  digest: z.string(),
  previous_digest: z.string(),
});

/** `access.changed`: who holds which role, as changes (see `src/observations/access.ts`). */
export const AccessChangedSchema = AccessChangedBodySchema;

/** `ledger.repaired`: the file store cut a torn last line on open (written by the store). */
export const LedgerRepairedSchema = z.object({
  reason: z.string(),
  removed_bytes: z.number().int(),
  removed_sha256: z.string(),
  moved_to: z.string(),
  removed_entries: z.number().int().optional(),
});

/** The body schema of every event kind. */
export const EVENT_BODIES = {
  "finding.opened": FindingOpenedSchema,
  "finding.resolved": FindingResolvedSchema,
  "finding.waived": FindingWaivedSchema,
  "coverage.changed": CoverageChangedSchema,
  "sweep.started": SweepStartedSchema,
  "sweep.abandoned": SweepAbandonedSchema,
  "sweep.completed": SweepSchema,
  "sweep.incomplete": SweepSchema,
  "release.observed": ReleaseObservedSchema,
  /** A release tag's commit seen for the first time (pinned; `src/observations/tags.ts`). */
  "tag.observed": TagObservedSchema,
  "posture.changed": PostureChangedSchema,
  "access.changed": AccessChangedSchema,
  "ledger.repaired": LedgerRepairedSchema,
} as const;

/** A ledger event kind. */
export type EventKind = keyof typeof EVENT_BODIES;
/** The body of an event of kind `K`, as a producer writes it. */
export type EventBody<K extends EventKind> = z.input<typeof EVENT_BODIES[K]>;

const variant = <K extends EventKind>(kind: K) =>
  z.object({ kind: z.literal(kind), body: EVENT_BODIES[kind] });

/** Every ledger event: `{ kind, body }`, discriminated by `kind`. */
export const LedgerEventSchema = z.discriminatedUnion("kind", [
  variant("finding.opened"),
  variant("finding.resolved"),
  variant("finding.waived"),
  variant("coverage.changed"),
  variant("sweep.started"),
  variant("sweep.abandoned"),
  variant("sweep.completed"),
  variant("sweep.incomplete"),
  variant("release.observed"),
  variant("tag.observed"),
  variant("posture.changed"),
  variant("access.changed"),
  variant("ledger.repaired"),
]);
/** See {@link LedgerEventSchema}. */
export type LedgerEvent = z.infer<typeof LedgerEventSchema>;

/** An event whose body does not match its kind (a producer bug): never appended. */
export class EventBodyError extends Error {
  override name = "EventBodyError";
}

function problem(kind: string, error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue?.path.join(".") || "(body)";
  return `ledger event ${kind.slice(0, 60)}: ${where.slice(0, 100)}: ${
    issue?.message ?? "invalid"
  }`;
}

/**
 * Build a ledger event, checking its body against its kind's schema. The body is kept as
 * given (the schema checks, it does not rewrite).
 *
 * @example
 * ```ts
 * ledgerEvent("finding.resolved", {
 *   project: "x", job: "pypi", id: "ab12", rule: "release/yanked", subject: "x==1", reason: "gone",
 * });
 * ```
 */
export function ledgerEvent<K extends EventKind>(kind: K, body: EventBody<K>): LedgerEventInput {
  const parsed = EVENT_BODIES[kind].safeParse(body);
  if (!parsed.success) throw new EventBodyError(problem(kind, parsed.error));
  return { kind, body: body as Record<string, unknown> };
}

/**
 * Check events before they are appended: every kind is known and every body matches it.
 * Throws {@link EventBodyError} (one line) for the first that does not.
 *
 * @example
 * ```ts
 * validateEvents(events); // then ledger.append(events)
 * ```
 */
export function validateEvents(events: readonly LedgerEventInput[]): void {
  for (const event of events) {
    const parsed = LedgerEventSchema.safeParse(event);
    if (!parsed.success) throw new EventBodyError(problem(event.kind, parsed.error));
  }
}

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
