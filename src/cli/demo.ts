/**
 * `main.ts demo`: start the bundled sandbox upstream, write a config that points at it, sweep
 * it with every job, print the findings, verify the ledger, then serve the status page and
 * print its URL (`--once` exits after the verification).
 *
 * Everything lives under `out/demo/` (recreated on each run). The signing key is
 * `LEDGER_SIGNING_KEY` when set, else the key file the first run creates in the demo's ledger
 * folder (`src/cli/signing_key.ts`).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { type Config, parseConfig, readSecrets } from "../config.ts";
import { JOBS } from "../../rules/types.ts";
import { startSandbox } from "../sandbox/server.ts";
import { defaultScenario } from "../sandbox/scenarios.ts";
import type { Scenario } from "../sandbox/scenario.ts";
import { sandboxConfigToml, type SandboxUrls } from "../sandbox/config.ts";
import { demoIncidentScenario, INCIDENT_NAMES } from "../sandbox/incidents.ts";
import { openRuntime, UsageError } from "../runtime.ts";
import { auditOnce, printReport } from "./audit.ts";
import { folderSource, verifyLedger } from "../ledger/mod.ts";
import { resolveSigningKey } from "./signing_key.ts";
import { checkPortFree, serveStatusPage } from "./serve.ts";

const HELP = `Usage: main.ts demo [--once] [--port N] [--scenario NAME]

Sweep the bundled sandbox (a well-hardened project and a compromised one), print the
findings, verify the ledger and serve the status page on 127.0.0.1.

Options:
  --once           exit after the sweep and the verification
  --port N         status page port (default: 8000; 0 picks a free one)
  --scenario NAME  default (more scenarios: see docs/incidents.md)
  --dir PATH       working folder (default: out/demo, recreated)`;

/** Scenarios the demo offers, by name. */
export const DEMO_SCENARIOS: Record<string, () => Promise<Scenario>> = {
  default: defaultScenario,
  // Real incidents replayed with inert content (docs/incidents.md): all, or one by name.
  incidents: () => demoIncidentScenario("incidents"),
  ...Object.fromEntries(INCIDENT_NAMES.map((name) => [name, () => demoIncidentScenario(name)])),
};

/** Config text for a scenario served by a running sandbox, in the demo's folder. */
export function demoConfigToml(
  scenario: Scenario,
  urls: SandboxUrls,
  dir: string,
  port: number,
): string {
  return sandboxConfigToml(scenario, urls, {
    dir,
    port,
    title: "Release auditor (demo)",
    origin: "demo.localhost/release-auditor",
  });
}

/** Entry point of `main.ts demo`. */
export async function runDemo(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      once: { type: "boolean", default: false },
      port: { type: "string", default: "8000" },
      scenario: { type: "string", default: "default" },
      dir: { type: "string", default: "out/demo" },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError("--port: expected 0-65535");
  }
  const makeScenario = DEMO_SCENARIOS[values.scenario];
  if (!makeScenario) {
    throw new UsageError(`--scenario: expected one of ${Object.keys(DEMO_SCENARIOS).join(", ")}`);
  }
  if (!values.once) checkPortFree("127.0.0.1", port);
  const dir = values.dir.replace(/\/+$/, "");
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(dir, { recursive: true });

  const scenario = await makeScenario();
  const sandbox = await startSandbox(scenario);
  try {
    const toml = demoConfigToml(
      scenario,
      sandbox,
      dir,
      port,
    );
    await Deno.writeTextFile(`${dir}/auditor.toml`, toml);
    const config: Config = parseConfig(toml, `${dir}/auditor.toml`);
    // The sandbox accepts any token; a real GITHUB_TOKEN is never sent to it.
    const signing = await resolveSigningKey(config, {
      ...readSecrets(config),
      githubToken: "sandbox-token",
    });
    console.log(
      `demo: sandbox upstream at ${sandbox.pypiUrl} (scenario ${scenario.name}: ${scenario.description})`,
    );
    const rt = await openRuntime(config, signing.secrets, { keySource: signing.source });
    try {
      const report = await auditOnce(rt, [...JOBS], []);
      printReport(report, "text", `${dir}/auditor.toml`);
      const verdict = await verifyLedger(folderSource(config.ledger.path), {
        verifierKey: rt.verifierKey!,
      });
      if (!verdict.ok) {
        console.error(
          `demo: ledger verification FAILED at index ${verdict.index}: ${verdict.reason}`,
        );
        return 1;
      }
      console.log(`demo: ledger verified: ${verdict.size} entries, root ${verdict.root}`);
      if (values.once) return 0;
      await serveStatusPage(rt, { port, hostname: "127.0.0.1", announce: "demo: status page at" });
      return 0;
    } finally {
      await rt.close();
    }
  } finally {
    await sandbox.close();
  }
}
