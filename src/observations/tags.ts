/**
 * Tag pins: the commit a release tag pointed at when the auditor first saw it, ledgered as a
 * `tag.observed` event and projected into KV (`["tag-pin", project, tag]`), exactly as file
 * digests are pinned from `release.observed`. A later sweep that finds the tag on another commit
 * can then say "v1.2.3 moved from A to B" (`parity/tag-moved`).
 *
 * @example
 * ```ts
 * const body = TagObservedSchema.parse({ project: "x", version: "1.0", tag: "v1.0", commit: "ab".repeat(20) });
 * ```
 * @module
 */
import { z } from "zod";

/** A git object id: SHA-1 (40 hex) or SHA-256 (64 hex). */
export const CommitShaSchema = z.string().regex(/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/);

/** `tag.observed`: a release tag seen for the first time, with its commit (pinned). */
export const TagObservedSchema = z.object({
  project: z.string(),
  version: z.string(),
  tag: z.string().max(500),
  commit: CommitShaSchema,
});
/** See {@link TagObservedSchema}. */
export type TagObserved = z.infer<typeof TagObservedSchema>;

/** A tag's commit as pinned the first time the tag was seen. */
export const TagPinSchema = TagObservedSchema.omit({ project: true }).extend({
  /** Ledger index of the `tag.observed` event. */
  index: z.number().int(),
  /** RFC 3339 time of that event. */
  time: z.string(),
});
/** See {@link TagPinSchema}. */
export type TagPin = z.infer<typeof TagPinSchema>;

/** KV key of a tag pin. */
export function tagPinKey(project: string, tag: string): Deno.KvKey {
  return ["tag-pin", project, tag];
}
