/**
 * The state of findings and coverage, kept in Deno KV as a projection of the ledger.
 *
 * The ledger is the source of truth. KV holds, for fast reads, what the ledger says is
 * open, waived or not observable now, and the ledger index up to which it has been applied
 * (`["meta", "applied"]`). After a crash between a ledger append and the KV write, the next
 * run replays the missing entries ({@link catchUp}), so no event is lost or doubled.
 *
 * KV layout (read by the web app):
 * - `["finding", project, id]` → {@link OpenFinding}
 * - `["coverage", project, job, scope]` → {@link CoverageGap}
 * - `["sweep", job]` → last sweep record (body of `sweep.completed` / `sweep.incomplete` + index)
 * - `["sweep-ok", job]` → last successful sweep record
 * - `["pin", project, filename]` → the digest pinned when the file was first seen
 * - `["tag-pin", project, tag]` → the commit pinned when the tag was first seen (`src/state/tags.ts`)
 * - `["meta", "applied"]` → number of ledger entries applied
 *
 * @module
 */
import { z } from "zod";
import type { LedgerStore, StoredEntry } from "../ledger/types.ts";
import {
  CoverageChangedSchema,
  FindingOpenedSchema,
  FindingResolvedSchema,
  FindingWaivedSchema,
  ReleaseObservedSchema,
  SweepSchema,
} from "../events.ts";
import type { JobName } from "../../rules/types.ts";
import { applyTagObserved } from "./tags.ts";
import { emailBaselineFrom } from "./people.ts";

/** A finding that is currently open or waived. */
export const OpenFindingSchema = FindingOpenedSchema.extend({
  status: z.enum(["open", "waived"]),
  /** Ledger index of the event that opened (or waived) it. */
  since: z.number().int(),
  /** RFC 3339 time of that event. */
  sinceTime: z.string(),
  waiver: z.object({ reason: z.string(), expires: z.string() }).optional(),
});
/** See {@link OpenFindingSchema}. */
export type OpenFinding = z.infer<typeof OpenFindingSchema>;

/** A scope that is not observable right now. */
export interface CoverageGap {
  project: string;
  job: JobName;
  scope: string;
  reason: string;
  since: number;
  sinceTime: string;
}

/** A sweep record as kept in KV. */
export type SweepRecord = z.infer<typeof SweepSchema> & {
  status: "completed" | "incomplete";
  index: number;
  time: string;
};

/**
 * Apply one ledger entry to the KV projection, as one atomic commit that also advances
 * `["meta", "applied"]`. Entries of kinds the projection ignores only advance the counter.
 */
export async function applyEntry(kv: Deno.Kv, stored: StoredEntry): Promise<void> {
  const { entry } = stored;
  const op = kv.atomic().set(["meta", "applied"], entry.index + 1);
  const baseline = await emailBaselineFrom(kv, entry);
  if (baseline) op.set(baseline.key, baseline.value);
  switch (entry.kind) {
    case "finding.opened":
    case "finding.waived": {
      const waived = entry.kind === "finding.waived";
      const body = (waived ? FindingWaivedSchema : FindingOpenedSchema).parse(entry.body);
      const open: OpenFinding = {
        ...body,
        status: waived ? "waived" : "open",
        since: entry.index,
        sinceTime: entry.time,
      };
      op.set(["finding", body.project, body.id], open);
      break;
    }
    case "finding.resolved": {
      const body = FindingResolvedSchema.parse(entry.body);
      op.delete(["finding", body.project, body.id]);
      break;
    }
    case "coverage.changed": {
      const body = CoverageChangedSchema.parse(entry.body);
      const key = ["coverage", body.project, body.job, body.scope];
      if (body.observable) op.delete(key);
      else {
        const gap: CoverageGap = {
          project: body.project,
          job: body.job,
          scope: body.scope,
          reason: body.reason,
          since: entry.index,
          sinceTime: entry.time,
        };
        op.set(key, gap);
      }
      break;
    }
    case "release.observed": {
      const body = ReleaseObservedSchema.parse(entry.body);
      for (const f of body.files) {
        op.set(["pin", body.project, f.filename], {
          version: body.version,
          filename: f.filename,
          sha256: f.sha256,
          index: entry.index,
          late: body.late,
        });
      }
      break;
    }
    case "tag.observed":
      applyTagObserved(op, entry);
      break;
    case "sweep.completed":
    case "sweep.incomplete": {
      const body = SweepSchema.parse(entry.body);
      const record: SweepRecord = {
        ...body,
        status: entry.kind === "sweep.completed" ? "completed" : "incomplete",
        index: entry.index,
        time: entry.time,
      };
      op.set(["sweep", body.job], record);
      // For staleness a sweep that ran through every project counts, even with narrower gaps.
      if (record.status === "completed" || (body.whole === 0 && body.error === undefined)) {
        op.set(["sweep-ok", body.job], record);
      }
      break;
    }
  }
  const result = await op.commit();
  if (!result.ok) throw new Error(`state: could not apply ledger entry ${entry.index}`);
}

/** Number of ledger entries already applied to KV. */
export async function appliedCount(kv: Deno.Kv): Promise<number> {
  return (await kv.get<number>(["meta", "applied"])).value ?? 0;
}

/**
 * Bring the KV projection up to the ledger's head by replaying the entries it has not seen.
 * Returns the number of entries applied.
 *
 * @example
 * ```ts
 * await catchUp(kv, ledger); // after a crash between append and KV write
 * ```
 */
export async function catchUp(kv: Deno.Kv, ledger: LedgerStore): Promise<number> {
  const from = await appliedCount(kv);
  const to = await ledger.size();
  if (from > to) {
    throw new Error(
      `state: KV has applied ${from} entries but the ledger holds ${to}: the ledger was truncated or replaced`,
    );
  }
  let n = 0;
  if (from === to) return 0;
  for await (const stored of ledger.entries(from, to)) {
    await applyEntry(kv, stored);
    n++;
  }
  return n;
}

/** Open and waived findings of one project (or of all projects). */
export async function listFindings(kv: Deno.Kv, project?: string): Promise<OpenFinding[]> {
  const prefix = project === undefined ? ["finding"] : ["finding", project];
  const out: OpenFinding[] = [];
  for await (const item of kv.list<OpenFinding>({ prefix })) out.push(item.value);
  return out;
}

/** Scopes currently not observable, for one project (or all). */
export async function listCoverageGaps(kv: Deno.Kv, project?: string): Promise<CoverageGap[]> {
  const prefix = project === undefined ? ["coverage"] : ["coverage", project];
  const out: CoverageGap[] = [];
  for await (const item of kv.list<CoverageGap>({ prefix })) out.push(item.value);
  return out;
}

/** Last sweep record of each job that has run. */
export async function listSweeps(
  kv: Deno.Kv,
  which: "sweep" | "sweep-ok" = "sweep",
): Promise<SweepRecord[]> {
  const out: SweepRecord[] = [];
  for await (const item of kv.list<SweepRecord>({ prefix: [which] })) out.push(item.value);
  return out;
}
