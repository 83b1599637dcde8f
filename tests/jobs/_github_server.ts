/**
 * Test helper: a real HTTP server on 127.0.0.1 that answers GitHub API paths from a map of
 * bodies, with strong ETags (SHA-256 of the body), 304 on a matching If-None-Match, rate-limit
 * headers, and 403 on chosen paths.
 */
import { SandboxResponse } from "../../src/sandbox/github_posture.ts";

/** One request as the server saw it. */
export interface SeenRequest {
  path: string;
  status: number;
  auth: string | null;
}

/** A running server. */
export interface GithubServer {
  url: string;
  seen: SeenRequest[];
  routes: Map<string, unknown>;
  close(): Promise<void>;
}

async function etagOf(text: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return `"${Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, "0")).join("")}"`;
}

/** Start the server; `forbidden` paths (exact or regex) answer 403. */
export function serveGithub(
  routes: Map<string, unknown>,
  opts: { forbidden?: (string | RegExp)[] } = {},
): GithubServer {
  const seen: SeenRequest[] = [];
  let remaining = 5000;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (req) => {
      const url = new URL(req.url);
      const path = decodeURIComponent(url.pathname);
      const rate = {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": String(remaining),
        "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
        "x-ratelimit-resource": "core",
      };
      const reply = (status: number, body: string | null, extra: Record<string, string> = {}) => {
        seen.push({ path, status, auth: req.headers.get("authorization") });
        if (status !== 304) remaining--;
        return new Response(body, {
          status,
          headers: { "content-type": "application/json; charset=utf-8", ...rate, ...extra },
        });
      };
      const forbidden = (opts.forbidden ?? []).some((f) =>
        typeof f === "string" ? f === path : f.test(path)
      );
      if (forbidden) {
        return reply(
          403,
          JSON.stringify({
            message: "Resource not accessible by personal access token",
            documentation_url: "https://docs.github.com/rest",
            status: "403",
          }),
          { "x-accepted-github-permissions": "administration=read" },
        );
      }
      const value = routes.get(path);
      if (value === undefined) {
        return reply(404, JSON.stringify({ message: "Not Found", status: "404" }));
      }
      if (value instanceof SandboxResponse) {
        return reply(value.status, value.body === null ? null : JSON.stringify(value.body));
      }
      const text = JSON.stringify(value);
      const etag = await etagOf(text);
      if (req.headers.get("if-none-match") === etag) return reply(304, null, { etag });
      return reply(200, text, { etag });
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    seen,
    routes,
    close: () => server.shutdown(),
  };
}
