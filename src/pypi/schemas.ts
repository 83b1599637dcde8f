/**
 * zod schemas for the PyPI responses the auditor reads: the JSON API
 * (`/pypi/<name>/json`) and the Simple API (PEP 691 JSON). Only the fields used are
 * validated; the rest passes through untouched. Strings are bounded.
 *
 * @module
 */
import { z } from "zod";

const text = (max: number) => z.string().max(max);
const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

const droppedCounts = new WeakMap<object, number>();

/**
 * A list whose invalid items are dropped (and counted, see {@link droppedIn}) instead of
 * rejecting the whole response: bounds hold per item and per field, so one file name over the
 * limit does not blind every check of a project.
 *
 * @example
 * ```ts
 * const files = lenientList(SimpleFileSchema, 100_000).parse(raw.files);
 * droppedIn(files); // how many were left out
 * ```
 */
export function lenientList<T extends z.ZodType>(item: T, max: number) {
  return z.array(z.unknown()).max(max).transform((raw) => {
    const kept: z.infer<T>[] = [];
    for (const x of raw) {
      const r = item.safeParse(x);
      if (r.success) kept.push(r.data);
    }
    if (kept.length < raw.length) droppedCounts.set(kept, raw.length - kept.length);
    return kept;
  });
}

/** Items {@link lenientList} left out of `list` (0 when none, or for another array). */
export function droppedIn(list: readonly unknown[] | undefined): number {
  return list ? droppedCounts.get(list) ?? 0 : 0;
}

/** One file in the JSON API's `urls` / `releases` lists. */
export const JsonFileSchema = z.object({
  filename: text(500),
  size: z.number().int().min(0),
  digests: z.object({ sha256 }).passthrough(),
  packagetype: text(50),
  upload_time_iso_8601: text(64).nullish(),
  url: text(2000),
  yanked: z.boolean().default(false),
  yanked_reason: text(2000).nullish(),
  requires_python: text(500).nullish(),
}).passthrough();

/** `ownership` in the JSON API: PyPI organization and user roles. */
export const OwnershipSchema = z.object({
  organization: text(200).nullish(),
  roles: z.array(z.object({ role: text(50), user: text(200) })).max(1000).default([]),
});

/** `/pypi/<name>/json`. */
export const ProjectJsonSchema = z.object({
  info: z.object({
    name: text(200),
    version: text(200),
    summary: text(2000).nullish(),
    author_email: text(2000).nullish(),
    maintainer_email: text(2000).nullish(),
    requires_python: text(500).nullish(),
  }).passthrough(),
  releases: z.record(z.string().max(200), lenientList(JsonFileSchema, 10_000)).optional(),
  urls: lenientList(JsonFileSchema, 10_000).default([]),
  ownership: OwnershipSchema.optional(),
}).passthrough();
/** See {@link ProjectJsonSchema}. */
export type ProjectJson = z.infer<typeof ProjectJsonSchema>;

/** One file in a PEP 691 Simple API project page. */
export const SimpleFileSchema = z.object({
  filename: text(500),
  url: text(2000),
  hashes: z.record(z.string(), z.string()),
  "requires-python": text(500).nullish(),
  yanked: z.union([z.boolean(), z.string().max(2000)]).default(false),
  size: z.number().int().min(0).optional(),
  "upload-time": text(64).nullish(),
  provenance: text(2000).nullish(),
}).passthrough();
/** See {@link SimpleFileSchema}. */
export type SimpleFile = z.infer<typeof SimpleFileSchema>;

/** A PEP 691 Simple API project page. */
export const SimpleProjectSchema = z.object({
  meta: z.object({ "api-version": text(20) }).passthrough().optional(),
  name: text(200),
  files: lenientList(SimpleFileSchema, 100_000),
  versions: z.array(text(200)).max(100_000).optional(),
}).passthrough();
/** See {@link SimpleProjectSchema}. */
export type SimpleProject = z.infer<typeof SimpleProjectSchema>;
