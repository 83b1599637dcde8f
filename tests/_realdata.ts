/**
 * Real third-party material for tests, kept in the repository's `testdata/` (its README names
 * each file's origin and licence; `SHA256SUMS` is checked by `tests/testdata_test.ts`).
 *
 * @example
 * ```ts
 * const bytes = await Deno.readFile(realdata("wheels/ensurepip/pip-24.2-py3-none-any.whl"));
 * ```
 * @module
 */
import { TESTDATA_DIR, testdataPath } from "../src/sandbox/testdata.ts";

/** Absolute path of the folder holding the real material (`testdata/`). */
export const REALDATA_DIR: string = TESTDATA_DIR;

/** Absolute path of a file of real material, by its path under `testdata/`. */
export function realdata(relative: string): string {
  return testdataPath(relative);
}
