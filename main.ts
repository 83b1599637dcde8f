/**
 * release-auditor: watches Python packages' releases and the controls around them, and
 * records every change in a signed, verifiable ledger.
 *
 * `main.ts <command> [options]`; `main.ts <command> --help` for each command.
 *
 * @module
 */
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
import { runCheck } from "./src/cli/check.ts";
import { runInit } from "./src/cli/init.ts";
import { reportError } from "./src/cli/report_error.ts";

export { reportError };

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  audit: runAudit,
  check: runCheck,
  init: runInit,
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
  check             audit one PyPI project with no config (infers repository and publisher)
  init              write or extend auditor.toml with inferred projects, to review
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

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
