/**
 * Machine status: `/healthz` (liveness), `/readyz` (readiness) and `/metrics`.
 *
 * @module
 */
import { Hono } from "hono";
import { indexedCount } from "../../state/ledger_index.ts";
import { renderMetrics } from "../metrics.ts";
import type { WebContext } from "../context.tsx";
import type { JobStatus } from "../snapshot.ts";
import { STALE_FACTOR } from "../../state/schedule.ts";

/**
 * The health sub-app.
 *
 * @example
 * ```ts
 * app.route("/", healthApi(ctx));
 * ```
 */
export function healthApi(ctx: WebContext): Hono {
  const app = new Hono();
  app.get("/metrics", async (c) => {
    const text = renderMetrics(await ctx.snapshot());
    c.header("Cache-Control", "no-cache");
    return c.body(text, 200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" });
  });

  /** Liveness: the process answers and the ledger can be read; jobs are reported, not judged. */
  app.get("/healthz", async (c) => {
    c.header("Cache-Control", "no-cache");
    let ledgerSize: number;
    try {
      ledgerSize = await ctx.ledger.size();
    } catch {
      return c.json({ ok: false, error: "the ledger cannot be read" }, 503);
    }
    const [jobs, indexed] = await Promise.all([ctx.readJobs(ctx.now()), indexedCount(ctx.kv)]);
    return c.json({
      ok: true,
      ledgerSize,
      indexed,
      staleJobs: jobs.filter((j) => j.stale).map((j) => j.job),
      jobs: jobReport(jobs),
    });
  });

  /**
   * Readiness: 503 while a job never succeeded or its last success is older than
   * {@link STALE_FACTOR} × its schedule interval, or when the ledger cannot be read.
   */
  app.get("/readyz", async (c) => {
    c.header("Cache-Control", "no-cache");
    try {
      await ctx.ledger.size();
    } catch {
      return c.json({ ready: false, reasons: ["the ledger cannot be read"] }, 503);
    }
    const jobs = await ctx.readJobs(ctx.now());
    const reasons = jobs.filter((j) => j.stale).map((j) =>
      j.lastOk
        ? `${j.job}: last success ${j.lastOk.time} is older than ${STALE_FACTOR} × its interval (${
          Math.round(j.intervalMs / 1000)
        } s)`
        : `${j.job}: never succeeded`
    );
    return c.json(
      { ready: reasons.length === 0, reasons, jobs: jobReport(jobs) },
      reasons.length ? 503 : 200,
    );
  });

  return app;
}

/** Per job: last success, interval and staleness. */
function jobReport(jobs: JobStatus[]) {
  return Object.fromEntries(
    jobs.map((j) => [j.job, {
      lastSuccess: j.lastOk?.time ?? null,
      intervalMs: j.intervalMs,
      stale: j.stale,
    }]),
  );
}
