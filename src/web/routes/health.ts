/**
 * Machine status: `/healthz` (liveness), `/readyz` (readiness) and `/metrics`.
 *
 * @module
 */
import { Hono } from "hono";
import { indexedCount } from "../../state/ledger_index.ts";
import { renderMetrics } from "../metrics.ts";
import type { WebContext } from "../context.tsx";

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

  app.get("/healthz", async (c) => {
    c.header("Cache-Control", "no-cache");
    let ledgerSize: number;
    try {
      ledgerSize = await ctx.ledger.size();
    } catch {
      return c.json({ ok: false, error: "the ctx.ledger cannot be read" }, 503);
    }
    const [jobs, indexed] = await Promise.all([ctx.readJobs(ctx.now()), indexedCount(ctx.kv)]);
    return c.json({
      ok: true,
      ledgerSize,
      indexed,
      staleJobs: jobs.filter((j) => j.stale).map((j) => j.job),
      jobs: Object.fromEntries(
        jobs.map((j) => [j.job, { lastSuccess: j.lastOk?.time ?? null, stale: j.stale }]),
      ),
    });
  });

  return app;
}
