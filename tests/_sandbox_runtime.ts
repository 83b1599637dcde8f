/**
 * A real runtime against the running sandbox: the default scenario (optionally edited), its
 * demo config in a temp folder, a fresh signing key, a file ledger and KV. Shared by the
 * end-to-end audit tests and the two-sweep control harness.
 *
 * @example
 * ```ts
 * const t = await openSandboxRuntime("audit-test-");
 * try { await runSweep(pypiJob, t.rt.config.project, t.rt); } finally { await t.close(); }
 * ```
 */
import { parseConfig, readSecrets } from "../src/config.ts";
import { startSandbox } from "../src/sandbox/server.ts";
import type { Scenario } from "../src/sandbox/scenario.ts";
import { defaultScenario } from "../src/sandbox/scenarios.ts";
import { demoConfigToml } from "../src/cli/demo.ts";
import { openRuntime } from "../src/runtime.ts";
import { generateSigningKey } from "../src/ledger/mod.ts";

/** What {@link openSandboxRuntime} opened; `close` stops everything and removes the folder. */
export interface SandboxRuntime {
  dir: string;
  scenario: Scenario;
  sandbox: Awaited<ReturnType<typeof startSandbox>>;
  rt: Awaited<ReturnType<typeof openRuntime>>;
  key: Awaited<ReturnType<typeof generateSigningKey>>;
  close(): Promise<void>;
}

/** Open the runtime; `edit` changes the scenario before the sandbox starts, `configEdit` the TOML. */
export async function openSandboxRuntime(
  prefix: string,
  edit: (scenario: Scenario) => void | Promise<void> = () => {},
  configEdit: (toml: string) => string = (t) => t,
): Promise<SandboxRuntime> {
  const dir = await Deno.makeTempDir({ prefix });
  const scenario = await defaultScenario();
  await edit(scenario);
  const sandbox = await startSandbox(scenario);
  const config = parseConfig(configEdit(demoConfigToml(scenario, sandbox, dir, 0)));
  const key = await generateSigningKey("test.localhost/auditor");
  const rt = await openRuntime(config, {
    ...readSecrets(config, () => undefined),
    ledgerSigningKey: key.privateKey,
    githubToken: "sandbox-token",
  });
  return {
    dir,
    scenario,
    sandbox,
    rt,
    key,
    async close() {
      await rt.close();
      await sandbox.close().catch(() => {});
      await Deno.remove(dir, { recursive: true });
    },
  };
}
