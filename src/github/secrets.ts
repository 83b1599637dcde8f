/**
 * Names of the GitHub Actions secrets a repository's workflows can read: the repository's own,
 * the organization's shared with it, and each environment's. Only names are read (GitHub never
 * returns values); they are judged by `rules/secrets.ts`.
 *
 * The fine-grained permission is "Secrets: read" (repository); a 403 or 404 means the token may
 * not list them, which the caller records as "not observable with this token".
 *
 * @example
 * ```ts
 * const r = await secretNames(gh, { owner: "acme", repo: "widgets" });
 * if (r.ok) console.log(r.data); // ["PYPI_API_TOKEN", …]
 * ```
 * @module
 */
import { z } from "zod";
import type { GitHubClient, GitHubResult } from "./client.ts";
import { CONTROL_LIMITS } from "../observations/controls.ts";

/** One secret as listed (`name`, dates; never a value). */
export const SecretSchema = z.object({
  name: z.string().max(255),
  created_at: z.string().max(40).optional(),
  updated_at: z.string().max(40).optional(),
}).passthrough();

/** Routes of the three lists. */
export const SECRET_ROUTES = {
  repository: "GET /repos/{owner}/{repo}/actions/secrets",
  organization: "GET /repos/{owner}/{repo}/actions/organization-secrets",
  environment: "GET /repos/{owner}/{repo}/environments/{environment_name}/secrets",
} as const;

async function names(
  gh: GitHubClient,
  route: string,
  params: Record<string, string>,
): Promise<GitHubResult<string[]>> {
  const r = await gh.paginate(route, params, SecretSchema, { maxItems: CONTROL_LIMITS.secrets });
  if (!r.ok) return r;
  return { ...r, data: r.data.map((s) => s.name) };
}

/**
 * Secret names of one level: `repository`, `organization`, or an environment's.
 *
 * @example
 * ```ts
 * await secretNames(gh, { owner, repo }, "organization");
 * await secretNames(gh, { owner, repo }, { environment: "pypi" });
 * ```
 */
export function secretNames(
  gh: GitHubClient,
  p: { owner: string; repo: string },
  level: "repository" | "organization" | { environment: string } = "repository",
): Promise<GitHubResult<string[]>> {
  if (level === "repository") return names(gh, SECRET_ROUTES.repository, p);
  if (level === "organization") return names(gh, SECRET_ROUTES.organization, p);
  return names(gh, SECRET_ROUTES.environment, { ...p, environment_name: level.environment });
}
