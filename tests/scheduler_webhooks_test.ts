/**
 * Scheduled sweeps notify subscribers: every append queues its webhook deliveries in KV and a
 * run ends by sending the due ones, signed, with the ledger index as the idempotency key.
 */
import { assert, assertEquals } from "./_assert.ts";
import { parseConfig } from "../src/config.ts";
import { startSandbox } from "../src/sandbox/server.ts";
import { defaultScenario } from "../src/sandbox/scenarios.ts";
import { demoConfigToml } from "../src/cli/demo.ts";
import { openRuntime } from "../src/runtime.ts";
import { pypiJob } from "../jobs/pypi.ts";
import { deliverWebhooks, sweepJob } from "../src/scheduler.ts";
import { generateSigningKey } from "../src/ledger/mod.ts";
import { verifySignature } from "../src/webhooks.ts";

Deno.test("a scheduled sweep delivers signed webhooks for critical findings, once each", async () => {
  const received: { body: string; signature: string | null; delivery: string | null }[] = [];
  const receiver = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (req) => {
      received.push({
        body: await req.text(),
        signature: req.headers.get("x-auditor-signature"),
        delivery: req.headers.get("x-auditor-delivery"),
      });
      return new Response("ok");
    },
  );
  const hookUrl = `http://127.0.0.1:${(receiver.addr as Deno.NetAddr).port}/hook`;
  const dir = await Deno.makeTempDir({ prefix: "webhook-test-" });
  const scenario = await defaultScenario();
  const sandbox = await startSandbox(scenario);
  const toml = demoConfigToml(
    scenario,
    sandbox,
    dir,
    0,
  ) +
    `\n[[status.webhook]]\nurl = "${hookUrl}"\nmin_severity = "critical"\nsecret_env = "HOOK_SECRET"\n`;
  const config = parseConfig(toml);
  const key = await generateSigningKey("webhook.test/ledger");
  const rt = await openRuntime(config, {
    ledgerSigningKey: key.privateKey,
    githubToken: "sandbox-token",
    webhookSecrets: { HOOK_SECRET: "s3cret" },
  });
  try {
    const summary = await sweepJob(rt, pypiJob);
    assert(summary, "the sweep ran");
    await deliverWebhooks(rt);
    // The compromised project's .pth is the only critical finding of the PyPI job.
    assertEquals(received.length, 1, JSON.stringify(received.map((r) => r.body.slice(0, 200))));
    const [hit] = received;
    assert(await verifySignature("s3cret", hit.signature, hit.body), String(hit.signature));
    const body = JSON.parse(hit.body);
    assert(JSON.stringify(body).includes("content/pth-file"), hit.body.slice(0, 300));
    assert(hit.delivery !== null && /^[0-9]+$/.test(hit.delivery));
    // Nothing is sent twice.
    await deliverWebhooks(rt);
    assertEquals(received.length, 1);
  } finally {
    await rt.close();
    await sandbox.close();
    await receiver.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
