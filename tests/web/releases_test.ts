import { assert, assertEquals } from "./_assert.ts";
import {
  type ObservedRelease,
  projectVerdict,
  releaseOf,
  releaseRows,
  sortFindings,
} from "../../src/web/releases.ts";
import type { OpenFinding } from "../../src/state/findings.ts";
import type { Severity } from "../../rules/types.ts";

function finding(
  id: string,
  severity: Severity,
  scope: string,
  since: number,
  extra: Partial<OpenFinding> = {},
): OpenFinding {
  return {
    project: "p",
    job: "pypi",
    id,
    rule: extra.rule ?? "content/pth-file",
    severity,
    subject: "s",
    scope,
    message: "m",
    status: "open",
    since,
    sinceTime: new Date(Date.UTC(2026, 0, 1) + since * 60_000).toISOString(),
    ...extra,
  } as OpenFinding;
}

const OBSERVED: ObservedRelease[] = [
  {
    version: "1.0",
    files: [{ filename: "p-1.0.whl", sha256: "aa".repeat(32), size: 1 }],
    index: 1,
    time: "2026-01-01T00:00:00Z",
  },
  {
    version: "1.1",
    files: [{
      filename: "p-1.1.whl",
      sha256: "bb".repeat(32),
      size: 2,
      uploadTime: "2026-02-01T00:00:00Z",
    }],
    index: 2,
    time: "2026-02-01T00:05:00Z",
  },
  {
    version: "1.1",
    late: true,
    files: [{ filename: "p-1.1.tar.gz", sha256: "cc".repeat(32), size: 3 }],
    index: 3,
    time: "2026-02-02T00:00:00Z",
  },
];

Deno.test("findings sort by severity, then newest, before any cut: a critical is never hidden", () => {
  const many = Array.from({ length: 600 }, (_, i) => finding(`h${i}`, "high", "", i));
  const all = [...many, finding("crit", "critical", "", 0), finding("low", "low", "", 999)];
  const shown = sortFindings(all).slice(0, 500);
  assertEquals(shown[0].id, "crit");
  assertEquals(shown[1].id, "h599", "newest first within a severity");
  assert(!shown.some((f) => f.id === "low"));
});

Deno.test("a finding belongs to the release its scope names, by version or by file digest", () => {
  const bySha = new Map([["bb".repeat(32), "1.1"]]);
  assertEquals(releaseOf({ scope: "release:2.0" }, bySha), "2.0");
  assertEquals(releaseOf({ scope: `file:${"BB".repeat(32)}` }, bySha), "1.1");
  assertEquals(releaseOf({ scope: "repo:branch" }, bySha), undefined);
});

Deno.test("release rows: files merged per version, newest first, verdicts from open findings", () => {
  const findings = [
    finding("a", "critical", `file:${"bb".repeat(32)}`, 5),
    finding("b", "high", "release:1.1", 6, { rule: "provenance/missing" }),
    finding("c", "medium", "release:1.0", 7, { rule: "parity/tag-missing" }),
    finding("w", "critical", "release:1.0", 8, { status: "waived" } as Partial<OpenFinding>),
    finding("r", "high", "repo:branch", 9, { rule: "posture/branch-bypass-actor" }),
  ];
  const rows = releaseRows(
    OBSERVED,
    findings,
    {
      name: "p",
      github: "o/p",
    } as Parameters<typeof releaseRows>[2],
  );
  assertEquals(rows.map((r) => r.version), ["1.1", "1.0"]);
  assertEquals(rows[0].files.map((f) => f.filename), ["p-1.1.whl", "p-1.1.tar.gz"]);
  assertEquals(rows[0].uploaded, "2026-02-01T00:00:00Z");
  assertEquals(rows[0].verdict, "do-not-install");
  assertEquals(rows[0].findings.map((f) => f.id), ["a", "b"]);
  assertEquals(rows[0].provenance, {
    state: "finding",
    severity: "high",
    rules: ["provenance/missing"],
  });
  assertEquals(rows[1].provenance, {
    state: "not-checked",
    reason: "no trusted publisher configured",
  });
  assertEquals(rows[1].verdict, "review");
  assertEquals(rows[1].waived, 1);
  assertEquals(rows[1].parity, {
    state: "finding",
    severity: "medium",
    rules: ["parity/tag-missing"],
  });
  const titles = new Map([["content/pth-file", { title: "Artifact contains a .pth file" }]]);
  assertEquals(
    projectVerdict(rows, findings, [], titles).text,
    "1 release suspicious: 1.1 — critical: Artifact contains a .pth file",
  );
});

Deno.test("project verdicts without suspicious releases", () => {
  const rows = releaseRows(OBSERVED, []);
  assertEquals(
    projectVerdict(rows, [], [], new Map()).text,
    "No open findings; 2 releases observed",
  );
  const repo = [finding("r", "high", "repo:branch", 1, { rule: "posture/x" })];
  assertEquals(
    projectVerdict(releaseRows(OBSERVED, repo), repo, [], new Map()).text,
    "No release suspicious; 1 open finding — high: posture/x",
  );
  const gap = {
    project: "p",
    job: "repo" as const,
    scope: "*",
    reason: "r",
    since: 1,
    sinceTime: "",
  };
  const v = projectVerdict(rows, [], [gap], new Map());
  assertEquals([v.level, v.text], ["na", "No open findings, but 1 scope is not observable"]);
});

Deno.test("provenance and parity without a finding are not observable where the releases job has a gap", () => {
  const gap = {
    project: "p",
    job: "releases" as const,
    scope: "release:1.0",
    reason: "GitHub API unreachable",
    since: 1,
    sinceTime: "",
  };
  const rows = releaseRows(
    OBSERVED,
    [finding("s", "high", `source:${"bb".repeat(32)}`, 1, {
      rule: "parity/asset-missing",
    })],
    undefined,
    [gap],
  );
  const byVersion = new Map(rows.map((r) => [r.version, r]));
  assertEquals(byVersion.get("1.0")!.parity, {
    state: "not-observable",
    reason: "GitHub API unreachable",
  });
  assertEquals(byVersion.get("1.1")!.parity.state, "finding", "source:<sha> maps to its release");
  assertEquals(byVersion.get("1.1")!.provenance, { state: "no-finding" });
});
