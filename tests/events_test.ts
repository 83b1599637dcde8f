/**
 * The event union: every kind the producers write has a schema, bodies are checked when built
 * and again at append, and a bad body never reaches the ledger.
 */
import { assert, assertEquals } from "./_assert.ts";
import {
  EVENT_BODIES,
  EventBodyError,
  ledgerEvent,
  LedgerEventSchema,
  validateEvents,
} from "../src/events.ts";
import { record } from "../src/audit.ts";
import { openKvLedger } from "../src/ledger/kv_store.ts";
import { generateSigningKey } from "../src/ledger/note.ts";

const FINDING = {
  project: "litellm",
  job: "pypi" as const,
  id: "ab12",
  rule: "content/pth-file",
  severity: "critical" as const,
  subject: "litellm==1.82.8/litellm-1.82.8-py3-none-any.whl!litellm_init.pth",
  scope: "file:" + "a".repeat(64),
  message: "litellm_init.pth runs at every interpreter start.",
};

function throwsBody(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert(e instanceof EventBodyError, String(e));
    return e.message;
  }
  throw new Error("no EventBodyError");
}

Deno.test("events: a body is checked against its kind and kept as given", () => {
  assertEquals(ledgerEvent("finding.opened", FINDING), { kind: "finding.opened", body: FINDING });
  const message = throwsBody(() =>
    ledgerEvent("finding.opened", { ...FINDING, severity: "urgent" as "high" })
  );
  assert(message.startsWith("ledger event finding.opened: severity:"), message);
  assert(!message.includes("\n"), "one line");
});

Deno.test("events: sweep.started and sweep.abandoned have schemas", () => {
  const started = {
    job: "pypi" as const,
    sweep: "s1",
    startedAt: "2026-12-02T10:00:00.000Z",
    planned: 3,
    projectsTotal: 3,
    from: 0,
  };
  ledgerEvent("sweep.started", started);
  throwsBody(() => ledgerEvent("sweep.started", { ...started, planned: "3" as unknown as number }));
  const abandoned = {
    job: "pypi" as const,
    sweep: "s1",
    startedAt: started.startedAt,
    planned: 3,
    startedIndex: 7,
    detectedBy: "s2",
    reason: "started and never ended",
  };
  ledgerEvent("sweep.abandoned", abandoned);
  throwsBody(() => ledgerEvent("sweep.abandoned", { ...abandoned, startedIndex: undefined! }));
});

Deno.test("events: the union knows every kind and rejects unknown ones", () => {
  for (const kind of Object.keys(EVENT_BODIES)) {
    const parsed = LedgerEventSchema.safeParse({ kind, body: {} });
    // Every kind is recognised (an empty body fails on its fields, not on the kind).
    assert(
      parsed.success || parsed.error.issues.every((i) => i.path[0] === "body"),
      `${kind} unknown to the union`,
    );
  }
  throwsBody(() => validateEvents([{ kind: "finding.exploded", body: {} }]));
});

Deno.test("events: record() refuses an invalid body before anything is appended", async () => {
  const kv = await Deno.openKv(":memory:");
  const origin = "test.example/events";
  const { privateKey } = await generateSigningKey(origin);
  const ledger = await openKvLedger({ kv, origin, signingKey: privateKey });
  let threw = false;
  await record({ kv, ledger }, [{ kind: "finding.opened", body: { ...FINDING, job: "nope" } }])
    .catch((e) => threw = e instanceof EventBodyError);
  assert(threw, "invalid body appended");
  assertEquals(await ledger.size(), 0);
  const stored = await record({ kv, ledger }, [ledgerEvent("finding.opened", FINDING)]);
  assertEquals(stored.map((e) => e.entry.kind), ["finding.opened"]);
  await ledger.close();
  kv.close();
});
