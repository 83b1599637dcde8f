/**
 * The shape of an artifact inspection: what a wheel or an sdist contains, read once, in a
 * streaming pass with bounded memory. Rules judge this object; they never open archives.
 *
 * @example
 * ```ts
 * const inspection = ArchiveInspectionSchema.parse(JSON.parse(text));
 * console.log(inspection.entries.length);
 * ```
 * @module
 */
import { z } from "zod";
import type { Policy } from "../config.ts";
import { MAGIC_KINDS } from "./magic.ts";

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

/** One archive member as observed. All strings are attacker-controlled. */
export const EntryInfoSchema = z.object({
  /** Member path as stored (central directory name for ZIP, full tar name with pax/GNU long names). */
  path: z.string(),
  type: z.enum(ENTRY_TYPES),
  /** Uncompressed bytes actually read (declared size when the content was not read). */
  size: z.number().int().nonnegative(),
  /** Declared uncompressed size (ZIP central directory, tar header). */
  declaredSize: z.number().int().nonnegative(),
  /** Compressed size (ZIP only). */
  compressedSize: z.number().int().nonnegative().optional(),
  /** Permission bits (`0o755`), when the archive records them. */
  mode: z.number().int().nonnegative().optional(),
  /** Symlink / hardlink target. */
  linkTarget: z.string().optional(),
  /** First bytes of the content, hex (up to 64 bytes), for magic detection. */
  head: z.string().optional(),
  /** File type by magic bytes (native code, nested archives), when recognised. */
  magic: z.enum(MAGIC_KINDS).optional(),
  /** SHA-256 of the content, hex; absent when the content could not be read completely. */
  sha256: z.string().optional(),
  /** Git blob id `sha1("blob <size>\0" + content)`, hex; absent when not read completely. */
  gitSha1: z.string().optional(),
});
/** See {@link EntryInfoSchema}. */
export type EntryInfo = z.infer<typeof EntryInfoSchema>;

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
  record: TextMemberSchema.optional(),
  wheel: TextMemberSchema.optional(),
  entryPoints: TextMemberSchema.optional(),
  pkgInfo: TextMemberSchema.optional(),
  pyprojectToml: TextMemberSchema.optional(),
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

/** The result of {@link inspectArtifact}. */
export const ArchiveInspectionSchema = z.object({
  filename: z.string(),
  kind: z.enum(["wheel", "sdist-tar", "sdist-zip"]),
  /** SHA-256 of the whole artifact file, hex (the scope of findings: `file:<sha256>`). */
  sha256: z.string(),
  entries: z.array(EntryInfoSchema),
  members: MembersSchema,
  anomalies: z.array(AnomalySchema),
  totals: TotalsSchema,
});
/** See {@link ArchiveInspectionSchema}. */
export type ArchiveInspection = z.infer<typeof ArchiveInspectionSchema>;

/** Bounds of one inspection. */
export interface InspectLimits {
  /** Total uncompressed bytes read before stopping (decompression bomb). */
  maxUncompressedBytes: number;
  /** Ratio of uncompressed to compressed bytes (per member for ZIP, whole stream for tar.gz). */
  maxCompressionRatio: number;
  /** Entries listed before stopping (entry-count bomb). */
  maxEntries: number;
  /** Wall-clock budget of the whole inspection, in milliseconds. */
  timeBudgetMs: number;
  /** Bytes captured of each text member (METADATA, RECORD, PKG-INFO...). */
  maxTextMemberBytes: number;
  /**
   * Hash in a worker thread (overlaps with decompression). Default: for artifacts larger
   * than 4 MiB on machines with at least 4 cores. Needs read permission on
   * `src/inspect/hash_worker.ts` (otherwise hashing stays inline).
   */
  hashInWorker?: boolean;
}

/** Ratios are only judged past this many output bytes (tiny members compress oddly well). */
export const RATIO_FLOOR_BYTES = 1024 * 1024;

/**
 * Derive inspection limits from a project's policy.
 *
 * @example
 * ```ts
 * const limits = limitsFromPolicy(PolicySchema.parse({}), { timeBudgetMs: 60_000 });
 * ```
 */
export function limitsFromPolicy(
  policy: Pick<Policy, "max_uncompressed_bytes" | "max_compression_ratio" | "max_entries">,
  extra: Partial<Pick<InspectLimits, "timeBudgetMs" | "maxTextMemberBytes">> = {},
): InspectLimits {
  return {
    maxUncompressedBytes: policy.max_uncompressed_bytes,
    maxCompressionRatio: policy.max_compression_ratio,
    maxEntries: policy.max_entries,
    timeBudgetMs: extra.timeBudgetMs ?? 120_000,
    maxTextMemberBytes: extra.maxTextMemberBytes ?? 1024 * 1024,
  };
}
