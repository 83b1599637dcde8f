/**
 * Minimal assertions for the test suite (JSR's @std/assert is not reachable from the build
 * machines). Each throws an Error with a readable message.
 *
 * @module
 */

function show(value: unknown): string {
  try {
    return Deno.inspect(value, { depth: 6, colors: false, strAbbreviateSize: 400 });
  } catch {
    return String(value);
  }
}

function equal(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return a.length === b.length && a.every((v, i) => v === b[i]);
  }
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (a instanceof Map && b instanceof Map) {
    return a.size === b.size && [...a].every(([k, v]) => b.has(k) && equal(v, b.get(k)));
  }
  if (a instanceof Set && b instanceof Set) {
    return a.size === b.size && [...a].every((v) => b.has(v));
  }
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) =>
    equal((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])
  );
}

/** Deep equality. */
export function assertEquals<T>(actual: T, expected: T, msg?: string): void {
  if (!equal(actual, expected)) {
    throw new Error(
      `${msg ? msg + ": " : ""}values differ\nactual:   ${show(actual)}\nexpected: ${
        show(expected)
      }`,
    );
  }
}

/** Deep inequality. */
export function assertNotEquals<T>(actual: T, expected: T, msg?: string): void {
  if (equal(actual, expected)) {
    throw new Error(`${msg ? msg + ": " : ""}values are equal: ${show(actual)}`);
  }
}

/** Truthiness. */
export function assert(condition: unknown, msg = "assertion failed"): asserts condition {
  if (!condition) throw new Error(msg);
}

/** `text` matches `re`. */
export function assertMatch(text: string, re: RegExp, msg?: string): void {
  if (!re.test(text)) {
    throw new Error(`${msg ? msg + ": " : ""}expected ${re} to match ${show(text.slice(0, 500))}`);
  }
}

/** `text` contains `part`. */
export function assertStringIncludes(text: string, part: string, msg?: string): void {
  if (!text.includes(part)) {
    throw new Error(`${msg ? msg + ": " : ""}expected ${show(text)} to include ${show(part)}`);
  }
}

/** The function throws an instance of `type`; returns the error. */
export function assertThrows<E extends Error>(
  fn: () => unknown,
  // deno-lint-ignore no-explicit-any
  type: new (...args: any[]) => E,
  includes?: string,
): E {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof type)) throw new Error(`expected ${type.name}, got ${show(e)}`);
    if (includes && !e.message.includes(includes)) {
      throw new Error(`expected message to include ${show(includes)}, got ${show(e.message)}`);
    }
    return e;
  }
  throw new Error(`expected ${type.name} to be thrown`);
}

/** The promise rejects with an instance of `type`; returns the error. */
export async function assertRejects<E extends Error>(
  fn: () => Promise<unknown>,
  // deno-lint-ignore no-explicit-any
  type: new (...args: any[]) => E,
  includes?: string,
): Promise<E> {
  try {
    await fn();
  } catch (e) {
    if (!(e instanceof type)) throw new Error(`expected ${type.name}, got ${show(e)}`);
    if (includes && !e.message.includes(includes)) {
      throw new Error(`expected message to include ${show(includes)}, got ${show(e.message)}`);
    }
    return e;
  }
  throw new Error(`expected ${type.name} to be rejected`);
}
