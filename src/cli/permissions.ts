/**
 * `main.ts permissions`: print the narrowest Deno permission flags a command needs for a given
 * config: the upstream hosts (and webhook hosts, the listening address for `serve`), the ledger
 * and state paths, and the environment variables it reads. docs/permissions.md explains each.
 *
 * @example
 * ```sh
 * deno run $(deno task -q permissions --config auditor.toml --command audit) main.ts audit
 * ```
 * @module
 */
import { parseArgs } from "node:util";
import { type Config, loadConfig } from "../config.ts";
import { UsageError } from "../runtime.ts";
import { stateLocation } from "../runtime.ts";
import { NO_WORK_DIR } from "../../jobs/pypi_content.ts";
import { assetHosts, attestationBundleHosts } from "../github/releases.ts";

/** Commands whose permissions depend on the config. */
export const PERMISSION_COMMANDS = ["audit", "serve"] as const;
/** See {@link PERMISSION_COMMANDS}. */
export type PermissionCommand = typeof PERMISSION_COMMANDS[number];

/** The permission lists of one command. */
export interface Permissions {
  net: string[];
  read: string[];
  write: string[];
  env: string[];
}

const HELP =
  `Usage: main.ts permissions [--config FILE] [--command audit|serve] [--format flags|json] [--task]

Print the Deno permission flags a command needs for this config (see docs/permissions.md).

Options:
  --config FILE     config file (default: auditor.toml)
  --command NAME    audit | serve (default: audit)
  --format FORMAT   flags (one line for deno run) | json (default: flags)
  --task            the deno.json task form: read access to the project folder (.)`;

/** `host` or `host:port` of a URL, as `--allow-net` wants it (default ports omitted). */
export function netHost(url: string): string {
  const u = new URL(url);
  return u.port ? `${u.hostname}:${u.port}` : u.hostname;
}

function parentOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i > 0 ? path.slice(0, i) : ".";
}

/** Drop entries covered by another entry (a folder covers what is below it). */
function minimalPaths(paths: string[]): string[] {
  const norm = [...new Set(paths.map((p) => p.replace(/\/+$/, "").replace(/^\.\//, "") || "."))];
  return norm.filter((p) =>
    !norm.some((q) =>
      q !== p && (q === "." ? !p.startsWith("/") && !p.startsWith("..") : p.startsWith(`${q}/`))
    )
  ).sort();
}

/** Options of {@link permissionsFor}. */
export interface PermissionsOptions {
  /**
   * The `deno task` form: read access to the whole project folder (`.`), so the tasks read a
   * config anywhere under it (`--config other.toml`); writes stay as narrow as ever.
   */
  task?: boolean;
}

/**
 * The permissions `command` needs with `config` read from `configPath` (pure).
 *
 * @example
 * ```ts
 * permissionsFor(config, "audit", "auditor.toml").net;
 * // ["api.github.com", "files.pythonhosted.org", "github.com", "objects.githubusercontent.com", …]
 * ```
 */
export function permissionsFor(
  config: Config,
  command: PermissionCommand,
  configPath: string,
  opts: PermissionsOptions = {},
): Permissions {
  const net = new Set<string>([
    netHost(config.upstream.pypi),
    netHost(config.upstream.github_api),
    // Release assets (checksum files, assets listed without a digest) and attestation bundles
    // the attestations API only links are read from these.
    ...assetHosts(config.upstream.github_api),
    ...attestationBundleHosts(config.upstream.github_api),
    ...config.upstream.file_hosts,
  ]);
  const env = new Set(["LEDGER_SIGNING_KEY", "GITHUB_TOKEN"]);
  const read: string[] = opts.task ? [".", configPath] : [configPath];
  const write: string[] = [];
  if (config.ledger.store === "file") {
    read.push(config.ledger.path);
    write.push(config.ledger.path);
  }
  const state = stateLocation(config.state.path);
  if (state === "file") {
    // SQLite keeps -wal and -shm files beside the database: grant its folder.
    const dir = parentOf(config.state.path!);
    read.push(dir);
    write.push(dir);
  } else if (state === "remote") {
    net.add(netHost(config.state.path!));
    env.add("DENO_KV_ACCESS_TOKEN");
  }
  if (config.state.work_dir !== NO_WORK_DIR) {
    read.push(config.state.work_dir);
    write.push(config.state.work_dir);
  }
  if (command === "serve") {
    net.add(`${config.status.hostname}:${config.status.port}`);
    env.add("AUDITOR_SWEEP_TOKEN");
    for (const hook of config.status.webhook) {
      net.add(netHost(hook.url));
      if (hook.secret_env) env.add(hook.secret_env);
    }
  }
  return {
    net: [...net].sort(),
    read: minimalPaths(read),
    write: minimalPaths(write),
    env: [...env].sort(),
  };
}

/**
 * Hosts of `hosts` this process may not connect to (`--allow-net`), found before anything runs
 * instead of as retries and "unknown" ledger entries later.
 *
 * @example
 * ```ts
 * missingNetHosts(["pypi.org", "127.0.0.1:8000"]); // ["pypi.org"] under --allow-net=127.0.0.1
 * ```
 */
export function missingNetHosts(hosts: string[]): string[] {
  return [...new Set(hosts)].filter((host) => {
    try {
      return Deno.permissions.querySync({ name: "net", host }).state !== "granted";
    } catch {
      return true;
    }
  });
}

/**
 * Refuse to start when a host is missing from `--allow-net` (one line, exit 2).
 *
 * @throws {UsageError} naming the hosts, then `hint` (what to do about it).
 * @example
 * ```ts
 * checkNetPermissions(permissionsFor(config, "audit", path).net, "see deno task permissions");
 * ```
 */
export function checkNetPermissions(hosts: string[], hint: string): void {
  const missing = missingNetHosts(hosts);
  if (missing.length === 0) return;
  throw new UsageError(
    `network access to ${missing.slice(0, 5).join(", ")} is not granted (--allow-net): ${hint}`,
  );
}

/** Variables libraries look up that the auditor answers as unset (`--ignore-env`). */
export const IGNORED_ENV = ["LOG_TOKENS", "LOG_STREAM"];

/**
 * The permissions as `deno run` flags (with `--no-prompt`, so a missing permission fails
 * instead of asking).
 */
export function permissionFlags(p: Permissions): string[] {
  const flags = [`--allow-net=${p.net.join(",")}`, `--allow-read=${p.read.join(",")}`];
  if (p.write.length) flags.push(`--allow-write=${p.write.join(",")}`);
  // The YAML parser (workflow files) reads these; they are answered "unset", never read.
  flags.push(`--allow-env=${p.env.join(",")}`, `--ignore-env=${IGNORED_ENV.join(",")}`);
  flags.push("--no-prompt");
  return flags;
}

/** Entry point of `main.ts permissions`. */
export async function runPermissions(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: "string", default: "auditor.toml" },
      command: { type: "string", default: "audit" },
      format: { type: "string", default: "flags" },
      task: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!(PERMISSION_COMMANDS as readonly string[]).includes(values.command)) {
    throw new UsageError(`--command: expected one of ${PERMISSION_COMMANDS.join(", ")}`);
  }
  if (values.format !== "flags" && values.format !== "json") {
    throw new UsageError("--format: expected flags or json");
  }
  const config = await loadConfig(values.config);
  const p = permissionsFor(config, values.command as PermissionCommand, values.config, {
    task: values.task,
  });
  console.log(values.format === "json" ? JSON.stringify(p, null, 2) : permissionFlags(p).join(" "));
  return 0;
}

/**
 * The one-line hint that names the command printing a config's flags.
 *
 * @example
 * ```ts
 * permissionsHint("my.toml", "audit");
 * // "`deno task permissions --config my.toml --command audit` prints the flags this config needs"
 * ```
 */
export function permissionsHint(configPath: string, command: PermissionCommand): string {
  return `\`deno task permissions --config ${configPath} --command ${command}\` prints the flags ` +
    `this config needs`;
}
