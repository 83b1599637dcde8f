/**
 * Minimal assertions for the ledger tests (JSR, home of @std/assert, is unreachable here).
 *
 * @module
 */

/** Throws unless `cond` is truthy. */
export function assert(cond: unknown, msg = "assertion failed"): asserts cond {
  if (!cond) throw new Error(msg);
}

/** Throws if `cond` is truthy. */
export function assertFalse(cond: unknown, msg = "expected false"): void {
  if (cond) throw new Error(msg);
}

/** Deep equality through JSON (enough for the plain data these tests compare). */
export function assertEquals(actual: unknown, expected: unknown, msg?: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${msg ? msg + ": " : ""}expected ${e}, got ${a}`);
}

/** Throws unless `text` contains `part`. */
export function assertStringIncludes(text: string, part: string, msg?: string): void {
  if (!text.includes(part)) {
    throw new Error(`${msg ? msg + ": " : ""}expected ${JSON.stringify(text)} to include ${part}`);
  }
}

/** Resolves with the error if `fn` rejects, else throws. */
export async function assertRejects(fn: () => Promise<unknown>, includes?: string): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    if (includes && !err.message.includes(includes)) {
      throw new Error(`expected error including ${JSON.stringify(includes)}, got ${err.message}`);
    }
    return err;
  }
  throw new Error("expected rejection");
}

/** Returns the error if `fn` throws, else throws. */
export function assertThrows(fn: () => unknown, includes?: string): Error {
  try {
    fn();
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    if (includes && !err.message.includes(includes)) {
      throw new Error(`expected error including ${JSON.stringify(includes)}, got ${err.message}`);
    }
    return err;
  }
  throw new Error("expected throw");
}
