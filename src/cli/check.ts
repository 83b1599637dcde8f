/**
 * `main.ts check NAME`: audit one PyPI project with no config, the way `scorecard --repo` and
 * `guarddog pypi scan` work. It infers the GitHub repository and the expected trusted publisher
 * (`src/cli/infer.ts`), says what it inferred, writes a config into a working folder, runs
 * every job and prints the report. The ledger and state live in that folder: a fresh one under
 * `out/check/` that is removed afterwards, or `--dir D` (kept).
 *
 * @example
 * ```sh
 * deno task check sampleproject --format json
 * ```
 * @module
 */
import { parseArgs } from "node:util";
import { stringify } from "smol-toml";
import { type Config, parseConfig, ProjectSchema, readSecrets } from "../config.ts";
import { JOBS, SEVERITIES, type Severity } from "../../rules/types.ts";
import { openRuntime, UsageError } from "../runtime.ts";
import { auditOnce, exitCodeFor, incompleteLines, printReport } from "./audit.ts";
import { describeInference, inferProject, type Inferred } from "./infer.ts";
import { resolveSigningKey } from "./signing_key.ts";
import { checkNetPermissions, netHost } from "./permissions.ts";

const HELP = `Usage: main.ts check NAME [options]

Audit one PyPI project with no config: infer its GitHub repository (project URLs) and its
trusted publisher (the newest release's PEP 740 provenance), say what was inferred, run every
job and print the report. \`main.ts init NAME\` writes the same into auditor.toml.

Options:
  --format FORMAT      text | json | sarif (default: text)
  --fail-on SEVERITY   info | low | medium | high | critical (default: high)
  --dir PATH           keep the ledger, state and config here (default: a temporary folder
                       under out/check/, removed afterwards)
  --pypi URL           PyPI base URL (default: https://pypi.org)
  --github-api URL     GitHub API base URL (default: https://api.github.com)
  --file-host HOST     host artifacts may be downloaded from (repeatable; default:
                       files.pythonhosted.org, or the --pypi host when --pypi is given)

Exit codes: 0 ok; 1 findings at or above --fail-on; 2 usage error, or no repository named;
3 incomplete (an upstream could not be read).`;

/** Parsed `check` (and `init`) upstream options. */
export interface UpstreamOptions {
  pypi: string;
  githubApi: string;
  fileHosts: string[];
}

/** Parsed `check` options. */
export interface CheckOptions extends UpstreamOptions {
  name: string;
  format: "text" | "json" | "sarif";
  failOn: Severity;
  dir?: string;
}

/** `parseArgs` options shared by `check` and `init`. */
export const UPSTREAM_ARGS = {
  pypi: { type: "string", default: "https://pypi.org" },
  "github-api": { type: "string", default: "https://api.github.com" },
  "file-host": { type: "string", multiple: true, default: [] as string[] },
} as const;

/** Validate the upstream flags. @throws {UsageError} */
export function upstreamOptions(
  values: { pypi: string; "github-api": string; "file-host": string[] },
): UpstreamOptions {
  for (const [flag, url] of [["--pypi", values.pypi], ["--github-api", values["github-api"]]]) {
    if (!/^https?:\/\/[^\s/]+/i.test(url) || !URL.canParse(url)) {
      throw new UsageError(`${flag}: expected an http(s) URL`);
    }
  }
  const pypi = values.pypi.replace(/\/+$/, "");
  const fileHosts = values["file-host"].length
    ? values["file-host"]
    : pypi === "https://pypi.org"
    ? ["files.pythonhosted.org"]
    : [netHost(pypi)];
  return { pypi, githubApi: values["github-api"].replace(/\/+$/, ""), fileHosts };
}

/** Check a PyPI project name (the config's own rule). @throws {UsageError} */
export function checkProjectName(name: string): string {
  if (!ProjectSchema.shape.name.safeParse(name).success) {
    throw new UsageError(`${JSON.stringify(name.slice(0, 100))}: not a PyPI project name`);
  }
  return name;
}

/** Parse `check` arguments. @throws {UsageError} */
export function parseCheckArgs(args: string[]): CheckOptions | "help" {
  const { values, positionals } = parseArgs({
    args,
    options: {
      format: { type: "string", default: "text" },
      "fail-on": { type: "string", default: "high" },
      dir: { type: "string" },
      ...UPSTREAM_ARGS,
      help: { type: "boolean", default: false },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) return "help";
  if (positionals.length !== 1) throw new UsageError("check: expected one project name");
  if (!["text", "json", "sarif"].includes(values.format)) {
    throw new UsageError("--format: expected text, json or sarif");
  }
  if (!(SEVERITIES as readonly string[]).includes(values["fail-on"])) {
    throw new UsageError(`--fail-on: expected one of ${SEVERITIES.join(", ")}`);
  }
  return {
    name: checkProjectName(positionals[0]),
    format: values.format as CheckOptions["format"],
    failOn: values["fail-on"] as Severity,
    dir: values.dir?.replace(/\/+$/, ""),
    ...upstreamOptions(values),
  };
}

/** The `[[project]]` entry for what was inferred (TOML-able). */
export function projectEntry(inferred: Inferred): Record<string, unknown> {
  return {
    name: inferred.name,
    ...(inferred.repository ? { github: inferred.repository.repo } : {}),
    ...(inferred.publisher ? { publisher: inferred.publisher } : {}),
    allow: { maintainers: inferred.maintainers },
  };
}

/** The config `check` runs with (TOML and parsed): the inferred project, all kept in `dir`. */
export function checkConfig(
  upstream: UpstreamOptions,
  inferred: Inferred,
  dir: string,
): { toml: string; config: Config } {
  const toml = stringify({
    upstream: {
      pypi: upstream.pypi,
      github_api: upstream.githubApi,
      file_hosts: upstream.fileHosts,
    },
    ledger: { store: "file", path: `${dir}/ledger`, origin: "localhost/release-auditor-check" },
    state: { path: `${dir}/state.kv`, work_dir: `${dir}/work` },
    project: [projectEntry(inferred)],
  });
  return { toml, config: parseConfig(toml, `${dir}/auditor.toml`) };
}

/**
 * Run `fn` on `path`; a missing permission becomes one line naming the flag that grants it.
 *
 * @throws {UsageError}
 * @example
 * ```ts
 * await withAccess("--dir", "/srv/check", "write", () => Deno.mkdir("/srv/check"));
 * ```
 */
export async function withAccess<T>(
  option: string,
  path: string,
  access: "read" | "write",
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
      throw new UsageError(
        `${option} ${path}: ${access} access is not granted; run with --allow-${access}=${path}`,
      );
    }
    throw e;
  }
}

async function workDir(dir: string | undefined): Promise<{ dir: string; temporary: boolean }> {
  if (dir) {
    await withAccess("--dir", dir, "write", () => Deno.mkdir(dir, { recursive: true }));
    return { dir, temporary: false };
  }
  await Deno.mkdir("out/check", { recursive: true });
  return { dir: await Deno.makeTempDir({ dir: "out/check", prefix: "check-" }), temporary: true };
}

/** Entry point of `main.ts check`. */
export async function runCheck(args: string[]): Promise<number> {
  const opts = parseCheckArgs(args);
  if (opts === "help") {
    console.log(HELP);
    return 0;
  }
  const { dir, temporary } = await workDir(opts.dir);
  try {
    const probe = await checkConfigFor(opts, dir);
    // The working folder's own key file signs its ledger (LEDGER_SIGNING_KEY is for yours).
    const secrets = { ...readSecrets(probe.config), ledgerSigningKey: undefined };
    const signing = await resolveSigningKey(probe.config, secrets, () => {});
    const rt = await openRuntime(probe.config, signing.secrets, { keySource: signing.source });
    try {
      const report = await auditOnce(rt, [...JOBS], []);
      // JSON carries what was inferred beside the report (the audit report's fields unchanged).
      if (opts.format === "json") {
        console.log(JSON.stringify({ ...report, inferred: probe.inferred }, null, 2));
      } else printReport(report, opts.format, `${dir}/auditor.toml`);
      for (const line of incompleteLines(report)) console.error(line);
      if (!temporary) console.error(`check: ledger, state and config kept in ${dir}`);
      return exitCodeFor(report, opts.failOn);
    } finally {
      await rt.close();
    }
  } finally {
    if (temporary) await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** Infer, say what was inferred (stderr), and write the config `check` runs with. */
async function checkConfigFor(
  opts: CheckOptions,
  dir: string,
): Promise<{ config: Config; inferred: Inferred }> {
  const hosts = [netHost(opts.pypi), netHost(opts.githubApi), ...opts.fileHosts];
  checkNetPermissions(hosts, `run it with --allow-net=${[...new Set(hosts)].join(",")}`);
  const kv = await Deno.openKv(":memory:");
  let inferred: Inferred;
  try {
    inferred = await inferProject(opts.name, { pypi: opts.pypi, timeoutMs: 30_000 }, kv);
  } finally {
    kv.close();
  }
  console.error(`check: inferred from ${opts.pypi} (review before relying on it):`);
  for (const line of describeInference(inferred)) console.error(`check: ${line}`);
  console.error(
    "check: allow lists: the PyPI roles above; GitHub collaborators and admins are not " +
      "inferred (each one is a finding to review)",
  );
  const { toml, config } = checkConfig(opts, inferred, dir);
  await Deno.writeTextFile(`${dir}/auditor.toml`, toml);
  return { config, inferred };
}
