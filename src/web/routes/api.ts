/**
 * The only write: `POST /api/sweep`, behind a bearer token.
 *
 * @module
 */
import { Hono } from "hono";
import { bearerMatches } from "../auth.ts";
import { HttpError } from "../params.ts";
import type { WebContext } from "../context.tsx";

/**
 * The API sub-app.
 *
 * @example
 * ```ts
 * app.route("/", api(ctx));
 * ```
 */
export function api(ctx: WebContext): Hono {
  const app = new Hono();
  let sweeping: Promise<unknown> | null = null;
  app.post("/api/sweep", async (c) => {
    if (!ctx.deps.sweepToken || !ctx.deps.onSweep) throw new HttpError(404, "not found");
    if (!(await bearerMatches(c.req.header("Authorization"), ctx.deps.sweepToken))) {
      c.header("WWW-Authenticate", 'Bearer realm="auditor"');
      throw new HttpError(401, "unauthorized");
    }
    if (sweeping) return c.json({ started: false, reason: "a sweep is already running" }, 409);
    const onSweep = ctx.deps.onSweep;
    sweeping = (async () => {
      try {
        await onSweep();
      } catch (e) {
        console.error(`web: sweep failed: ${String((e as Error)?.message).split("\n")[0]}`);
      } finally {
        sweeping = null;
      }
    })();
    return c.json({ started: true }, 202);
  });

  return app;
}
