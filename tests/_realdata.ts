/**
 * Locate `../shared/realdata` (real third-party data that tests read in place, never copy).
 * `REALDATA_DIR` overrides the location.
 *
 * @example
 * ```ts
 * const bytes = await Deno.readFile(realdata("wheels/ensurepip/pip-24.2-py3-none-any.whl"));
 * ```
 * @module
 */
const fromEnv = (() => {
  try {
    return Deno.env.get("REALDATA_DIR");
  } catch {
    return undefined;
  }
})();

/** Absolute path of the realdata folder. */
export const REALDATA_DIR: string = fromEnv ??
  new URL("../../shared/realdata", import.meta.url).pathname;

/** Absolute path of a file under realdata. */
export function realdata(relative: string): string {
  return `${REALDATA_DIR}/${relative}`;
}
