/**
 * Turn the bytes of a workflow file into one observation (`WorkflowFile`): decoded as strict
 * UTF-8, bounded, parsed. A file that cannot be decoded or parsed is an observation with an
 * `error` (the rules report it as `workflows/invalid-workflow`), never an exception that hides
 * the other files. The `repo` job and `check-workflows` both read files through here.
 *
 * @example
 * ```ts
 * const file = readWorkflowBytes(".github/workflows/release.yml", await Deno.readFile(p));
 * file.workflow?.events; // ["release"]
 * ```
 * @module
 */
import type { WorkflowFile } from "../observations/workflow.ts";
import { MAX_WORKFLOW_BYTES, parseWorkflow } from "./parse.ts";

/** Where a file came from, kept in the observation. */
export interface WorkflowSource {
  sha?: string;
}

/**
 * Decode and parse one workflow file.
 *
 * @example
 * ```ts
 * readWorkflowBytes("a.yml", new Uint8Array([0xff])).error; // "not valid UTF-8"
 * ```
 */
export function readWorkflowBytes(
  path: string,
  bytes: Uint8Array,
  source: WorkflowSource = {},
): WorkflowFile {
  const base = { path, size: bytes.byteLength, ...source };
  if (bytes.byteLength > MAX_WORKFLOW_BYTES) {
    return { ...base, error: `larger than ${MAX_WORKFLOW_BYTES} bytes` };
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return { ...base, error: "not valid UTF-8" };
  }
  return readWorkflowText(path, text, source, bytes.byteLength);
}

/**
 * Parse one workflow file already decoded.
 *
 * @example
 * ```ts
 * readWorkflowText("a.yml", "on: push\njobs: {}\n").workflow?.events; // ["push"]
 * ```
 */
export function readWorkflowText(
  path: string,
  text: string,
  source: WorkflowSource = {},
  size = new TextEncoder().encode(text).byteLength,
): WorkflowFile {
  const r = parseWorkflow(path, text);
  const base = { path, size, ...source };
  return r.ok ? { ...base, workflow: r.workflow } : { ...base, error: r.error };
}

/** YAML files that live beside workflows but are not workflows (GitHub never runs them). */
const NOT_WORKFLOWS =
  /(^|\/)(dependabot|funding|labeler|release-drafter|codecov|stale|mergify|renovate|\.pre-commit-config|\.pre-commit-hooks|\.readthedocs|mkdocs|docker-compose|zizmor|actionlint)\.ya?ml$/i;

/**
 * Whether a YAML file found while walking a folder should be judged as a workflow or action:
 * files under a `workflows/` folder and `action.yml` always are; elsewhere, files with a name
 * known not to be a workflow (`dependabot.yml`, `FUNDING.yml`, ...) and files whose text has no
 * top-level `jobs:` or `runs:` key are skipped.
 *
 * @example
 * ```ts
 * isWorkflowCandidate(".github/dependabot.yml", "version: 2\n"); // false
 * isWorkflowCandidate(".github/workflows/ci.yml", "jobs: ["); // true (reported as invalid)
 * ```
 */
export function isWorkflowCandidate(path: string, text: string | undefined): boolean {
  const p = path.replaceAll("\\", "/");
  if (/(^|\/)workflows\/[^/]+\.ya?ml$/i.test(p) || /(^|\/)action\.ya?ml$/i.test(p)) return true;
  if (NOT_WORKFLOWS.test(p) || /(^|\/)ISSUE_TEMPLATE\//i.test(p)) return false;
  if (text === undefined) return true;
  return /^(jobs|runs)\s*:/m.test(text);
}
