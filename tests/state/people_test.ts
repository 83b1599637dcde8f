import { assertEquals } from "../_assert.ts";
import { emailBaselineFrom, readEmailBaseline } from "../../src/state/people.ts";
import type { LedgerEntry } from "../../src/ledger/types.ts";

function entry(index: number, kind: string, body: Record<string, unknown>): LedgerEntry {
  return {
    v: 1,
    origin: "test.example/people",
    index,
    time: "2026-12-01T00:00:00Z",
    kind,
    prev: "0".repeat(64),
    body,
  } as unknown as LedgerEntry;
}

const added = (who: string) => ({ kind: "added", area: "pypi-email", who, to: "listed" });

Deno.test("email baseline: the first full statement wins; partial ones and other kinds do not", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const apply = async (e: LedgerEntry) => {
      const set = await emailBaselineFrom(kv, e);
      if (set) await kv.set(set.key, set.value);
    };
    await apply(entry(0, "access.changed", { project: "ctx", changes: [added("a@x.org")] }));
    assertEquals(await readEmailBaseline(kv, "ctx"), undefined, "not a full statement");
    await apply(entry(1, "finding.opened", { project: "ctx", full: ["pypi-email"] }));
    assertEquals(await readEmailBaseline(kv, "ctx"), undefined, "not access.changed");
    await apply(entry(2, "access.changed", {
      project: "ctx",
      full: ["pypi-email", "pypi-role"],
      changes: [added("b@x.org"), added("a@x.org"), {
        kind: "added",
        area: "pypi-role",
        who: "alice",
        to: "Owner",
      }],
    }));
    assertEquals(await readEmailBaseline(kv, "ctx"), ["a@x.org", "b@x.org"]);
    await apply(entry(3, "access.changed", {
      project: "ctx",
      full: ["pypi-email"],
      changes: [added("c@new.example")],
    }));
    assertEquals(await readEmailBaseline(kv, "ctx"), ["a@x.org", "b@x.org"], "first wins");
    assertEquals(await readEmailBaseline(kv, "other"), undefined);
  } finally {
    kv.close();
  }
});
