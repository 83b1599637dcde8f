/**
 * Strict query-parameter parsing: integers without signs, exponents or leading zeros, within a
 * range; anything else is a 400 with a one-line message.
 *
 * @module
 */

/** A client error to be answered with its status and one-line message. */
export class HttpError extends Error {
  constructor(readonly status: 400 | 401 | 404 | 409 | 413, message: string) {
    super(message);
    this.name = "HttpError";
  }
}

/** The single value of a query parameter (400 when repeated), or undefined. */
export function single(url: URL, name: string): string | undefined {
  const all = url.searchParams.getAll(name);
  if (all.length > 1) throw new HttpError(400, `${name}: given more than once`);
  return all[0];
}

/**
 * An integer query parameter in `[min, max]`, or `fallback` when absent.
 *
 * @example
 * ```ts
 * intParam(new URL("http://x/?from=3"), "from", { min: 0, max: 10 }); // 3
 * ```
 * @throws {HttpError} 400 when malformed or out of range.
 */
export function intParam(
  url: URL,
  name: string,
  range: { min: number; max: number; fallback?: number },
): number {
  const raw = single(url, name);
  if (raw === undefined || raw === "") {
    if (range.fallback !== undefined) return range.fallback;
    throw new HttpError(400, `${name}: required`);
  }
  if (!/^(0|[1-9][0-9]{0,15})$/.test(raw)) {
    throw new HttpError(400, `${name}: expected a non-negative integer`);
  }
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < range.min || n > range.max) {
    throw new HttpError(400, `${name}: out of range [${range.min}, ${range.max}]`);
  }
  return n;
}

/** Only these query parameters are allowed (400 otherwise). */
export function onlyParams(url: URL, allowed: string[]): void {
  for (const name of url.searchParams.keys()) {
    if (!allowed.includes(name)) {
      throw new HttpError(400, `unknown query parameter ${JSON.stringify(name.slice(0, 40))}`);
    }
  }
}
