/**
 * Scheduling: one Deno.cron per job, each guarded by a KV lease so that two runs of the same
 * job never overlap (local cron retries a failing handler; several instances may share KV).
 *
 * @module
 */
import type { JobName } from "../rules/types.ts";
import { JOBS } from "../rules/types.ts";
import { JOB_REGISTRY } from "../jobs/mod.ts";
import type { Runtime } from "./runtime.ts";
import { runSweep, type SweepSummary } from "./audit.ts";

/** How long a lease lives without renewal. */
export const LEASE_MS = 15 * 60_000;

/**
 * Take the lease of a job, or return null when another run holds it.
 *
 * @example
 * ```ts
 * const lease = await acquireLease(kv, "pypi", "run-1", Date.now());
 * if (lease) try { ... } finally { await releaseLease(kv, lease); }
 * ```
 */
export async function acquireLease(
  kv: Deno.Kv,
  job: JobName,
  holder: string,
  nowMs: number,
  ttlMs = LEASE_MS,
): Promise<{ job: JobName; holder: string } | null> {
  const key = ["lease", job];
  const current = await kv.get<{ holder: string; expires: number }>(key);
  if (current.value && current.value.expires > nowMs) return null;
  const result = await kv.atomic()
    .check(current)
    .set(key, { holder, expires: nowMs + ttlMs }, { expireIn: ttlMs })
    .commit();
  return result.ok ? { job, holder } : null;
}

/** Release a lease if still held by `holder`. */
export async function releaseLease(
  kv: Deno.Kv,
  lease: { job: JobName; holder: string },
): Promise<void> {
  const key = ["lease", lease.job];
  const current = await kv.get<{ holder: string }>(key);
  if (current.value?.holder !== lease.holder) return;
  await kv.atomic().check(current).delete(key).commit();
}

/** Run one job over every configured project under its lease; null when skipped (overlap). */
export async function sweepJob(rt: Runtime, name: JobName): Promise<SweepSummary | null> {
  const job = JOB_REGISTRY[name];
  if (!job) return null;
  const lease = await acquireLease(rt.kv, name, crypto.randomUUID(), Date.now());
  if (!lease) return null;
  try {
    return await runSweep(job, rt.config.project, {
      config: rt.config,
      secrets: rt.secrets,
      kv: rt.kv,
      ledger: rt.ledger,
    });
  } finally {
    await releaseLease(rt.kv, lease);
  }
}

/** Register one Deno.cron per available job; returns a function that sweeps all jobs now. */
export function registerCrons(rt: Runtime): () => Promise<unknown> {
  for (const name of JOBS) {
    if (!JOB_REGISTRY[name]) continue;
    Deno.cron(`release-auditor ${name}`, rt.config.schedules[name], async () => {
      await sweepJob(rt, name);
    });
  }
  return async () => {
    const out: Record<string, unknown> = {};
    for (const name of JOBS) out[name] = (await sweepJob(rt, name))?.status ?? "skipped";
    return out;
  };
}
