/**
 * Tag pinning for the releases job: release tags seen for the first time become
 * `tag.observed` ledger events (their commit pinned, like file digests in `release.observed`);
 * the pins are loaded back for the next sweep, where `rules/tags.ts` compares them.
 *
 * @example
 * ```ts
 * const events = tagChanges(observation); // [{ kind: "tag.observed", body: { tag, commit, … } }]
 * ```
 * @module
 */
import type { Observation } from "../src/observations/job.ts";
import type { ReleasesData } from "../src/observations/releases.ts";
import type { LedgerEventInput } from "../src/ledger/types.ts";
import { ledgerEvent } from "../src/events.ts";
import { CommitShaSchema, type TagObserved } from "../src/observations/tags.ts";

/**
 * `tag.observed` for every tag of the observation whose commit was read and that has no pin.
 *
 * @example
 * ```ts
 * tagChanges({ ...observation, data: { ...data, tagPins: {} } }).length; // one per tag
 * ```
 */
export function tagChanges(next: Observation<ReleasesData>): LedgerEventInput[] {
  const events: LedgerEventInput[] = [];
  const pins = next.data.tagPins ?? {};
  for (const v of Object.values(next.data.versions)) {
    const sha = v.tagCommit?.sha?.toLowerCase();
    if (!sha || pins[v.tag] || !CommitShaSchema.safeParse(sha).success) continue;
    const body: TagObserved = {
      project: next.project,
      version: v.version,
      tag: v.tag,
      commit: sha,
    };
    events.push(ledgerEvent("tag.observed", body));
  }
  return events;
}
