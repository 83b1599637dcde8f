/**
 * Tag integrity rules: a release tag keeps the commit it had when first seen, and the provenance
 * of every file names that same commit.
 *
 * - `parity/tag-moved`: the tag now points at another commit than the one pinned the first time
 *   it was seen (`tag.observed` in the ledger). A retargeted tag can carry the very same files
 *   (so no parity rule fires) and still be an attack: whoever can move tags can make the next
 *   rebuild, or a consumer pinning the tag, use other code.
 * - `provenance/source-commit-mismatch`: a verified PEP 740 or GitHub attestation of a file names
 *   (Fulcio's Source Repository Digest) a commit other than the tag's.
 *
 * Both are sticky: reconcile never resolves them by itself, only a maintainer's waiver does
 * (see `src/reconcile.ts`).
 *
 * @example
 * ```ts
 * const findings = runRules(TAG_RULESET, { data: observation.data });
 * ```
 * @module
 */
import { defineRule, type Finding, finding, type Rule, ruleMetaFor } from "./types.ts";
import type { ReleasesData, VersionParity } from "../src/observations/releases.ts";
import type { FileProvenance } from "../src/sigstore/file_provenance.ts";

const meta = ruleMetaFor("releases");

/** Input of the tag rules: the releases job's observation data. */
export interface TagInput {
  data: ReleasesData;
}

/** The release tag now points at another commit than when first seen. */
export const TAG_MOVED = {
  ...meta(
    "parity/tag-moved",
    "critical",
    "Release tag moved to another commit",
    "Release tags are immutable: a tag keeps the commit it was released from",
    "Find out who moved the tag and why (audit log, tag protection bypass); restore it to the pinned commit, protect tags with a ruleset that blocks updates and deletions, and waive this finding once the move is explained.",
  ),
  sticky: true,
} as const;

/** A file's provenance names another commit than the tag. */
export const SOURCE_COMMIT_MISMATCH = {
  ...meta(
    "provenance/source-commit-mismatch",
    "high",
    "Provenance names another commit than the release tag",
    "Every released file is built from the commit of its release tag",
    "Compare the commit named in the attestation with the tag's commit: a build from another commit (a branch, a moved tag) is not the release you tagged. Rebuild from the tag, yank the file if it cannot be explained, and waive this finding once it is.",
  ),
  sticky: true,
} as const;

function clip(text: string, max = 120): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function tagMoved({ data }: TagInput): Finding[] {
  const out: Finding[] = [];
  for (const v of Object.values(data.versions)) {
    const pin = data.tagPins?.[v.tag];
    const now = v.tagCommit?.sha;
    if (!pin || !now || pin.commit === now) continue;
    out.push(finding(TAG_MOVED, {
      subject: `${data.name}:tag:${clip(v.tag, 500)}`,
      scope: `release:${v.version}`,
      message: `Tag ${clip(v.tag)} of ${data.name} ${
        clip(v.version)
      } moved from ${pin.commit} to ${now}.`,
      evidence: {
        before: pin.commit,
        after: now,
        pinnedAt: pin.index,
        pinnedTime: pin.time,
        expected: pin.commit,
        observed: now,
      },
    }));
  }
  return out;
}

/**
 * Commits named by the attestations of a file that verified without any other problem (the
 * signer's Source Repository Digest); an attestation with a wrong signer or subject is another
 * rule's finding, and its commit means nothing for this one.
 */
export function attestedCommits(p: FileProvenance): { source: string; commit: string }[] {
  const out: { source: string; commit: string }[] = [];
  for (const a of p.pep740?.attestations ?? []) {
    const d = a.identity?.sourceRepositoryDigest;
    if (a.signatureVerified && a.problems.length === 0 && d) {
      out.push({ source: "PEP 740", commit: d.toLowerCase() });
    }
  }
  for (const a of p.githubAttestation?.attestations ?? []) {
    const d = a.identity?.sourceRepositoryDigest;
    if (a.signatureVerified && a.problems.length === 0 && a.kind !== "release" && d) {
      out.push({ source: "GitHub attestation", commit: d.toLowerCase() });
    }
  }
  return out;
}

function sourceCommitMismatch({ data }: TagInput): Finding[] {
  const out: Finding[] = [];
  for (const p of data.provenance) {
    const v: VersionParity | undefined = p.version ? data.versions[p.version] : undefined;
    const tagSha = v?.tagCommit?.sha?.toLowerCase();
    if (!v || !tagSha) continue;
    const other = attestedCommits(p).filter((a) => a.commit !== tagSha);
    if (other.length === 0) continue;
    out.push(finding(SOURCE_COMMIT_MISMATCH, {
      subject: `${data.name}==${clip(v.version)}/${clip(p.filename, 300)}`,
      scope: `file:${p.sha256}`,
      message: `${clip(p.filename)}: ${other[0].source} names commit ${
        clip(other[0].commit, 64)
      }, but tag ${clip(v.tag)} is at ${tagSha}.`,
      evidence: {
        observed: [...new Set(other.map((o) => o.commit))].slice(0, 10),
        expected: tagSha,
        tag: v.tag,
        ...(p.url ? { url: p.url } : {}),
      },
    }));
  }
  return out;
}

/** The tag rules as values. */
export const TAG_RULESET: readonly Rule<TagInput>[] = [
  defineRule(TAG_MOVED, tagMoved),
  defineRule(SOURCE_COMMIT_MISMATCH, sourceCommitMismatch),
];
/** Metadata of the tag rules, for the catalog. */
export const TAG_RULES = TAG_RULESET.map((r) => r.meta);
