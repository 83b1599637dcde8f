import { assert, assertEquals } from "../_assert.ts";
import {
  catchUpIndex,
  getRecords,
  indexedCount,
  indexEntry,
  latestFeedRecords,
  listIndexes,
  toIndexRecord,
} from "../../src/state/ledger_index.ts";
import { realLedger, seedEvents } from "../web/_fixtures.ts";

async function dump(kv: Deno.Kv) {
  const out: [Deno.KvKey, unknown][] = [];
  for await (const e of kv.list({ prefix: ["index"] })) out.push([e.key, e.value]);
  return out;
}

Deno.test("catchUpIndex builds the same index as indexEntry, and only once", async () => {
  const { ledger } = await realLedger();
  const stored = await ledger.append(seedEvents());
  const a = await Deno.openKv(":memory:");
  for (const s of stored) await indexEntry(a, s);
  await indexEntry(a, stored[3]); // idempotent, never moves the counter back
  assertEquals(await indexedCount(a), stored.length);
  const b = await Deno.openKv(":memory:");
  assertEquals(await catchUpIndex(b, ledger), stored.length);
  assertEquals(await catchUpIndex(b, ledger), 0);
  assertEquals(await dump(a), await dump(b));
  assertEquals(await indexedCount(b), stored.length);
  a.close();
  b.close();
});

Deno.test("catchUpIndex resumes where it stopped and batches large ledgers", async () => {
  const { ledger } = await realLedger();
  const events = Array.from({ length: 450 }, (_, i) => ({
    kind: i % 3 === 0 ? "finding.opened" : "sweep.completed",
    body: { project: `p${i % 7}`, id: `${i}`.padStart(16, "0"), severity: "high", i },
  }));
  await ledger.append(events.slice(0, 200));
  const kv = await Deno.openKv(":memory:");
  assertEquals(await catchUpIndex(kv, ledger), 200);
  await ledger.append(events.slice(200));
  assertEquals(await catchUpIndex(kv, ledger), 250);
  assertEquals(await indexedCount(kv), 450);
  const p3 = await listIndexes(kv, { project: "p3" }, { limit: 1000 });
  assertEquals(p3, events.map((_, i) => i).filter((i) => i % 7 === 3).reverse());
  const opened = await listIndexes(kv, { kind: "finding.opened" }, { before: 10, limit: 2 });
  assertEquals(opened, [9, 6]);
  const both = await listIndexes(kv, { project: "p0", kind: "finding.opened" }, { limit: 3 });
  assertEquals(both, [441, 420, 399]);
  const recs = await getRecords(kv, [449, 0, 5000]);
  assertEquals(recs.map((r) => r.index), [449, 0]);
  kv.close();
});

Deno.test("a ledger shorter than the index is reported, not silently re-indexed", async () => {
  const { ledger } = await realLedger();
  await ledger.append(seedEvents());
  const kv = await Deno.openKv(":memory:");
  await catchUpIndex(kv, ledger);
  let error = "";
  try {
    await catchUpIndex(kv, (await realLedger()).ledger);
  } catch (e) {
    error = (e as Error).message;
  }
  assert(error.includes("truncated"), error);
  kv.close();
});

Deno.test("index records are bounded whatever upstream sent", async () => {
  const { ledger } = await realLedger();
  const huge = "x".repeat(10_000); // 5 fields: just under the 64 KiB entry limit
  const [stored] = await ledger.append([{
    kind: "finding.opened",
    body: {
      project: huge,
      id: huge,
      rule: huge,
      severity: "bogus",
      subject: huge,
      message: huge,
    },
  }]);
  const r = toIndexRecord(stored);
  assert(JSON.stringify(r).length < 2000, `record of ${JSON.stringify(r).length} bytes`);
  assertEquals(r.severity, undefined);
  const kv = await Deno.openKv(":memory:");
  await indexEntry(kv, stored);
  assertEquals((await getRecords(kv, [0]))[0].index, 0);
  kv.close();
});

Deno.test("latestFeedRecords merges the feed kinds newest first", async () => {
  const { ledger } = await realLedger();
  const kv = await Deno.openKv(":memory:");
  for (const s of await ledger.append(seedEvents())) await indexEntry(kv, s);
  const all = await latestFeedRecords(kv, { limit: 3 });
  assertEquals(all.map((r) => r.index), [10, 8, 7]);
  const good = await latestFeedRecords(kv, { limit: 10, project: "goodpkg" });
  assertEquals(good.map((r) => r.kind), ["finding.waived", "finding.resolved", "finding.opened"]);
  kv.close();
});
