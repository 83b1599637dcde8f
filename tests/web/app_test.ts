import { assert, assertEquals, assertMatch, assertStringIncludes } from "./_assert.ts";
import { createApp } from "../../src/web/app.tsx";
import { STYLE_PATH } from "../../src/web/style.ts";
import {
  appendAll,
  HOSTILE_SHOWN,
  hostileFinding,
  IDS,
  INVISIBLE_RE,
  KEYS,
  NOW,
  realLedger,
  RULES,
  SEEDED_AT,
  seededWorld,
  serve,
  testConfig,
  XSS,
} from "./_fixtures.ts";
import type { LedgerStore } from "../../src/ledger/types.ts";
import { httpSource, verifyLedger } from "../../src/ledger/mod.ts";
import {
  checkpointRoot,
  hex,
  leafHash,
  rootFromInclusion,
  rootOf,
  unhex,
  verifyConsistency,
} from "./_verify.ts";

async function world(extra: { sweepToken?: string; onSweep?: () => Promise<unknown> } = {}) {
  const w = await seededWorld();
  const app = createApp({
    config: w.config,
    kv: w.kv,
    ledger: w.ledger,
    rules: RULES,
    now: () => NOW,
    cacheMs: 0,
    ...extra,
  });
  const srv = serve(app.fetch);
  return {
    ...w,
    app,
    base: srv.base,
    get: (path: string, init?: RequestInit) => fetch(srv.base + path, init),
    async close() {
      await srv.close();
      w.close();
    },
  };
}

Deno.test("home page shows every project's state, sweeps, findings and the checkpoint", async () => {
  const w = await world();
  try {
    const res = await w.get("/");
    assertEquals(res.status, 200);
    assertEquals(res.headers.get("content-type"), "text/html; charset=UTF-8");
    const csp = res.headers.get("content-security-policy") ?? "";
    assertStringIncludes(csp, "default-src 'none'");
    assertStringIncludes(csp, "style-src 'self'");
    assertStringIncludes(csp, "frame-ancestors 'none'");
    assert(!csp.includes("script-src"));
    assertEquals(res.headers.get("x-content-type-options"), "nosniff");
    assertEquals(res.headers.get("referrer-policy"), "no-referrer");
    const html = await res.text();
    assert(html.startsWith('<!DOCTYPE html><html lang="en">'));
    assert(!/<script/i.test(html), "no script element at all");
    assert(!/<[^>]*\son[a-z]+=/i.test(html), "no event handler attributes");
    for (const tag of ["<header>", '<main id="main">', "<footer>", '<th scope="col">']) {
      assertStringIncludes(html, tag);
    }
    assertStringIncludes(html, `href="${STYLE_PATH}"`);
    // States: evilpkg has a critical finding, darkpkg is not observable, goodpkg only waived.
    assertMatch(html, /evilpkg<\/bdi><\/a>(?:(?!<\/tr>).)*state critical">critical findings/s);
    assertMatch(html, /darkpkg<\/bdi><\/a>(?:(?!<\/tr>).)*state na">not observable/s);
    assertMatch(html, /goodpkg<\/bdi><\/a>(?:(?!<\/tr>).)*state ok">ok/s);
    assertStringIncludes(html, "1.2 s"); // sweep duration
    assertStringIncludes(html, "10 min ago"); // sweep age
    assertStringIncludes(html, `/findings/${IDS.evil}`);
    assertStringIncludes(html, "test.example/ledger\n11\n");
    assertStringIncludes(html, "&quot;&gt;&lt;img src=x onerror="); // payload escaped
  } finally {
    await w.close();
  }
});

Deno.test("the stylesheet is served at its hashed path with an immutable cache", async () => {
  const w = await world();
  try {
    const res = await w.get(STYLE_PATH);
    assertEquals(res.status, 200);
    assertEquals(res.headers.get("content-type"), "text/css; charset=utf-8");
    assertStringIncludes(res.headers.get("cache-control") ?? "", "immutable");
    assertStringIncludes(await res.text(), "prefers-color-scheme:dark");
    const stale = await w.get("/static/style.000000000000.css");
    assertEquals(stale.status, 404);
    await stale.body?.cancel();
  } finally {
    await w.close();
  }
});

Deno.test("healthz reports ledger size and stale jobs, 503 when the ledger is unreadable", async () => {
  const w = await world();
  try {
    const ok = await w.get("/healthz");
    assertEquals(ok.status, 200);
    const body = await ok.json();
    assertEquals(body.ok, true);
    assertEquals(body.ledgerSize, 11);
    assertEquals(body.staleJobs, []);
    w.ledgerKv.close();
    const bad = await w.get("/healthz");
    assertEquals(bad.status, 503);
    assertEquals((await bad.json()).ok, false);
  } finally {
    await w.close();
  }
});

Deno.test("readyz: 200 when every job succeeded recently, 503 when one never succeeded", async () => {
  const w = await world();
  try {
    const ok = await w.get("/readyz");
    assertEquals(ok.status, 200);
    assertEquals((await ok.json()).ready, true);
  } finally {
    await w.close();
  }
  const kv = await Deno.openKv(":memory:");
  const { ledger } = await realLedger();
  const app = createApp({ config: testConfig(), kv, ledger, rules: RULES, now: () => NOW });
  const res = await app.request("/readyz");
  assertEquals(res.status, 503);
  const body = await res.json();
  assertEquals(body.reasons, [
    "pypi: never succeeded",
    "releases: never succeeded",
    "repo: never succeeded",
    "access: never succeeded",
  ]);
  assertEquals((await app.request("/healthz")).status, 200, "alive although not ready");
  kv.close();
});

Deno.test("a job without a recent success is stale", async () => {
  const w = await seededWorld();
  const later = new Date(NOW.getTime() + 3 * 3600_000); // pypi: 10 min, repo: 1 h
  const app = createApp({
    config: w.config,
    kv: w.kv,
    ledger: w.ledger,
    rules: RULES,
    now: () => later,
    cacheMs: 0,
  });
  const body = await (await app.request("/healthz")).json();
  assertEquals(body.staleJobs.sort(), ["access", "pypi", "releases", "repo"]);
  const html = await (await app.request("/")).text();
  assertStringIncludes(html, 'state stale">stale');
  const early = createApp({
    config: w.config,
    kv: w.kv,
    ledger: w.ledger,
    rules: RULES,
    now: () => new Date(NOW.getTime() + 25 * 60_000),
    cacheMs: 0,
  });
  assertEquals((await (await early.request("/healthz")).json()).staleJobs, ["pypi"]);
  const ready = await early.request("/readyz");
  assertEquals(ready.status, 503, "a stale job makes the service not ready");
  const readyBody = await ready.json();
  assertEquals(readyBody.ready, false);
  assertStringIncludes(readyBody.reasons[0], "pypi: last success 2026-11-22T11:50:00.000Z");
  assertEquals((await early.request("/healthz")).status, 200, "still alive");
  w.close();
});

Deno.test("checkpoint is served as text/plain, 404 while the ledger is empty", async () => {
  const w = await world();
  try {
    const res = await w.get("/ledger/checkpoint");
    assertEquals(res.status, 200);
    assertEquals(res.headers.get("content-type"), "text/plain; charset=utf-8");
    assertEquals(await res.text(), await w.ledger.checkpoint());
    const kv = await Deno.openKv(":memory:");
    const emptyLedger = await realLedger();
    const empty = createApp({
      config: w.config,
      kv,
      ledger: emptyLedger.ledger,
      rules: RULES,
      cacheMs: 0,
    });
    const none = await empty.request("/ledger/checkpoint");
    assertEquals(none.status, 404);
    await none.body?.cancel();
    kv.close();
    emptyLedger.ledgerKv.close();
  } finally {
    await w.close();
  }
});

Deno.test("entries are the exact stored lines as JSONL, capped and range-checked", async () => {
  const w = await world();
  try {
    const all = await w.get("/ledger/entries");
    assertEquals(all.status, 200);
    assertEquals(all.headers.get("content-type"), "application/jsonl; charset=utf-8");
    assertEquals(all.headers.get("x-ledger-entries-cap"), "10000");
    assertEquals(all.headers.get("x-ledger-entries-range"), "0-11");
    const text = await all.text();
    assertEquals(text, w.stored.map((s) => s.line + "\n").join(""));
    for (const [i, line] of text.trimEnd().split("\n").entries()) {
      assertEquals(hex(await leafHash(line)), w.stored[i].leafHash);
    }
    assertEquals(all.headers.get("cache-control"), "no-cache"); // grows with the ledger
    const some = await w.get("/ledger/entries?from=3&to=5");
    assertStringIncludes(some.headers.get("cache-control")!, "immutable");
    assertEquals(await some.text(), `${w.stored[3].line}\n${w.stored[4].line}\n`);
    const none = await w.get("/ledger/entries?from=11&to=11");
    assertEquals(await none.text(), "");
    for (
      const q of [
        "from=-1",
        "from=1e3",
        "from=01",
        "from=abc",
        "from=12",
        "to=12",
        "from=5&to=4",
        "from=1&from=2",
        "start=1",
        "from=99999999999999999999",
      ]
    ) {
      const res = await w.get(`/ledger/entries?${q}`);
      assertEquals(res.status, 400, q);
      const msg = await res.text();
      assertEquals(msg.trimEnd().split("\n").length, 1, `one line: ${msg}`);
    }
  } finally {
    await w.close();
  }
});

Deno.test("entries are capped per request and the cap is announced", async () => {
  const kv = await Deno.openKv(":memory:");
  const { ledger, ledgerKv } = await realLedger();
  await ledger.append(
    Array.from({ length: 10_005 }, (_, i) => ({ kind: "test.event", body: { i } })),
  );
  const app = createApp({ config: testConfig(), kv, ledger, rules: RULES });
  const res = await app.request("/ledger/entries?from=2");
  assertEquals(res.headers.get("x-ledger-entries-range"), "2-10002");
  const lines = (await res.text()).trimEnd().split("\n");
  assertEquals(lines.length, 10_000);
  assertEquals(JSON.parse(lines[0]).index, 2);
  assertEquals(JSON.parse(lines[9999]).index, 10_001);
  kv.close();
  ledgerKv.close();
});

Deno.test("the ledger's own verifier accepts the served ledger, pinned or not", async () => {
  const w = await world();
  try {
    const pinned = await w.ledger.checkpoint();
    await appendAll(w.kv, w.ledger, [{
      kind: "access.changed",
      body: { project: "goodpkg", changes: [] },
    }]);
    const opts = { verifierKey: KEYS.verifierKey };
    const report = await verifyLedger(await httpSource(w.base, { pageSize: 5 }), opts);
    assert(report.ok, JSON.stringify(report));
    const trusted = await verifyLedger(await httpSource(w.base), { ...opts, trusted: pinned! });
    assert(trusted.ok, JSON.stringify(trusted));
  } finally {
    await w.close();
  }
});

Deno.test("inclusion proofs verify against the checkpoint's root", async () => {
  const w = await world();
  try {
    const note = await (await w.get("/ledger/checkpoint")).text();
    const { size, root } = checkpointRoot(note);
    for (let i = 0; i < size; i++) {
      const res = await w.get(`/ledger/proof/inclusion?index=${i}`);
      assertEquals(res.status, 200);
      const body = await res.json();
      assertEquals(body.size, size);
      assertEquals(body.checkpoint, note);
      assertEquals(body.leafHash, w.stored[i].leafHash);
      const computed = await rootFromInclusion(i, size, unhex(body.leafHash), body.proof);
      assertEquals(computed, root);
    }
    const wrong = await (await w.get("/ledger/proof/inclusion?index=3&size=11")).json();
    const bad = await rootFromInclusion(3, 11, unhex(w.stored[4].leafHash), wrong.proof);
    assert(bad === null || hex(bad) !== hex(root), "a different leaf must not verify");
    for (const q of ["index=11", "index=3&size=3", "index=0&size=12", "index=x", "size=5"]) {
      const res = await w.get(`/ledger/proof/inclusion?${q}`);
      assertEquals(res.status, 400, q);
      await res.body?.cancel();
    }
  } finally {
    await w.close();
  }
});

Deno.test("a subscriber's pinned checkpoint is consistent with a later one", async () => {
  const w = await world();
  try {
    const pinned = checkpointRoot(await (await w.get("/ledger/checkpoint")).text());
    await appendAll(w.kv, w.ledger, [
      { kind: "posture.changed", body: { project: "goodpkg", changes: [] } },
      { kind: "posture.changed", body: { project: "goodpkg", changes: [] } },
      { kind: "posture.changed", body: { project: "goodpkg", changes: [] } },
    ]);
    const res = await w.get(`/ledger/proof/consistency?from=${pinned.size}`);
    assertEquals(res.status, 200);
    const body = await res.json();
    const later = checkpointRoot(body.checkpoint);
    assertEquals(later.size, 14);
    assertEquals(body.to, 14);
    assert(await verifyConsistency(pinned.size, 14, pinned.root, later.root, body.proof));
    assert(!(await verifyConsistency(pinned.size, 14, later.root, later.root, body.proof)));
    for (let from = 1; from <= 14; from++) {
      const { root } = checkpointRoot(
        `x\n${from}\n${btoa(String.fromCharCode(...await subRoot(w.ledger, from)))}\n`,
      );
      const p = await (await w.get(`/ledger/proof/consistency?from=${from}&to=14`)).json();
      assert(await verifyConsistency(from, 14, root, later.root, p.proof), `from ${from}`);
    }
    for (const q of ["from=0", "from=15", "from=5&to=4", "from=2&to=15", "to=3"]) {
      const r = await w.get(`/ledger/proof/consistency?${q}`);
      assertEquals(r.status, 400, q);
      await r.body?.cancel();
    }
  } finally {
    await w.close();
  }
});

/** Root of the first n leaves, computed independently from the exact lines. */
async function subRoot(ledger: LedgerStore, n: number): Promise<Uint8Array> {
  const lines: string[] = [];
  for await (const s of ledger.entries(0, n)) lines.push(s.line);
  return await rootOf(await Promise.all(lines.map(leafHash)));
}

Deno.test("project page: findings, gaps, timeline with proofs; unknown project is 404", async () => {
  const w = await world();
  try {
    const res = await w.get("/projects/evilpkg");
    assertEquals(res.status, 200);
    const html = await res.text();
    assertStringIncludes(html, `/findings/${IDS.evil}`);
    assertStringIncludes(html, "/ledger/proof/inclusion?index=5&amp;size=11");
    assertStringIncludes(html, "posture.changed");
    assertStringIncludes(html, "https://github.com/evil/evilpkg");
    assertStringIncludes(html, 'rel="noopener noreferrer nofollow"');
    assert(!/<script/i.test(html));
    const dark = await (await w.get("/projects/darkpkg")).text();
    assertStringIncludes(dark, "token lacks administration:read");
    assertStringIncludes(dark, "not observable");
    const norm = await w.get("/projects/EvilPkg");
    assertEquals(norm.status, 200);
    await norm.body?.cancel();
    const missing = await w.get("/projects/nope");
    assertEquals(missing.status, 404);
    await missing.body?.cancel();
  } finally {
    await w.close();
  }
});

Deno.test("finding page: evidence, rule, timeline; javascript: links are not links", async () => {
  const w = await world();
  try {
    const html = await (await w.get(`/findings/${IDS.evil}`)).text();
    assertStringIncludes(html, "A .pth file ships in a wheel");
    assertStringIncludes(html, "Remove the .pth file");
    assertStringIncludes(html, "/ledger/proof/inclusion?index=5&amp;size=11");
    assert(!html.includes('href="javascript:'), "no javascript: href");
    assertStringIncludes(html, "javascript:window.__pwned=3"); // shown as text
    assertStringIncludes(html, "&lt;script&gt;");
    assert(!/<script/i.test(html));
    assert(!/<img src="?x/i.test(html));

    const resolved = await (await w.get(`/findings/${IDS.resolved}`)).text();
    assertStringIncludes(resolved, 'state ok">resolved');
    assertStringIncludes(resolved, "finding.resolved");
    assertStringIncludes(resolved, "finding.opened");
    assertStringIncludes(
      resolved,
      'href="https://github.com/good/goodpkg/settings/branches" rel="noopener noreferrer nofollow"',
    );
    const waived = await (await w.get(`/findings/${IDS.waived}`)).text();
    assertStringIncludes(waived, "accepted until migration");
    for (const path of ["/findings/0000000000000000", "/findings/..%2f", "/findings/ABC"]) {
      const r = await w.get(path);
      assertEquals(r.status, 404, path);
      await r.body?.cancel();
    }
  } finally {
    await w.close();
  }
});

Deno.test("ledger page: newest first, filtered by kind and project, paged", async () => {
  const w = await world();
  try {
    await appendAll(
      w.kv,
      w.ledger,
      Array.from({ length: 60 }, (_, i) => ({
        kind: "posture.changed",
        body: { project: "goodpkg", changes: [{ i }] },
      })),
    );
    const first = await (await w.get("/ledger")).text();
    const indexes = [...first.matchAll(/entries\?from=(\d+)&amp;to=\d+">\d+</g)].map((m) =>
      Number(m[1])
    );
    assertEquals(indexes.slice(0, 3), [70, 69, 68]);
    assertEquals(indexes.length, 50);
    assertStringIncludes(first, "/ledger?before=21");
    const second = await (await w.get("/ledger?before=21")).text();
    const idx2 = [...second.matchAll(/entries\?from=(\d+)&amp;to=\d+">\d+</g)].map((m) =>
      Number(m[1])
    );
    assertEquals(idx2, Array.from({ length: 21 }, (_, i) => 20 - i));
    const kind = await (await w.get("/ledger?kind=finding.opened")).text();
    const idx3 = [...kind.matchAll(/entries\?from=(\d+)&amp;to=\d+">\d+</g)].map((m) =>
      Number(m[1])
    );
    assertEquals(idx3, [6, 5]);
    const both = await (await w.get("/ledger?kind=finding.opened&project=goodpkg")).text();
    const idx4 = [...both.matchAll(/entries\?from=(\d+)&amp;to=\d+">\d+</g)].map((m) =>
      Number(m[1])
    );
    assertEquals(idx4, [6]);
    for (const q of ["kind=<x>", "before=-2", "before=a", "page=2", `project=${"a".repeat(201)}`]) {
      const r = await w.get(`/ledger?${q}`);
      assertEquals(r.status, 400, q);
      await r.body?.cancel();
    }
  } finally {
    await w.close();
  }
});

Deno.test("badges: N critical, passing, not observable, unknown", async () => {
  const w = await world();
  try {
    const evil = await w.get("/badge/evilpkg.svg");
    assertEquals(evil.headers.get("content-type"), "image/svg+xml; charset=utf-8");
    const svg = await evil.text();
    assertStringIncludes(svg, ">1 critical<");
    assertStringIncludes(svg, 'aria-label="release audit: 1 critical"');
    assertStringIncludes(await (await w.get("/badge/goodpkg.svg")).text(), ">passing<");
    assertStringIncludes(await (await w.get("/badge/darkpkg.svg")).text(), ">not observable<");
    const unknown = await w.get("/badge/nope.svg");
    assertEquals(unknown.status, 404);
    assertStringIncludes(await unknown.text(), ">unknown<");
  } finally {
    await w.close();
  }
});

Deno.test("metrics in Prometheus text format", async () => {
  const w = await world();
  try {
    await w.kv.set(["ratelimit", "github"], { remaining: 4990, limit: 5000, note: "x" });
    const res = await w.get("/metrics");
    assertEquals(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    const text = await res.text();
    assertStringIncludes(text, 'auditor_open_findings{project="evilpkg",severity="critical"} 1\n');
    assertStringIncludes(text, 'auditor_open_findings{project="goodpkg",severity="high"} 0\n');
    assertStringIncludes(text, 'auditor_waived_findings{project="goodpkg"} 1\n');
    assertStringIncludes(text, 'auditor_unobservable_scopes{project="darkpkg"} 1\n');
    assertStringIncludes(
      text,
      'auditor_sweep_duration_seconds{job="pypi",status="completed"} 1.234\n',
    );
    assertStringIncludes(
      text,
      `auditor_sweep_last_success_timestamp_seconds{job="repo"} ${SEEDED_AT.getTime() / 1000}\n`,
    );
    assertStringIncludes(text, 'auditor_ratelimit{upstream="github",field="remaining"} 4990\n');
    assertStringIncludes(text, 'auditor_sweep_redactions{job="pypi"} 0\n');
    assert(!text.includes("note"));
    assertStringIncludes(text, "auditor_ledger_entries 11\n");
    for (const line of text.trimEnd().split("\n")) {
      assertMatch(line, /^(# (HELP|TYPE) [a-z_]+ .+|[a-z_]+(\{[^}]*\})? -?[0-9.e+]+)$/);
    }
  } finally {
    await w.close();
  }
});

Deno.test("POST /api/sweep: 404 without a token, 401 on a wrong one, 202 and one sweep", async () => {
  const none = await world();
  try {
    const r = await none.get("/api/sweep", { method: "POST" });
    assertEquals(r.status, 404);
    await r.body?.cancel();
  } finally {
    await none.close();
  }
  let calls = 0;
  let release = () => {};
  const w = await world({
    sweepToken: "s3cret-token",
    onSweep: () => {
      calls++;
      return new Promise<void>((resolve) => release = resolve);
    },
  });
  try {
    for (
      const auth of [undefined, "Bearer wrong", "Bearer s3cret-tokenX", "s3cret-token", "Basic x"]
    ) {
      const headers: HeadersInit = auth ? { Authorization: auth } : {};
      const r = await w.get("/api/sweep", { method: "POST", headers });
      assertEquals(r.status, 401, String(auth));
      assert(!(await r.text()).includes("s3cret"));
    }
    assertEquals(calls, 0);
    const ok = await w.get("/api/sweep", {
      method: "POST",
      headers: { Authorization: "Bearer s3cret-token" },
    });
    assertEquals(ok.status, 202);
    await ok.body?.cancel();
    const busy = await w.get("/api/sweep", {
      method: "POST",
      headers: { Authorization: "Bearer s3cret-token" },
    });
    assertEquals(busy.status, 409);
    await busy.body?.cancel();
    assertEquals(calls, 1);
    release();
    const get = await w.get("/api/sweep");
    assertEquals(get.status, 404);
    await get.body?.cancel();
  } finally {
    await w.close();
  }
});

Deno.test("nothing but POST /api/sweep writes: other methods are refused", async () => {
  const w = await world();
  try {
    for (const path of ["/", "/ledger/entries", "/feed.atom", "/healthz"]) {
      const r = await w.get(path, { method: "POST", body: "x" });
      assertEquals(r.status, 404, path);
      await r.body?.cancel();
    }
    void XSS;
  } finally {
    await w.close();
  }
});

Deno.test("pages are gzip-encoded when accepted, identical once decoded", async () => {
  const w = await world();
  try {
    for (const path of ["/", `/findings/${IDS.evil}`, "/feed.atom", "/ledger"]) {
      const plain = await w.get(path, { headers: { "Accept-Encoding": "identity" } });
      assertEquals(plain.headers.get("content-encoding"), null);
      const text = await plain.text();
      const gz = await w.get(path, { headers: { "Accept-Encoding": "gzip" } });
      assertEquals(gz.headers.get("content-encoding"), "gzip", path);
      assertEquals(gz.headers.get("vary"), "Accept-Encoding");
      assertEquals(await gz.text(), text, path); // fetch decodes gzip
    }
  } finally {
    await w.close();
  }
});

Deno.test("the page cache serves a stale page once while it refreshes, then the new one", async () => {
  const w = await seededWorld();
  let t = NOW.getTime();
  const app = createApp({
    config: w.config,
    kv: w.kv,
    ledger: w.ledger,
    rules: RULES,
    now: () => new Date(t),
    cacheMs: 1000,
  });
  const count = async () => {
    const html = await (await app.request("/")).text();
    return Number(/(\d+) open finding\(s\)/.exec(html)?.[1]);
  };
  try {
    assertEquals(await count(), 1);
    await appendAll(w.kv, w.ledger, [{
      kind: "finding.opened",
      body: { ...w.stored[5].entry.body, id: "ffffffffffffffff", subject: "another" },
    }]);
    assertEquals(await count(), 1, "within the TTL");
    t += 1500;
    assertEquals(await count(), 1, "stale while revalidating");
    await new Promise((r) => setTimeout(r, 50));
    assertEquals(await count(), 2, "refreshed");
  } finally {
    w.close();
  }
});

Deno.test("pages show hostile upstream text as escapes, each string isolated in <bdi>", async () => {
  const w = await world();
  try {
    await appendAll(w.kv, w.ledger, [hostileFinding()]);
    for (const path of ["/", "/projects/evilpkg", "/findings/0123456789abcdef", "/ledger"]) {
      const html = await (await w.get(path)).text();
      assert(!INVISIBLE_RE.test(html), `${path}: no raw invisible or reordering character`);
      assertStringIncludes(html, "<bdi>", path);
    }
    const finding = await (await w.get("/findings/0123456789abcdef")).text();
    assertStringIncludes(finding, `<bdi>evilpkg-1.0-py3-none-any.whl: &quot;${HOSTILE_SHOWN.rlo}`);
    assertStringIncludes(finding, HOSTILE_SHOWN.invisible);
  } finally {
    await w.close();
  }
});
