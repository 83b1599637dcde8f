/**
 * `auditor.toml`: parsed with smol-toml, validated with zod.
 *
 * Secrets never live in the file: they are read from the environment by
 * {@link readSecrets}. A bad config yields one line per problem, each with its key path
 * (`project[2].publisher.workflow: expected a string`).
 *
 * @example
 * ```ts
 * const config = await loadConfig("auditor.toml");
 * console.log(config.project.map((p) => p.name));
 * ```
 * @module
 */
import { registerSecrets } from "./redact.ts";
import { parse as parseToml, TomlError } from "smol-toml";
import { z } from "zod";
import { ControlsConfigSchema } from "./config_controls.ts";
import { SeveritySchema } from "../rules/types.ts";

/** Config error: one message per problem, exit code 2 at the CLI. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "ConfigError";
  }
}

const ownerRepo = z.string().regex(
  /^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}$/,
  "expected owner/repo",
);
const httpUrl = z.string().url().refine((u) => /^https?:\/\//.test(u), "expected an http(s) URL");
const hostName = z.string().regex(/^[A-Za-z0-9.-]+(:[0-9]{1,5})?$/, "expected a host name");
/** A date in a TOML file arrives as a TomlDate (a Date); a string is accepted too. */
const dateLike = z.union([z.date(), z.string()]).transform((v, ctx) => {
  const d = v instanceof Date ? new Date(v.getTime()) : new Date(v);
  if (Number.isNaN(d.getTime())) {
    ctx.addIssue({ code: "custom", message: "expected a date (YYYY-MM-DD)" });
    return z.NEVER;
  }
  return d;
});

/** The trusted publisher a project is expected to publish through. */
export const PublisherSchema = z.object({
  /** GitHub owner/repo of the publishing workflow. */
  repository: ownerRepo,
  /** Workflow file name, e.g. `release.yml`. */
  workflow: z.string().regex(/^[A-Za-z0-9._-]+\.ya?ml$/, "expected a workflow file name"),
  /** The protected GitHub environment the publish job uses (omit if none is expected). */
  environment: z.string().min(1).max(255).optional(),
}).strict();

/** Per-rule overrides: disable a rule or change its severity for one project. */
export const RuleOverrideSchema = z.object({
  enabled: z.boolean().default(true),
  severity: SeveritySchema.optional(),
}).strict();

/** Tunable policy knobs; every field has a default that matches the hardening plan. */
export const PolicySchema = z.object({
  /** `pure`: native code and impure wheels are findings; `native`: expected. */
  artifacts: z.enum(["pure", "native"]).default("pure"),
  require_sdist: z.boolean().default(true),
  require_wheel: z.boolean().default(true),
  /** A release after this many days without one is flagged. */
  dormancy_days: z.number().int().positive().default(365),
  /** Decompression-bomb limits. */
  max_uncompressed_bytes: z.number().int().positive().default(2 * 1024 ** 3),
  max_compression_ratio: z.number().int().positive().default(200),
  max_entries: z.number().int().positive().default(100_000),
  /** Release tags: `{version}` is replaced by the PyPI version. */
  tag_pattern: z.string().includes("{version}").default("v{version}"),
  /** Require trusted publishing (PEP 740 provenance) on every file. */
  require_provenance: z.boolean().default(true),
  /** Require a GitHub artifact attestation (actions/attest-build-provenance) on every file. */
  require_github_attestation: z.boolean().default(false),
  /** Require a GitHub release with every PyPI file as an asset. */
  require_github_release: z.boolean().default(true),
  /** Default-branch protection. */
  required_approvals: z.number().int().min(0).default(1),
  required_checks: z.array(z.string().max(200)).default([]),
  /** Actors allowed to bypass rulesets (`OrganizationAdmin`, `Team:123`, `Integration:456`). */
  bypass_allowed: z.array(z.string().max(200)).default([]),
  /** Extra paths CODEOWNERS must cover, beyond the release-sensitive defaults. */
  codeowners_paths: z.array(z.string().max(500)).default([]),
  min_code_owners: z.number().int().min(1).default(1),
  self_hosted_runners_allowed: z.boolean().default(false),
  /** Allow merge commits on the default branch (otherwise squash / rebase or linear history). */
  allow_merge_commits: z.boolean().default(false),
  /** Access. */
  max_admins: z.number().int().min(0).default(3),
  pypi_owner_must_be_organization: z.boolean().default(false),
}).strict();

/** An accepted risk: a rule (optionally one subject) ignored until a date, with a reason. */
export const WaiverSchema = z.object({
  rule: z.string().min(1).max(100),
  /** Exact subject, or omit to waive the rule for the whole project. */
  subject: z.string().max(2000).optional(),
  reason: z.string().min(1).max(1000),
  expires: dateLike,
}).strict();

/** Accounts that are expected to hold access. */
export const AllowListSchema = z.object({
  maintainers: z.array(z.string().max(200)).default([]),
  collaborators: z.array(z.string().max(200)).default([]),
  admins: z.array(z.string().max(200)).default([]),
}).strict();

/** One watched project. */
export const ProjectSchema = z.object({
  /** PyPI project name. */
  name: z.string().regex(
    /^[A-Za-z0-9]([A-Za-z0-9._-]{0,198}[A-Za-z0-9])?$/,
    "expected a PyPI name",
  ),
  /** GitHub owner/repo holding the source. */
  github: ownerRepo.optional(),
  default_branch: z.string().min(1).max(255).default("main"),
  publisher: PublisherSchema.optional(),
  allow: AllowListSchema.prefault({}),
  policy: PolicySchema.prefault({}),
  rules: z.record(z.string(), RuleOverrideSchema).default({}),
  waiver: z.array(WaiverSchema).default([]),
  controls: ControlsConfigSchema.prefault({}),
}).strict();

/** Where upstream services live; a sandbox or GitHub Enterprise is configured the same way. */
export const UpstreamSchema = z.object({
  pypi: httpUrl.default("https://pypi.org"),
  /** Hosts that artifact downloads may come from (redirects elsewhere are refused). */
  file_hosts: z.array(hostName).default(["files.pythonhosted.org"]),
  github_api: httpUrl.default("https://api.github.com"),
  timeout_ms: z.number().int().positive().max(600_000).default(30_000),
  max_download_bytes: z.number().int().positive().default(1024 ** 3),
  max_response_bytes: z.number().int().positive().default(32 * 1024 ** 2),
  /** Concurrent requests per upstream. */
  concurrency: z.number().int().positive().max(64).default(8),
  /**
   * Time one sweep may spend waiting for upstreams (Retry-After, rate-limit resets, backoff);
   * past it a rate-limited host is skipped for the sweep ("not observable until T").
   */
  wait_budget_ms: z.number().int().min(0).max(3_600_000).default(60_000),
  /** Retries of a 5xx or network error, with jittered exponential backoff from `retry_base_ms`. */
  retries: z.number().int().min(0).max(10).default(2),
  retry_base_ms: z.number().int().min(0).max(60_000).default(500),
  /** Consecutive failures after which a host is skipped for the rest of the sweep. */
  breaker_failures: z.number().int().positive().max(100).default(3),
}).strict();

const cron = z.string().regex(/^\S+( \S+){4}$/, "expected a 5-field cron expression");

/** Deno.cron schedules per job. */
export const SchedulesSchema = z.object({
  pypi: cron.default("*/10 * * * *"),
  releases: cron.default("*/30 * * * *"),
  repo: cron.default("0 * * * *"),
  access: cron.default("0 * * * *"),
  /**
   * Time budget of one scheduled run, in milliseconds: a run stops starting projects after it
   * and the next run resumes from the cursor (`["cursor", job]` in KV). 0 = no budget.
   */
  budget_ms: z.number().int().min(0).max(86_400_000).default(240_000),
  /** Lifetime of a job's lease without renewal; a running sweep renews it every third. */
  lease_ms: z.number().int().min(1_000).max(3_600_000).default(60_000),
}).strict();

/** Ledger location. */
export const LedgerConfigSchema = z.object({
  /** `file` (local default) or `kv` (Deno Deploy). */
  store: z.enum(["file", "kv"]).default("file"),
  path: z.string().min(1).default("ledger/data"),
  /** Log origin line of checkpoints (C2SP tlog-checkpoint), e.g. `auditor.example.org/ledger`. */
  origin: z.string().min(1).max(255).regex(/^[^\s+]+$/, "expected no spaces or '+'").default(
    "localhost/release-auditor",
  ),
}).strict();

/** Deno KV location. */
export const StateConfigSchema = z.object({
  /** Path of the local KV file; `:memory:` for tests; omit on Deno Deploy. */
  path: z.string().min(1).optional().default("ledger/state.kv"),
  /** Scratch folder for downloads being inspected (emptied after each file). */
  work_dir: z.string().min(1).default("ledger/work"),
}).strict();

/** A webhook subscriber. */
export const WebhookSchema = z.object({
  url: httpUrl,
  min_severity: SeveritySchema.default("high"),
  format: z.enum(["json", "slack"]).default("json"),
  /** Name of the environment variable holding the HMAC secret. */
  secret_env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "expected an environment variable name")
    .optional(),
}).strict();

/** Status page settings. */
export const StatusSchema = z.object({
  title: z.string().max(200).default("Release auditor"),
  port: z.number().int().min(0).max(65535).default(8000),
  hostname: z.string().default("127.0.0.1"),
  /** Public URL of the page, used in feeds and badges. */
  base_url: httpUrl.optional(),
  webhook: z.array(WebhookSchema).default([]),
}).strict();

/** Sigstore trust material. Verification is offline by default. */
export const SigstoreSchema = z.object({
  /** A `trusted_root.json` replacing the public-good root embedded in @sigstore/tuf's seeds. */
  trusted_root: z.string().min(1).optional(),
  /** GitHub's `trusted_root.json` (`gh attestation trusted-root`), for attestations GitHub signed. */
  github_trusted_root: z.string().min(1).optional(),
}).strict();

/** The whole `auditor.toml`. */
export const ConfigSchema = z.object({
  upstream: UpstreamSchema.prefault({}),
  schedules: SchedulesSchema.prefault({}),
  ledger: LedgerConfigSchema.prefault({}),
  state: StateConfigSchema.prefault({}),
  status: StatusSchema.prefault({}),
  sigstore: SigstoreSchema.prefault({}),
  project: z.array(ProjectSchema).max(100_000).default([]),
}).strict().superRefine((config, ctx) => {
  const seen = new Set<string>();
  config.project.forEach((p, i) => {
    const key = normalizeName(p.name);
    if (seen.has(key)) {
      ctx.addIssue({ code: "custom", path: ["project", i, "name"], message: "duplicate project" });
    }
    seen.add(key);
  });
});

/** A validated configuration. */
export type Config = z.infer<typeof ConfigSchema>;
/** One validated project. */
export type Project = z.infer<typeof ProjectSchema>;
/** A project's policy. */
export type Policy = z.infer<typeof PolicySchema>;

/**
 * PEP 503 normalized project name.
 *
 * @example
 * ```ts
 * normalizeName("Foo_Bar.baz"); // "foo-bar-baz"
 * ```
 */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

/** Format a zod issue path as `project[2].publisher.workflow`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out || "(root)";
}

/** Turn zod issues into one line each, with the key path first. */
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
}

/**
 * Parse and validate TOML text.
 *
 * @throws {ConfigError} with one line per problem.
 */
export function parseConfig(text: string, source = "auditor.toml"): Config {
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (e) {
    const where = e instanceof TomlError ? ` (line ${e.line}, column ${e.column})` : "";
    const first = (e instanceof Error ? e.message : String(e)).split("\n")[0];
    throw new ConfigError([`${source}: invalid TOML${where}: ${first}`]);
  }
  const result = ConfigSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(formatIssues(result.error));
  return result.data;
}

/**
 * Read, parse and validate a config file.
 *
 * @throws {ConfigError} when the file is missing, unreadable or invalid.
 */
export async function loadConfig(path: string): Promise<Config> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    const denied = e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied;
    const why = e instanceof Deno.errors.NotFound
      ? "file not found"
      : denied
      ? `read access is not granted (--allow-read); \`deno task permissions --config ${path}\` ` +
        `prints the flags it needs`
      : (e as Error).name;
    throw new ConfigError([`${path}: cannot read config: ${why}`]);
  }
  return parseConfig(text, path);
}

/** Secrets, read only from the environment. */
export interface Secrets {
  githubToken?: string;
  ledgerSigningKey?: string;
  sweepToken?: string;
  webhookSecrets: Record<string, string>;
}

/**
 * Read the secrets the config refers to from the environment. Missing values are undefined;
 * a variable the process may not read (`--allow-env` list) is treated as missing.
 */
export function readSecrets(
  config: Config,
  env: (name: string) => string | undefined = safeEnv,
): Secrets {
  const webhookSecrets: Record<string, string> = {};
  for (const hook of config.status.webhook) {
    if (hook.secret_env) {
      const value = env(hook.secret_env);
      if (value) webhookSecrets[hook.secret_env] = value;
    }
  }
  const secrets: Secrets = {
    githubToken: env("GITHUB_TOKEN") || undefined,
    ledgerSigningKey: env("LEDGER_SIGNING_KEY") || undefined,
    sweepToken: env("AUDITOR_SWEEP_TOKEN") || undefined,
    webhookSecrets,
  };
  // Every secret read is known to the redactor (ledger, logs, upstream texts).
  registerSecrets([
    secrets.githubToken,
    secrets.ledgerSigningKey,
    secrets.sweepToken,
    ...Object.values(webhookSecrets),
  ]);
  return secrets;
}

/** `Deno.env.get` that returns undefined instead of throwing when env access is denied. */
export function safeEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}
