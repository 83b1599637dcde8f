/**
 * Collection of the hardening plan's controls beyond the repository posture, for the repo job:
 * Actions secret names (repository, organization, each environment), the approval policy for
 * fork contributors' workflows, artifact and log retention, code scanning default setup, the
 * dependency graph, and the codebase (`jobs/repo_codebase.ts`). Collection only: the rules in
 * `rules/secrets.ts`, `rules/settings.ts` and `rules/codebase.ts` judge.
 *
 * @example
 * ```ts
 * data.controls = await collectControls(gh, { owner, repo }, data, miss);
 * ```
 * @module
 */
import { z } from "zod";
import type { GitHubClient } from "../src/github/client.ts";
import type { RepoPosture } from "../src/observations/repo.ts";
import { secretNames } from "../src/github/secrets.ts";
import { CONTROL_SCOPES, type RepoControls } from "../src/observations/controls.ts";
import { unobservableReason } from "../src/github/read.ts";
import { collectCodebase } from "./repo_codebase.ts";
import type { Project } from "../src/config.ts";
import { type Finding, runRules, type Unobservable } from "../rules/types.ts";
import { SECRET_RULESET } from "../rules/secrets.ts";
import { SETTINGS_RULESET } from "../rules/settings.ts";
import { CODEBASE_RULESET } from "../rules/codebase.ts";
import { applyOverrides } from "../rules/overrides.ts";
import { isUnobservable } from "../src/reconcile.ts";

type Miss = (scope: string, reason: string) => void;
type Params = { owner: string; repo: string };

async function secrets(
  gh: GitHubClient,
  p: Params,
  data: RepoPosture,
  miss: Miss,
): Promise<NonNullable<RepoControls["secrets"]>> {
  const scope = (level: string) => `${CONTROL_SCOPES.secrets}:${level}`;
  const out: NonNullable<RepoControls["secrets"]> = {};
  const [repository, organization] = await Promise.all([
    secretNames(gh, p, "repository"),
    secretNames(gh, p, "organization"),
  ]);
  if (repository.ok) out.repository = repository.data;
  else miss(scope("repository"), unobservableReason(repository, true));
  if (organization.ok) out.organization = organization.data;
  else miss(scope("organization"), unobservableReason(organization, true));
  if (!data.environments) {
    miss(scope("environment"), "environments not observable, so neither are their secrets");
    return out;
  }
  const environments: Record<string, string[]> = {};
  for (const env of data.environments) {
    const r = await secretNames(gh, p, { environment: env.name });
    if (!r.ok) {
      miss(scope("environment"), `${env.name}: ${unobservableReason(r, true)}`);
      return out;
    }
    environments[env.name] = r.data;
  }
  out.environments = environments;
  return out;
}

async function read<T>(
  gh: GitHubClient,
  route: string,
  p: Params,
  schema: z.ZodType<T>,
  scope: string,
  miss: Miss,
): Promise<T | undefined> {
  const r = await gh.get(route, p, schema);
  if (r.ok) return r.data;
  miss(scope, unobservableReason(r, true));
  return undefined;
}

async function settings(
  gh: GitHubClient,
  p: Params,
  data: RepoPosture,
  miss: Miss,
): Promise<Omit<RepoControls, "secrets" | "codebase">> {
  const out: Omit<RepoControls, "secrets" | "codebase"> = {};
  const [fork, retention, scanning, config] = await Promise.all([
    // Fork pull request approval applies to public repositories only.
    data.settings?.private === true ? undefined : read(
      gh,
      "GET /repos/{owner}/{repo}/actions/permissions/fork-pr-contributor-approval",
      p,
      z.object({ approval_policy: z.string().max(100) }).passthrough(),
      CONTROL_SCOPES.forkApproval,
      miss,
    ),
    read(
      gh,
      "GET /repos/{owner}/{repo}/actions/permissions/artifact-and-log-retention",
      p,
      z.object({ days: z.number().int() }).passthrough(),
      CONTROL_SCOPES.retention,
      miss,
    ),
    read(
      gh,
      "GET /repos/{owner}/{repo}/code-scanning/default-setup",
      p,
      z.object({ state: z.string().max(50) }).passthrough(),
      CONTROL_SCOPES.codeScanning,
      miss,
    ),
    read(
      gh,
      "GET /repos/{owner}/{repo}/code-security-configuration",
      p,
      z.object({
        configuration: z.object({ dependency_graph: z.string().max(50).optional() })
          .passthrough().optional(),
      }).passthrough().nullable(),
      CONTROL_SCOPES.dependencyGraph,
      miss,
    ),
  ]);
  const analysis = data.settings?.security_and_analysis;
  if (!data.settings) {
    // The repository was not read: these settings were not seen (never "no longer found").
    miss(CONTROL_SCOPES.secretScanning, "repository settings not readable");
  } else if (!analysis?.secret_scanning || !analysis.secret_scanning_push_protection) {
    miss(
      CONTROL_SCOPES.secretScanning,
      "secret scanning settings not visible to this token (security_and_analysis needs admin)",
    );
  }
  out.forkApproval = fork?.approval_policy;
  out.retentionDays = retention?.days;
  out.codeScanningDefaultSetup = scanning?.state;
  const graph = config?.configuration?.dependency_graph;
  if (graph && graph !== "not_set") out.dependencyGraph = graph;
  else if (config !== undefined && data.settings?.private === false) {
    // GitHub keeps the dependency graph on for every public repository.
    out.dependencyGraph = "enabled";
  } else if (config !== undefined) {
    miss(
      CONTROL_SCOPES.dependencyGraph,
      "no code security configuration sets the dependency graph: its state is not readable",
    );
  }
  return out;
}

/**
 * Collect every control of this module for one repository; what could not be read is passed to
 * `miss` as an unobservable scope. Runs after the posture sections (it reads the environments).
 */
export async function collectControls(
  gh: GitHubClient,
  p: Params,
  data: RepoPosture,
  miss: Miss,
): Promise<RepoControls> {
  const [s, rest, codebase] = await Promise.all([
    secrets(gh, p, data, miss),
    settings(gh, p, data, miss),
    collectCodebase(gh, p, data.defaultBranch, miss),
  ]);
  return { ...rest, secrets: s, codebase };
}

/**
 * Run the controls rules (secrets, settings, codebase) over a repo observation; findings of a
 * scope that was not observable are dropped (reconcile keeps what was open there).
 *
 * @example
 * ```ts
 * const findings = evaluateControls(obs.data, project, obs.unobservable);
 * ```
 */
export function evaluateControls(
  data: RepoPosture,
  project: Project,
  unobservable: Unobservable[],
): Finding[] {
  if (!data.controls) return [];
  // The default branch's workflows, parsed by the job (src/workflows/read.ts).
  const workflows = (data.workflowFiles ?? []).flatMap((f) => f.workflow ? [f.workflow] : []);
  const input = { data, project, workflows };
  const findings = [
    ...runRules(SECRET_RULESET, input),
    ...runRules(SETTINGS_RULESET, input),
    ...runRules(CODEBASE_RULESET, input),
  ];
  return applyOverrides(project, findings.filter((f) => !isUnobservable(f.scope, unobservable)));
}
