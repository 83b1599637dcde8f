/**
 * Scheduling: one Deno.cron per job, each run guarded by a KV lease so that two runs of the same
 * job never overlap (local cron retries a failing handler; several instances may share KV).
 *
 * A lease is `["lease", job]` → {@link Lease}: the holder, a fencing token (one more than the
 * previous lease's, kept in `["lease-token", job]`) and an expiry. A running sweep renews it
 * every third of its lifetime and, before each ledger append, checks and renews it in one atomic
 * commit ({@link LeaseGuard.fence}); a run whose lease expired or was taken over stops before
 * its next write with {@link LeaseLostError}. A killed run's lease simply expires.
 *
 * @example
 * ```ts
 * const summary = await sweepJob(rt, pypiJob); // null when another run holds the lease
 * ```
 * @module
 */
import type { Config } from "./config.ts";
import type { JobName } from "../rules/types.ts";
import { JOBS } from "../rules/types.ts";
import type { Job, JobSet } from "./observations/job.ts";
import type { Runtime } from "./runtime.ts";
import { deliverPending, syncWebhookQueue } from "./webhooks.ts";
import { catchUpIndex } from "./state/ledger_index.ts";
import { runSweep, type SweepDeps, type SweepSummary } from "./audit.ts";
import { listSweeps, type SweepRecord } from "./state/findings.ts";
import { cronIntervalMs, isStale } from "./state/schedule.ts";

/** Default lifetime of a lease without renewal (`[schedules] lease_ms`). */
export const LEASE_MS = 60_000;

/** A held lease. */
export interface Lease {
  job: JobName;
  holder: string;
  /** Fencing token: strictly increasing per job. */
  token: number;
  /** Epoch milliseconds. */
  expires: number;
}

/** The lease of a run was lost (expired or taken over): the run must not write any more. */
export class LeaseLostError extends Error {
  override name = "LeaseLostError";
}

const leaseKey = (job: JobName) => ["lease", job];
const tokenKey = (job: JobName) => ["lease-token", job];

/**
 * Take the lease of a job, or return null when a live lease is held by another run.
 *
 * @example
 * ```ts
 * const lease = await acquireLease(kv, "pypi", crypto.randomUUID(), Date.now());
 * if (lease) try { ... } finally { await releaseLease(kv, lease); }
 * ```
 */
export async function acquireLease(
  kv: Deno.Kv,
  job: JobName,
  holder: string,
  nowMs: number,
  ttlMs = LEASE_MS,
): Promise<Lease | null> {
  const [current, token] = await kv.getMany<[Lease, number]>([leaseKey(job), tokenKey(job)]);
  if (current.value && current.value.expires > nowMs) return null;
  const lease: Lease = { job, holder, token: (token.value ?? 0) + 1, expires: nowMs + ttlMs };
  const result = await kv.atomic()
    .check(current, token)
    .set(leaseKey(job), lease)
    .set(tokenKey(job), lease.token)
    .commit();
  return result.ok ? lease : null;
}

/**
 * Extend a lease that is still held (same holder and token, not expired). Returns the renewed
 * lease, or null when it was lost.
 */
export async function renewLease(
  kv: Deno.Kv,
  lease: Lease,
  nowMs: number,
  ttlMs = LEASE_MS,
): Promise<Lease | null> {
  const current = await kv.get<Lease>(leaseKey(lease.job));
  const held = current.value;
  if (
    !held || held.holder !== lease.holder || held.token !== lease.token || held.expires <= nowMs
  ) return null;
  const renewed: Lease = { ...lease, expires: nowMs + ttlMs };
  const result = await kv.atomic().check(current).set(leaseKey(lease.job), renewed).commit();
  return result.ok ? renewed : null;
}

/** Release a lease if still held by this holder and token. */
export async function releaseLease(kv: Deno.Kv, lease: Lease): Promise<void> {
  const current = await kv.get<Lease>(leaseKey(lease.job));
  if (current.value?.holder !== lease.holder || current.value.token !== lease.token) return;
  await kv.atomic().check(current).delete(leaseKey(lease.job)).commit();
}

/**
 * Keeps a lease alive while a sweep runs and fences its writes.
 *
 * @example
 * ```ts
 * const guard = new LeaseGuard(kv, lease, 60_000);
 * guard.start();
 * try { await guard.fence(); await ledger.append(events); } finally { await guard.stop(); }
 * ```
 */
export class LeaseGuard {
  #lease: Lease;
  #timer: ReturnType<typeof setInterval> | undefined;
  #lost = false;
  #renewing: Promise<void> = Promise.resolve();

  constructor(
    readonly kv: Deno.Kv,
    lease: Lease,
    readonly ttlMs = LEASE_MS,
    readonly now: () => number = Date.now,
  ) {
    this.#lease = lease;
  }

  /** The lease as last renewed. */
  get lease(): Lease {
    return this.#lease;
  }

  /** True once a renewal found the lease lost. */
  get lost(): boolean {
    return this.#lost;
  }

  /** Renew every third of the lease's lifetime in the background. */
  start(): void {
    this.#timer = setInterval(() => {
      this.#serial().catch(() => {});
    }, Math.max(100, Math.floor(this.ttlMs / 3)));
  }

  /** Renewals run one at a time (two at once would fail each other's compare-and-set). */
  #serial(): Promise<void> {
    const next = this.#renewing.catch(() => {}).then(() => this.#renew());
    this.#renewing = next.catch(() => {});
    return next;
  }

  async #renew(): Promise<void> {
    if (this.#lost) throw new LeaseLostError(`lease of ${this.#lease.job} lost`);
    const renewed = await renewLease(this.kv, this.#lease, this.now(), this.ttlMs);
    if (!renewed) {
      this.#lost = true;
      throw new LeaseLostError(
        `lease of ${this.#lease.job} (token ${this.#lease.token}) expired or was taken over`,
      );
    }
    this.#lease = renewed;
  }

  /**
   * Check that the lease is still held and extend it, right before a write: the write then
   * happens with a full lease lifetime ahead of it. @throws {LeaseLostError}
   */
  async fence(): Promise<void> {
    await this.#serial();
  }

  /** Stop renewing and release the lease (when still held). */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#renewing;
    if (!this.#lost) await releaseLease(this.kv, this.#lease);
  }
}

/** Options of {@link withLease}. */
export interface LeaseOptions {
  /** Wait this long for a held lease to be released or to expire (default 0: give up). */
  waitMs?: number;
  ttlMs?: number;
  now?: () => number;
}

/**
 * Run `fn` holding the lease of `job`; null when the lease could not be taken in time.
 *
 * @example
 * ```ts
 * const out = await withLease(kv, "pypi", (guard) => runSweep(job, projects, { ...deps, fence: () => guard.fence() }));
 * ```
 */
export async function withLease<R>(
  kv: Deno.Kv,
  job: JobName,
  fn: (guard: LeaseGuard) => Promise<R>,
  opts: LeaseOptions = {},
): Promise<R | null> {
  const now = opts.now ?? Date.now;
  const ttl = opts.ttlMs ?? LEASE_MS;
  const holder = crypto.randomUUID();
  const deadline = now() + (opts.waitMs ?? 0);
  let lease = await acquireLease(kv, job, holder, now(), ttl);
  while (!lease && now() < deadline) {
    await new Promise((r) => setTimeout(r, Math.min(250, Math.max(10, ttl / 10))));
    lease = await acquireLease(kv, job, holder, now(), ttl);
  }
  if (!lease) return null;
  const guard = new LeaseGuard(kv, lease, ttl, now);
  guard.start();
  try {
    return await fn(guard);
  } finally {
    await guard.stop();
  }
}

/**
 * Sweep dependencies of a runtime. Every append brings the webhook queue (derived from the
 * ledger index, durable in KV) up to date, so a notification survives a crash before it is sent.
 */
export function sweepDeps(rt: Runtime, extra: Partial<SweepDeps> = {}): SweepDeps {
  return {
    onAppended: async () => {
      await syncWebhookQueue(rt.kv, rt.config, rt.ledger);
    },
    ...extra,
    config: rt.config,
    secrets: rt.secrets,
    kv: rt.kv,
    ledger: rt.ledger,
  };
}

/**
 * Queue what the ledger holds that subscribers were not told yet (whoever appended it, e.g.
 * `main.ts audit`), then send the deliveries that are due (no-op without webhooks).
 */
export async function deliverWebhooks(rt: Runtime, log: SweepDeps["log"] = () => {}) {
  if (rt.config.status.webhook.length === 0) return;
  await catchUpIndex(rt.kv, rt.ledger);
  await syncWebhookQueue(rt.kv, rt.config, rt.ledger);
  const result = await deliverPending(rt.kv, rt.config, rt.secrets);
  if (result.delivered || result.retrying || result.dead) log("webhooks.delivered", { ...result });
}

/**
 * A scheduled run of one job: under its lease, resuming from the cursor, within the configured
 * time budget. Returns null when skipped (another run holds the lease).
 */
export async function sweepJob(
  rt: Runtime,
  job: Job<unknown>,
  extra: Partial<SweepDeps> = {},
): Promise<SweepSummary | null> {
  const name = job.name;
  const { budget_ms, lease_ms } = rt.config.schedules;
  return await withLease(rt.kv, name, (guard) =>
    runSweep(
      job,
      rt.config.project,
      sweepDeps(rt, {
        budgetMs: budget_ms || undefined,
        resume: true,
        fence: () => guard.fence(),
        token: guard.lease.token,
        ...extra,
      }),
    ), { ttlMs: lease_ms });
}

/** Delays between retries of a failing cron handler (local Deno.cron and Deno Deploy). */
export const CRON_BACKOFF_MS = [30_000, 120_000, 300_000];

/**
 * Register one Deno.cron per available job (call it at start-up, before Deno.serve); returns a
 * function that sweeps every job now (for `POST /api/sweep`). A handler throws when its sweep
 * failed, so that cron retries it; a retry is safe (a lease guards it, reconciliation is
 * idempotent, the cursor resumes).
 */
export function registerCrons(
  rt: Runtime,
  jobs: JobSet,
  log: SweepDeps["log"] = () => {},
): () => Promise<Record<string, string>> {
  const available = JOBS.filter((j) => jobs[j]);
  for (const name of available) {
    const job = jobs[name]!;
    Deno.cron(
      `release-auditor ${name}`,
      rt.config.schedules[name],
      { backoffSchedule: CRON_BACKOFF_MS },
      async () => {
        const summary = await sweepJob(rt, job, { log });
        log("cron.run", {
          job: name,
          status: summary?.status ?? "skipped",
          projects: summary?.projectsDone ?? 0,
          projectsTotal: summary?.projectsTotal ?? 0,
          durationMs: summary?.durationMs ?? 0,
        });
        const ok = await listSweeps(rt.kv, "sweep-ok");
        for (const stale of staleJobs(rt.config, ok, new Date(), available)) {
          log("job.stale", { ...stale });
        }
        await deliverWebhooks(rt, log);
      },
    );
  }
  if (rt.config.status.webhook.length > 0) {
    // Retries with backoff: deliveries that failed are tried again when they are due.
    Deno.cron("release-auditor webhooks", "* * * * *", () => deliverWebhooks(rt, log));
    // At start-up: findings appended while nothing was serving (e.g. by `main.ts audit`).
    deliverWebhooks(rt, log).catch((e) =>
      console.error(`webhooks: ${String((e as Error)?.message).split("\n")[0]}`)
    );
  }
  return async () => {
    const out: Record<string, string> = {};
    for (const name of available) {
      out[name] = (await sweepJob(rt, jobs[name]!, { log }))?.status ?? "skipped";
    }
    await deliverWebhooks(rt, log);
    return out;
  };
}

/** A job that has not completed successfully for more than twice its schedule's interval. */
export interface StaleJob {
  job: JobName;
  intervalMs: number;
  /** Time of the last successful sweep record, or null when there is none. */
  lastOk: string | null;
  message: string;
}

/**
 * The stale jobs among those available in this build (pure). Intervals come from the cron
 * expressions as on the status page (`src/state/schedule.ts`); a job whose last successful record
 * is older than twice its interval, or absent, is stale.
 *
 * @example
 * ```ts
 * staleJobs(config, await listSweeps(kv, "sweep-ok"), new Date());
 * // [{ job: "repo", lastOk: null, message: "repo: no successful sweep recorded", ... }]
 * ```
 */
export function staleJobs(
  config: Config,
  lastOk: SweepRecord[],
  now: Date,
  available: readonly JobName[] = JOBS,
): StaleJob[] {
  const out: StaleJob[] = [];
  for (const job of available) {
    const intervalMs = cronIntervalMs(config.schedules[job]) ?? 86_400_000;
    const record = lastOk.find((r) => r.job === job);
    if (!isStale(record?.time, intervalMs, now)) continue;
    const last = record?.time ?? null;
    out.push({
      job,
      intervalMs,
      lastOk: last,
      message: last === null
        ? `${job}: no successful sweep recorded`
        : `${job}: stale: last successful sweep at ${last}, expected every ${
          Math.round(intervalMs / 60_000)
        } min`,
    });
  }
  return out;
}
