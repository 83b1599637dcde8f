/**
 * `check-workflows PATH… [--format text|json] [--environment NAME]`: run the workflow-file
 * rules on local workflow files or folders (a pre-merge / pre-publish gate).
 *
 * Exit codes: 0 clean, 1 findings, 2 usage error or unreadable path.
 *
 * @example
 * ```ts
 * const code = await runCheckWorkflows([".github/workflows", "--format", "json"]);
 * ```
 * @module
 */
import { parseArgs } from "node:util";
import { PolicySchema } from "../config.ts";
import type { Finding } from "../../rules/types.ts";
import { checkWorkflows, invalidWorkflow } from "../../rules/workflows.ts";
import { MAX_WORKFLOW_BYTES, parseWorkflow, type Workflow } from "../workflows/parse.ts";

const HELP = `Usage: check-workflows PATH... [--format text|json] [--environment NAME]

Runs the workflow rules on GitHub Actions workflow files (or folders of them, searched
recursively for *.yml / *.yaml).

Options:
  --format text|json    Output format (default: text)
  --environment NAME    The protected environment the publish job must use
  --help                Show this help

Exit codes: 0 no findings, 1 findings, 2 usage error or unreadable path.
`;

const MAX_FILES = 1000;
const MAX_DEPTH = 6;

class UsageError extends Error {}

async function collectFiles(path: string, depth: number, out: string[]): Promise<void> {
  const info = await Deno.stat(path);
  if (info.isFile) {
    out.push(path);
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
    else if (st.isFile) out.push(child);
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
  const files: string[] = [];
  try {
    for (const p of parsed.positionals) await collectFiles(p, 0, files);
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound
      ? "not found"
      : e instanceof UsageError
      ? e.message
      : (e as Error).name;
    console.error(`check-workflows: cannot read ${parsed.positionals.join(" ")}: ${why}`);
    return 2;
  }
  const workflows: Workflow[] = [];
  const findings: Finding[] = [];
  for (const file of files) {
    let text: string;
    try {
      const info = await Deno.stat(file);
      if (info.size > MAX_WORKFLOW_BYTES) {
        findings.push(invalidWorkflow(file, `larger than ${MAX_WORKFLOW_BYTES} bytes`, "local"));
        continue;
      }
      text = new TextDecoder("utf-8", { fatal: true }).decode(await Deno.readFile(file));
    } catch (e) {
      console.error(`check-workflows: cannot read ${file}: ${(e as Error).name}`);
      return 2;
    }
    let result;
    try {
      result = parseWorkflow(file, text);
    } catch (e) {
      console.error(`check-workflows: ${(e as Error).message}`);
      return 2;
    }
    if (result.ok) workflows.push(result.workflow);
    else findings.push(invalidWorkflow(file, result.error, "local"));
  }
  const policy = PolicySchema.parse({});
  findings.push(
    ...checkWorkflows(workflows, policy, {
      environment: parsed.values.environment,
      scope: "local",
    }),
  );
  if (format === "json") {
    console.log(JSON.stringify({ files: files.length, findings }, null, 2));
  } else {
    console.log(formatText(findings, files.length));
  }
  return findings.length > 0 ? 1 : 0;
}

if (import.meta.main) Deno.exit(await runCheckWorkflows(Deno.args));
