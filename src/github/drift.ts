/**
 * Posture drift: a canonical digest of a repository's posture (RFC 8785 JSON via
 * `canonicalize`, SHA-256) and the `posture.changed` ledger events that describe what changed
 * between two sweeps, as a compact, bounded list of `{ path, before, after }`.
 *
 * Sections that were not observable in either sweep are left out of the comparison: a
 * permission that disappeared is not a posture change (it shows as unobservable instead).
 *
 * @example
 * ```ts
 * const events = postureChanges(previousObservation, observation);
 * // [{ kind: "posture.changed", body: { project, changes: [{ path, before, after }], digest } }]
 * ```
 * @module
 */
import canonicalize from "canonicalize";
import { createHash } from "node:crypto";
import type { Observation } from "../observations/job.ts";
import type { LedgerEventInput } from "../ledger/types.ts";
import type { RepoPosture } from "../observations/repo.ts";
import { ledgerEvent } from "../events.ts";

/** Bounds of one `posture.changed` body. */
export const DRIFT_LIMITS = { changes: 100, valueChars: 200, bodyBytes: 32 * 1024 } as const;

/**
 * The posture without file contents (blob SHAs stand for them), as compared and digested.
 *
 * @example
 * ```ts
 * postureSnapshot(obs.data).workflows; // [{ path, sha, size }]
 * ```
 */
export function postureSnapshot(data: RepoPosture): Record<string, unknown> {
  const snap: Record<string, unknown> = { ...data };
  if (data.codeowners) snap.codeowners = { path: data.codeowners.path, sha: data.codeowners.sha };
  if (data.workflows) {
    snap.workflows = data.workflows.map((w) => ({ path: w.path, sha: w.sha, size: w.size }));
  }
  for (const [k, v] of Object.entries(snap)) if (v === undefined) delete snap[k];
  return JSON.parse(JSON.stringify(snap));
}

/**
 * Lowercase hex SHA-256 of the canonical JSON of the posture snapshot.
 *
 * @example
 * ```ts
 * postureDigest(obs.data); // "3f2a..."
 * ```
 */
export function postureDigest(data: RepoPosture): string {
  const text = canonicalize(postureSnapshot(data)) ?? "null";
  return createHash("sha256").update(text).digest("hex");
}

function keyOf(item: unknown, index: number): string {
  if (item && typeof item === "object" && !Array.isArray(item)) {
    const o = item as Record<string, unknown>;
    for (const k of ["id", "path", "name", "type", "actor_type"]) {
      const v = o[k];
      if (typeof v === "string" || typeof v === "number") {
        const extra = k === "actor_type" && o.actor_id !== undefined ? `:${o.actor_id}` : "";
        return `[${k}=${v}${extra}]`;
      }
    }
  }
  return `[${index}]`;
}

/** Flatten to `path -> canonical JSON of the leaf`; arrays of objects are keyed by id/name. */
function flatten(value: unknown, path: string, out: Map<string, string>, depth = 0): void {
  if (depth > 12 || value === null || typeof value !== "object") {
    out.set(path, canonicalize(value) ?? "null");
    return;
  }
  if (Array.isArray(value)) {
    // An empty list has no leaves: items appearing or going show as their own fields.
    if (value.length === 0) return;
    if (value.every((v) => v === null || typeof v !== "object")) {
      out.set(path, canonicalize(value) ?? "[]");
      return;
    }
    const seen = new Map<string, number>();
    value.forEach((item, i) => {
      let k = keyOf(item, i);
      const n = seen.get(k) ?? 0;
      seen.set(k, n + 1);
      if (n > 0) k = `${k}#${n}`;
      flatten(item, `${path}${k}`, out, depth + 1);
    });
    return;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) out.set(path, "{}");
  for (const [k, v] of entries) flatten(v, path ? `${path}.${k}` : k, out, depth + 1);
}

/** A JSON value fit for a ledger body: integers only, long values truncated. */
function compact(json: string | undefined): unknown {
  if (json === undefined) return null;
  const v = JSON.parse(json);
  if (typeof v === "number") return Number.isInteger(v) ? v : String(v);
  if (typeof v === "string") {
    return v.length > DRIFT_LIMITS.valueChars ? `${v.slice(0, DRIFT_LIMITS.valueChars)}…` : v;
  }
  if (typeof v === "boolean" || v === null) return v;
  // Ledger bodies hold integers only: a list with other numbers is kept as its JSON text.
  const plain = Array.isArray(v) &&
    v.every((x) => typeof x !== "number" || Number.isInteger(x));
  if (!plain || json.length > DRIFT_LIMITS.valueChars) {
    return json.length > DRIFT_LIMITS.valueChars
      ? `${json.slice(0, DRIFT_LIMITS.valueChars)}…`
      : json;
  }
  return v;
}

/** One changed field. */
export interface PostureChange {
  path: string;
  before: unknown;
  after: unknown;
}

/**
 * The changed fields between two postures, over the sections observed in both.
 *
 * @example
 * ```ts
 * diffPosture(a, b); // [{ path: "workflowPermissions.default_workflow_permissions", before: "read", after: "write" }]
 * ```
 */
export function diffPosture(before: RepoPosture, after: RepoPosture): PostureChange[] {
  const a = postureSnapshot(before);
  const b = postureSnapshot(after);
  const sections = Object.keys(a).filter((k) => k in b);
  const fa = new Map<string, string>();
  const fb = new Map<string, string>();
  for (const s of sections) {
    flatten(a[s], s, fa);
    flatten(b[s], s, fb);
  }
  const paths = [...new Set([...fa.keys(), ...fb.keys()])].sort();
  const out: PostureChange[] = [];
  for (const p of paths) {
    if (fa.get(p) === fb.get(p)) continue;
    out.push({ path: p.slice(0, 500), before: compact(fa.get(p)), after: compact(fb.get(p)) });
  }
  return out;
}

/**
 * `posture.changed` events between two observations (none on the first sweep, none when
 * nothing observed in both sweeps changed).
 *
 * @example
 * ```ts
 * const events = postureChanges(prev, next);
 * ```
 */
export function postureChanges(
  previous: Observation<RepoPosture> | undefined,
  next: Observation<RepoPosture>,
): LedgerEventInput[] {
  if (!previous || !previous.data.repository || !next.data.repository) return [];
  const digest = postureDigest(next.data);
  if (digest === postureDigest(previous.data)) return [];
  const all = diffPosture(previous.data, next.data);
  if (all.length === 0) return [];
  let changes = all.slice(0, DRIFT_LIMITS.changes);
  const body = () => ({
    project: next.project,
    repository: next.data.repository,
    changes,
    omitted: all.length - changes.length,
    digest,
    previous_digest: postureDigest(previous.data),
  });
  while (changes.length > 1 && JSON.stringify(body()).length > DRIFT_LIMITS.bodyBytes) {
    changes = changes.slice(0, Math.floor(changes.length / 2));
  }
  return [ledgerEvent("posture.changed", body())];
}
