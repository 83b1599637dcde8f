/**
 * The observation the PyPI job produces and the release rules judge.
 *
 * @module
 */
import { z } from "zod";
import { FindingSchema } from "../../rules/types.ts";
import type { PyprojectSource } from "./metadata.ts";

/** One file of one release as the index lists it. */
export const PypiFileSchema = z.object({
  version: z.string(),
  filename: z.string(),
  packagetype: z.enum(["sdist", "wheel", "other"]),
  size: z.number().int().optional(),
  sha256: z.string(),
  url: z.string(),
  uploadTime: z.string().optional(),
  yanked: z.boolean(),
  yankedReason: z.string().optional(),
  requiresPython: z.string().optional(),
  provenanceUrl: z.string().optional(),
});
/** See {@link PypiFileSchema}. */
export type PypiFile = z.infer<typeof PypiFileSchema>;

/** A digest pinned the first time a file name was seen (projected from `release.observed`). */
export const PinSchema = z.object({
  version: z.string(),
  filename: z.string(),
  sha256: z.string(),
  /** Ledger index of the `release.observed` event. */
  index: z.number().int(),
  /** The file appeared in a release that had been observed before. */
  late: z.boolean(),
});
/** See {@link PinSchema}. */
export type Pin = z.infer<typeof PinSchema>;

/** Suffix of a file-type key whose members are not text (see `fileTypes` below). */
export const BINARY_SUFFIX = "+binary";

/** Most file types kept in a {@link ContentResult} summary. */
export const MAX_FILE_TYPES = 200;

/** What inspecting one file's contents produced (memoized per digest). */
export const ContentResultSchema = z.union([
  z.object({
    ok: z.literal(true),
    filename: z.string(),
    findings: z.array(FindingSchema),
    entries: z.number().int(),
    bytes: z.number().int(),
    /** A wheel's METADATA and entry_points.txt texts (bounded), for the drift rules. */
    metadata: z.object({ text: z.string(), entryPoints: z.string() }).optional(),
    /**
     * File types of the members (bounded, sorted): `.ext`, or `` for none, with `+binary` when
     * a member of that type is not text. For the novelty rules (`rules/novelty.ts`).
     */
    fileTypes: z.array(z.string().max(40)).max(MAX_FILE_TYPES).optional(),
  }),
  z.object({
    ok: z.literal(false),
    filename: z.string(),
    reason: z.string(),
    detail: z.string(),
  }),
]);
/** See {@link ContentResultSchema}. */
export type ContentResult = z.infer<typeof ContentResultSchema>;

/** The PyPI job's observation data. */
export interface PypiData {
  name: string;
  files: PypiFile[];
  /** Pins by filename, from earlier sweeps. */
  pins: Record<string, Pin>;
  /** Content inspection per file digest. */
  content: Record<string, ContentResult>;
  /** The reviewed `pyproject.toml` at each checked release's tag (parsed), by version. */
  pyproject: Record<string, PyprojectSource>;
}
