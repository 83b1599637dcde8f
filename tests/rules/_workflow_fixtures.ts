/** Shared helpers of the workflow rule tests. */
import { PolicySchema } from "../../src/config.ts";
import { runRules } from "../../rules/types.ts";
import { WORKFLOW_RULESET, type WorkflowInput } from "../../rules/workflows.ts";
import type { Workflow } from "../../src/observations/workflow.ts";
import { readWorkflowText } from "../../src/workflows/read.ts";

/** Parse YAML text into the workflow model (throws on a parse error). */
export function wf(text: string, path = "t.yml"): Workflow {
  const file = readWorkflowText(path, text);
  if (!file.workflow) throw new Error(file.error);
  return file.workflow;
}

/** Findings of every workflow rule on one text. */
export function judge(text: string, extra: Partial<WorkflowInput> = {}, path = "t.yml") {
  return runRules(WORKFLOW_RULESET, {
    files: [readWorkflowText(path, text)],
    policy: PolicySchema.parse({}),
    ...extra,
  });
}

/** Findings of one rule id on one text. */
export const only = (rule: string, text: string, extra: Partial<WorkflowInput> = {}) =>
  judge(text, extra).filter((f) => f.rule === `workflows/${rule}`);

/** A pinned checkout. */
export const CO = "actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8";
