/**
 * The observation the releases job produces and `rules/parity.ts` / `rules/provenance.ts`
 * judge: per PyPI version, the GitHub release of its tag (assets, digests, checksum files,
 * immutability), where the tag's commit sits relative to the default branch, and how each
 * sdist / pure wheel compares with the git tree at the tag; per file, its provenance verdicts.
 *
 * @module
 */
import { z } from "zod";
import type { PypiFile } from "./pypi.ts";
import type { FileProvenance } from "../sigstore/file_provenance.ts";
import type { ChecksumEntry, ImmutableReleases } from "../github/releases.ts";
import type { TagPin } from "./tags.ts";

/** Most paths kept per list in a source comparison (the count is kept apart). */
export const MAX_LISTED_PATHS = 200;

/** One archive member that has no identical counterpart at the tag. */
export const SourceEntrySchema = z.object({
  /** Path inside the artifact, without an sdist's top folder. */
  path: z.string().max(4096),
  size: z.number().int().min(0),
  /** Git blob id of the member's bytes. */
  gitSha1: z.string().max(40),
  /** Blob id at the same path in the tag's tree (file differs), when there is one. */
  tagSha1: z.string().max(40).optional(),
});
/** See {@link SourceEntrySchema}. */
export type SourceEntry = z.infer<typeof SourceEntrySchema>;

/** How one artifact compares with the git tree at its tag (a fact, judged by the rules). */
export const SourceComparisonSchema = z.object({
  filename: z.string().max(1000),
  sha256: z.string().max(64),
  kind: z.enum(["sdist", "wheel"]),
  /** Tree SHA-1 the artifact was compared with. */
  treeSha: z.string().max(40),
  /** Members compared (sdist: every file; wheel: every `.py`). */
  compared: z.number().int().min(0),
  /** Members equal to a blob at the tag. */
  matched: z.number().int().min(0),
  /** Members with no file at that path at the tag (sdist), or whose bytes are no blob at the tag (wheel). */
  notInTag: z.array(SourceEntrySchema).max(MAX_LISTED_PATHS),
  notInTagCount: z.number().int().min(0),
  /** Members whose path exists at the tag with other bytes. */
  differs: z.array(SourceEntrySchema).max(MAX_LISTED_PATHS),
  differsCount: z.number().int().min(0),
  /** Members that cannot be compared (under a submodule, a symlink at the tag, unread content). */
  uncomparable: z.array(z.object({ path: z.string().max(4096), why: z.string().max(200) }))
    .max(MAX_LISTED_PATHS),
  /**
   * For an sdist whose `setup.cfg` is not identical to the tag's: whether the two are equal as
   * parsed INI once the `[egg_info]` `tag_build` / `tag_date` options setuptools writes into
   * every sdist are removed (setuptools also rewrites the file, dropping comments). Undefined
   * when not established.
   */
  setupCfgEquivalent: z.boolean().optional(),
});
/** See {@link SourceComparisonSchema}. */
export type SourceComparison = z.infer<typeof SourceComparisonSchema>;

/** An asset of the release as observed. */
export interface AssetObservation {
  name: string;
  size: number;
  /** SHA-256 hex: from GitHub's `digest`, or from downloading the asset. */
  sha256?: string;
  digestSource: "github" | "download" | "none";
  url: string;
}

/** A checksum asset and what it lists. */
export interface ChecksumObservation {
  asset: string;
  entries: ChecksumEntry[];
}

/** The GitHub release of a version's tag. */
export interface ReleaseObservation {
  id: number;
  tag: string;
  draft: boolean;
  prerelease: boolean;
  /** Undefined when the server does not report immutability. */
  immutable?: boolean;
  htmlUrl?: string;
  publishedAt?: string;
  assets: AssetObservation[];
  checksums: ChecksumObservation[];
}

/** What was observed for one PyPI version. */
export interface VersionParity {
  version: string;
  /** Tag name from `policy.tag_pattern`. */
  tag: string;
  /** Earliest PyPI upload time of the version's files (RFC 3339). */
  firstUpload?: string;
  /** Undefined when not observed (see unobservable); null when no release exists. */
  release?: ReleaseObservation | null;
  /** The tag's commit; null when the tag does not exist. */
  tagCommit?: { sha: string; date?: string; treeSha: string } | null;
  /** `compare/{default_branch}...{tag}`. */
  reachability?: { status: "diverged" | "ahead" | "behind" | "identical"; aheadBy: number };
  /** Source comparisons by file SHA-256 (sdists and pure wheels). */
  source: Record<string, SourceComparison>;
  /** The tree at the tag was cut short by GitHub: comparisons are incomplete. */
  treeTruncated?: boolean;
}

/** The releases job's observation data. */
export interface ReleasesData {
  name: string;
  /** `owner/repo`, when configured. */
  repository?: string;
  defaultBranch: string;
  files: PypiFile[];
  /** Provenance verdicts per file. */
  provenance: FileProvenance[];
  /** The repository's immutable-releases setting; undefined when not observed. */
  immutableReleases?: ImmutableReleases;
  versions: Record<string, VersionParity>;
  /** Commits of release tags as first seen (`src/observations/tags.ts`), by tag name. */
  tagPins?: Record<string, TagPin>;
}
