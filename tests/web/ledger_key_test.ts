/**
 * `/ledger/key` and the ledger page: the verifier key subscribers pin, served by the status page.
 */
import { assert, assertEquals, assertStringIncludes } from "./_assert.ts";
import { createApp } from "../../src/web/app.tsx";
import { NOW, realLedger, RULES, testConfig } from "./_fixtures.ts";
import { generateSigningKey } from "../../src/ledger/mod.ts";

Deno.test("/ledger/key serves the verifier key as text; the ledger page shows it", async () => {
  const kv = await Deno.openKv(":memory:");
  const { ledger, ledgerKv } = await realLedger(() => NOW);
  const { verifierKey } = await generateSigningKey("page.test/ledger");
  try {
    const base = { config: testConfig(), kv, ledger, rules: RULES, now: () => NOW, cacheMs: 0 };
    const app = createApp({ ...base, verifierKey });
    const res = await app.request("/ledger/key");
    assertEquals(res.status, 200);
    assertStringIncludes(res.headers.get("content-type") ?? "", "text/plain");
    assertEquals(await res.text(), `${verifierKey}\n`);
    assertEquals((await app.request("/ledger/key?x=1")).status, 400);
    const page = await (await app.request("/ledger")).text();
    assertStringIncludes(page, verifierKey);
    assertStringIncludes(page, 'href="/ledger/key"');
    const without = createApp(base);
    assertEquals((await without.request("/ledger/key")).status, 404);
    assert(!(await (await without.request("/ledger")).text()).includes("Verifier key"));
  } finally {
    kv.close();
    ledgerKv.close();
  }
});
