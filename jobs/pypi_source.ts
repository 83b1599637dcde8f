/**
 * The reviewed `pyproject.toml` of a release: the file at the release's tag in the project's
 * GitHub repository, read through the contents API. It is what the metadata-drift rules
 * compare the published wheel's METADATA with.
 *
 * @module
 */
import type { Project } from "../src/config.ts";
import type { Unobservable } from "../rules/types.ts";
import { ContentFileSchema } from "../src/github/schemas.ts";
import type { GitHubClient } from "../src/github/client.ts";
import type { PypiFile } from "../src/observations/pypi.ts";

/** How many of the newest releases get their pyproject.toml compared. */
export const DRIFT_RELEASES = 10;
/** Largest pyproject.toml read. */
const MAX_PYPROJECT_BYTES = 1024 * 1024;

/** The tag of a version under the project's tag pattern. */
export function tagFor(project: Project, version: string): string {
  return project.policy.tag_pattern.replaceAll("{version}", version);
}

/** Versions with a wheel, newest upload first, at most {@link DRIFT_RELEASES}. */
export function driftVersions(files: PypiFile[]): string[] {
  const newest = new Map<string, number>();
  for (const f of files) {
    if (f.packagetype !== "wheel") continue;
    const t = Date.parse(f.uploadTime ?? "") || 0;
    newest.set(f.version, Math.max(newest.get(f.version) ?? 0, t));
  }
  return [...newest].sort((a, b) => b[1] - a[1]).slice(0, DRIFT_RELEASES).map(([v]) => v);
}

function decodeBase64Text(content: string): string | undefined {
  try {
    const bin = atob(content.replace(/\s+/g, ""));
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Read pyproject.toml at each version's tag. Versions whose file could not be read are
 * returned as unobservable scopes (`file:<sha256>` of that version's wheels), so drift
 * findings on them are neither resolved nor reported as compliant.
 *
 * @example
 * ```ts
 * const { texts, unobservable } = await reviewedPyprojects(github, project, files);
 * ```
 */
export async function reviewedPyprojects(
  github: GitHubClient,
  project: Project,
  files: PypiFile[],
): Promise<{ texts: Record<string, string>; unobservable: Unobservable[] }> {
  const texts: Record<string, string> = {};
  const unobservable: Unobservable[] = [];
  if (!project.github) return { texts, unobservable };
  const [owner, repo] = project.github.split("/");
  for (const version of driftVersions(files)) {
    const tag = tagFor(project, version);
    const r = await github.get(
      "GET /repos/{owner}/{repo}/contents/{path}",
      { owner, repo, path: "pyproject.toml", ref: tag },
      ContentFileSchema,
    );
    let reason: string | undefined;
    if (!r.ok) reason = r.message;
    else if (r.data.size > MAX_PYPROJECT_BYTES || r.data.content === undefined) {
      reason = "pyproject.toml too large to compare";
    } else {
      const text = decodeBase64Text(r.data.content);
      if (text === undefined) reason = "pyproject.toml is not UTF-8";
      else texts[version] = text;
    }
    if (reason) {
      for (const f of files) {
        if (f.version === version && f.packagetype === "wheel") {
          unobservable.push({
            scope: `file:${f.sha256}`,
            reason: `reviewed pyproject.toml at ${tag.slice(0, 100)} not readable: ${reason}`,
          });
        }
      }
    }
  }
  return { texts, unobservable };
}
