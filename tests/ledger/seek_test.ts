import { assert, assertEquals } from "./_assert.ts";
import { seekTime, timeRange } from "../../src/ledger/seek.ts";
import { openLedger } from "../../src/ledger/mod.ts";
import type { LedgerStore } from "../../src/ledger/types.ts";
import { KEYS, ORIGIN } from "./_conformance.ts";

const T0 = Date.parse("2026-11-22T00:00:00.000Z");

async function ledgerOf(n: number): Promise<{ ledger: LedgerStore; dir: string }> {
  const dir = await Deno.makeTempDir({ prefix: "ledger-seek-" });
  let i = 0;
  const ledger = await openLedger({
    store: "file",
    path: dir,
    origin: ORIGIN,
    signingKey: KEYS.privateKey,
    // Two entries per minute (each append of two shares a time).
    now: () => new Date(T0 + 60_000 * i++),
  });
  for (let k = 0; k < n; k += 2) {
    await ledger.append([{ kind: "x.y", body: { k } }, { kind: "x.y", body: { k: k + 1 } }]);
  }
  return { ledger, dir };
}

Deno.test("seekTime finds the first entry at or after a time by binary search", async () => {
  const { ledger, dir } = await ledgerOf(1000);
  try {
    let reads = 0;
    const counted = {
      size: () => ledger.size(),
      entries: (from?: number, to?: number) => {
        reads++;
        return ledger.entries(from, to);
      },
    };
    const at = (m: number) => new Date(T0 + m * 60_000);
    assertEquals(await seekTime(counted, at(100), 0, 1000), 200);
    assert(reads <= 11, `${reads} reads for 1000 entries`);
    assertEquals(await seekTime(counted, new Date(T0 + 100 * 60_000 + 1), 0, 1000), 202);
    assertEquals(await seekTime(counted, at(-5), 0, 1000), 0);
    assertEquals(await seekTime(counted, at(10_000), 0, 1000), 1000);
    assertEquals(await timeRange(counted, { since: at(10), until: at(12) }), { from: 20, to: 24 });
    assertEquals(await timeRange(counted, {}), { from: 0, to: 1000 });
  } finally {
    await ledger.close();
    await Deno.remove(dir, { recursive: true });
  }
});
