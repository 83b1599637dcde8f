/**
 * The conformance suite every ledger store must pass (run by file_store_test.ts and
 * kv_store_test.ts).
 *
 * @module
 */
import { assert, assertEquals, assertFalse, assertRejects } from "./_assert.ts";
import {
  fromHex,
  generateSigningKey,
  hashLeaf,
  type LedgerEventInput,
  type LedgerReader,
  type LedgerStore,
  MAX_ENTRY_BYTES,
  openCheckpoint,
  parseVerifierKey,
  readerSource,
  type StoredEntry,
  toHex,
  verifyConsistency,
  verifyInclusion,
  verifyLedger,
} from "../../src/ledger/mod.ts";
import { CompactRange } from "../../src/ledger/merkle.ts";
import canonicalize from "canonicalize";

/** A store under test. */
export interface StoreHarness {
  open(signingKey: string, now?: () => Date): Promise<LedgerStore>;
  reader(): Promise<LedgerReader>;
  cleanup(): Promise<void>;
}

export const ORIGIN = "test.example/ledger";
export const KEYS = await generateSigningKey(ORIGIN);

/** A realistic finding event. */
export function finding(i: number, extra: Record<string, unknown> = {}): LedgerEventInput {
  return {
    kind: "finding.opened",
    body: {
      project: `proj-${i % 3}`,
      rule: "content/pth-file",
      subject: `pkg-1.${i}.0-py3-none-any.whl`,
      message: `a .pth file in release ${i}`,
      evidence: { file: "evil.pth", size: 120 + i },
      ...extra,
    },
  };
}

async function collect(it: AsyncIterable<StoredEntry>): Promise<StoredEntry[]> {
  const out: StoredEntry[] = [];
  for await (const e of it) out.push(e);
  return out;
}

async function* linesOf(entries: AsyncIterable<StoredEntry>): AsyncGenerator<Uint8Array> {
  for await (const e of entries) yield new TextEncoder().encode(e.line + "\n");
}

async function* notesOf(notes: AsyncIterable<string>): AsyncGenerator<string> {
  yield* notes;
}

/** Register the conformance tests for one store. */
export function conformance(name: string, makeHarness: () => Promise<StoreHarness>): void {
  const test = (title: string, fn: (h: StoreHarness) => Promise<void>) =>
    Deno.test(`${name}: ${title}`, async () => {
      const h = await makeHarness();
      try {
        await fn(h);
      } finally {
        await h.cleanup();
      }
    });

  test("an empty ledger has no checkpoint, no entries, no proofs", async (h) => {
    const s = await h.open(KEYS.privateKey);
    assertEquals(await s.size(), 0);
    assertEquals(await s.checkpoint(), null);
    assertEquals((await collect(s.entries())).length, 0);
    await assertRejects(() => s.inclusionProof(0));
    assertEquals(await s.consistencyProof(0), []);
    await s.close();
  });

  test("appends build canonical, chained entries and a signed checkpoint per append", async (h) => {
    let clock = Date.parse("2026-11-22T10:00:00.000Z");
    const s = await h.open(KEYS.privateKey, () => new Date(clock += 1000));
    const first = await s.append([finding(0)]);
    const batch = await s.append([finding(1), finding(2), finding(3)]);
    const all = [...first, ...batch];
    assertEquals(all.map((e) => e.entry.index), [0, 1, 2, 3]);
    assertEquals(all[0].entry.prev, "0".repeat(64));
    for (let i = 0; i < all.length; i++) {
      const e = all[i];
      assertEquals(e.line, canonicalize(e.entry));
      assertEquals(e.leafHash, toHex(hashLeaf(new TextEncoder().encode(e.line))));
      if (i > 0) assertEquals(e.entry.prev, all[i - 1].leafHash);
      assertEquals(e.entry.origin, ORIGIN);
      assertEquals(e.entry.v, 1);
    }
    assertEquals(all[0].entry.time, "2026-11-22T10:00:01.000Z");
    assertEquals(await s.size(), 4);
    const cp = await openCheckpoint(
      (await s.checkpoint())!,
      parseVerifierKey(KEYS.verifierKey),
      ORIGIN,
    );
    const range = new CompactRange();
    all.forEach((e) => range.append(fromHex(e.leafHash)));
    assertEquals(cp.size, 4);
    assertEquals(toHex(cp.root), toHex(range.root()));
    assertEquals((await collect(s.entries())).map((e) => e.line), all.map((e) => e.line));
    assertEquals((await collect(s.entries(1, 3))).map((e) => e.entry.index), [1, 2]);
    assertEquals((await collect(s.entries(3))).map((e) => e.entry.index), [3]);
    assertEquals((await collect(s.entries(2, 99))).map((e) => e.entry.index), [2, 3]);
    assertEquals((await collect(s.entries(4, 9))).length, 0);
    await s.close();
  });

  test("every inclusion and consistency proof verifies against signed checkpoints", async (h) => {
    const s = await h.open(KEYS.privateKey);
    const v = parseVerifierKey(KEYS.verifierKey);
    const cps: { size: number; root: Uint8Array }[] = [];
    const leaves: Uint8Array[] = [];
    for (const n of [1, 1, 2, 3, 5, 8, 13]) {
      const got = await s.append(Array.from({ length: n }, (_, i) => finding(leaves.length + i)));
      got.forEach((e) => leaves.push(fromHex(e.leafHash)));
      const cp = await openCheckpoint((await s.checkpoint())!, v);
      cps.push(cp);
    }
    for (const cp of cps) {
      for (let i = 0; i < cp.size; i++) {
        const proof = (await s.inclusionProof(i, cp.size)).map(fromHex);
        assert(verifyInclusion(i, cp.size, leaves[i], proof, cp.root), `inclusion ${i}/${cp.size}`);
      }
      for (const older of cps.filter((c) => c.size <= cp.size)) {
        const proof = (await s.consistencyProof(older.size, cp.size)).map(fromHex);
        assert(verifyConsistency(older.size, cp.size, older.root, cp.root, proof));
      }
    }
    const last = cps[cps.length - 1];
    const proof = (await s.inclusionProof(5)).map(fromHex);
    assert(verifyInclusion(5, last.size, leaves[5], proof, last.root));
    assertFalse(verifyInclusion(5, last.size, leaves[6], proof, last.root));
    await assertRejects(() => s.inclusionProof(0, last.size + 1));
    await s.close();
  });

  test("invalid events are rejected and nothing of their batch is appended", async (h) => {
    const s = await h.open(KEYS.privateKey);
    await s.append([finding(0)]);
    const bad: unknown[] = [
      { ratio: 0.5 },
      { n: NaN },
      { n: 2 ** 53 },
      { deep: { list: [1, 2, { x: Infinity }] } },
      { when: new Date(0) },
      { big: 10n },
      { f: () => 1 },
      { u: undefined },
      { s: "\ud800" },
      { huge: "x".repeat(MAX_ENTRY_BYTES) },
    ];
    for (const body of bad) {
      await assertRejects(() =>
        s.append([finding(1), { kind: "finding.opened", body: body as Record<string, unknown> }])
      );
    }
    await assertRejects(() => s.append([{ kind: "Finding Opened", body: {} }]));
    await assertRejects(() => s.append([{ kind: "finding", body: {} }]));
    await assertRejects(() =>
      s.append([{ kind: "finding.opened", body: [] as unknown as Record<string, unknown> }])
    );
    assertEquals(await s.size(), 1);
    assertEquals((await collect(s.entries())).length, 1);
    await s.close();
  });

  test("entries near the 64 KiB limit and batches beyond one KV commit round-trip", async (h) => {
    const s = await h.open(KEYS.privateKey);
    const big = await s.append([{
      kind: "finding.opened",
      body: { blob: "y".repeat(MAX_ENTRY_BYTES - 400) },
    }]);
    assert(big[0].line.length > 65000);
    const many = await s.append(Array.from({ length: 1500 }, (_, i) => finding(i)));
    assertEquals(many.length, 1500);
    assertEquals(many[1499].entry.index, 1500);
    const all = await collect(s.entries());
    assertEquals(all.length, 1501);
    assertEquals(all[0].line, big[0].line);
    all.forEach((e, i) => assertEquals(e.entry.index, i));
    const report = await verifyLedger(readerSource(await h.reader()), {
      verifierKey: KEYS.verifierKey,
    });
    assert(report.ok, JSON.stringify(report));
    assertEquals(report.size, 1501);
    await s.close();
  });

  test("reopening continues the chain; the reader sees the signed head; a wrong key is refused", async (h) => {
    const a = await h.open(KEYS.privateKey);
    const one = await a.append([finding(0), finding(1)]);
    await a.close();
    const b = await h.open(KEYS.privateKey);
    const two = await b.append([finding(2)]);
    assertEquals(two[0].entry.index, 2);
    assertEquals(two[0].entry.prev, one[1].leafHash);
    const r = await h.reader();
    assertEquals(await r.size(), 3);
    assertEquals(r.origin, ORIGIN);
    assertEquals(await r.checkpoint(), await b.checkpoint());
    assertEquals(await r.storedVerifierKey(), KEYS.verifierKey);
    assertEquals((await collect(r.entries(1))).map((e) => e.entry.index), [1, 2]);
    const proof = (await r.inclusionProof(1)).map(fromHex);
    const cp = await openCheckpoint((await r.checkpoint())!, parseVerifierKey(KEYS.verifierKey));
    assert(verifyInclusion(1, 3, fromHex(one[1].leafHash), proof, cp.root));
    let notes = 0;
    for await (const _ of r.checkpoints()) notes++;
    assert(notes >= 2);
    await r.close();
    await b.close();
    const other = await generateSigningKey(ORIGIN);
    await assertRejects(() => h.open(other.privateKey), "does not match");
  });

  test("concurrent appends from one process are serialized into one history", async (h) => {
    const s = await h.open(KEYS.privateKey);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => s.append([finding(i), finding(i + 100)])),
    );
    const indexes = results.flat().map((e) => e.entry.index).sort((a, b) => a - b);
    assertEquals(indexes, Array.from({ length: 40 }, (_, i) => i));
    const report = await verifyLedger(
      {
        bytes: linesOf(s.entries()),
        checkpoints: notesOf((await h.reader()).checkpoints()),
        hasCheckpoints: true,
      },
      { verifierKey: KEYS.verifierKey },
    );
    assert(report.ok, JSON.stringify(report));
    await s.close();
  });
}
