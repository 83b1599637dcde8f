/**
 * release-auditor: watches Python packages' releases and the controls around them, and
 * records every change in a signed, verifiable ledger.
 *
 * `main.ts <command> [options]`; `main.ts <command> --help` for each command.
 *
 * @module
 */
import { redact } from "./src/redact.ts";
import { ConfigError } from "./src/config.ts";
import { UsageError } from "./src/runtime.ts";
import { runAudit } from "./src/cli/audit.ts";
import { runDemo } from "./src/cli/demo.ts";
import { runServe } from "./src/cli/serve.ts";
import { runRules } from "./src/cli/rules.ts";
import { runLedger } from "./src/cli/ledger.ts";
import { runAccess } from "./src/cli/access.ts";
import { runInspect } from "./src/cli/inspect.ts";
import { runProvenance } from "./src/cli/provenance.ts";
import { runCheckWorkflows } from "./src/cli/check_workflows.ts";
import { runPermissions } from "./src/cli/permissions.ts";

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  audit: runAudit,
  serve: runServe,
  demo: runDemo,
  inspect: runInspect,
  "check-workflows": runCheckWorkflows,
  provenance: runProvenance,
  ledger: runLedger,
  access: runAccess,
  rules: runRules,
  permissions: runPermissions,
};

const HELP = `release-auditor: audits Python package releases and the controls around them.

Usage: main.ts <command> [options]

Commands:
  audit             run the audit jobs once (text, JSON or SARIF; exit codes for CI)
  serve             run the scheduled jobs and the status page
  demo              sweep the bundled sandbox, verify the ledger, serve the status page
  inspect           run the content rules on local artifacts (pre-publish gate)
  check-workflows   run the workflow rules on local workflow files (pre-merge gate)
  provenance        verify one artifact's PEP 740 provenance
  ledger            verify | show | tail | export | checkpoint | prove | keygen
  access            who could push or publish on a date, from the ledger
  rules             print the rule catalog
  permissions       print the Deno permission flags a command needs for a config

Exit codes: 0 ok; 1 findings (or a failed verification); 2 usage or config error;
3 incomplete (an upstream could not be read).

Run \`main.ts <command> --help\` for a command's options.`;

/** Run a command line; returns the exit code. Errors become one line on stderr. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "-h" || command === "help") {
    console.log(HELP);
    return command ? 0 : 2;
  }
  const run = COMMANDS[command];
  if (!run) {
    console.error(`unknown command ${JSON.stringify(command.slice(0, 50))}; see main.ts --help`);
    return 2;
  }
  try {
    return await run(rest);
  } catch (e) {
    return reportError(e);
  }
}

/** Print an error as one line (or one line per config problem) and pick its exit code. */
export function reportError(e: unknown): number {
  if (e instanceof ConfigError) {
    for (const line of e.problems) console.error(`config: ${line}`);
    return 2;
  }
  if (e instanceof UsageError) {
    console.error(`error: ${e.message}`);
    return 2;
  }
  if (e instanceof TypeError && "code" in e && String(e.code).startsWith("ERR_PARSE_ARGS")) {
    console.error(`error: ${e.message}`);
    return 2;
  }
  if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
    console.error(`error: permission denied: ${e.message.split("\n")[0]}`);
    return 2;
  }
  const name = e instanceof Error ? e.name : "Error";
  const message = e instanceof Error ? e.message.split("\n")[0] : String(e);
  console.error(redact(`error: ${name}: ${message}`).slice(0, 520));
  return 3;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
