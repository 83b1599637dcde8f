/**
 * `check-workflows PATH… [--format text|json] [--environment NAME]`: run the workflow-file
 * rules on local workflow files or folders (a pre-merge / pre-publish gate).
 *
 * Exit codes: 0 clean, 1 findings (an unreadable or invalid file is one), 2 usage error or a
 * path that does not exist.
 *
 * @example
 * ```ts
 * const code = await runCheckWorkflows([".github/workflows", "--format", "json"]);
 * ```
 * @module
 */
import { parseArgs } from "node:util";
import { PolicySchema } from "../config.ts";
import { type Finding, runRules } from "../../rules/types.ts";
import { WORKFLOW_RULESET } from "../../rules/workflows.ts";
import type { WorkflowFile } from "../observations/workflow.ts";
import { MAX_WORKFLOW_BYTES } from "../workflows/parse.ts";
import { isWorkflowCandidate, readWorkflowBytes } from "../workflows/read.ts";

const HELP = `Usage: check-workflows PATH... [--format text|json] [--environment NAME]

Runs the workflow rules on GitHub Actions workflow files and composite actions (or folders
of them, searched recursively for *.yml / *.yaml; YAML files in a folder that are not
workflows, such as dependabot.yml, are skipped). A file that is not UTF-8 or not valid YAML
is reported as workflows/invalid-workflow; the other files are still checked.

Options:
  --format text|json    Output format (default: text)
  --environment NAME    The protected environment the publish job must use
  --help                Show this help

The online checks of the scheduled sweep (impostor commits, actions with advisories) need the
GitHub API and are not run here.

Exit codes: 0 no findings, 1 findings (an unreadable or invalid file is one), 2 usage error or
a path that does not exist.
`;

/** A file to check; `found` when it was discovered by walking a folder. */
interface Candidate {
  path: string;
  found: boolean;
}

const MAX_FILES = 1000;
const MAX_DEPTH = 6;

class UsageError extends Error {}

async function collectFiles(path: string, depth: number, out: Candidate[]): Promise<void> {
  const info = await Deno.stat(path);
  if (info.isFile) {
    out.push({ path, found: depth > 0 });
    return;
  }
  if (!info.isDirectory || depth > MAX_DEPTH) return;
  const names: string[] = [];
  for await (const entry of Deno.readDir(path)) {
    if (entry.isDirectory || /\.ya?ml$/i.test(entry.name)) names.push(entry.name);
  }
  names.sort();
  for (const name of names) {
    if (out.length >= MAX_FILES) throw new UsageError(`more than ${MAX_FILES} files`);
    const child = `${path.replace(/\/+$/, "")}/${name}`;
    const st = await Deno.lstat(child);
    if (st.isSymlink) continue;
    if (st.isDirectory) await collectFiles(child, depth + 1, out);
    else if (st.isFile) out.push({ path: child, found: true });
  }
}

function formatText(findings: Finding[], files: number): string {
  const lines = findings.map((f) => {
    const line = typeof f.evidence?.line === "number" ? `:${f.evidence.line}` : "";
    const path = f.subject.split("#")[0];
    return `${path}${line}: ${f.severity} ${f.rule}: ${f.message}`;
  });
  lines.push(`${findings.length} finding(s) in ${files} file(s)`);
  return lines.join("\n");
}

/**
 * Read one candidate into an observation; undefined when a discovered file is not a workflow.
 * An unreadable file (permissions, a race) is an observation with an error, so the other files
 * are still judged; only a parser that cannot run at all (YamlEnvironmentError) throws.
 */
async function readCandidate(c: Candidate): Promise<WorkflowFile | undefined> {
  let bytes: Uint8Array;
  try {
    const info = await Deno.stat(c.path);
    if (info.size > MAX_WORKFLOW_BYTES) {
      return { path: c.path, size: info.size, error: `larger than ${MAX_WORKFLOW_BYTES} bytes` };
    }
    bytes = await Deno.readFile(c.path);
  } catch (e) {
    return { path: c.path, error: `cannot read: ${(e as Error).name}` };
  }
  if (c.found) {
    let text: string | undefined;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      text = undefined; // judged (and reported as not UTF-8) unless its name rules it out
    }
    if (!isWorkflowCandidate(c.path, text)) return undefined;
  }
  return readWorkflowBytes(c.path, bytes);
}

function oneLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0].slice(0, 300);
}

/** Entry point of `check-workflows`; returns the exit code. */
export async function runCheckWorkflows(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        format: { type: "string", default: "text" },
        environment: { type: "string" },
        help: { type: "boolean", default: false },
      },
    });
  } catch (e) {
    console.error(`check-workflows: ${(e as Error).message.split("\n")[0]}`);
    return 2;
  }
  if (parsed.values.help) {
    console.log(HELP);
    return 0;
  }
  const format = parsed.values.format;
  if (format !== "text" && format !== "json") {
    console.error("check-workflows: --format must be text or json");
    return 2;
  }
  if (parsed.positionals.length === 0) {
    console.error("check-workflows: give at least one workflow file or folder (see --help)");
    return 2;
  }
  const candidates: Candidate[] = [];
  try {
    for (const p of parsed.positionals) await collectFiles(p, 0, candidates);
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound
      ? "not found"
      : e instanceof UsageError
      ? e.message
      : (e as Error).name;
    console.error(`check-workflows: cannot read ${parsed.positionals.join(" ")}: ${why}`);
    return 2;
  }
  const observed: WorkflowFile[] = [];
  for (const c of candidates) {
    let file: WorkflowFile | undefined;
    try {
      file = await readCandidate(c);
    } catch (e) {
      console.error(`check-workflows: ${oneLine(e)}`);
      return 2;
    }
    if (file) observed.push(file);
  }
  const files = observed.length;
  const findings = runRules(WORKFLOW_RULESET, {
    files: observed,
    policy: PolicySchema.parse({}),
    environment: parsed.values.environment,
    scope: "local",
  });
  if (format === "json") {
    console.log(JSON.stringify({ files, findings }, null, 2));
  } else {
    console.log(formatText(findings, files));
  }
  return findings.length > 0 ? 1 : 0;
}

if (import.meta.main) Deno.exit(await runCheckWorkflows(Deno.args));
