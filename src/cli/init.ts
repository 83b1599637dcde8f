/**
 * `main.ts init NAME…`: write (or extend) an `auditor.toml` with what `check` infers for each
 * project: its GitHub repository, its trusted publisher, the PyPI roles held now, and TOML
 * comments saying what to review (allow lists, policy). Projects already in the file are left
 * as they are; the file's own text and comments are kept (new entries are appended). Nothing is
 * written unless every name could be inferred and the result is a valid config.
 *
 * @example
 * ```sh
 * deno task init sampleproject requests
 * ```
 * @module
 */
import { parseArgs } from "node:util";
import { type Config, normalizeName, parseConfig } from "../config.ts";
import { UsageError } from "../runtime.ts";
import { inferProject, type Inferred } from "./infer.ts";
import {
  checkProjectName,
  UPSTREAM_ARGS,
  type UpstreamOptions,
  upstreamOptions,
  withAccess,
} from "./check.ts";
import { checkNetPermissions, netHost } from "./permissions.ts";
import { reportError } from "./report_error.ts";

const HELP = `Usage: main.ts init NAME… [options]

Write (or extend) auditor.toml with each project's inferred GitHub repository and trusted
publisher (as \`main.ts check\` infers them), with comments on what to review. Projects already
in the file are left as they are.

Options:
  --config FILE        the file to write or extend (default: auditor.toml)
  --pypi URL           PyPI base URL (default: https://pypi.org)
  --github-api URL     GitHub API base URL, written into a new file's [upstream]
  --file-host HOST     artifact host (repeatable), written into a new file's [upstream]`;

const q = JSON.stringify;

/** A comment line's text from upstream data: one line, bounded. */
function comment(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, " ").slice(0, 300);
}

/**
 * The TOML text of one inferred project, with review comments.
 *
 * @example
 * ```ts
 * projectToml(inferred, new Date()); // "[[project]]\nname = \"sampleproject\"\n..."
 * ```
 */
export function projectToml(inferred: Inferred, now: Date): string {
  const day = now.toISOString().slice(0, 10);
  const lines = [
    `# ${comment(inferred.name)} ${
      comment(inferred.version)
    }: inferred by \`main.ts init\` on ${day}.`,
    "[[project]]",
    `name = ${q(inferred.name)}`,
  ];
  if (inferred.repository) {
    lines.push(
      `# Review: from ${comment(inferred.repository.from)} (${comment(inferred.repository.url)}).`,
    );
    if (inferred.otherRepositories.length) {
      lines.push(`# The URLs also name: ${comment(inferred.otherRepositories.join(", "))}.`);
    }
    lines.push(`github = ${q(inferred.repository.repo)}`);
  }
  lines.push("");
  if (inferred.publisher) {
    const p = inferred.publisher;
    lines.push(
      `# Review: ${comment(inferred.publisherNote)}.`,
      "# Is this the workflow (and environment) you publish from?",
      "[project.publisher]",
      `repository = ${q(p.repository)}`,
      `workflow = ${q(p.workflow)}`,
    );
    if (p.environment) lines.push(`environment = ${q(p.environment)}`);
    else {
      lines.push(
        "# No environment: PyPI accepts uploads from any job of the workflow. Add a protected",
        '# GitHub environment to the publisher and write it here (environment = "pypi").',
      );
    }
  } else {
    lines.push(
      `# Review: publisher ${comment(inferred.publisherNote)}.`,
      "# [project.publisher]",
      '# repository = "owner/repo"',
      '# workflow = "release.yml"',
      '# environment = "pypi"',
    );
  }
  lines.push(
    "",
    "# Review: the accounts expected to hold access; anyone else is a finding.",
    `# maintainers: the PyPI roles held on ${day}. collaborators, admins: GitHub logins.`,
    "[project.allow]",
    `maintainers = [${inferred.maintainers.map((m) => q(m)).join(", ")}]`,
    "collaborators = []",
    "admins = []",
    "",
    "# Review: the policy; the defaults follow the hardening plan (docs/rules.md).",
    "[project.policy]",
    '# artifacts = "pure"             # "native" if the project ships compiled code',
    "# require_provenance = true      # trusted publishing (PEP 740) on every file",
    "# require_github_release = true  # a GitHub release with every PyPI file",
    '# tag_pattern = "v{version}"',
    "# required_approvals = 1",
    "",
  );
  return lines.join("\n");
}

/** Header and `[upstream]` of a new file. */
export function headerToml(upstream: UpstreamOptions, now: Date): string {
  return [
    `# Written by \`main.ts init\` on ${now.toISOString().slice(0, 10)}: review every "Review:".`,
    "# Secrets never go here: GITHUB_TOKEN, LEDGER_SIGNING_KEY, AUDITOR_SWEEP_TOKEN and webhook",
    "# secrets come from the environment.",
    "",
    "[upstream]",
    `pypi = ${q(upstream.pypi)}`,
    `file_hosts = [${upstream.fileHosts.map((h) => q(h)).join(", ")}]`,
    `github_api = ${q(upstream.githubApi)}`,
    "",
  ].join("\n");
}

async function readExisting(path: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

/**
 * The new text of the config: `existing` (kept as is) plus the projects not in it yet.
 * Validated as a config before it is returned.
 *
 * @throws {ConfigError} if the result is not a valid config (nothing is written then).
 */
export function extendConfig(
  existing: string | null,
  path: string,
  upstream: UpstreamOptions,
  projects: Inferred[],
  now: Date,
): { text: string; config: Config } {
  let text = existing ?? headerToml(upstream, now);
  for (const p of projects) text += `${text.endsWith("\n\n") ? "" : "\n"}${projectToml(p, now)}`;
  return { text, config: parseConfig(text, path) };
}

/** Entry point of `main.ts init`. */
export async function runInit(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      config: { type: "string", default: "auditor.toml" },
      ...UPSTREAM_ARGS,
      help: { type: "boolean", default: false },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError("init: expected one or more project names");
  const names = positionals.map(checkProjectName);
  const upstream = upstreamOptions(values);
  const path = values.config;
  const existing = await withAccess("--config", path, "read", () => readExisting(path));
  const present = new Set(
    existing === null ? [] : parseConfig(existing, path).project.map((p) => normalizeName(p.name)),
  );
  const wanted = [...new Map(names.map((n) => [normalizeName(n), n])).values()];
  for (const n of wanted.filter((n) => present.has(normalizeName(n)))) {
    console.error(`init: ${n} is already in ${path}; left as it is`);
  }
  const todo = wanted.filter((n) => !present.has(normalizeName(n)));
  if (todo.length === 0) return 0;
  checkNetPermissions(
    [netHost(upstream.pypi)],
    `run it with --allow-net=${netHost(upstream.pypi)}`,
  );
  const inferred: Inferred[] = [];
  let worst = 0;
  const kv = await Deno.openKv(":memory:");
  try {
    for (const name of todo) {
      try {
        inferred.push(await inferProject(name, { pypi: upstream.pypi, timeoutMs: 30_000 }, kv));
      } catch (e) {
        worst = Math.max(worst, reportError(e));
      }
    }
  } finally {
    kv.close();
  }
  if (worst) {
    console.error(`init: ${path} not written`);
    return worst;
  }
  const { text } = extendConfig(existing, path, upstream, inferred, new Date());
  await withAccess("--config", path, "write", () => Deno.writeTextFile(path, text));
  for (const p of inferred) {
    const publisher = p.publisher
      ? `publisher ${p.publisher.repository} ${p.publisher.workflow}`
      : "publisher left to review (no provenance to infer it from)";
    console.error(`init: ${p.name}: github ${p.repository?.repo}, ${publisher}`);
  }
  console.error(
    `init: ${existing === null ? "wrote" : "extended"} ${path}; review the lines marked "Review:"`,
  );
  return 0;
}
