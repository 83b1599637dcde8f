/**
 * Artifact facts: what one inspection of a wheel or sdist observed, before any rule judges it.
 * This is what is cached per file digest (keyed with {@link ARTIFACT_FACTS_VERSION}); the content
 * and archive rules (`rules/content.ts`, `rules/archive.ts`) run on these facts at evaluation
 * time, so a changed rule applies to every cached file on the next sweep without a download.
 *
 * Facts are observations, not verdicts: member paths, kinds, modes, magic classes, what a
 * bounded look inside a compressed member saw, how each member compares with RECORD, and the
 * structural anomalies of the archive. All strings are attacker-controlled.
 *
 * @example
 * ```ts
 * const facts = ArtifactFactsSchema.parse(JSON.parse(text));
 * facts.entries.filter((e) => e.magic === "elf").length;
 * ```
 * @module
 */
import { z } from "zod";
import { MAGIC_KINDS } from "../inspect/magic.ts";

/** Kinds of archive entries. */
export const ENTRY_TYPES = [
  "file",
  "dir",
  "symlink",
  "hardlink",
  "device",
  "fifo",
  "other",
] as const;
/** One of {@link ENTRY_TYPES}. */
export type EntryType = typeof ENTRY_TYPES[number];

/** Structural problem classes found while reading. */
export const ANOMALY_KINDS = [
  "not-an-archive",
  "corrupt",
  "local-header-mismatch",
  "crc-mismatch",
  "size-mismatch",
  "data-descriptor-mismatch",
  "multiple-eocd",
  "prefix-bytes",
  "trailing-bytes",
  "gap-bytes",
  "overlapping-entries",
  "zip64-inconsistent",
  "entry-count-mismatch",
  "unsupported-method",
  "encrypted",
  "zipjs-warning",
  "decompression-bomb",
  "too-many-entries",
  "time-budget",
  "member-too-large",
  "unicode-path",
  "name-encoding",
  "tar-ambiguity",
] as const;
/** One of {@link ANOMALY_KINDS}. */
export type AnomalyKind = typeof ANOMALY_KINDS[number];

/** A structural problem; the caller turns it into a finding. */
export const AnomalySchema = z.object({
  kind: z.enum(ANOMALY_KINDS),
  /** Member path, when the anomaly concerns one member. */
  path: z.string().optional(),
  /** Short human detail (may contain attacker-controlled names; escape on render). */
  detail: z.string(),
});
/** See {@link AnomalySchema}. */
export type Anomaly = z.infer<typeof AnomalySchema>;

/** A small text member captured for rules (bounded). */
export const TextMemberSchema = z.object({
  path: z.string(),
  text: z.string(),
  /** True when the member was larger than the capture limit (text holds the prefix). */
  truncated: z.boolean(),
});
/** See {@link TextMemberSchema}. */
export type TextMember = z.infer<typeof TextMemberSchema>;

/** Text members the rules need. Wheel: its own `.dist-info`; sdist: top-level files. */
export const MembersSchema = z.object({
  metadata: TextMemberSchema.optional(),
  wheel: TextMemberSchema.optional(),
  entryPoints: TextMemberSchema.optional(),
  pkgInfo: TextMemberSchema.optional(),
  pyprojectToml: TextMemberSchema.optional(),
  /** Sdist: the top-level `setup.cfg` (source parity reads its `[egg_info]`). */
  setupCfg: TextMemberSchema.optional(),
});
/** See {@link MembersSchema}. */
export type Members = z.infer<typeof MembersSchema>;

/** Counters over the whole archive. */
export const TotalsSchema = z.object({
  /** Entries seen (may exceed `entries.length` when the listing was capped). */
  entries: z.number().int().nonnegative(),
  files: z.number().int().nonnegative(),
  /** Uncompressed bytes read. */
  uncompressedBytes: z.number().int().nonnegative(),
  /** Bytes of the archive file. */
  archiveBytes: z.number().int().nonnegative(),
  /** True when the listing stopped early (entry cap, bomb, time budget, corruption). */
  truncated: z.boolean(),
  elapsedMs: z.number().nonnegative(),
});
/** See {@link TotalsSchema}. */
export type Totals = z.infer<typeof TotalsSchema>;

/**
 * Version of the facts format. Bump it when collection observes something new or differently:
 * cached facts of another version are collected again (rule changes need no bump).
 */
export const ARTIFACT_FACTS_VERSION = 3;

/** What a bounded look inside a compressed member (gzip, ZIP, tar) found. */
export const INNER_HOLDS = ["distribution", "code", "native", "archive"] as const;

/** The inside of a compressed member, as far as a bounded sniff could see. */
export const InnerFactsSchema = z.object({
  /** Container format recognised. */
  format: z.enum(["zip", "gzip", "tar", "unknown"]),
  /** Classes of content seen inside (empty: only data). */
  holds: z.array(z.enum(INNER_HOLDS)),
  /** True when the sniff saw the whole listing (false: a prefix only, or unreadable). */
  complete: z.boolean(),
  /** Up to 5 inner names, for evidence. */
  sample: z.array(z.string().max(300)).max(5),
});
/** See {@link InnerFactsSchema}. */
export type InnerFacts = z.infer<typeof InnerFactsSchema>;

/** How a wheel member compares with its RECORD row. */
export const RECORD_STATUSES = [
  "ok",
  "unlisted",
  "no-digest",
  "other-algorithm",
  "digest",
  "size",
  "digest+size",
] as const;
/** One of {@link RECORD_STATUSES}. */
export type RecordStatus = typeof RECORD_STATUSES[number];

/** One archive member. */
export const EntryFactsSchema = z.object({
  path: z.string(),
  type: z.enum(ENTRY_TYPES),
  /** Bytes read (declared size when the content was not read). */
  size: z.number().int().nonnegative(),
  compressedSize: z.number().int().nonnegative().optional(),
  mode: z.number().int().nonnegative().optional(),
  linkTarget: z.string().optional(),
  magic: z.enum(MAGIC_KINDS).optional(),
  /** First bytes are not text (a NUL, or not UTF-8). */
  binary: z.boolean().optional(),
  /** Bounded look inside a compressed member. */
  inner: InnerFactsSchema.optional(),
  /** Wheels: comparison with the RECORD row (absent when not hashed or no RECORD). */
  record: z.enum(RECORD_STATUSES).optional(),
  /** The RECORD row's hash and size, kept only when `record` is not "ok" (evidence). */
  recordClaim: z.object({ hash: z.string().max(200), size: z.string().max(40) }).optional(),
  /** RECORD form of the member's SHA-256, kept only when `record` is not "ok". */
  actualHash: z.string().max(100).optional(),
});
/** See {@link EntryFactsSchema}. */
export type EntryFacts = z.infer<typeof EntryFactsSchema>;

/** Facts about a wheel's RECORD beyond the per-member comparison. */
export const RecordFactsSchema = z.object({
  path: z.string(),
  rows: z.number().int().nonnegative(),
  /** Paths listed more than once (bounded). */
  duplicates: z.array(z.string()).max(200),
  /** Paths listed in RECORD that the archive lacks (bounded); only when the listing is complete. */
  phantoms: z.array(z.string()).max(200),
  phantomCount: z.number().int().nonnegative(),
});
/** See {@link RecordFactsSchema}. */
export type RecordFacts = z.infer<typeof RecordFactsSchema>;

/** Everything the content and archive rules judge, for one artifact file. */
export const ArtifactFactsSchema = z.object({
  version: z.literal(ARTIFACT_FACTS_VERSION),
  filename: z.string(),
  kind: z.enum(["wheel", "sdist-tar", "sdist-zip"]),
  sha256: z.string(),
  entries: z.array(EntryFactsSchema),
  members: MembersSchema,
  record: RecordFactsSchema.optional(),
  anomalies: z.array(AnomalySchema),
  totals: TotalsSchema,
});
/** See {@link ArtifactFactsSchema}. */
export type ArtifactFacts = z.infer<typeof ArtifactFactsSchema>;
