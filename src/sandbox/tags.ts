/**
 * Sandbox helpers for tag scenarios: move a release tag to another commit (same tree, so the
 * files stay identical), as an attacker with push access to tags would.
 *
 * @example
 * ```ts
 * retargetTag(sandbox.scenario, "acme/acme-hardened", "v1.1.0", "c0ffee".padEnd(40, "0"));
 * ```
 * @module
 */
import type { SandboxProject, Scenario } from "./scenario.ts";

/** The default branch of a sandbox project (its config's `default_branch`, else `main`). */
export function sandboxBranch(project: SandboxProject): string {
  const branch = (project.config as { default_branch?: unknown }).default_branch;
  return typeof branch === "string" ? branch : "main";
}

/**
 * Point `tag` of `repository` at commit `sha` in the sandbox's GitHub responses (the commit
 * lookup and the comparison with the default branch), keeping the tree. Throws when the tag
 * has no commit route (a scenario mistake).
 */
export function retargetTag(
  scenario: Scenario,
  repository: string,
  tag: string,
  sha: string,
): void {
  const key = `/repos/${repository}/commits/${tag}`;
  const commit = scenario.github.get(key) as Record<string, unknown> | undefined;
  if (!commit) throw new Error(`sandbox: no commit route for ${repository} ${tag}`);
  const moved = { ...commit, sha, node_id: `C_${sha.slice(0, 12)}` };
  scenario.github.set(key, moved);
  for (const [path, body] of scenario.github) {
    if (!path.startsWith(`/repos/${repository}/compare/`) || !path.endsWith(`...${tag}`)) continue;
    const compare = body as Record<string, unknown>;
    scenario.github.set(path, { ...compare, base_commit: moved, merge_base_commit: moved });
  }
}
