/**
 * The rule catalog: every rule's metadata, derived from the registry (`rules/registry.ts`).
 * `main.ts rules` prints it and docs/rules.md is generated from it.
 *
 * @module
 */
import type { RuleMeta } from "./types.ts";
import { registeredRules } from "./registry.ts";

/** Every rule. Ids are unique (a test checks it). */
export const RULES: readonly RuleMeta[] = registeredRules();

/** Ids of the sticky rules ({@link RuleMeta.sticky}): only a waiver closes their findings. */
export const STICKY_RULES: ReadonlySet<string> = new Set(
  RULES.filter((r) => r.sticky).map((r) => r.id),
);
