import { assert, assertEquals } from "./_assert.ts";
import { findingId, isUnobservable, reconcile } from "../src/reconcile.ts";
import { applyOverrides } from "../rules/overrides.ts";
import { parseConfig } from "../src/config.ts";
import type { Finding } from "../rules/types.ts";
import type { OpenFinding } from "../src/state/findings.ts";

const project = parseConfig(`
[[project]]
name = "acme"
[project.rules."release/yanked"]
enabled = false
[project.rules."release/missing-sdist"]
severity = "critical"
[[project.waiver]]
rule = "release/missing-wheel"
reason = "sdist-only project"
expires = 2030-01-01
[[project.waiver]]
rule = "content/pth-file"
subject = "old.whl!x.pth"
reason = "expired waiver"
expires = 2020-01-01
`).project[0];
const now = new Date("2026-11-22T00:00:00Z");

const pth: Finding = {
  rule: "content/pth-file",
  severity: "critical",
  subject: "acme-1.whl!x.pth",
  scope: "file:aa",
  message: "a .pth file",
};

async function open(f: Finding, status: "open" | "waived" = "open"): Promise<OpenFinding> {
  return {
    project: "acme",
    job: "pypi",
    id: await findingId("acme", f.rule, f.subject),
    rule: f.rule,
    severity: f.severity,
    subject: f.subject,
    scope: f.scope,
    message: f.message,
    status,
    since: 3,
    sinceTime: "2026-11-01T00:00:00.000Z",
  };
}

const base = { project, job: "pypi" as const, unobservable: [], open: [], gaps: [], now };

Deno.test("a new finding opens, an unchanged one emits nothing", async () => {
  const first = await reconcile({ ...base, findings: [pth] });
  assertEquals(first.map((e) => e.kind), ["finding.opened"]);
  assertEquals(first[0].body.id, await findingId("acme", pth.rule, pth.subject));
  const again = await reconcile({ ...base, findings: [pth], open: [await open(pth)] });
  assertEquals(again, []);
});

Deno.test("a finding that stops firing on an observed scope is resolved", async () => {
  const events = await reconcile({ ...base, findings: [], open: [await open(pth)] });
  assertEquals(events.map((e) => e.kind), ["finding.resolved"]);
  assertEquals(events[0].body.reason, "no longer observed");
});

Deno.test("a finding on a scope that was not observable is never resolved", async () => {
  for (const scope of ["*", "file:aa", "file"]) {
    const events = await reconcile({
      ...base,
      findings: [],
      open: [await open(pth)],
      unobservable: [{ scope, reason: "HTTP 503" }],
    });
    assertEquals(events.map((e) => e.kind), ["coverage.changed"], `scope ${scope}`);
    assertEquals(events[0].body.observable, false);
  }
});

Deno.test("coverage gaps are recorded once and closed when observed again", async () => {
  const gap = {
    project: "acme",
    job: "pypi" as const,
    scope: "*",
    reason: "HTTP 503",
    since: 1,
    sinceTime: "x",
  };
  const same = await reconcile({
    ...base,
    findings: [],
    unobservable: [{ scope: "*", reason: "HTTP 503" }],
    gaps: [gap],
  });
  assertEquals(same, []);
  const back = await reconcile({ ...base, findings: [], gaps: [gap] });
  assertEquals(back.map((e) => [e.kind, e.body.observable]), [["coverage.changed", true]]);
});

Deno.test("waivers: a live waiver waives, an expired one does not", async () => {
  const wheel: Finding = {
    ...pth,
    rule: "release/missing-wheel",
    subject: "acme==1",
    scope: "release:1",
    severity: "low",
  };
  const events = await reconcile({ ...base, findings: [wheel] });
  assertEquals(events.map((e) => e.kind), ["finding.waived"]);
  assertEquals((events[0].body.waiver as { reason: string }).reason, "sdist-only project");

  const old: Finding = { ...pth, subject: "old.whl!x.pth" };
  const expired = await reconcile({ ...base, findings: [old], open: [await open(old, "waived")] });
  assertEquals(expired.map((e) => e.kind), ["finding.opened"]);
});

Deno.test("an open finding that becomes waived emits finding.waived, then nothing", async () => {
  const wheel: Finding = {
    ...pth,
    rule: "release/missing-wheel",
    subject: "acme==1",
    scope: "release:1",
    severity: "low",
  };
  const events = await reconcile({ ...base, findings: [wheel], open: [await open(wheel)] });
  assertEquals(events.map((e) => e.kind), ["finding.waived"]);
  const steady = await reconcile({
    ...base,
    findings: [wheel],
    open: [await open(wheel, "waived")],
  });
  assertEquals(steady, []);
});

Deno.test("duplicate findings in one sweep open once", async () => {
  const events = await reconcile({ ...base, findings: [pth, { ...pth }] });
  assertEquals(events.length, 1);
});

Deno.test("overrides drop disabled rules and change severities", () => {
  const out = applyOverrides(project, [
    { ...pth, rule: "release/yanked", severity: "info" },
    { ...pth, rule: "release/missing-sdist", severity: "low" },
    pth,
  ]);
  assertEquals(out.map((f) => [f.rule, f.severity]), [
    ["release/missing-sdist", "critical"],
    ["content/pth-file", "critical"],
  ]);
});

Deno.test("finding ids are stable and distinct", async () => {
  const a = await findingId("acme", "r", "s");
  assertEquals(a, await findingId("acme", "r", "s"));
  assert(a !== await findingId("acme", "r", "s2"));
  assert(/^[0-9a-f]{16}$/.test(a));
  assert(isUnobservable("file:aa", [{ scope: "file", reason: "" }]));
  assert(!isUnobservable("filex:aa", [{ scope: "file", reason: "" }]));
});

Deno.test("reconcile: a sticky finding (parity/tag-moved) is closed only through a waiver", async () => {
  const moved: Finding = {
    rule: "parity/tag-moved",
    severity: "critical",
    subject: "acme:tag:v1.0",
    scope: "release:1.0",
    message: "moved",
  };
  const openMoved = { ...await open(moved), job: "releases" as const };
  const job = "releases" as const;
  // No longer found, no waiver: nothing happens (a tag moved back proves nothing).
  assertEquals(await reconcile({ ...base, job, findings: [], open: [openMoved] }), []);
  // A non-sticky finding in the same situation is resolved.
  const plain = await reconcile({ ...base, findings: [], open: [await open(pth)] });
  assertEquals(plain.map((e) => e.kind), ["finding.resolved"]);

  const waived = parseConfig(`
[[project]]
name = "acme"
[[project.waiver]]
rule = "parity/tag-moved"
subject = "acme:tag:v1.0"
reason = "re-tagged after a botched release, checked by the release team"
expires = 2030-01-01
`).project[0];
  const w = await reconcile({ ...base, project: waived, job, findings: [], open: [openMoved] });
  assertEquals(w.map((e) => e.kind), ["finding.resolved"]);
  // Still found: the waiver waives it, and it stays until the condition is gone.
  const still = await reconcile({
    ...base,
    project: waived,
    job,
    findings: [moved],
    open: [openMoved],
  });
  assertEquals(still.map((e) => e.kind), ["finding.waived"]);
  const waivedMoved = { ...openMoved, status: "waived" as const };
  const r = await reconcile({ ...base, project: waived, job, findings: [], open: [waivedMoved] });
  assertEquals(r.map((e) => e.kind), ["finding.resolved"]);
  // An expired waiver re-opens it.
  const again = await reconcile({ ...base, job, findings: [], open: [waivedMoved] });
  assertEquals(again.map((e) => e.kind), ["finding.opened"]);
});
