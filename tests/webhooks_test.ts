import { assert, assertEquals, assertStringIncludes } from "./web/_assert.ts";
import { ConfigSchema } from "../src/config.ts";
import type { Config } from "../src/config.ts";
import {
  backoffMs,
  deliverPending,
  type PendingDelivery,
  signBody,
  syncWebhookQueue,
  verifySignature,
} from "../src/webhooks.ts";
import {
  appendAll,
  HOSTILE_SHOWN,
  hostileFinding,
  IDS,
  INVISIBLE_RE,
  realLedger,
  seedEvents,
  XSS,
} from "./web/_fixtures.ts";

interface Received {
  headers: Headers;
  body: string;
}

/** A real subscriber on loopback that answers with the statuses given, then 200. */
function subscriber(statuses: number[] = [], delayMs = 0) {
  const received: Received[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    received.push({ headers: req.headers, body: await req.text() });
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    return new Response("ok", { status: statuses.shift() ?? 200 });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/hook`,
    received,
    close: () => server.shutdown(),
  };
}

function config(hooks: Record<string, unknown>[]): Config {
  return ConfigSchema.parse({
    status: { base_url: "https://audit.example.org", webhook: hooks },
    project: [{ name: "evilpkg" }, { name: "goodpkg" }],
  });
}

async function seeded() {
  const kv = await Deno.openKv(":memory:");
  const { ledger } = await realLedger();
  const stored = await appendAll(kv, ledger, seedEvents());
  return { kv, ledger, stored };
}

async function pending(kv: Deno.Kv): Promise<PendingDelivery[]> {
  const out: PendingDelivery[] = [];
  for await (const e of kv.list<PendingDelivery>({ prefix: ["webhook", "pending"] })) {
    out.push(e.value);
  }
  return out;
}

Deno.test("signed JSON delivery of findings at or above the threshold, removed after 2xx", async () => {
  const sub = subscriber();
  const { kv, ledger, stored } = await seeded();
  const cfg = config([{ url: sub.url, min_severity: "high", secret_env: "HOOK_SECRET" }]);
  try {
    // opened critical (5), opened high (6), resolved high (7); the waiver is not notified.
    assertEquals(await syncWebhookQueue(kv, cfg, ledger), 3);
    assertEquals(await syncWebhookQueue(kv, cfg, ledger), 0, "idempotent");
    assertEquals((await pending(kv)).map((d) => d.ledgerIndex), [5, 6, 7]);
    const result = await deliverPending(kv, cfg, { webhookSecrets: { HOOK_SECRET: "k3y" } });
    assertEquals(result, { delivered: 3, retrying: 0, dead: 0, waiting: 0 });
    assertEquals(await pending(kv), []);
    assertEquals(sub.received.map((r) => r.headers.get("x-auditor-delivery")), ["5", "6", "7"]);
    for (const r of sub.received) {
      const header = r.headers.get("x-auditor-signature")!;
      assert(await verifySignature("k3y", header, r.body), header);
      const t = Number(/^t=(\d+),/.exec(header)![1]);
      assertEquals(header, await signBody("k3y", r.body, t));
      assert(Math.abs(Date.now() / 1000 - t) < 60, "signed now");
      assertEquals(r.headers.get("content-type"), "application/json");
    }
    const first = JSON.parse(sub.received[0].body);
    assertEquals(first.event, "finding.opened");
    assertEquals(first.finding.id, IDS.evil);
    assertEquals(first.finding.severity, "critical");
    assertEquals(first.finding.upstream, undefined, "javascript: URL is dropped");
    assertEquals(first.ledger.leafHash, stored[5].leafHash);
    assertEquals(first.links.finding, `https://audit.example.org/findings/${IDS.evil}`);
    const resolved = JSON.parse(sub.received[2].body);
    assertEquals([resolved.event, resolved.finding.severity], ["finding.resolved", "high"]);
    // A tampered body, another secret or an old timestamp (a replay) do not verify.
    const header = sub.received[0].headers.get("x-auditor-signature");
    assert(!(await verifySignature("k3y", header, sub.received[0].body + " ")));
    assert(!(await verifySignature("other", header, sub.received[0].body)));
    assert(!(await verifySignature("k3y", header, sub.received[0].body, Date.now() + 301_000)));
  } finally {
    await sub.close();
    kv.close();
  }
});

Deno.test("thresholds: a critical-only hook gets only the critical finding", async () => {
  const sub = subscriber();
  const { kv, ledger } = await seeded();
  const cfg = config([{ url: sub.url, min_severity: "critical" }]);
  try {
    assertEquals(await syncWebhookQueue(kv, cfg, ledger), 1);
    await deliverPending(kv, cfg, { webhookSecrets: {} });
    assertEquals(sub.received.length, 1);
    assertEquals(sub.received[0].headers.get("x-auditor-signature"), null);
  } finally {
    await sub.close();
    kv.close();
  }
});

Deno.test("failures are retried with exponential backoff, then given up", async () => {
  const sub = subscriber([500, 503, 200]);
  const { kv, ledger } = await seeded();
  const cfg = config([{ url: sub.url, min_severity: "critical" }]);
  let t = 1_000_000;
  const opts = { now: () => t, baseDelayMs: 1000, maxDelayMs: 60_000, maxAttempts: 3 };
  const warn = console.warn;
  const logs: string[] = [];
  console.warn = (...args: unknown[]) => logs.push(args.join(" "));
  try {
    await syncWebhookQueue(kv, cfg, ledger);
    assertEquals((await deliverPending(kv, cfg, { webhookSecrets: {} }, fetch, opts)).retrying, 1);
    let [d] = await pending(kv);
    assertEquals([d.attempts, d.nextAttemptAt, d.lastError], [1, t + 1000, "HTTP 500"]);
    // Not due yet: nothing is sent.
    assertEquals((await deliverPending(kv, cfg, { webhookSecrets: {} }, fetch, opts)).waiting, 1);
    assertEquals(sub.received.length, 1);
    t += 1000;
    await deliverPending(kv, cfg, { webhookSecrets: {} }, fetch, opts);
    [d] = await pending(kv);
    assertEquals([d.attempts, d.nextAttemptAt], [2, t + 2000]);
    t += 2000;
    assertEquals((await deliverPending(kv, cfg, { webhookSecrets: {} }, fetch, opts)).delivered, 1);
    assertEquals(sub.received.length, 3);
    assertEquals(new Set(sub.received.map((r) => r.body)).size, 1, "same body each time");
    assert(logs.every((l) => !l.includes(sub.url) && !l.includes("127.0.0.1")), "no URL logged");
  } finally {
    console.warn = warn;
    await sub.close();
    kv.close();
  }
  assertEquals(backoffMs(1, 30_000, 3_600_000), 30_000);
  assertEquals(backoffMs(4, 30_000, 3_600_000), 240_000);
  assertEquals(backoffMs(20, 30_000, 3_600_000), 3_600_000);
});

Deno.test("bounded attempts: a dead subscriber's delivery ends up dead, not lost", async () => {
  const sub = subscriber([500, 500, 500, 500]);
  const { kv, ledger } = await seeded();
  const cfg = config([{ url: sub.url, min_severity: "critical" }]);
  let t = 0;
  const opts = { now: () => t, baseDelayMs: 10, maxAttempts: 2 };
  const warn = console.warn;
  console.warn = () => {};
  try {
    await syncWebhookQueue(kv, cfg, ledger);
    await deliverPending(kv, cfg, { webhookSecrets: {} }, fetch, opts);
    t += 10;
    assertEquals((await deliverPending(kv, cfg, { webhookSecrets: {} }, fetch, opts)).dead, 1);
    assertEquals(await pending(kv), []);
    const dead = await kv.get<PendingDelivery>(["webhook", "dead", 0, 5]);
    assertEquals(dead.value?.attempts, 2);
    assertEquals(sub.received.length, 2);
  } finally {
    console.warn = warn;
    await sub.close();
    kv.close();
  }
});

Deno.test("time-outs and refused connections count as failures; a missing secret sends nothing", async () => {
  const slow = subscriber([], 2000);
  const { kv, ledger } = await seeded();
  const warn = console.warn;
  const logs: string[] = [];
  console.warn = (...args: unknown[]) => logs.push(args.join(" "));
  try {
    const cfg = config([
      { url: slow.url, min_severity: "critical" },
      { url: "http://127.0.0.1:9/closed", min_severity: "critical" },
      { url: slow.url, min_severity: "critical", secret_env: "MISSING_SECRET" },
    ]);
    await syncWebhookQueue(kv, cfg, ledger);
    const r = await deliverPending(kv, cfg, { webhookSecrets: {} }, fetch, { timeoutMs: 200 });
    assertEquals(r.retrying, 3);
    const errors = (await pending(kv)).map((d) => d.lastError);
    assertEquals(errors[0], "timed out");
    assertStringIncludes(errors[1]!, "request failed");
    assertEquals(errors[2], "secret MISSING_SECRET is not set");
    assertEquals(slow.received.length, 1, "the unsigned request was not sent");
  } finally {
    console.warn = warn;
    await slow.close();
    kv.close();
  }
});

Deno.test("redirects are not followed", async () => {
  const target = subscriber();
  const redirector = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response(null, { status: 307, headers: { Location: target.url } }),
  );
  const { kv, ledger } = await seeded();
  const warn = console.warn;
  console.warn = () => {};
  try {
    const cfg = config([{
      url: `http://127.0.0.1:${redirector.addr.port}/`,
      min_severity: "critical",
    }]);
    await syncWebhookQueue(kv, cfg, ledger);
    const r = await deliverPending(kv, cfg, { webhookSecrets: {} });
    assertEquals(r.retrying, 1);
    assertEquals(target.received.length, 0);
  } finally {
    console.warn = warn;
    await redirector.shutdown();
    await target.close();
    kv.close();
  }
});

Deno.test("Slack format: {text, blocks}, escaped, with a link to the finding", async () => {
  const sub = subscriber();
  const { kv, ledger } = await seeded();
  const cfg = config([{ url: sub.url, min_severity: "critical", format: "slack" }]);
  try {
    await syncWebhookQueue(kv, cfg, ledger);
    await deliverPending(kv, cfg, { webhookSecrets: {} });
    const body = JSON.parse(sub.received[0].body);
    assertEquals(typeof body.text, "string");
    assertStringIncludes(body.text, "[critical] finding opened in evilpkg: content/pth-file");
    assertEquals(body.blocks[0].type, "section");
    const md: string = body.blocks[0].text.text;
    assertStringIncludes(md, `<https://audit.example.org/findings/${IDS.evil}|`);
    assert(!md.includes("<script>") && md.includes("&lt;script&gt;"), "mrkdwn escaped");
    assertStringIncludes(body.blocks[1].elements[0].text, "Ledger index 5");
    void XSS;
  } finally {
    await sub.close();
    kv.close();
  }
});

Deno.test("a hook whose URL changed drops its old deliveries; new entries only are queued", async () => {
  const sub = subscriber();
  const { kv, ledger, stored } = await seeded();
  const warn = console.warn;
  console.warn = () => {};
  try {
    await syncWebhookQueue(
      kv,
      config([{ url: "http://127.0.0.1:9/old", min_severity: "high" }]),
      ledger,
    );
    const cfg = config([{ url: sub.url, min_severity: "high" }]);
    const r = await deliverPending(kv, cfg, { webhookSecrets: {} });
    assertEquals(r.dead, 3);
    assertEquals(sub.received.length, 0);
    await appendAll(kv, ledger, [{
      kind: "finding.opened",
      body: { ...stored[5].entry.body, id: "ffffffffffffffff" },
    }]);
    assertEquals(await syncWebhookQueue(kv, cfg, ledger), 1);
    await deliverPending(kv, cfg, { webhookSecrets: {} });
    assertEquals(sub.received.map((x) => x.headers.get("x-auditor-delivery")), ["11"]);
  } finally {
    console.warn = warn;
    await sub.close();
    kv.close();
  }
});

Deno.test("webhook bodies (JSON and Slack) show hostile upstream text as escapes", async () => {
  const sub = subscriber();
  const { kv, ledger } = await seeded();
  const cfg = config([
    { url: sub.url, min_severity: "critical" },
    { url: sub.url, min_severity: "critical", format: "slack" },
  ]);
  try {
    await appendAll(kv, ledger, [hostileFinding()]);
    await syncWebhookQueue(kv, cfg, ledger);
    await deliverPending(kv, cfg, { webhookSecrets: {} });
    const hostile = sub.received.filter((r) => r.headers.get("x-auditor-delivery") === "11");
    assertEquals(hostile.length, 2);
    for (const r of hostile) {
      assertStringIncludes(
        JSON.stringify(JSON.parse(r.body)),
        JSON.stringify(HOSTILE_SHOWN.rlo).slice(1, -1),
      );
    }
    const bodies = hostile.map((r) => JSON.parse(r.body));
    const json = bodies.find((b) => b.finding)!;
    assert(!INVISIBLE_RE.test(json.finding.subject) && !INVISIBLE_RE.test(json.finding.message));
    const slack = bodies.find((b) => b.blocks)!;
    assert(!INVISIBLE_RE.test(slack.text) && !INVISIBLE_RE.test(slack.blocks[0].text.text));
  } finally {
    await sub.close();
    kv.close();
  }
});

Deno.test("the queue is derived from the ledger: findings appended by anyone are delivered once", async () => {
  const sub = subscriber();
  const { kv, ledger } = await seeded();
  const cfg = config([{ url: sub.url, min_severity: "high" }]);
  try {
    // Entries appended with no webhook machinery at all (as `main.ts audit` does).
    await appendAll(kv, ledger, [
      { kind: "finding.opened", body: { ...(hostileFinding().body), id: "abababababababab" } },
    ]);
    assertEquals(await syncWebhookQueue(kv, cfg, ledger), 4, "5, 6, 7 and 11");
    assertEquals(await syncWebhookQueue(kv, cfg, ledger), 0, "idempotent");
    await deliverPending(kv, cfg, { webhookSecrets: {} });
    assertEquals(sub.received.map((r) => r.headers.get("x-auditor-delivery")), [
      "5",
      "6",
      "7",
      "11",
    ]);
    // A small batch limit moves the cursor in steps and loses nothing.
    const w2 = await seeded();
    let n = 0;
    for (let i = 0; i < 5; i++) n += await syncWebhookQueue(w2.kv, cfg, w2.ledger, { limit: 1 });
    assertEquals(n, 3);
    assertEquals((await pending(w2.kv)).map((d) => d.ledgerIndex), [5, 6, 7]);
    w2.kv.close();
  } finally {
    await sub.close();
    kv.close();
  }
});
