/**
 * The status page, feeds, proofs API, badges, metrics and health checks: one Hono app made of
 * sub-apps mounted with `app.route()` (pages, ledger endpoints, feeds, api, health). It reads
 * KV and the ledger (head, proofs, bounded ranges) and never calls upstream services. The only
 * write is `POST /api/sweep`, behind a bearer token.
 *
 * @module
 */
import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { HttpError } from "./params.ts";
import { STYLE_CSS, STYLE_PATH } from "./style.ts";
import { type AppDeps, makeContext } from "./context.tsx";
import { pages } from "./routes/pages.tsx";
import { ledgerApi } from "./routes/ledger_api.ts";
import { feedsApi } from "./routes/feeds.ts";
import { healthApi } from "./routes/health.ts";
import { api } from "./routes/api.ts";

export type { AppDeps } from "./context.tsx";
export { ENTRIES_CAP } from "./routes/ledger_api.ts";
export { ACCESS_EVENTS_CAP, FINDING_TIMELINE_CAP, PAGE_SIZE } from "./routes/pages.tsx";
export { FEED_SIZE } from "./routes/feeds.ts";

/**
 * Build the web app.
 *
 * @example
 * ```ts
 * const app = createApp({ config, kv, ledger, rules: ALL_RULES });
 * Deno.serve({ hostname: "127.0.0.1", port: 8000 }, app.fetch);
 * ```
 */
export function createApp(deps: AppDeps): Hono {
  const ctx = makeContext(deps);
  const app = new Hono();
  app.use(secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'"],
      formAction: ["'self'"],
      baseUri: ["'none'"],
      frameAncestors: ["'none'"],
    },
    xFrameOptions: "DENY",
    referrerPolicy: "no-referrer",
    crossOriginResourcePolicy: false,
    crossOriginEmbedderPolicy: false,
  }));
  app.use(async (c, next) => {
    await next();
    if (!c.res.headers.has("Cross-Origin-Resource-Policy")) {
      c.res.headers.set("Cross-Origin-Resource-Policy", "same-origin");
    }
  });
  app.onError((err, c) => {
    if (err instanceof HttpError) return c.text(`${err.message}\n`, err.status);
    console.error(
      `web: ${c.req.method} ${c.req.path}: ${String(err?.message ?? err).split("\n")[0]}`,
    );
    return c.text("internal error\n", 500);
  });
  app.notFound((c) => c.text("not found\n", 404));
  app.get(STYLE_PATH, (c) => {
    c.header("Cache-Control", "public, max-age=31536000, immutable");
    return c.body(STYLE_CSS, 200, { "Content-Type": "text/css; charset=utf-8" });
  });
  app.route("/", pages(ctx));
  app.route("/", ledgerApi(ctx));
  app.route("/", feedsApi(ctx));
  app.route("/", healthApi(ctx));
  app.route("/", api(ctx));
  return app;
}
