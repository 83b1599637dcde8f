/**
 * The sweep's upstream gate against a real local server: Retry-After and x-ratelimit-reset
 * obeyed within the wait budget, skipped at once past it ("not observable until T"), jittered
 * backoff, the circuit breaker, and the timings (a 429 with Retry-After 3600 costs one
 * request, not three per route; 500 on every request costs milliseconds).
 */
import { assert, assertEquals } from "./_assert.ts";
import { decoded, rateLimitWait, sendWithPolicy, UpstreamGate } from "../src/upstream_gate.ts";
import { fetchBounded } from "../src/http.ts";

function server(handler: (req: Request) => Response | Promise<Response>) {
  const seen: string[] = [];
  const s = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    seen.push(new URL(req.url).pathname);
    return handler(req);
  });
  return {
    url: `http://127.0.0.1:${(s.addr as Deno.NetAddr).port}`,
    seen,
    close: () => s.shutdown(),
  };
}

Deno.test("rateLimitWait reads Retry-After (seconds, date) and x-ratelimit-reset", () => {
  const now = Date.parse("2026-12-01T00:00:00Z");
  const r = (status: number, headers: Record<string, string>) =>
    rateLimitWait(new Response(null, { status, headers }), now);
  assertEquals(r(429, { "retry-after": "3" }), 3000);
  assertEquals(r(429, { "retry-after": "Tue, 01 Dec 2026 00:00:10 GMT" }), 10_000);
  assertEquals(
    r(403, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(now / 1000 + 60) }),
    60_000,
  );
  assertEquals(r(403, {}), undefined, "a plain 403 is a refusal, not a limit");
  assertEquals(r(500, { "retry-after": "3" }), undefined);
  assertEquals(r(429, {}), 60_000, "a limit without a time: one minute");
});

Deno.test("backoff is jittered between half and all of base·2ⁿ", () => {
  const low = new UpstreamGate({ retryBaseMs: 100, random: () => 0 });
  const high = new UpstreamGate({ retryBaseMs: 100, random: () => 0.999 });
  assertEquals(low.backoffMs(0), 50);
  assertEquals(low.backoffMs(2), 200);
  assert(high.backoffMs(2) <= 400 && high.backoffMs(2) > 390);
});

Deno.test("a 429 with Retry-After 3600: one request, host skipped until then, no wait", async () => {
  const s = server(() =>
    Response.json({ message: "slow" }, { status: 429, headers: { "retry-after": "3600" } })
  );
  try {
    const gate = new UpstreamGate({ waitBudgetMs: 1_000 });
    const t0 = Date.now();
    const results = [];
    for (let i = 0; i < 15; i++) {
      results.push(
        await fetchBounded(`${s.url}/route/${i}`, { timeoutMs: 2_000, maxBytes: 1 << 16, gate }),
      );
    }
    assertEquals(s.seen.length, 1, "15 routes cost one request");
    assert(Date.now() - t0 < 1_000);
    const skip = gate.skipped(new URL(s.url).host)!;
    assert(skip.until! > Date.now() + 3_500_000);
    assert(results.slice(1).every((r) => !r.ok && r.reason === "skipped"));
    assert(
      results.every((r) => !r.ok && /not observable until 20/.test(r.message)),
      JSON.stringify(results[1]),
    );
  } finally {
    await s.close();
  }
});

Deno.test("a short Retry-After is obeyed within the budget, then the request succeeds", async () => {
  let n = 0;
  const s = server(() =>
    n++ === 0
      ? Response.json({}, { status: 429, headers: { "retry-after": "1" } })
      : Response.json({ ok: true })
  );
  try {
    const gate = new UpstreamGate({ waitBudgetMs: 5_000 });
    const t0 = Date.now();
    const r = await fetchBounded(`${s.url}/x`, { timeoutMs: 2_000, maxBytes: 1 << 16, gate });
    const took = Date.now() - t0;
    assert(r.ok, JSON.stringify(r));
    assert(took >= 1_000 && took < 2_500, `${took} ms`);
    assertEquals(gate.waitedMs, 1_000);
  } finally {
    await s.close();
  }
});

Deno.test("500 on every request: jittered retries, then the circuit opens; 20 requests in well under a second", async () => {
  const s = server(() => Response.json({ message: "boom" }, { status: 500 }));
  try {
    const gate = new UpstreamGate({ waitBudgetMs: 10_000, retryBaseMs: 20, breakerFailures: 3 });
    const t0 = Date.now();
    for (let i = 0; i < 20; i++) {
      const r = await fetchBounded(`${s.url}/p/${i}`, {
        timeoutMs: 2_000,
        maxBytes: 1 << 16,
        gate,
      });
      assert(!r.ok);
    }
    assert(Date.now() - t0 < 1_000, `${Date.now() - t0} ms`);
    assertEquals(s.seen.length, 3, "three failures open the circuit");
    assert(/skipped for the rest of this sweep/.test(gate.skips()[0].message));
  } finally {
    await s.close();
  }
});

Deno.test("a hanging host: the time-out is not retried and two time-outs open the circuit", async () => {
  const s = server((req) =>
    new Promise((resolve) =>
      req.signal.addEventListener("abort", () => resolve(new Response(null)))
    )
  );
  try {
    const gate = new UpstreamGate({ waitBudgetMs: 10_000, breakerFailures: 3 });
    const t0 = Date.now();
    for (let i = 0; i < 5; i++) {
      await sendWithPolicy(`${s.url}/h/${i}`, {}, { gate, timeoutMs: 200 }).catch(() => {});
    }
    assertEquals(s.seen.length, 2);
    assert(Date.now() - t0 < 2 * 200 + 300, `${Date.now() - t0} ms`);
  } finally {
    await s.close();
  }
});

Deno.test("the wait budget is shared: past it, waits are refused at once", async () => {
  const gate = new UpstreamGate({ waitBudgetMs: 100 });
  assert(await gate.wait(60));
  assert(!(await gate.wait(60)), "60 + 60 > 100");
  assertEquals(gate.waitedMs, 60);
});

Deno.test("a body compressed although identity was asked for is inflated lazily", async () => {
  const text = "x".repeat(10_000);
  const gz = new Uint8Array(
    await new Response(new Blob([text]).stream().pipeThrough(new CompressionStream("gzip")))
      .arrayBuffer(),
  );
  const r = decoded(new Response(gz, { headers: { "content-encoding": "gzip" } }));
  assertEquals(await r.text(), text);
  const odd = decoded(new Response("zz", { headers: { "content-encoding": "br" } }));
  let failed = false;
  await odd.text().catch(() => (failed = true));
  assert(failed, "an encoding we cannot inflate fails the read");
});
