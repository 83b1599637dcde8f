import { assert, assertEquals, assertStringIncludes } from "./_assert.ts";
import { Timeline, TIMELINE_LANES_CAP, timelineData } from "../../src/web/views/timeline.tsx";
import type { IndexRecord } from "../../src/state/ledger_index.ts";
import { HOSTILE, INVISIBLE_RE, XSS } from "./_fixtures.ts";

const NOW = new Date("2026-03-10T00:00:00Z");

function rec(
  index: number,
  day: number,
  kind: string,
  extra: Partial<IndexRecord> = {},
): IndexRecord {
  return {
    index,
    time: new Date(Date.UTC(2026, 2, day)).toISOString(),
    kind,
    leafHash: "00",
    summary: "",
    ...extra,
  };
}

Deno.test("timeline data: releases, and a bar per finding from opened to resolved or now", () => {
  const data = timelineData([
    rec(0, 1, "release.observed", { summary: "version 1.0 (2 files)" }),
    rec(1, 2, "finding.opened", { id: "a", rule: "content/pth-file", severity: "critical" }),
    rec(2, 3, "finding.opened", { id: "b", rule: "posture/x", severity: "high" }),
    rec(3, 5, "finding.resolved", { id: "b", rule: "posture/x" }),
  ], NOW);
  assertEquals(data.releases.map((r) => r.version), ["1.0"]);
  assertEquals(data.lanes.map((l) => [l.id, l.resolved !== undefined]), [["a", false], [
    "b",
    true,
  ]]);
  assertEquals(data.start, Date.UTC(2026, 2, 1));
  assertEquals(data.end, NOW.getTime());
});

Deno.test("timeline lanes are capped after sorting: open criticals first", () => {
  const records = Array.from(
    { length: 50 },
    (_, i) => rec(i, 1, "finding.opened", { id: `h${i}`, rule: "r", severity: "high" }),
  );
  records.push(rec(99, 2, "finding.opened", { id: "crit", rule: "r", severity: "critical" }));
  const data = timelineData(records, NOW);
  assertEquals(data.lanes.length, TIMELINE_LANES_CAP);
  assertEquals(data.lanes[0].id, "crit");
  assertEquals(data.hidden, 51 - TIMELINE_LANES_CAP);
});

Deno.test("the timeline SVG has no script and shows hostile labels escaped", () => {
  const data = timelineData([
    rec(0, 1, "release.observed", { summary: `version ${XSS.script} (1 file)` }),
    rec(1, 2, "finding.opened", { id: "a", rule: `${HOSTILE.rlo}${XSS.attr}`, severity: "high" }),
  ], NOW);
  const svg = String(<Timeline data={data} project={XSS.single} />);
  assert(!/<(script|img|foreignObject|a)\b|<[^>]*\son[a-z]+=/i.test(svg), svg.slice(0, 300));
  assert(!INVISIBLE_RE.test(svg));
  assertStringIncludes(svg, "\\u{202E}");
  assertStringIncludes(svg, "&lt;script&gt;");
  assertEquals(svg.match(/<svg /g)?.length, 2, "a wide and a narrow layout");
});
