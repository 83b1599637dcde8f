/**
 * Helpers shared by the rule modules.
 *
 * @module
 */
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
export function oncePerInput<I extends object, R>(judge: (input: I) => R): (input: I) => R {
  const cache = new WeakMap<I, R>();
  return (input: I) => {
    if (cache.has(input)) return cache.get(input) as R;
    const result = judge(input);
    cache.set(input, result);
    return result;
  };
}
