/**
 * Who had access on a date: a pure replay of the ledger's `access.changed` events (who could
 * push to the default branch, who could publish to PyPI, pending invitations, the org's 2FA
 * requirement). Read by `main.ts access --at` and the status page's access view; the access
 * job (`jobs/access.ts`) writes the events.
 *
 * @example
 * ```ts
 * const snap = accessAt(entries.filter((e) => e.kind === "access.changed"), new Date("2026-03-01"));
 * snap.push.map((p) => p.who);
 * ```
 * @module
 */
import { AccessChangedBodySchema, type Area, AREAS, PUSH_LEVELS } from "../observations/access.ts";

/** Who could push or publish on a date, replayed from `access.changed` events. */
export interface AccessSnapshot {
  /** The date asked about (RFC 3339). */
  at: string;
  /** Time of the last event applied, if any. */
  asOf?: string;
  /** Number of `access.changed` events applied. */
  events: number;
  /**
   * True when some history was truncated, or when collaborators or PyPI roles were never
   * stated in full before `at` (the answer would be partial).
   */
  incomplete: boolean;
  /** Areas whose full state is known at `at`. */
  known: Area[];
  /** Could push to the default branch (subject to branch protection). */
  push: { who: string; via: "collaborator" | "team" | "deploy-key" | "org-owner"; role: string }[];
  /** Could publish to PyPI: users with a role, and the owning PyPI organization. */
  publish: { who: string; role: string }[];
  /** Pending invitations. */
  invitations: { who: string; role: string }[];
  /** The organization's 2FA requirement, if known. */
  org2fa?: { org: string; required: boolean };
}

/** An event as read from the ledger (`kind` optional: bodies that do not parse are skipped). */
export interface TimedEvent {
  time: string;
  kind?: string;
  body: unknown;
}

/**
 * Pure: replay `access.changed` bodies up to and including `date` and say who could push to the
 * default branch or publish on that date. Pass one project's events, or give `project`.
 *
 * @example
 * ```ts
 * const snap = accessAt(entries.filter((e) => e.kind === "access.changed"), new Date("2026-03-01"));
 * console.log(snap.push.map((p) => p.who), snap.publish);
 * ```
 */
export function accessAt(events: TimedEvent[], date: Date, project?: string): AccessSnapshot {
  const cutoff = date.getTime();
  const state = new Map<Area, Map<string, string>>(AREAS.map((a) => [a, new Map()]));
  const known = new Set<Area>();
  let applied = 0;
  let truncated = false;
  let asOf: string | undefined;
  const ordered = events
    .map((e, i) => ({ e, i, t: Date.parse(e.time) }))
    .filter(({ e, t }) =>
      !Number.isNaN(t) && t <= cutoff && (e.kind ?? "access.changed") === "access.changed"
    )
    .sort((a, b) => a.t - b.t || a.i - b.i);
  for (const { e } of ordered) {
    const parsed = AccessChangedBodySchema.safeParse(e.body);
    if (!parsed.success) continue;
    const body = parsed.data;
    if (project !== undefined && body.project !== project) continue;
    for (const area of body.full ?? []) {
      state.get(area)!.clear();
      known.add(area);
    }
    for (const ch of body.changes) {
      const m = state.get(ch.area)!;
      if (ch.kind === "removed") m.delete(ch.who);
      else m.set(ch.who, ch.to ?? "");
    }
    if (body.truncated) truncated = true;
    applied++;
    asOf = e.time;
  }
  return snapshotOf(state, { at: date.toISOString(), asOf, applied, truncated, known });
}

function snapshotOf(
  state: Map<Area, Map<string, string>>,
  meta: { at: string; asOf?: string; applied: number; truncated: boolean; known: Set<Area> },
): AccessSnapshot {
  const push: AccessSnapshot["push"] = [];
  const pushes = (role: string) => (PUSH_LEVELS as readonly string[]).includes(role);
  for (const [who, role] of state.get("collaborator")!) {
    if (pushes(role)) push.push({ who, via: "collaborator", role });
  }
  for (const [who, role] of state.get("team")!) {
    if (pushes(role)) push.push({ who, via: "team", role });
  }
  for (const [who, role] of state.get("deploy-key")!) {
    if (role === "write") push.push({ who, via: "deploy-key", role });
  }
  for (const [who] of state.get("org-owner")!) push.push({ who, via: "org-owner", role: "owner" });
  const publish = [...state.get("pypi-role")!].map(([who, role]) => ({ who, role }));
  const invitations = [...state.get("invitation")!].map(([who, role]) => ({ who, role }));
  const org = [...state.get("org-2fa")!][0];
  const byWho = (a: { who: string }, b: { who: string }) => a.who.localeCompare(b.who);
  return {
    at: meta.at,
    ...(meta.asOf ? { asOf: meta.asOf } : {}),
    events: meta.applied,
    incomplete: meta.truncated || !meta.known.has("collaborator") || !meta.known.has("pypi-role"),
    known: AREAS.filter((a) => meta.known.has(a)),
    push: push.sort(byWho),
    publish: publish.sort(byWho),
    invitations: invitations.sort(byWho),
    ...(org ? { org2fa: { org: org[0], required: org[1] === "required" } } : {}),
  };
}
