import { assert, assertEquals, assertStringIncludes } from "./_assert.ts";
import { createApp } from "../../src/web/app.tsx";
import { appendAll, NOW, realLedger, RULES, serve, testConfig, XSS } from "./_fixtures.ts";

Deno.test("access page: who could push or publish on a date, with escaped names", async () => {
  const kv = await Deno.openKv(":memory:");
  let clock = new Date("2026-03-01T00:00:00Z");
  const { ledger, ledgerKv } = await realLedger(() => clock);
  await appendAll(kv, ledger, [{
    kind: "access.changed",
    body: {
      project: "evilpkg",
      full: ["collaborator", "pypi-role"],
      changes: [
        { kind: "added", area: "collaborator", who: "alice", to: "admin" },
        { kind: "added", area: "pypi-role", who: "alice", to: "Owner" },
      ],
    },
  }]);
  clock = new Date("2026-03-20T00:00:00Z");
  await appendAll(kv, ledger, [{
    kind: "access.changed",
    body: {
      project: "evilpkg",
      changes: [{ kind: "added", area: "pypi-role", who: XSS.script, to: "Maintainer" }],
    },
  }]);
  const app = createApp({
    config: testConfig(),
    kv,
    ledger,
    rules: RULES,
    now: () => NOW,
    cacheMs: 0,
  });
  const srv = serve(app.fetch);
  try {
    const early = await (await fetch(`${srv.base}/projects/evilpkg/access?at=2026-03-10`)).text();
    assertStringIncludes(early, "alice");
    assert(!early.includes("Maintainer"), "later grants are not shown for an earlier date");
    const late = await fetch(`${srv.base}/projects/evilpkg/access?at=2026-03-21`);
    assertEquals(late.status, 200);
    const html = await late.text();
    assertStringIncludes(html, "Maintainer");
    assert(!html.includes(XSS.script), "upstream names are escaped");
    assertEquals((await fetch(`${srv.base}/projects/evilpkg/access?at=nope`)).status, 400);
    assertEquals((await fetch(`${srv.base}/projects/nosuch/access`)).status, 404);
    const project = await (await fetch(`${srv.base}/projects/evilpkg`)).text();
    assertStringIncludes(project, "/projects/evilpkg/access");
  } finally {
    await srv.close();
    kv.close();
    ledgerKv.close();
  }
});
