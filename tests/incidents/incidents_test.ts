/**
 * Incident replay end to end: every scenario of src/sandbox/incidents.ts is served by the
 * sandbox and swept by all four jobs (before and after the incidents' releases appear); each
 * must raise exactly its signature rules, the control nothing, and docs/incidents.md must be
 * what the replay generates.
 */
import { assert, assertEquals } from "../_assert.ts";
import { buildIncidents, type Incident, INCIDENT_NAMES } from "../../src/sandbox/incidents.ts";
import {
  caughtWithin,
  cronIntervalMinutes,
  type IncidentOutcome,
  incidentsMarkdown,
  type Replay,
  replayIncidents,
} from "../../scripts/incident_replay.ts";
import { DEMO_SCENARIOS, runDemo } from "../../src/cli/demo.ts";
import { atLeast } from "../../rules/types.ts";

let replay: Promise<Replay> | undefined;
/** One replay of every incident, shared by the tests below. */
function allIncidents(): Promise<Replay> {
  replay ??= buildIncidents().then(replayIncidents);
  return replay;
}

async function outcome(name: string): Promise<IncidentOutcome> {
  const found = (await allIncidents()).outcomes.find((o) => o.incident.name === name);
  assert(found, `no outcome for ${name}`);
  return found;
}

const open = (o: IncidentOutcome) => o.findings.filter((f) => !f.waived);
const openRules = (o: IncidentOutcome) => [...new Set(open(o).map((f) => f.rule))].sort();

/** The incident raises exactly its signature, with at least one high or critical finding. */
function assertSignature(o: IncidentOutcome): void {
  assertEquals(openRules(o), [...o.incident.expected].sort(), o.incident.name);
  assert(
    open(o).some((f) => atLeast(f.severity, "high")),
    `${o.incident.name}: no high or critical finding`,
  );
  const text = open(o).map((f) => f.message).join(" ");
  assert(!/malicious|malware|compromis|attack/i.test(text), "messages state facts only");
}

Deno.test("incidents: the replay's ledger verifies and the schedules are read", async () => {
  const r = await allIncidents();
  assert(r.ledger.verified);
  assert(r.ledger.size > 50, `ledger size ${r.ledger.size}`);
  assertEquals(r.intervals, { pypi: 10, releases: 30, repo: 60, access: 60 });
  assertEquals(r.outcomes.map((o) => o.incident.name), INCIDENT_NAMES);
});

Deno.test("incidents: litellm 1.82.8's .pth listed in RECORD, no tag, no provenance", async () => {
  const o = await outcome("litellm");
  // Before the incident the clean 1.82.6 raised nothing (its provenance waiver aside).
  assertEquals(o.baseline.filter((f) => !f.waived), []);
  assertSignature(o);
  const pth = open(o).filter((f) => f.rule === "content/pth-file");
  assertEquals(pth.map((f) => [f.subject, f.severity]), [
    ["litellm-1.82.8-py3-none-any.whl!litellm_init.pth", "critical"],
  ]);
  const tagMissing = open(o).filter((f) => f.rule === "parity/tag-missing").map((f) => f.scope);
  assertEquals(tagMissing.sort(), ["release:1.82.7", "release:1.82.8"]);
  const provenance = open(o).filter((f) => f.rule === "provenance/missing").map((f) => f.subject);
  assert(provenance.every((s) => /1\.82\.[78]/.test(s)), provenance.join());
  assertEquals(caughtWithin(o, (await allIncidents()).intervals)?.minutes, 10);
});

Deno.test("incidents: num2words 0.5.15 was uploaded with a token", async () => {
  const o = await outcome("num2words");
  assertSignature(o);
  assert(open(o).every((f) => f.subject.includes("0.5.15")), "only the token upload");
});

Deno.test("incidents: ultralytics 8.3.41's wheel differs from the tag, 8.3.45 has no provenance", async () => {
  const o = await outcome("ultralytics");
  assertSignature(o);
  const parity = open(o).filter((f) => f.rule === "source/file-differs-from-tag");
  assertEquals(parity.map((f) => f.subject), [
    "ultralytics==8.3.41/ultralytics-8.3.41-py3-none-any.whl",
  ]);
  assert(parity[0].message.includes("ultralytics/utils/downloads.py"), parity[0].message);
  assertEquals(parity[0].severity, "critical");
  // 8.3.41 stands for valid provenance (waived); only the token upload 8.3.45 raises it.
  const provenance = o.findings.filter((f) => f.rule === "provenance/missing");
  for (const f of provenance) assertEquals(f.waived, !f.subject.includes("8.3.45"), f.subject);
});

Deno.test("incidents: telnyx 4.87.1 ships a binary file type its previous release did not", async () => {
  const o = await outcome("telnyx");
  assertSignature(o);
  const novel = open(o).filter((f) => f.rule === "content/new-binary-file-type");
  assertEquals(novel.map((f) => f.subject), ["telnyx-4.87.1-py3-none-any.whl!.wav+binary"]);
  assertEquals(novel[0].severity, "high");
});

Deno.test("incidents: aiocpa 0.1.13 ships code that is not at the tag", async () => {
  const o = await outcome("aiocpa");
  assertSignature(o);
  const notInTag = open(o).filter((f) => f.rule === "source/file-not-in-tag");
  assertEquals(notInTag.length, 2, "sdist and wheel");
  for (const f of notInTag) assert(f.message.includes("aiocpa/_pypi_only.py"), f.message);
});

Deno.test("incidents: torchtriton ships a native binary from an account not on the allow list", async () => {
  const o = await outcome("torchtriton");
  assertSignature(o);
  const native = open(o).find((f) => f.rule === "content/native-binary");
  assertEquals(native?.subject, "torchtriton-3.0.0-py3-none-any.whl!triton/runtime/triton");
  // No GitHub repository: the repository checks are not observable, never compliant.
  assert(o.unobservable.some((u) => u.job === "repo" && u.scope === "*"));
});

Deno.test("incidents: ctx 0.2.6 comes after 7 years of dormancy", async () => {
  const o = await outcome("ctx");
  assertEquals(o.baseline.filter((f) => !f.waived), []);
  assertSignature(o);
  const dormancy = open(o).find((f) => f.rule === "release/after-dormancy");
  assert(dormancy?.message.includes("2708 days"), dormancy?.message);
});

Deno.test("incidents: ctx with a maintainer email moved to a new domain raises the domain rule", async () => {
  const [ctx] = await buildIncidents(["ctx"]);
  const entry = ctx.projects[0];
  entry.project.authorEmail = "author@ctx-new-owner.example";
  const variant: Incident = { ...ctx, expected: [] };
  const r = await replayIncidents([variant]);
  const o = r.outcomes[0];
  assertEquals(o.baseline.filter((f) => !f.waived), []);
  assertEquals(openRules(o), ["release/after-dormancy", "release/maintainer-email-domain-changed"]);
  const email = open(o).find((f) => f.rule === "release/maintainer-email-domain-changed");
  assertEquals(email?.severity, "high");
  assert(email?.message.includes("author@ctx-new-owner.example"), email?.message);
});

Deno.test("incidents: requests 2.32.5's benign divergence is reported as a fact", async () => {
  const o = await outcome("requests");
  assertSignature(o);
  const mismatch = open(o).find((f) => f.rule === "parity/asset-digest-mismatch");
  assert(
    mismatch?.message.includes(
      "0f39b052d7ba3d55645a49019311390fc576ea7c2a594f56eb9b67a5388a6e84",
    ),
    mismatch?.message,
  );
  assert(mismatch?.message.includes("differ"), mismatch?.message);
});

Deno.test("incidents: the control raises nothing and is fully observable", async () => {
  const o = await outcome("control");
  assert(o.incident.control);
  assertEquals(o.incident.projects[0].project.name, "pypi-attestations", "real material");
  assertEquals(o.baseline, []);
  assertEquals(o.findings, []);
  assertEquals(o.unobservable, []);
});

Deno.test("incidents: every incident is caught by a high or critical finding", async () => {
  const r = await allIncidents();
  for (const o of r.outcomes) {
    const when = caughtWithin(o, r.intervals);
    if (o.incident.control) assertEquals(when, undefined);
    else assert(when && when.minutes <= 30, `${o.incident.name}: ${JSON.stringify(when)}`);
  }
});

Deno.test("incidents: docs/incidents.md is generated from the replay", async () => {
  const expected = incidentsMarkdown(await allIncidents());
  const doc = await Deno.readTextFile(new URL("../../docs/incidents.md", import.meta.url))
    .catch(() => "");
  assert(doc === expected, "docs/incidents.md is stale: regenerate with: deno task incidents");
});

Deno.test("incidents: cron intervals of the simple schedule forms", () => {
  assertEquals(cronIntervalMinutes("*/10 * * * *"), 10);
  assertEquals(cronIntervalMinutes("0 * * * *"), 60);
  assertEquals(cronIntervalMinutes("30 4 * * *"), 1440);
  assertEquals(cronIntervalMinutes("0 * * * 1"), undefined);
  assertEquals(cronIntervalMinutes("nonsense"), undefined);
});

Deno.test("incidents: the demo offers every incident and `incidents` runs end to end", async () => {
  for (const name of ["incidents", ...INCIDENT_NAMES]) assert(DEMO_SCENARIOS[name], name);
  const ctx = await DEMO_SCENARIOS.ctx();
  assertEquals(ctx.projects.map((p) => p.releases.map((r) => r.version)), [["0.1.2", "0.2.6"]]);
  const dir = await Deno.makeTempDir({ prefix: "demo-incidents-" });
  const log = console.log;
  const lines: string[] = [];
  console.log = (...args: unknown[]) => lines.push(args.join(" "));
  try {
    const code = await runDemo(["--once", "--scenario", "incidents", "--dir", dir, "--port", "0"]);
    assertEquals(code, 0);
  } finally {
    console.log = log;
    await Deno.remove(dir, { recursive: true });
  }
  const text = lines.join("\n");
  assert(/demo: ledger verified: \d+ entries/.test(text), text.slice(-500));
  for (
    const rule of ["content/pth-file", "content/new-binary-file-type", "release/after-dormancy"]
  ) {
    assert(text.includes(rule), rule);
  }
});
