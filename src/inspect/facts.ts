/**
 * From an inspection to its cacheable {@link ArtifactFacts}: the digests, first bytes and
 * declared sizes that only collection needs are dropped, every judged fact is kept.
 *
 * @example
 * ```ts
 * const facts = factsOf(await inspectArtifact(path, filename, limits));
 * ```
 * @module
 */
import {
  ARTIFACT_FACTS_VERSION,
  type ArtifactFacts,
  type EntryFacts,
} from "../observations/artifact.ts";
import type { ArchiveInspection, Members } from "./types.ts";

/** Most characters of a text member kept in facts (the cache holds at most ~700 KiB a file). */
export const MAX_FACT_TEXT = 256 * 1024;

function boundedMembers(members: Members): Members {
  const out: Members = {};
  for (
    const [role, member] of Object.entries(members) as [keyof Members, Members[keyof Members]][]
  ) {
    if (!member) continue;
    out[role] = member.text.length > MAX_FACT_TEXT
      ? { path: member.path, text: member.text.slice(0, MAX_FACT_TEXT), truncated: true }
      : member;
  }
  return out;
}

/**
 * The facts of an inspection.
 *
 * @example
 * ```ts
 * factsOf(inspection).version; // ARTIFACT_FACTS_VERSION
 * ```
 */
export function factsOf(inspection: ArchiveInspection): ArtifactFacts {
  const entries = inspection.entries.map((e): EntryFacts => {
    const f: EntryFacts = { path: e.path, type: e.type, size: e.size };
    if (e.compressedSize !== undefined) f.compressedSize = e.compressedSize;
    if (e.mode !== undefined) f.mode = e.mode;
    if (e.linkTarget !== undefined) f.linkTarget = e.linkTarget;
    if (e.magic !== undefined) f.magic = e.magic;
    if (e.binary) f.binary = true;
    if (e.inner !== undefined) f.inner = e.inner;
    if (e.record !== undefined) f.record = e.record;
    if (e.recordClaim !== undefined) f.recordClaim = e.recordClaim;
    if (e.actualHash !== undefined) f.actualHash = e.actualHash;
    return f;
  });
  return {
    version: ARTIFACT_FACTS_VERSION,
    filename: inspection.filename,
    kind: inspection.kind,
    sha256: inspection.sha256,
    entries,
    members: boundedMembers(inspection.members),
    record: inspection.record,
    anomalies: inspection.anomalies,
    totals: inspection.totals,
  };
}
