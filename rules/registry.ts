/**
 * The rule registry: every rule of every module, registered once as a value
 * (`Rule<I>`, see `rules/types.ts`). The catalog (`rules/catalog.ts`, `main.ts rules`,
 * `docs/rules.md`) and each job's rule list are derived from it; a job's `evaluate` runs
 * `runRules` over the rule sets named here.
 *
 * The order of {@link REGISTRY} is the catalog's order.
 *
 * @example
 * ```ts
 * const findings = runRules(RULESETS.access, { data: observation.data, project });
 * registeredRules().map((r) => r.id); // every rule id, in catalog order
 * ```
 * @module
 */
import type { JobName, Rule, RuleMeta } from "./types.ts";
import { ACCESS_RULESET } from "./access.ts";
import { RELEASE_RULESET } from "./release.ts";
import { NOVELTY_RULESET } from "./novelty.ts";
import { PARITY_RULESET } from "./parity.ts";
import { PROVENANCE_RULESET } from "./provenance.ts";
import { METADATA_RULESET } from "./metadata.ts";
import { POSTURE_RULESET } from "./posture.ts";
import { CONTENT_RULESET } from "./content.ts";
import { ARCHIVE_RULESET } from "./archive.ts";
import { WORKFLOW_RULESET } from "./workflows.ts";
import { TAG_RULESET } from "./tags.ts";
import { SECRET_RULESET } from "./secrets.ts";
import { SETTINGS_RULESET } from "./settings.ts";
import { CODEBASE_RULESET } from "./codebase.ts";

/** The rule sets converted to the `Rule<I>` contract, by module, typed by their input. */
export const RULESETS = {
  release: RELEASE_RULESET,
  novelty: NOVELTY_RULESET,
  metadata: METADATA_RULESET,
  parity: PARITY_RULESET,
  provenance: PROVENANCE_RULESET,
  posture: POSTURE_RULESET,
  access: ACCESS_RULESET,
  workflows: WORKFLOW_RULESET,
  tags: TAG_RULESET,
  secrets: SECRET_RULESET,
  settings: SETTINGS_RULESET,
  codebase: CODEBASE_RULESET,
  content: CONTENT_RULESET,
  archive: ARCHIVE_RULESET,
} as const;

/** A rule module's name, as used in {@link REGISTRY}. */
export type RuleModuleName = keyof typeof RULESETS;

/** One module's entry: its job and its rules' metadata (from its rule set when it has one). */
export interface RegistryEntry {
  readonly module: RuleModuleName;
  readonly job: JobName;
  readonly rules: readonly RuleMeta[];
}

function entry<I>(module: RuleModuleName, job: JobName, rules: readonly Rule<I>[]): RegistryEntry {
  return { module, job, rules: rules.map((r) => r.meta) };
}

/** Every rule module, in catalog order. */
export const REGISTRY: readonly RegistryEntry[] = [
  entry("content", "pypi", RULESETS.content),
  entry("novelty", "pypi", RULESETS.novelty),
  entry("archive", "pypi", RULESETS.archive),
  entry("metadata", "pypi", RULESETS.metadata),
  entry("release", "pypi", RULESETS.release),
  entry("provenance", "releases", RULESETS.provenance),
  entry("parity", "releases", RULESETS.parity),
  entry("tags", "releases", RULESETS.tags),
  entry("posture", "repo", RULESETS.posture),
  entry("workflows", "repo", RULESETS.workflows),
  entry("secrets", "repo", RULESETS.secrets),
  entry("settings", "repo", RULESETS.settings),
  entry("codebase", "repo", RULESETS.codebase),
  entry("access", "access", RULESETS.access),
];

/**
 * Every registered rule's metadata, in catalog order.
 *
 * @example
 * ```ts
 * registeredRules().length; // every rule id, once (see docs/rules.md)
 * ```
 */
export function registeredRules(): RuleMeta[] {
  return REGISTRY.flatMap((e) => e.rules);
}

/**
 * The rules a job's observation is judged by.
 *
 * @example
 * ```ts
 * rulesOfJob("access").map((r) => r.id); // ["access/org-2fa-not-required", ...]
 * ```
 */
export function rulesOfJob(job: JobName): RuleMeta[] {
  return REGISTRY.filter((e) => e.job === job).flatMap((e) => e.rules);
}
