/**
 * The auditor config for a running sandbox: upstream URLs pointing at it, the ledger and state
 * in a folder of the caller's, and the scenario's projects. The demo, the incident replay, the
 * tests and the benchmarks all configure themselves through this.
 *
 * @example
 * ```ts
 * const sandbox = await startSandbox(scenario);
 * const config = parseConfig(sandboxConfigToml(scenario, sandbox, { dir: "out/demo" }));
 * ```
 * @module
 */
import { stringify } from "smol-toml";
import type { Scenario } from "./scenario.ts";
import type { Sandbox } from "./server.ts";

/** Where a sandbox answers. */
export type SandboxUrls = Pick<Sandbox, "pypiUrl" | "githubUrl" | "fileHost">;

/** Options of {@link sandboxConfigToml}. */
export interface SandboxConfigOptions {
  /** Folder of the ledger (`<dir>/ledger`), state (`<dir>/state.kv`) and downloads. */
  dir: string;
  /** Status page port (default 0: any free one). */
  port?: number;
  title?: string;
  /** Ledger origin (default `sandbox.localhost/release-auditor`). */
  origin?: string;
  timeoutMs?: number;
  concurrency?: number;
  /** Replace the `[ledger]`, `[state]` or `[schedules]` tables. */
  ledger?: Record<string, unknown>;
  state?: Record<string, unknown>;
  schedules?: Record<string, unknown>;
}

/** TOML text of a config that audits the scenario's projects on the sandbox. */
export function sandboxConfigToml(
  scenario: Scenario,
  urls: SandboxUrls,
  opts: SandboxConfigOptions,
): string {
  return stringify({
    upstream: {
      pypi: urls.pypiUrl,
      github_api: urls.githubUrl,
      file_hosts: [urls.fileHost],
      timeout_ms: opts.timeoutMs ?? 10_000,
      ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
    },
    schedules: opts.schedules ?? {},
    ledger: opts.ledger ?? {
      store: "file",
      path: `${opts.dir}/ledger`,
      origin: opts.origin ?? "sandbox.localhost/release-auditor",
    },
    state: opts.state ?? { path: `${opts.dir}/state.kv`, work_dir: `${opts.dir}/work` },
    status: {
      ...(opts.title !== undefined ? { title: opts.title } : {}),
      port: opts.port ?? 0,
      hostname: "127.0.0.1",
    },
    project: scenario.projects.map((p) => ({ name: p.name, ...p.config })),
  });
}
