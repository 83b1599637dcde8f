/**
 * Parse what the metadata-drift rules compare: a source's `pyproject.toml` (TOML, bounded) and
 * a built artifact's METADATA / PKG-INFO and `entry_points.txt`. Collection-side parsing, so
 * that `rules/metadata.ts` receives parsed data.
 *
 * @example
 * ```ts
 * const source = parsePyproject(await Deno.readTextFile("pyproject.toml"));
 * const wheel = wheelMetadataOf(inspection);
 * ```
 * @module
 */
import { parse as parseToml } from "smol-toml";
import { parseCoreMetadata, parseEntryPoints } from "../inspect/core_metadata.ts";
import type { ArchiveInspection } from "../inspect/types.ts";
import type { PyprojectSource, WheelMetadataInput } from "../observations/metadata.ts";

/** Largest `pyproject.toml` text parsed (the rest is cut off). */
export const MAX_PYPROJECT_CHARS = 4 * 1024 * 1024;

/**
 * Parse a `pyproject.toml` text into its `[project]` table; `undefined` text means there is no
 * file. Never throws: a bad file becomes `{ unreadable: reason }`.
 *
 * @example
 * ```ts
 * parsePyproject("[project]\nname = 'x'\n"); // { project: { name: "x" } }
 * parsePyproject("[project\n"); // { unreadable: "pyproject.toml is not valid TOML" }
 * ```
 */
export function parsePyproject(text: string | undefined): PyprojectSource {
  if (text === undefined) return { unreadable: "no pyproject.toml" };
  try {
    const doc = parseToml(text.slice(0, MAX_PYPROJECT_CHARS)) as Record<string, unknown>;
    if (!doc.project || typeof doc.project !== "object" || Array.isArray(doc.project)) {
      return { unreadable: "pyproject.toml has no [project] table" };
    }
    return { project: doc.project as Record<string, unknown> };
  } catch {
    return { unreadable: "pyproject.toml is not valid TOML" };
  }
}

/**
 * Parse a built artifact's core metadata and entry points from their texts.
 *
 * @example
 * ```ts
 * wheelMetadataFrom("x-1-py3-none-any.whl", sha256, "Metadata-Version: 2.1\nName: x\n", "");
 * ```
 */
export function wheelMetadataFrom(
  filename: string,
  sha256: string,
  metadataText: string,
  entryPointsText: string,
): WheelMetadataInput {
  return {
    filename,
    sha256,
    metadata: parseCoreMetadata(metadataText),
    entryPoints: parseEntryPoints(entryPointsText),
  };
}

/**
 * The drift input of an inspection: a wheel's METADATA + entry_points.txt, or an sdist's
 * PKG-INFO. Undefined when the artifact has no metadata member.
 *
 * @example
 * ```ts
 * const wheel = wheelMetadataOf(inspection); // undefined for an artifact without METADATA
 * ```
 */
export function wheelMetadataOf(inspection: ArchiveInspection): WheelMetadataInput | undefined {
  const text = inspection.members.metadata?.text ?? inspection.members.pkgInfo?.text;
  if (text === undefined) return undefined;
  return wheelMetadataFrom(
    inspection.filename,
    inspection.sha256,
    text,
    inspection.members.entryPoints?.text ?? "",
  );
}
