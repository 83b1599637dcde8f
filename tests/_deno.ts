/**
 * The Deno binary for tests that start child processes: the running Deno (`Deno.execPath()`)
 * when this process may run it, else `deno` by name. The test task grants
 * `--allow-run=deno`, which Deno resolves on PATH at start-up and does not match against the
 * executable's own path when PATH holds a link to it (npx, /usr/local/bin symlinks), so by
 * name is the fallback that keeps the narrow flag working; `--allow-run` (or -A) uses the
 * running binary, which also works when no `deno` is on PATH.
 *
 * @module
 */
function runnable(command: string): boolean {
  try {
    return Deno.permissions.querySync({ name: "run", command }).state === "granted";
  } catch {
    return false;
  }
}

/** The Deno executable to spawn. */
export const DENO: string = runnable(Deno.execPath()) ? Deno.execPath() : "deno";
