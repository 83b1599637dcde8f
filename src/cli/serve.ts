/**
 * `main.ts serve`: the long-running service. Registers one Deno.cron per job with the
 * configured schedules and serves the status page (Hono) on the configured address.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { loadConfig, readSecrets, safeEnv } from "../config.ts";
import { openRuntime, type Runtime, UsageError } from "../runtime.ts";
import { createApp } from "../web/app.tsx";
import { RULES } from "../../rules/catalog.ts";
import { registerCrons } from "../scheduler.ts";
import { JOB_REGISTRY } from "../../jobs/mod.ts";
import { jsonLinesLogger } from "../log.ts";
import { resolveSigningKey } from "./signing_key.ts";
import { reportError } from "./report_error.ts";
import { checkNetPermissions, permissionsFor, permissionsHint } from "./permissions.ts";

const HELP = `Usage: main.ts serve [--config FILE] [--port N] [--no-cron]

Run the scheduled sweeps (Deno.cron) and serve the status page.

Options:
  --config FILE  config file (default: auditor.toml)
  --port N       port (default: [status] port)
  --no-cron      serve the page only, no scheduled sweeps`;

/**
 * Refuse a port another process listens on before anything runs (one line, exit 2). Port 0
 * (any free one) always works.
 *
 * @throws {UsageError}
 * @example
 * ```ts
 * checkPortFree("127.0.0.1", 8000);
 * ```
 */
export function checkPortFree(hostname: string, port: number): void {
  if (port === 0) return;
  try {
    Deno.listen({ hostname, port }).close();
  } catch (e) {
    if (e instanceof Deno.errors.AddrInUse) {
      throw new UsageError(`--port: ${hostname}:${port} is already in use`);
    }
    throw e;
  }
}

/** Serve the status page for an opened runtime until the process is stopped. */
export async function serveStatusPage(
  rt: Runtime,
  opts: { port: number; hostname: string; announce: string; onSweep?: () => Promise<unknown> },
): Promise<void> {
  const app = createApp({
    config: rt.config,
    kv: rt.kv,
    ledger: rt.ledger,
    rules: [...RULES],
    sweepToken: rt.secrets.sweepToken,
    verifierKey: rt.verifierKey,
    onSweep: opts.onSweep,
  });
  const server = Deno.serve({
    port: opts.port,
    hostname: opts.hostname,
    onListen: ({ hostname, port }) => console.log(`${opts.announce} http://${hostname}:${port}/`),
  }, app.fetch);
  await server.finished;
}

/** Entry point of `main.ts serve`. */
export async function runServe(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: "string", default: "auditor.toml" },
      port: { type: "string" },
      "no-cron": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const config = await loadConfig(values.config);
  const port = values.port === undefined ? config.status.port : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError("--port: expected 0-65535");
  }
  // Deno Deploy has no permission flags and no Deno.listen: nothing to check there.
  if (!safeEnv("DENO_DEPLOYMENT_ID")) {
    const serving = { ...config, status: { ...config.status, port } };
    checkNetPermissions(
      permissionsFor(serving, "serve", values.config).net,
      permissionsHint(values.config, "serve"),
    );
    checkPortFree(config.status.hostname, port);
  }
  const signing = await resolveSigningKey(config, readSecrets(config));
  const rt = await openRuntime(config, signing.secrets, { keySource: signing.source });
  try {
    // Crons are registered before Deno.serve starts (Deno Deploy requires it at start-up).
    const sweepAll = values["no-cron"]
      ? undefined
      : registerCrons(rt, JOB_REGISTRY, jsonLinesLogger());
    await serveStatusPage(rt, {
      port,
      hostname: config.status.hostname,
      announce: "status page at",
      onSweep: sweepAll,
    });
    return 0;
  } finally {
    await rt.close();
  }
}

/**
 * Entry point for hosts that start a module without arguments (Deno Deploy: set the entrypoint
 * to `src/cli/serve.ts`): the config path comes from `AUDITOR_CONFIG` (default auditor.toml).
 * The crons are registered during the module's start-up, before Deno.serve.
 */
if (import.meta.main) {
  const args = Deno.args.length
    ? Deno.args
    : ["--config", safeEnv("AUDITOR_CONFIG") ?? "auditor.toml"];
  try {
    Deno.exit(await runServe(args));
  } catch (e) {
    Deno.exit(reportError(e));
  }
}
