/**
 * The Deno binary for tests that start child processes. It is run by name, so that the test
 * task's `--allow-run=deno` covers it whichever way Deno was installed (npx puts its own
 * binary first on PATH).
 *
 * @module
 */
export const DENO = "deno";
