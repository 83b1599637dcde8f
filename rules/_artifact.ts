/**
 * Helpers shared by the artifact rules: subjects, scopes, path parts, safe display.
 *
 * @example
 * ```ts
 * subjectOf(inspection, "pkg/evil.pth"); // "pkg-1.0-py3-none-any.whl!pkg/evil.pth"
 * ```
 * @module
 */
import type { Policy } from "../src/config.ts";
import type { ArtifactFacts } from "../src/observations/artifact.ts";

/** What the content and archive rules judge: one artifact's facts and the project's policy. */
export interface ArtifactInput {
  /** The facts (an {@link ArtifactFacts} from the cache, or a fresh inspection). */
  facts: FactsLike;
  policy: Policy;
}

/** Artifact facts without the format version (a fresh inspection is one too). */
export type FactsLike = Omit<ArtifactFacts, "version">;

/** The parts of facts that subjects and scopes need. */
type Named = Pick<ArtifactFacts, "filename" | "sha256">;

/** `<filename>!<entry path>` (bounded). */
export function subjectOf(inspection: Named, path?: string): string {
  const base = inspection.filename.slice(0, 500);
  return (path === undefined ? base : `${base}!${path}`).slice(0, 2000);
}

/** `file:<sha256 of the artifact>`. */
export function scopeOf(inspection: Named): string {
  return `file:${inspection.sha256}`;
}

/** Last path component. */
export function basename(path: string): string {
  const trimmed = path.endsWith("/") ? path.slice(0, -1) : path;
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

/** JSON-quoted, bounded rendering of an attacker-controlled string for messages. */
export function quote(value: string, max = 200): string {
  const cut = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(cut);
}
