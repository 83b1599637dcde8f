import { assertEquals, assertRejects } from "./_assert.ts";
import { finding, KEYS, ORIGIN } from "./_conformance.ts";
import { formatTlogProof, openLedger, verifyTlogProof } from "../../src/ledger/mod.ts";

Deno.test("tlog-proof: format, verify offline, and reject every kind of alteration", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const s = await openLedger({ store: "kv", kv, origin: ORIGIN, signingKey: KEYS.privateKey });
    const stored = await s.append(Array.from({ length: 11 }, (_, i) => finding(i)));
    const note = (await s.checkpoint())!;
    for (const i of [0, 5, 10]) {
      const text = formatTlogProof(stored[i].line, i, await s.inclusionProof(i), note);
      const v = await verifyTlogProof(text, KEYS.verifierKey);
      assertEquals([v.index, v.treeSize, v.entry.index], [i, 11, i]);
    }
    const text = formatTlogProof(stored[5].line, 5, await s.inclusionProof(5), note);
    const lines = text.split("\n");
    assertEquals(lines.slice(0, 3).map((l) => l.split(" ")[0]), [
      "c2sp.org/tlog-proof@v1",
      "extra",
      "index",
    ]);
    await assertRejects(() =>
      verifyTlogProof(text.replace("index 5", "index 6"), KEYS.verifierKey)
    );
    const other = formatTlogProof(stored[6].line, 5, await s.inclusionProof(5), note);
    await assertRejects(() => verifyTlogProof(other, KEYS.verifierKey), "index");
    const swapped = lines.slice();
    [swapped[3], swapped[4]] = [swapped[4], swapped[3]];
    await assertRejects(
      () => verifyTlogProof(swapped.join("\n"), KEYS.verifierKey),
      "inclusion proof",
    );
    await assertRejects(
      () => verifyTlogProof(text.replace(/\n11\n/, "\n12\n"), KEYS.verifierKey),
      "signature",
    );
    const { verifierKey } = await (await import("../../src/ledger/mod.ts")).generateSigningKey(
      ORIGIN,
    );
    await assertRejects(() => verifyTlogProof(text, verifierKey), "not signed by");
    await assertRejects(() =>
      verifyTlogProof(text.replace("c2sp.org/tlog-proof@v1", "x"), KEYS.verifierKey)
    );
  } finally {
    kv.close();
  }
});
