/**
 * Helpers shared by the rule modules.
 *
 * @module
 */
import type { Finding } from "./types.ts";

/**
 * Wrap a pure helper that judges one input for several rules, so that the rules of a rule set
 * that share it compute it once per input (by identity) instead of once per rule. The result
 * depends only on the input, so caching it changes nothing but the cost.
 *
 * @example
 * ```ts
 * const all = oncePerInput((input: ParityInput) => parityFindings(input.data, input.project));
 * const rules = [defineRule(TAG_MISSING, all), defineRule(ASSET_MISSING, all)];
 * ```
 */
export function oncePerInput<I extends object>(
  judge: (input: I) => Finding[],
): (input: I) => Finding[] {
  const cache = new WeakMap<I, Finding[]>();
  return (input: I) => {
    let findings = cache.get(input);
    if (!findings) {
      findings = judge(input);
      cache.set(input, findings);
    }
    return findings;
  };
}
