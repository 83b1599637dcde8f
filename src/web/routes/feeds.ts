/**
 * Subscriber outputs: Atom and JSON feeds (global and per project) and status badges.
 *
 * @module
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { indexedCount, latestFeedRecords } from "../../state/ledger_index.ts";
import { atomFeed, jsonFeed } from "../feeds.ts";
import { badgeFor, renderBadge } from "../badge.ts";
import { HttpError, onlyParams } from "../params.ts";
import { rendered } from "../rendered.ts";
import type { WebContext } from "../context.tsx";

/** Items per feed. */
export const FEED_SIZE = 50;

/**
 * The feeds and badges sub-app.
 *
 * @example
 * ```ts
 * app.route("/", feedsApi(ctx));
 * ```
 */
export function feedsApi(ctx: WebContext): Hono {
  const app = new Hono();
  const feed = async (c: Context, format: "atom" | "json", rawProject?: string) => {
    onlyParams(new URL(c.req.url), []);
    let project: string | undefined;
    if (rawProject !== undefined) {
      project = rawProject.length <= 200 ? ctx.resolveProject(rawProject) ?? rawProject : undefined;
      if (project === undefined) throw new HttpError(404, "unknown project");
    }
    const base = ctx.baseOf(c);
    const t = ctx.now();
    const indexed = await ctx.cache.get("indexed", t.getTime(), () => indexedCount(ctx.kv));
    const etag = `"${indexed}-${fnv1a(`${format}\n${base}\n${project ?? ""}`)}"`;
    c.header("ETag", etag);
    c.header("Cache-Control", "public, max-age=60");
    c.header("Access-Control-Allow-Origin", "*");
    c.header("Cross-Origin-Resource-Policy", "cross-origin");
    if (etagMatches(c.req.header("If-None-Match"), etag)) return c.body(null, 304);
    const body = await ctx.cache.get(`feed:${etag}`, t.getTime(), async () => {
      const records = await latestFeedRecords(ctx.kv, { limit: FEED_SIZE, project });
      if (project !== undefined && records.length === 0 && !ctx.projectsByName.has(project)) {
        return null;
      }
      const info = { base, title: ctx.siteTitle, project, now: t };
      return rendered(
        format === "atom"
          ? atomFeed(info, records)
          : JSON.stringify(jsonFeed(info, records), null, 1),
      );
    });
    if (body === null) throw new HttpError(404, "unknown project");
    return ctx.send(c, body, {
      "Content-Type": format === "atom"
        ? "application/atom+xml; charset=utf-8"
        : "application/feed+json; charset=utf-8",
    });
  };
  app.get("/feed.atom", (c) => feed(c, "atom"));
  app.get("/feed.json", (c) => feed(c, "json"));
  app.get("/projects/:name/feed.atom", (c) => feed(c, "atom", c.req.param("name")));
  app.get("/projects/:name/feed.json", (c) => feed(c, "json", c.req.param("name")));

  app.get("/badge/:file", async (c) => {
    const file = c.req.param("file");
    if (!file.endsWith(".svg") || file.length > 204) throw new HttpError(404, "not found");
    const name = ctx.resolveProject(file.slice(0, -4));
    const snap = await ctx.snapshot();
    const status = name === undefined ? undefined : snap.projects.find((p) => p.name === name);
    const { message, color } = badgeFor(status);
    c.header("Cache-Control", "public, max-age=300");
    c.header("Cross-Origin-Resource-Policy", "cross-origin");
    return c.body(renderBadge("release audit", message, color), status ? 200 : 404, {
      "Content-Type": "image/svg+xml; charset=utf-8",
    });
  });

  return app;
}

/** 32-bit FNV-1a of a string, as 8 hex digits (cache keys and ETags, not security). */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

/** `If-None-Match` handling: `*`, or a list of (weak or strong) tags. */
function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === "*") return true;
  return header.split(",").some((t) => t.trim().replace(/^W\//, "") === etag);
}
