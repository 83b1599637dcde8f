/**
 * How every command reports an error: one line on stderr (one per config problem), and the
 * exit code (2 usage, config, permission or key problems; 3 anything else).
 *
 * @example
 * ```ts
 * try { return await run(args); } catch (e) { return reportError(e); }
 * ```
 * @module
 */
import { ConfigError } from "../config.ts";
import { redact } from "../redact.ts";
import { UsageError } from "../runtime.ts";
import { KeyFileError, KeyMismatchError } from "../ledger/key_file.ts";

/** Print an error as one line (or one line per config problem) and pick its exit code. */
export function reportError(e: unknown): number {
  if (e instanceof ConfigError) {
    for (const line of e.problems) console.error(`config: ${line}`);
    return 2;
  }
  if (e instanceof UsageError || e instanceof KeyFileError || e instanceof KeyMismatchError) {
    console.error(`error: ${e.message}`);
    return 2;
  }
  if (e instanceof TypeError && "code" in e && String(e.code).startsWith("ERR_PARSE_ARGS")) {
    console.error(`error: ${e.message}`);
    return 2;
  }
  if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
    console.error(
      `error: permission denied: ${e.message.split("\n")[0].slice(0, 300)} ` +
        "(`deno task permissions --config F` prints the flags a config needs)",
    );
    return 2;
  }
  const name = e instanceof Error ? e.name : "Error";
  const message = e instanceof Error ? e.message.split("\n")[0] : String(e);
  console.error(redact(`error: ${name}: ${message}`).slice(0, 520));
  return 3;
}
