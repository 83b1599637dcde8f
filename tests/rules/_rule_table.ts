/**
 * Table-driven rule tests: one case per rule id of a rule set, each with an input on which the
 * rule fires and a clean input on which it does not. The table must name every rule of the set
 * (and nothing else), so a rule added without a case fails its module's test; and the rule ids
 * appear as literals in the table, which is what `tests/rules/coverage_test.ts` scans for.
 *
 * @example
 * ```ts
 * ruleTable("access", ACCESS_RULESET, {
 *   "access/no-2fa": { fires: input({ ... }), clean: input({}) },
 * });
 * ```
 * @module
 */
import { assert, assertEquals } from "../_assert.ts";
import { type Finding, type Rule, runRules } from "../../rules/types.ts";

/** One rule's case: where it fires (optionally checking the findings) and where it does not. */
export interface RuleCase<I> {
  fires: I;
  clean: I;
  /** Extra checks on the rule's findings for `fires`. */
  check?: (findings: Finding[]) => void;
}

/**
 * Register one test that runs every case of a module's table against its rule set.
 *
 * @example
 * ```ts
 * ruleTable("novelty", NOVELTY_RULESET, { "content/new-binary-file-type": { fires, clean } });
 * ```
 */
export function ruleTable<I>(
  module: string,
  rules: readonly Rule<I>[],
  table: Record<string, RuleCase<I> | (() => Promise<RuleCase<I>>)>,
): void {
  Deno.test(`${module}: every rule fires on its case and not on the clean one`, async () => {
    assertEquals(Object.keys(table).sort(), rules.map((r) => r.meta.id).sort(), "table = rule set");
    for (const rule of rules) {
      const id = rule.meta.id;
      const entry = table[id];
      const c = typeof entry === "function" ? await entry() : entry;
      const fired = rule.evaluate(c.fires);
      assert(fired.length > 0, `${id} does not fire on its case`);
      assert(fired.every((f) => f.rule === id && f.severity), `${id}: foreign findings`);
      // The whole set, run as a job runs it, raises it too.
      assert(runRules(rules, c.fires).some((f) => f.rule === id), `${id} lost in runRules`);
      c.check?.(fired);
      assertEquals(rule.evaluate(c.clean), [], `${id} fires on the clean case`);
    }
  });
}
