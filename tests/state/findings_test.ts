import { assertEquals } from "../_assert.ts";
import {
  appliedCount,
  applyEntry,
  listCoverageGaps,
  listFindings,
  listSweeps,
} from "../../src/state/findings.ts";
import type { LedgerEntry, StoredEntry } from "../../src/ledger/types.ts";

let index = 0;
function stored(kind: string, body: Record<string, unknown>): StoredEntry {
  const entry: LedgerEntry = {
    v: 1,
    origin: "test",
    index: index++,
    time: "2026-11-22T00:00:00.000Z",
    kind,
    prev: "0".repeat(64),
    body,
  };
  return { entry, line: JSON.stringify(entry), leafHash: "0".repeat(64) };
}

const opened = {
  project: "acme",
  job: "pypi",
  id: "0123456789abcdef",
  rule: "content/pth-file",
  severity: "critical",
  subject: "a.whl!x.pth",
  scope: "file:aa",
  message: "m",
};

Deno.test("the projection follows opened, waived and resolved events", async () => {
  index = 0;
  const kv = await Deno.openKv(":memory:");
  try {
    await applyEntry(kv, stored("finding.opened", opened));
    let list = await listFindings(kv, "acme");
    assertEquals(list.map((f) => [f.id, f.status, f.since]), [["0123456789abcdef", "open", 0]]);
    await applyEntry(
      kv,
      stored("finding.waived", {
        ...opened,
        waiver: { reason: "r", expires: "2030-01-01T00:00:00.000Z" },
      }),
    );
    list = await listFindings(kv);
    assertEquals(list.map((f) => f.status), ["waived"]);
    await applyEntry(kv, stored("finding.resolved", { ...opened, reason: "no longer observed" }));
    assertEquals(await listFindings(kv), []);
    assertEquals(await appliedCount(kv), 3);
  } finally {
    kv.close();
  }
});

Deno.test("coverage gaps, pins and sweeps are projected", async () => {
  index = 0;
  const kv = await Deno.openKv(":memory:");
  try {
    const gap = { project: "acme", job: "pypi", scope: "*", observable: false, reason: "HTTP 503" };
    await applyEntry(kv, stored("coverage.changed", gap));
    assertEquals((await listCoverageGaps(kv, "acme")).map((g) => g.reason), ["HTTP 503"]);
    await applyEntry(kv, stored("coverage.changed", { ...gap, observable: true }));
    assertEquals(await listCoverageGaps(kv), []);

    await applyEntry(
      kv,
      stored("release.observed", {
        project: "acme",
        version: "1.0",
        files: [{ filename: "a-1.0.tar.gz", sha256: "ab".repeat(32), size: 3 }],
      }),
    );
    const pin = await kv.get(["pin", "acme", "a-1.0.tar.gz"]);
    assertEquals(pin.value, {
      version: "1.0",
      filename: "a-1.0.tar.gz",
      sha256: "ab".repeat(32),
      index: 2,
      late: false,
    });

    const sweep = {
      job: "pypi",
      sweep: "s",
      startedAt: "t",
      durationMs: 5,
      projects: 1,
      projectsTotal: 1,
      requests: 2,
      notModified: 0,
      errors: 1,
      opened: 0,
      resolved: 0,
      unobservable: 1,
    };
    await applyEntry(kv, stored("sweep.incomplete", sweep));
    assertEquals((await listSweeps(kv)).map((s) => s.status), ["incomplete"]);
    assertEquals(await listSweeps(kv, "sweep-ok"), []);
    await applyEntry(kv, stored("sweep.completed", sweep));
    assertEquals((await listSweeps(kv, "sweep-ok")).map((s) => s.index), [4]);
    // Kinds the projection does not know only advance the counter.
    await applyEntry(kv, stored("posture.changed", { project: "acme", changes: [] }));
    assertEquals(await appliedCount(kv), 6);
  } finally {
    kv.close();
  }
});
