/**
 * The rule catalog: every rule's metadata, gathered from the rule modules. `main.ts rules`
 * prints it and docs/rules.md is generated from it.
 *
 * @module
 */
import type { RuleMeta } from "./types.ts";
import { RELEASE_RULES } from "./release.ts";

/** Every rule, by id. */
export const RULES: readonly RuleMeta[] = [
  ...RELEASE_RULES,
];

/** Look up a rule's metadata. */
export function ruleById(id: string): RuleMeta | undefined {
  return RULES.find((r) => r.id === id);
}
