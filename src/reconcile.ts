/**
 * Reconcile: compare what the rules found in one observation with what was open before, and
 * say what changed as ledger events. Pure: no KV, no clock, no network.
 *
 * - a new finding → `finding.opened` (or `finding.waived` when a live waiver covers it);
 * - an open finding no longer found on an observed scope → `finding.resolved`;
 * - an open finding on a scope that was not observable → untouched (never resolved);
 * - a finding of a sticky rule (`RuleMeta.sticky`, e.g. `parity/tag-moved`) that is no longer
 *   found → untouched until a waiver covers it, then resolved (a human accepted it); while it
 *   is still found, a waiver waives it as any other;
 * - a waiver that appears or expires → `finding.waived` / `finding.opened`;
 * - a scope that becomes (not) observable → `coverage.changed`.
 *
 * @module
 */
import type { Finding, JobName, Unobservable } from "../rules/types.ts";
import type { LedgerEventInput } from "./ledger/types.ts";
import type { CoverageGap, OpenFinding } from "./state/findings.ts";
import type { Project } from "./config.ts";
import { STICKY_RULES } from "../rules/catalog.ts";
import { ledgerEvent } from "./events.ts";

/** Input of {@link reconcile} for one (project, job). */
export interface ReconcileInput {
  project: Project;
  job: JobName;
  /** Findings of this sweep, after per-project rule overrides. */
  findings: Finding[];
  /** Scopes not observable in this sweep. */
  unobservable: Unobservable[];
  /** Findings open or waived before, for this project and job. */
  open: OpenFinding[];
  /** Coverage gaps before, for this project and job. */
  gaps: CoverageGap[];
  now: Date;
}

/**
 * Stable identity of a finding: 16 hex chars of SHA-256(project, rule, subject).
 *
 * @example
 * ```ts
 * await findingId("litellm", "content/pth-file", "litellm-1.82.8-py3-none-any.whl!litellm_init.pth");
 * ```
 */
export async function findingId(project: string, rule: string, subject: string): Promise<string> {
  const bytes = new TextEncoder().encode(`${project}\n${rule}\n${subject}`);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** True when `scope` lies inside a scope that could not be observed. */
export function isUnobservable(scope: string, unobservable: Unobservable[]): boolean {
  return unobservable.some((u) =>
    u.scope === "*" || u.scope === scope || scope.startsWith(`${u.scope}:`) ||
    scope.startsWith(`${u.scope}/`)
  );
}

/** The live waiver of a project covering a finding, if any. */
export function activeWaiver(
  project: Project,
  rule: string,
  subject: string,
  now: Date,
): { reason: string; expires: string } | undefined {
  const waiver = project.waiver.find((w) =>
    w.rule === rule && (w.subject === undefined || w.subject === subject) &&
    w.expires.getTime() > now.getTime()
  );
  return waiver && { reason: waiver.reason, expires: waiver.expires.toISOString() };
}

/**
 * Compute the events that move the state from `open`/`gaps` to this observation.
 *
 * @example
 * ```ts
 * const events = await reconcile({ project, job: "pypi", findings, unobservable: [], open: [], gaps: [], now });
 * ```
 */
export async function reconcile(input: ReconcileInput): Promise<LedgerEventInput[]> {
  const { project, job, now } = input;
  const events: LedgerEventInput[] = [];
  events.push(...coverageEvents(input));

  const current = new Map<string, Finding>();
  for (const f of input.findings) {
    const id = await findingId(project.name, f.rule, f.subject);
    if (!current.has(id)) current.set(id, f);
  }
  const before = new Map(input.open.map((o) => [o.id, o]));

  for (const [id, f] of current) {
    const waiver = activeWaiver(project, f.rule, f.subject, now);
    const prior = before.get(id);
    const body = {
      project: project.name,
      job,
      id,
      rule: f.rule,
      severity: f.severity,
      subject: f.subject,
      scope: f.scope,
      message: f.message,
      ...(f.evidence ? { evidence: f.evidence } : {}),
    };
    if (waiver && prior?.status !== "waived") {
      events.push(ledgerEvent("finding.waived", { ...body, waiver }));
    } else if (!waiver && prior?.status !== "open") {
      events.push(ledgerEvent("finding.opened", body));
    }
  }

  for (const [id, o] of before) {
    if (current.has(id)) continue;
    if (isUnobservable(o.scope, input.unobservable)) continue;
    if (STICKY_RULES.has(o.rule)) {
      const sticky = stickyEvent(o, activeWaiver(project, o.rule, o.subject, now));
      if (sticky) events.push(sticky);
      continue;
    }
    events.push(ledgerEvent("finding.resolved", {
      project: project.name,
      job,
      id,
      rule: o.rule,
      subject: o.subject,
      reason: "no longer observed",
    }));
  }
  return events;
}

/**
 * What becomes of a sticky finding that is no longer found: nothing while no waiver covers it
 * (a waived one whose waiver expired is re-opened); resolved once a maintainer's waiver covers
 * it (the waiver is the human decision the rule waits for).
 */
function stickyEvent(
  o: OpenFinding,
  waiver: { reason: string; expires: string } | undefined,
): LedgerEventInput | undefined {
  const body = {
    project: o.project,
    job: o.job,
    id: o.id,
    rule: o.rule,
    severity: o.severity,
    subject: o.subject,
    scope: o.scope,
    message: o.message,
    ...(o.evidence ? { evidence: o.evidence } : {}),
  };
  if (!waiver) return o.status === "waived" ? ledgerEvent("finding.opened", body) : undefined;
  return ledgerEvent("finding.resolved", {
    project: o.project,
    job: o.job,
    id: o.id,
    rule: o.rule,
    subject: o.subject,
    reason: "waived by a maintainer and no longer observed",
  });
}

function coverageEvents(input: ReconcileInput): LedgerEventInput[] {
  const events: LedgerEventInput[] = [];
  const now = new Map(input.unobservable.map((u) => [u.scope, u.reason]));
  const before = new Map(input.gaps.map((g) => [g.scope, g.reason]));
  for (const [scope, reason] of now) {
    if (before.get(scope) === reason) continue;
    events.push(ledgerEvent("coverage.changed", {
      project: input.project.name,
      job: input.job,
      scope,
      observable: false,
      reason,
    }));
  }
  for (const scope of before.keys()) {
    if (now.has(scope)) continue;
    events.push(ledgerEvent("coverage.changed", {
      project: input.project.name,
      job: input.job,
      scope,
      observable: true,
      reason: "observed again",
    }));
  }
  return events;
}
