/**
 * The typed, normalised model of a GitHub Actions workflow (or composite action) that the
 * workflow rules judge. Jobs and the `check-workflows` command build it with
 * `src/workflows/read.ts` (YAML parsing happens there, never in `rules/`); rules receive only
 * these values.
 *
 * Every string is bounded; a value that had to be cut is listed in `Workflow.partial`, so a
 * rule never calls a file clean on text it did not see.
 *
 * @example
 * ```ts
 * const file: WorkflowFile = readWorkflowBytes(".github/workflows/release.yml", bytes);
 * if (file.workflow) console.log(file.workflow.jobs.map((j) => j.id));
 * ```
 * @module
 */
import { z } from "zod";

/** Largest string value kept from a workflow (a longer one is cut and marked partial). */
export const MAX_WORKFLOW_STRING = 64 * 1024;

const text = z.string().max(MAX_WORKFLOW_STRING);
const textMap = z.record(z.string().max(1000), text);

/** `read-all`, `write-all`, or a map of scope to `read` / `write` / `none`. */
export const PermissionsSchema = z.union([
  z.literal("read-all"),
  z.literal("write-all"),
  z.record(z.string().max(100), z.string().max(100)),
]);
/** See {@link PermissionsSchema}. */
export type Permissions = z.infer<typeof PermissionsSchema>;

/** One step of a job. */
export const WorkflowStepSchema = z.object({
  index: z.number().int().min(0),
  /** 1-based line in the file, when known. */
  line: z.number().int().optional(),
  name: text.optional(),
  id: text.optional(),
  if: text.optional(),
  uses: text.optional(),
  /**
   * The version a SHA-pinned `uses:` names in its trailing comment (`# v5.0.0`, `# tag=v5`),
   * when any. Informational: a comment is not proof of what the commit is.
   */
  usesComment: z.string().max(100).optional(),
  run: text.optional(),
  shell: text.optional(),
  with: textMap,
  env: textMap,
});
/** See {@link WorkflowStepSchema}. */
export type WorkflowStep = z.infer<typeof WorkflowStepSchema>;

/** One job (or, for a composite action, the pseudo-job `(action)`). */
export const WorkflowJobSchema = z.object({
  id: z.string().max(1000),
  line: z.number().int().optional(),
  name: text.optional(),
  if: text.optional(),
  permissions: PermissionsSchema.optional(),
  /** Environment name (may be an expression). */
  environment: text.optional(),
  /** Reusable workflow called by the job. */
  uses: text.optional(),
  with: textMap,
  env: textMap,
  /** `secrets:` of a reusable-workflow call: `inherit` or a map. */
  secrets: z.union([z.literal("inherit"), textMap]).optional(),
  /** Jobs this one needs. */
  needs: z.array(z.string().max(1000)),
  /** `container:` image, when any. */
  container: text.optional(),
  /** `services.*.image` values. */
  services: z.array(text),
  /** `strategy.matrix` as JSON text, when any. */
  matrix: text.optional(),
  /** `cache-mode:` of the job (`none` switches the Actions cache off). */
  cacheMode: z.string().max(100).optional(),
  steps: z.array(WorkflowStepSchema),
});
/** See {@link WorkflowJobSchema}. */
export type WorkflowJob = z.infer<typeof WorkflowJobSchema>;

/** A parsed workflow file. */
export const WorkflowSchema = z.object({
  /** Path as given (repository path or local path). */
  path: z.string().max(2000),
  kind: z.enum(["workflow", "action"]),
  name: text.optional(),
  /** Trigger event names (`push`, `pull_request_target`, ...). */
  events: z.array(z.string().max(200)),
  /** Tag patterns of `on.push.tags`, when any. */
  pushTags: z.array(text),
  /** Branch patterns of `on.push.branches`, when any. */
  pushBranches: z.array(text),
  permissions: PermissionsSchema.optional(),
  env: textMap,
  /** Top-level `cache-mode:` (`none` switches the Actions cache off). */
  cacheMode: z.string().max(100).optional(),
  /** Input names of a composite action (`inputs:`). */
  inputs: z.array(z.string().max(1000)),
  /**
   * String-typed inputs of a reusable workflow (`on.workflow_call.inputs`), whose values the
   * caller chooses (absent when the workflow is not reusable or has none).
   */
  callInputs: z.array(z.string().max(1000)).optional(),
  /** What was cut to fit the bounds (empty when the whole file was seen). */
  partial: z.array(z.string().max(300)),
  jobs: z.array(WorkflowJobSchema),
});
/** See {@link WorkflowSchema}. */
export type Workflow = z.infer<typeof WorkflowSchema>;

/**
 * One workflow file as observed: the parsed model, or why there is none.
 * `workflow` and `error` are exclusive.
 */
export const WorkflowFileSchema = z.object({
  path: z.string().max(2000),
  /** Git blob SHA, when read from a repository. */
  sha: z.string().max(64).optional(),
  size: z.number().int().min(0).optional(),
  workflow: WorkflowSchema.optional(),
  /** Why the file could not be read or parsed (one line). */
  error: z.string().max(500).optional(),
});
/** See {@link WorkflowFileSchema}. */
export type WorkflowFile = z.infer<typeof WorkflowFileSchema>;

/** What the sweep learnt online about one pinned action reference (`owner/repo@sha`). */
export const ActionRefFactSchema = z.object({
  /** `owner/repo@ref` as written (path inside the repository removed). */
  uses: z.string().max(500),
  /**
   * Whether the pinned commit is reachable from a branch or tag of the action's repository:
   * `true`, `false` (an impostor commit), or absent when not observable.
   */
  reachable: z.boolean().optional(),
  /** Advisories that affect the referenced version (GitHub advisory database). */
  advisories: z.array(z.object({
    id: z.string().max(100),
    summary: z.string().max(500),
    severity: z.string().max(20).optional(),
    url: z.string().max(500).optional(),
  })).optional(),
});
/** See {@link ActionRefFactSchema}. */
export type ActionRefFact = z.infer<typeof ActionRefFactSchema>;

/** Finding scope of the online action checks (impostor commits, advisories) in the sweep. */
export const WORKFLOW_ONLINE_SCOPE = "repo:workflow-actions";

/**
 * The finding scope of the online checks for one action repository.
 *
 * @example
 * ```ts
 * actionScope("actions/checkout"); // "repo:workflow-actions:actions/checkout"
 * ```
 */
export function actionScope(repository: string): string {
  return `${WORKFLOW_ONLINE_SCOPE}:${repository.toLowerCase()}`;
}
