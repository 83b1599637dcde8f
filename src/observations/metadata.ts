/**
 * What the metadata-drift rules (`rules/metadata.ts`) judge, already parsed: a built
 * artifact's core metadata and entry points, and the source's `pyproject.toml` `[project]`
 * table (or why there is none). Parsing happens on the collection side
 * (`src/pypi/pyproject.ts`); rules only compare.
 *
 * @example
 * ```ts
 * const source: PyprojectSource = { project: { name: "x", dependencies: ["a>=1"] } };
 * ```
 * @module
 */
import type { CoreMetadata, EntryPoints } from "../inspect/core_metadata.ts";

/** A built artifact's metadata, parsed. */
export interface WheelMetadataInput {
  /** Artifact file name (subjects are `<filename>!<field>`). */
  filename: string;
  /** SHA-256 of the artifact (scope `file:<sha256>`). */
  sha256: string;
  metadata: CoreMetadata;
  entryPoints: EntryPoints;
}

/**
 * A source's `pyproject.toml`, parsed: its `[project]` table, or the reason nothing can be
 * compared (no file, not valid TOML, no `[project]` table).
 */
export type PyprojectSource =
  | { project: Record<string, unknown>; unreadable?: undefined }
  | { project?: undefined; unreadable: string };
