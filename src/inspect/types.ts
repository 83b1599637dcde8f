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
import {
  AnomalySchema,
  EntryFactsSchema,
  MembersSchema,
  RecordFactsSchema,
  TotalsSchema,
} from "../observations/artifact.ts";

export * from "../observations/artifact.ts";

/**
 * One archive member as observed: its {@link EntryFactsSchema facts} plus what only the
 * collection needs (first bytes, digests, declared size). All strings are attacker-controlled.
 */
export const EntryInfoSchema = EntryFactsSchema.extend({
  /** Declared uncompressed size (ZIP central directory, tar header). */
  declaredSize: z.number().int().nonnegative(),
  /** First bytes of the content, hex (legacy; no longer filled: see `binary` and `magic`). */
  head: z.string().optional(),
  /** SHA-256 of the content, hex; absent when the content could not be read completely. */
  sha256: z.string().optional(),
  /** Git blob id `sha1("blob <size>\0" + content)`, hex; absent when not read completely. */
  gitSha1: z.string().optional(),
});
/** See {@link EntryInfoSchema}. */
export type EntryInfo = z.infer<typeof EntryInfoSchema>;

/** Which text member a reader captures: a {@link Members} key, or the streamed RECORD. */
export type MemberRole = keyof z.infer<typeof MembersSchema> | "record";

/** The result of {@link inspectArtifact}. */
export const ArchiveInspectionSchema = z.object({
  filename: z.string(),
  kind: z.enum(["wheel", "sdist-tar", "sdist-zip"]),
  /** SHA-256 of the whole artifact file, hex (the scope of findings: `file:<sha256>`). */
  sha256: z.string(),
  entries: z.array(EntryInfoSchema),
  members: MembersSchema,
  /** Wheels: RECORD as verified while streaming. */
  record: RecordFactsSchema.optional(),
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
   * Use worker threads. A ZIP shares its members with workers that inflate and hash whole
   * members (default: artifacts above 4 MiB on machines with at least 2 cores); a `.tar.gz`
   * is gunzipped on the calling thread and parsed, hashed and sniffed on a worker (default:
   * above 4 MiB with at least 2 cores). Needs read permission on
   * `src/inspect/` (otherwise everything stays on the calling thread).
   */
  hashInWorker?: boolean;
}

export { RATIO_FLOOR_BYTES } from "./bounds.ts";

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
