/**
 * Where the repository's real third-party material lives (`testdata/`, see its README): the
 * tests, the demo's control scenario and the benches read it from here, never from outside the
 * repository.
 *
 * @example
 * ```ts
 * const bytes = await Deno.readFile(testdataPath("wheels/ensurepip/pip-24.2-py3-none-any.whl"));
 * ```
 * @module
 */

/** Absolute path of the repository's `testdata/` folder. */
export const TESTDATA_DIR: string = decodeURIComponent(
  new URL("../../testdata", import.meta.url).pathname,
);

/** Absolute path of a file under `testdata/`, given its path relative to that folder. */
export function testdataPath(relative: string): string {
  return `${TESTDATA_DIR}/${relative}`;
}

/**
 * The `testdata/` folder when this process may read it (no permission prompt is raised) and it
 * exists; undefined otherwise (for example a compiled binary without the repository beside it).
 *
 * @example
 * ```ts
 * const dir = readableTestdataDir(); // "/home/me/auditor/testdata" or undefined
 * ```
 */
export function readableTestdataDir(): string | undefined {
  try {
    const state = Deno.permissions.querySync({ name: "read", path: TESTDATA_DIR }).state;
    if (state !== "granted") return undefined;
    return Deno.statSync(TESTDATA_DIR).isDirectory ? TESTDATA_DIR : undefined;
  } catch {
    return undefined;
  }
}
