/**
 * Leases (exclusion, renewal, fencing tokens), staleness, and scheduled sweeps over a fleet:
 * cursor and budget, ordered commits under concurrency, abandoned sweeps.
 */
import { assert, assertEquals, assertRejects } from "./_assert.ts";
import { parseConfig, readSecrets } from "../src/config.ts";
import { startSandbox } from "../src/sandbox/server.ts";
import {
  acquireLease,
  LeaseGuard,
  LeaseLostError,
  releaseLease,
  renewLease,
  staleJobs,
  sweepJob,
  withLease,
} from "../src/scheduler.ts";
import { listOpenSweeps, runSweep, trackSweeps } from "../src/audit.ts";
import { pypiJob } from "../jobs/pypi.ts";
import { generateSigningKey, openLedger } from "../src/ledger/mod.ts";
import type { Runtime } from "../src/runtime.ts";
import type { SweepRecord } from "../src/state/findings.ts";
import { fleetConfigToml, fleetName, fleetScenario } from "./_fleet.ts";

Deno.test("a lease excludes others until released or expired; tokens only grow", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const a = await acquireLease(kv, "pypi", "a", 1_000, 500);
    assert(a);
    assertEquals(a.token, 1);
    assertEquals(await acquireLease(kv, "pypi", "b", 1_200, 500), null);
    assert(await acquireLease(kv, "repo", "b", 1_200, 500), "leases are per job");
    // Renewal extends; after expiry another holder takes over with a higher token.
    const renewed = await renewLease(kv, a, 1_400, 500);
    assertEquals(renewed?.expires, 1_900);
    assertEquals(await acquireLease(kv, "pypi", "b", 1_800, 500), null);
    const b = await acquireLease(kv, "pypi", "b", 1_950, 500);
    assertEquals(b?.token, 2);
    // The old holder can neither renew nor release the new lease.
    assertEquals(await renewLease(kv, renewed!, 1_960, 500), null);
    await releaseLease(kv, renewed!);
    assertEquals(await acquireLease(kv, "pypi", "c", 2_000, 500), null);
    await releaseLease(kv, b!);
    assertEquals((await acquireLease(kv, "pypi", "c", 2_000, 500))?.token, 3);
  } finally {
    kv.close();
  }
});

Deno.test("a guard fences writes once its lease is taken over", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    let t = 10_000;
    const lease = (await acquireLease(kv, "pypi", "a", t, 1_000))!;
    const guard = new LeaseGuard(kv, lease, 1_000, () => t);
    await guard.fence();
    t += 900;
    await guard.fence(); // renewed: still held although the first expiry has passed
    t += 1_500; // expired without renewal: another run takes it
    assert(await acquireLease(kv, "pypi", "b", t, 1_000));
    await assertRejects(() => guard.fence(), LeaseLostError);
    assert(guard.lost);
    await guard.stop();
    assertEquals((await kv.get<{ holder: string }>(["lease", "pypi"])).value?.holder, "b");
  } finally {
    kv.close();
  }
});

Deno.test("withLease waits for a held lease up to its limit", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const held = (await acquireLease(kv, "pypi", "x", Date.now(), 300))!;
    const skipped = await withLease(kv, "pypi", () => Promise.resolve("ran"), { ttlMs: 300 });
    assertEquals(skipped, null);
    const waited = await withLease(kv, "pypi", (g) => Promise.resolve(g.lease.token), {
      ttlMs: 300,
      waitMs: 2_000,
    });
    assertEquals(waited, held.token + 1);
  } finally {
    kv.close();
  }
});

Deno.test("staleJobs: absent or older than twice the interval", () => {
  const config = parseConfig('[schedules]\npypi = "*/10 * * * *"\nrepo = "0 * * * *"\n');
  const now = new Date("2026-11-22T12:00:00Z");
  const rec = (job: "pypi" | "repo", time: string) => ({ job, time } as SweepRecord);
  const stale = staleJobs(config, [rec("pypi", "2026-11-22T11:41:00Z")], now, ["pypi", "repo"]);
  assertEquals(stale.map((s) => s.job), ["repo"]);
  assertEquals(stale[0].lastOk, null);
  const later = staleJobs(
    config,
    [rec("pypi", "2026-11-22T11:39:59Z"), rec("repo", "2026-11-22T10:00:01Z")],
    now,
    ["pypi", "repo"],
  );
  assertEquals(later.map((s) => s.job), ["pypi"]);
  assert(later[0].message.includes("every 10 min"), later[0].message);
});

async function fleetRuntime(n: number, opts: { concurrency?: number; latencyMs?: number } = {}) {
  const dir = await Deno.makeTempDir({ prefix: "sched-test-" });
  const scenario = await fleetScenario(n);
  const sandbox = await startSandbox(scenario, { latencyMs: opts.latencyMs ?? 0 });
  const config = parseConfig(
    fleetConfigToml(scenario, sandbox, { dir, concurrency: opts.concurrency }),
  );
  const key = await generateSigningKey("sched.localhost/auditor");
  const kv = await Deno.openKv(":memory:");
  const ledger = await openLedger({
    store: "kv",
    kv,
    origin: "sched.localhost/auditor",
    signingKey: key.privateKey,
  });
  const rt: Runtime = {
    config,
    secrets: { ...readSecrets(config, () => undefined), ledgerSigningKey: key.privateKey },
    kv,
    ledger,
    close: async () => {},
  };
  return {
    rt,
    sandbox,
    async kinds() {
      const out: { kind: string; body: Record<string, unknown> }[] = [];
      for await (const e of ledger.entries()) out.push({ kind: e.entry.kind, body: e.entry.body });
      return out;
    },
    async close() {
      await ledger.close();
      kv.close();
      await sandbox.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("scheduled runs resume from the cursor and stop on their budget", async () => {
  const t = await fleetRuntime(3);
  try {
    t.rt.config.schedules.budget_ms = 1; // every run commits exactly one project
    t.rt.config.upstream.concurrency = 1;
    const runs = [];
    for (let i = 0; i < 4; i++) runs.push((await sweepJob(t.rt, pypiJob))!);
    assertEquals(runs.map((r) => [r.from, r.to]), [[0, 1], [1, 2], [2, 3], [0, 1]]);
    assertEquals(runs.map((r) => r.budgetExhausted), [true, true, false, true]);
    const observed = (await t.kinds()).filter((e) => e.kind === "release.observed");
    assertEquals(
      [...new Set(observed.map((e) => e.body.project))],
      [fleetName(0), fleetName(1), fleetName(2)],
    );
    assertEquals(await listOpenSweeps(t.rt.kv), []);
  } finally {
    await t.close();
  }
});

Deno.test("projects collected concurrently are committed in list order, one append each", async () => {
  const t = await fleetRuntime(12, { concurrency: 6, latencyMs: 5 });
  try {
    const projects = [...t.rt.config.project].reverse();
    const sizes: number[] = [];
    const summary = await runSweep(pypiJob, projects, {
      ...t.rt,
      outcomeLimit: 3,
      onAppended: (stored) => {
        sizes.push(new Set(stored.map((s) => s.entry.body.project ?? s.entry.kind)).size);
        return Promise.resolve();
      },
    });
    assertEquals(summary.projectsDone, 12);
    assertEquals(summary.projects.length, 3, "the summary keeps a bounded list");
    const order = (await t.kinds()).filter((e) => e.kind === "release.observed")
      .map((e) => e.body.project);
    assertEquals([...new Set(order)], projects.map((p) => p.name));
    assert(sizes.every((n) => n === 1), "each append holds one project's events");
  } finally {
    await t.close();
  }
});

Deno.test("a run that loses its lease writes nothing more; the next run abandons its sweep", async () => {
  const t = await fleetRuntime(4, { concurrency: 2 });
  try {
    let appends = 0;
    await assertRejects(
      () =>
        runSweep(pypiJob, t.rt.config.project, {
          ...t.rt,
          fence: () => {
            // started, project 0, project 1, then the lease is gone
            if (++appends > 3) return Promise.reject(new LeaseLostError("lost"));
            return Promise.resolve();
          },
        }),
      LeaseLostError,
    );
    const before = await t.kinds();
    assertEquals(before.filter((e) => e.kind.startsWith("sweep.")).map((e) => e.kind), [
      "sweep.started",
    ]);
    const lostSweep = before[0].body.sweep;
    await trackSweeps(t.rt.kv, t.rt.ledger);
    assertEquals((await listOpenSweeps(t.rt.kv, "pypi")).map((o) => o.sweep), [lostSweep]);

    const next = (await sweepJob(t.rt, pypiJob))!;
    assertEquals(next.abandoned, [lostSweep]);
    const sweeps = (await t.kinds()).filter((e) => e.kind.startsWith("sweep."));
    assertEquals(sweeps.map((e) => e.kind), [
      "sweep.started",
      "sweep.abandoned",
      "sweep.started",
      "sweep.completed",
    ]);
    assertEquals(sweeps[1].body.sweep, lostSweep);
    assertEquals(sweeps[1].body.planned, 4);
    assertEquals(await listOpenSweeps(t.rt.kv), []);
  } finally {
    await t.close();
  }
});

Deno.test("sweepJob skips while another run holds the job's lease", async () => {
  const t = await fleetRuntime(1);
  try {
    const other = await acquireLease(t.rt.kv, "pypi", "other", Date.now(), 60_000);
    assert(other);
    assertEquals(await sweepJob(t.rt, pypiJob), null);
    assertEquals(await t.rt.ledger.size(), 0);
    await releaseLease(t.rt.kv, other);
    assertEquals((await sweepJob(t.rt, pypiJob))?.status, "completed");
  } finally {
    await t.close();
  }
});

Deno.test("background renewals and fences never fail each other", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const lease = (await acquireLease(kv, "pypi", "a", Date.now(), 1_000))!;
    const guard = new LeaseGuard(kv, lease, 1_000);
    guard.start(); // renews every 333 ms
    for (let i = 0; i < 40; i++) {
      await Promise.all([guard.fence(), guard.fence()]);
      await new Promise((r) => setTimeout(r, 20));
    }
    assert(!guard.lost);
    await guard.stop();
    assertEquals((await kv.get(["lease", "pypi"])).value, null, "released");
  } finally {
    kv.close();
  }
});
