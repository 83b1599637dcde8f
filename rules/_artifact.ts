/**
 * Helpers shared by the artifact rules: subjects, scopes, path parts, safe display.
 *
 * @example
 * ```ts
 * subjectOf(inspection, "pkg/evil.pth"); // "pkg-1.0-py3-none-any.whl!pkg/evil.pth"
 * ```
 * @module
 */
import type { ArchiveInspection } from "../src/inspect/types.ts";

/** `<filename>!<entry path>` (bounded). */
export function subjectOf(inspection: ArchiveInspection, path?: string): string {
  const base = inspection.filename.slice(0, 500);
  return (path === undefined ? base : `${base}!${path}`).slice(0, 2000);
}

/** `file:<sha256 of the artifact>`. */
export function scopeOf(inspection: ArchiveInspection): string {
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
