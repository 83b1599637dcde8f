/**
 * `main.ts audit` as a child process with the narrow flags of the `audit` task, reading and
 * writing only `dir` (where `auditor.toml` is), talking only to 127.0.0.1.
 *
 * @module
 */
import { DENO } from "./_deno.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

/** The command; `env` is added to the child's environment. */
export function auditCommand(
  dir: string,
  env: Record<string, string>,
  args: string[],
): Deno.Command {
  return new Deno.Command(DENO, {
    args: [
      "run",
      "--quiet",
      "--no-prompt",
      "--allow-net=127.0.0.1",
      `--allow-read=${dir}`,
      `--allow-write=${dir}`,
      "--allow-env=LEDGER_SIGNING_KEY,GITHUB_TOKEN",
      "--ignore-env=LOG_TOKENS,LOG_STREAM",
      MAIN,
      "audit",
      "--config",
      `${dir}/auditor.toml`,
      ...args,
    ],
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
}
