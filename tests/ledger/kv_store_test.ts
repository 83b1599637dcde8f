import { conformance, finding, KEYS, ORIGIN } from "./_conformance.ts";
import { assert, assertEquals } from "./_assert.ts";
import { openCheckpoint, openLedger, parseVerifierKey } from "../../src/ledger/mod.ts";
import { KvLedgerReader, openKvLedger } from "../../src/ledger/kv_store.ts";

conformance("kv store (:memory:)", async () => {
  const kv = await Deno.openKv(":memory:");
  return {
    open: (signingKey, now) => openLedger({ store: "kv", kv, origin: ORIGIN, signingKey, now }),
    reader: () => new KvLedgerReader(kv).init(),
    cleanup: () => Promise.resolve(kv.close()),
  };
});

conformance("kv store (file)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ledger-kv-" });
  const kv = await Deno.openKv(`${dir}/ledger.sqlite`);
  return {
    open: (signingKey, now) => openLedger({ store: "kv", kv, origin: ORIGIN, signingKey, now }),
    reader: () => new KvLedgerReader(kv).init(),
    cleanup: async () => {
      kv.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
});

Deno.test("kv store: a large append is split into commits, each advancing the head with a signed checkpoint", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const s = await openLedger({ store: "kv", kv, origin: ORIGIN, signingKey: KEYS.privateKey });
    const big = Array.from(
      { length: 30 },
      (_, i) => ({ kind: "finding.opened", body: { i, blob: "z".repeat(60_000) } }),
    );
    await s.append([...Array.from({ length: 700 }, (_, i) => finding(i)), ...big]);
    const v = parseVerifierKey(KEYS.verifierKey);
    const sizes: number[] = [];
    for await (const item of kv.list<string>({ prefix: ["ledger", "checkpoint"] })) {
      sizes.push((await openCheckpoint(item.value, v, ORIGIN)).size);
    }
    assert(sizes.length >= 3, `expected several commits, got ${sizes}`);
    assertEquals(sizes[sizes.length - 1], 730);
    for (let i = 1; i < sizes.length; i++) assert(sizes[i] > sizes[i - 1]);
    assertEquals(await s.size(), 730);
  } finally {
    kv.close();
  }
});

Deno.test("kv store: two writers racing on one KV keep one valid history (head compare-and-set)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ledger-kv-" });
  const kv1 = await Deno.openKv(`${dir}/kv.sqlite`);
  try {
    // Two independent writers (no shared in-process lock): only the head's versionstamp check
    // keeps them from overwriting each other.
    const a = await openKvLedger({ kv: kv1, origin: ORIGIN, signingKey: KEYS.privateKey });
    const b = await openKvLedger({ kv: kv1, origin: ORIGIN, signingKey: KEYS.privateKey });
    await Promise.all([
      ...Array.from({ length: 15 }, (_, i) => a.append([finding(i)])),
      ...Array.from({ length: 15 }, (_, i) => b.append([finding(100 + i), finding(200 + i)])),
    ]);
    const r = new KvLedgerReader(kv1);
    assertEquals(await r.size(), 45);
    let prev = "0".repeat(64);
    let i = 0;
    for await (const e of r.entries()) {
      assertEquals(e.entry.index, i++);
      assertEquals(e.entry.prev, prev);
      prev = e.leafHash;
    }
    assertEquals(i, 45);
    assert(
      a.conflicts + b.conflicts > 0,
      "the race should have produced compare-and-set conflicts",
    );
  } finally {
    kv1.close();
    await Deno.remove(dir, { recursive: true });
  }
});
