import { assertEquals } from "../_assert.ts";
import { SETTINGS_RULESET } from "../../rules/settings.ts";
import { ruleTable } from "./_rule_table.ts";
import { input, project, workflow } from "./_controls.ts";

const clean = input();

ruleTable("settings", SETTINGS_RULESET, {
  "posture/fork-pr-approval-weak": {
    fires: input({ controls: { forkApproval: "first_time_contributors" } }),
    clean,
    check: (f) => assertEquals(f[0].evidence?.expected, "all_external_contributors"),
  },
  "posture/artifact-log-retention-short": {
    fires: input({ controls: { retentionDays: 7 } }),
    clean: input({
      controls: { retentionDays: 30 },
      project: project({ controls: { min_retention_days: 30 } }),
    }),
  },
  "posture/code-scanning-off": {
    fires: input({ controls: { codeScanningDefaultSetup: "not-configured" } }),
    // A CodeQL workflow (advanced setup) counts as code scanning.
    clean: input({
      controls: { codeScanningDefaultSetup: "not-configured" },
      workflows: [workflow(
        "codeql.yml",
        "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: github/codeql-action/analyze@" +
          "a".repeat(40) + "\n",
      )],
    }),
  },
  "posture/secret-scanning-off": {
    fires: input({
      analysis: { secret_scanning: "disabled", secret_scanning_push_protection: "enabled" },
    }),
    clean,
  },
  "posture/push-protection-off": {
    fires: input({
      analysis: { secret_scanning: "enabled", secret_scanning_push_protection: "disabled" },
    }),
    clean,
  },
  "posture/dependency-graph-off": {
    fires: input({ controls: { dependencyGraph: "disabled" } }),
    // Not observed: nothing is said.
    clean: input({ controls: { dependencyGraph: undefined } }),
  },
});
