/**
 * Regenerate `docs/incidents.md` from a replay of every incident scenario (`deno task
 * incidents`). `--check` compares instead of writing (exit 1 when stale); `--findings` prints
 * every finding raised, per incident.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { buildIncidents } from "../src/sandbox/incidents.ts";
import { incidentsMarkdown, replayIncidents } from "./incident_replay.ts";

const DOC = new URL("../docs/incidents.md", import.meta.url);

async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      check: { type: "boolean", default: false },
      findings: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log("Usage: scripts/incidents.ts [--check] [--findings]");
    return 0;
  }
  const incidents = await buildIncidents();
  const control = incidents.find((i) => i.control);
  if (control?.projects[0].project.name !== "pypi-attestations") {
    console.error("incidents: testdata/ is not readable; the table needs the real control");
    return 2;
  }
  const replay = await replayIncidents(incidents);
  if (!replay.ledger.verified) {
    console.error("incidents: the replay's ledger did not verify");
    return 1;
  }
  if (values.findings) {
    for (const o of replay.outcomes) {
      console.log(`## ${o.incident.name}`);
      for (const f of o.findings) {
        console.log(
          `  ${f.waived ? "waived " : ""}${f.rule} ${f.severity} ${f.subject} [${f.scope}]`,
        );
      }
      for (const u of o.unobservable) {
        console.log(`  unobservable ${u.job} ${u.scope}: ${u.reason}`);
      }
    }
  }
  const text = incidentsMarkdown(replay);
  if (values.check) {
    const current = await Deno.readTextFile(DOC).catch(() => "");
    if (current !== text) {
      console.error("docs/incidents.md is stale: regenerate with: deno task incidents");
      return 1;
    }
    return 0;
  }
  await Deno.writeTextFile(DOC, text);
  console.log(`incidents: wrote docs/incidents.md (${replay.outcomes.length} scenarios)`);
  return 0;
}

try {
  Deno.exit(await main(Deno.args));
} catch (e) {
  console.error(`incidents: ${(e as Error).message.split("\n")[0]}`);
  Deno.exit(2);
}
