/**
 * The input shared by the controls rule modules (`rules/secrets.ts`, `rules/settings.ts`,
 * `rules/codebase.ts`): the repo job's observation, the project, and the default branch's
 * workflows already parsed by the job.
 *
 * @example
 * ```ts
 * const input: ControlsInput = { data: observation.data, project, workflows };
 * ```
 * @module
 */
import type { Project } from "../src/config.ts";
import type { RepoPosture } from "../src/observations/repo.ts";
import type { Workflow, WorkflowJob } from "../src/observations/workflow.ts";

export type { Workflow, WorkflowJob };

/** What the controls rules judge. */
export interface ControlsInput {
  data: RepoPosture;
  project: Project;
  /** The default branch's workflows, parsed in collection (the tag's are in `data.controls`). */
  workflows: readonly Workflow[];
}

/** Bound a text for a message. */
export function clip(text: string, max = 120): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
