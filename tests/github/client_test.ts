import assert from "node:assert/strict";
import { z } from "zod";
import { createGitHubClient, type GitHubClientOptions } from "../../src/github/client.ts";
import { readCached } from "../../src/state/http_cache.ts";
import { realdata } from "../_realdata.ts";

const TOKEN = "ghp_secretTOKENvalue0000000000000000000000";
const examples = (f: string) => realdata(`github-api/rest-api-description/examples/${f}`);

interface Seen {
  path: string;
  auth: string | null;
  ua: string | null;
  ifNoneMatch: string | null;
}

/** A real HTTP server with ETags, a 403, a huge body, a 500 and pagination. */
async function startServer(opts: { remaining?: () => number; resetIn?: number } = {}) {
  const repo = await Deno.readTextFile(
    examples("GET_repos_owner_repo__200__full-repository-default-response.json"),
  );
  const seen: Seen[] = [];
  let version = 1;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const url = new URL(req.url);
    seen.push({
      path: url.pathname + url.search,
      auth: req.headers.get("authorization"),
      ua: req.headers.get("user-agent"),
      ifNoneMatch: req.headers.get("if-none-match"),
    });
    const rate = {
      "x-ratelimit-limit": "5000",
      "x-ratelimit-remaining": String(opts.remaining?.() ?? 4999),
      "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + (opts.resetIn ?? 3600)),
    };
    const json = (body: string, status = 200, extra: Record<string, string> = {}) =>
      new Response(body, {
        status,
        headers: { "content-type": "application/json; charset=utf-8", ...rate, ...extra },
      });
    if (url.pathname === "/repos/o/r") {
      const etag = `"v${version}"`;
      if (req.headers.get("if-none-match") === etag) {
        return new Response(null, { status: 304, headers: { etag, ...rate } });
      }
      return json(repo, 200, { etag });
    }
    if (url.pathname === "/repos/o/r/dated") {
      const lm = "Tue, 10 Oct 2017 16:00:00 GMT";
      if (req.headers.get("if-modified-since") === lm) {
        return new Response(null, { status: 304, headers: { "last-modified": lm, ...rate } });
      }
      return json('{"v":1}', 200, { "last-modified": lm });
    }
    if (url.pathname === "/repos/o/r/elsewhere") {
      // A hostile pagination link and redirect to another origin.
      return json("[]", 200, { link: `<http://localhost:${url.port}/steal?page=2>; rel="next"` });
    }
    if (url.pathname === "/repos/o/r/moved") {
      return new Response(null, { status: 301, headers: { location: "/repos/o/r", ...rate } });
    }
    if (url.pathname === "/repos/o/r/away") {
      return new Response(null, {
        status: 302,
        headers: { location: `http://localhost:${url.port}/steal`, ...rate },
      });
    }
    if (url.pathname === "/repos/o/r/large") {
      // Above the 64 KiB KV value limit: cached in chunks.
      const body = JSON.stringify({ blob: "y".repeat(200_000) });
      if (req.headers.get("if-none-match") === '"L"') {
        return new Response(null, { status: 304, headers: { etag: '"L"', ...rate } });
      }
      return json(body, 200, { etag: '"L"' });
    }
    if (url.pathname === "/repos/o/r/bump") {
      version++;
      return json("{}");
    }
    if (url.pathname === "/repos/o/r/hooks") {
      return json(
        JSON.stringify({ message: "Resource not accessible by integration" }),
        403,
      );
    }
    if (url.pathname === "/repos/o/r/limited") {
      return new Response('{"message":"API rate limit exceeded"}', {
        status: 403,
        headers: {
          "content-type": "application/json",
          "x-ratelimit-remaining": "0",
          "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
        },
      });
    }
    if (url.pathname === "/repos/o/r/huge") return json(`"${"x".repeat(200_000)}"`);
    if (url.pathname === "/repos/o/r/flaky") return json('{"message":"boom"}', 502);
    if (url.pathname === "/repos/o/r/items") {
      const page = Number(url.searchParams.get("page") ?? "1");
      if (req.headers.get("if-none-match") === `"p${page}"`) {
        return new Response(null, { status: 304, headers: { etag: `"p${page}"`, ...rate } });
      }
      const items = Array.from({ length: page < 3 ? 2 : 1 }, (_, i) => ({ id: page * 10 + i }));
      const base = `http://${req.headers.get("host")}/repos/o/r/items`;
      const link: Record<string, string> = page < 3
        ? { link: `<${base}?page=${page + 1}>; rel="next"` }
        : {};
      return json(JSON.stringify(items), 200, { etag: `"p${page}"`, ...link });
    }
    return json('{"message":"Not Found"}', 404);
  });
  return {
    seen,
    url: `http://127.0.0.1:${server.addr.port}`,
    close: () => server.shutdown(),
  };
}

function client(kv: Deno.Kv, baseUrl: string, extra: Partial<GitHubClientOptions> = {}) {
  return createGitHubClient({
    baseUrl,
    token: TOKEN,
    kv,
    userAgent: "release-auditor-test/0.1",
    timeoutMs: 5_000,
    maxResponseBytes: 100_000,
    retryBaseMs: 1,
    ...extra,
  });
}

const Repo = z.object({ full_name: z.string(), default_branch: z.string() }).passthrough();

Deno.test("conditional requests: the second sweep costs a 304 and serves the cached body", async () => {
  const srv = await startServer();
  const kv = await Deno.openKv(":memory:");
  try {
    const cold = client(kv, srv.url);
    const a = await cold.get("GET /repos/{owner}/{repo}", { owner: "o", repo: "r" }, Repo);
    assert.ok(a.ok && !a.notModified);
    assert.equal(a.data.full_name, "octocat/Hello-World");
    assert.deepEqual(cold.stats(), { requests: 1, notModified: 0, errors: 0 });
    assert.equal(srv.seen[0].auth, `token ${TOKEN}`);
    assert.equal(srv.seen[0].ua?.startsWith("release-auditor-test/0.1"), true);
    assert.ok(await readCached(kv, `${srv.url}/repos/o/r`));

    const warm = client(kv, srv.url);
    const b = await warm.get("GET /repos/{owner}/{repo}", { owner: "o", repo: "r" }, Repo);
    assert.ok(b.ok && b.notModified);
    assert.deepEqual(b.data, a.data);
    assert.equal(srv.seen[1].ifNoneMatch, '"v1"');
    assert.deepEqual(warm.stats(), { requests: 1, notModified: 1, errors: 0 });
    assert.equal(warm.rateLimit().remaining, 4999);

    // A body larger than a KV value is chunked, and still answered from the cache on a 304.
    const big = { maxResponseBytes: 1_000_000 };
    const Large = z.object({ blob: z.string() });
    const l1 = await client(kv, srv.url, big).get("GET /repos/{owner}/{repo}/large", {
      owner: "o",
      repo: "r",
    }, Large);
    const l2 = await client(kv, srv.url, big).get("GET /repos/{owner}/{repo}/large", {
      owner: "o",
      repo: "r",
    }, Large);
    assert.ok(l1.ok && !l1.notModified && l2.ok && l2.notModified);
    assert.equal(l2.data.blob.length, 200_000);

    // Last-Modified alone is a validator too (If-Modified-Since).
    const d1 = await warm.get(
      "GET /repos/{owner}/{repo}/dated",
      { owner: "o", repo: "r" },
      z.object({ v: z.number() }),
    );
    const d2 = await warm.get(
      "GET /repos/{owner}/{repo}/dated",
      { owner: "o", repo: "r" },
      z.object({ v: z.number() }),
    );
    assert.ok(d1.ok && !d1.notModified && d2.ok && d2.notModified && d2.data.v === 1);

    // A changed resource is fetched again.
    await warm.get("GET /repos/{owner}/{repo}/bump", { owner: "o", repo: "r" }, z.unknown());
    const c = await warm.get("GET /repos/{owner}/{repo}", { owner: "o", repo: "r" }, Repo);
    assert.ok(c.ok && !c.notModified);
  } finally {
    kv.close();
    await srv.close();
  }
});

Deno.test("failures are classified, bounded, and never carry the token", async () => {
  const srv = await startServer();
  const kv = await Deno.openKv(":memory:");
  try {
    const gh = client(kv, srv.url);
    const forbidden = await gh.get(
      "GET /repos/{owner}/{repo}/hooks",
      { owner: "o", repo: "r" },
      z.unknown(),
    );
    assert.ok(!forbidden.ok);
    assert.equal(forbidden.reason, "forbidden");
    assert.equal(forbidden.status, 403);
    const missing = await gh.get(
      "GET /repos/{owner}/{repo}/nope",
      { owner: "o", repo: "r" },
      z.unknown(),
    );
    assert.ok(!missing.ok && missing.reason === "not-found");
    const huge = await gh.get(
      "GET /repos/{owner}/{repo}/huge",
      { owner: "o", repo: "r" },
      z.string(),
    );
    assert.ok(!huge.ok && huge.reason === "error");
    assert.match(huge.message, /larger than 100000 bytes/);
    const shape = await gh.get(
      "GET /repos/{owner}/{repo}",
      { owner: "o", repo: "r" },
      z.object({ id: z.string() }),
    );
    assert.ok(!shape.ok && /unexpected response shape at id/.test(shape.message));
    const flaky = await gh.get(
      "GET /repos/{owner}/{repo}/flaky",
      { owner: "o", repo: "r" },
      z.unknown(),
    );
    assert.ok(!flaky.ok && flaky.reason === "error" && flaky.status === 502);
    // 403, 404, 413 are not retried; the 502 was retried twice (3 requests).
    assert.equal(srv.seen.filter((s) => s.path === "/repos/o/r/flaky").length, 3);
    for (const r of [forbidden, missing, huge, shape, flaky]) {
      assert.ok(!r.ok && !r.message.includes(TOKEN));
    }
    const s = gh.stats();
    assert.equal(s.requests, srv.seen.length);
    assert.equal(s.errors, 1 + 1 + 1 + 3);
    // Three failures in a row opened the host's circuit: the next read is skipped at once.
    const skipped = await gh.get("GET /repos/{owner}/{repo}", { owner: "o", repo: "r" }, Repo);
    assert.ok(!skipped.ok && skipped.reason === "not-observable");
    assert.match(skipped.message, /skipped for the rest of this sweep after 3 failures/);
    assert.equal(gh.stats().requests, s.requests, "a skipped host is not asked");
  } finally {
    kv.close();
    await srv.close();
  }
});

Deno.test("a primary rate limit with a far reset skips the host until then, without waiting", async () => {
  const srv = await startServer();
  const kv = await Deno.openKv(":memory:");
  try {
    const gh = client(kv, srv.url);
    const t0 = Date.now();
    const limited = await gh.get(
      "GET /repos/{owner}/{repo}/limited",
      { owner: "o", repo: "r" },
      z.unknown(),
    );
    assert.ok(
      !limited.ok && limited.reason === "not-observable" && /rate limited/.test(limited.message),
    );
    assert.ok(!limited.message.includes(TOKEN));
    const after = await gh.get("GET /repos/{owner}/{repo}", { owner: "o", repo: "r" }, Repo);
    assert.ok(
      !after.ok && after.reason === "not-observable" && /not observable until/.test(after.message),
    );
    assert.equal(gh.stats().requests, 1, "the skipped host is not asked again");
    assert.ok(Date.now() - t0 < 2_000, "no wait for a reset an hour away");
  } finally {
    kv.close();
    await srv.close();
  }
});

Deno.test("the token never leaves the configured origin; same-origin redirects are followed", async () => {
  const srv = await startServer();
  const kv = await Deno.openKv(":memory:");
  try {
    const gh = client(kv, srv.url);
    const p = { owner: "o", repo: "r" };
    const page = await gh.paginate("GET /repos/{owner}/{repo}/elsewhere", p, z.unknown());
    assert.ok(!page.ok && /another origin/.test(page.message));
    const away = await gh.get("GET /repos/{owner}/{repo}/away", p, z.unknown());
    assert.ok(!away.ok && /another origin/.test(away.message));
    const moved = await gh.get("GET /repos/{owner}/{repo}/moved", p, Repo);
    assert.ok(moved.ok && moved.data.full_name === "octocat/Hello-World");
    assert.ok(!srv.seen.some((s) => s.path.startsWith("/steal")));
    // Refusals are errors, counted once (not retried).
    assert.equal(gh.stats().errors, 2);
  } finally {
    kv.close();
    await srv.close();
  }
});

Deno.test("unreachable upstream: an error result, not an exception", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    const gh = client(kv, `http://127.0.0.1:${port}`, { retries: 0 });
    const r = await gh.get("GET /repos/{owner}/{repo}", { owner: "o", repo: "r" }, z.unknown());
    assert.ok(!r.ok && r.reason === "error");
    assert.equal(gh.stats().errors, 1);
  } finally {
    kv.close();
  }
});

Deno.test("paginate follows Link headers, validates items and caps the count", async () => {
  const srv = await startServer();
  const kv = await Deno.openKv(":memory:");
  try {
    const Item = z.object({ id: z.number() });
    const gh = client(kv, srv.url);
    const all = await gh.paginate(
      "GET /repos/{owner}/{repo}/items",
      { owner: "o", repo: "r" },
      Item,
    );
    assert.ok(all.ok);
    assert.deepEqual(all.data.map((i) => i.id), [10, 11, 20, 21, 30]);
    const capped = await gh.paginate(
      "GET /repos/{owner}/{repo}/items",
      { owner: "o", repo: "r" },
      Item,
      {
        maxItems: 3,
      },
    );
    // A capped list is not the whole list: not observable (partial), unless asked for.
    assert.ok(!capped.ok && capped.reason === "not-observable");
    assert.match(capped.message, /not observable \(partial\): more than 3 items/);
    const part = await gh.paginate(
      "GET /repos/{owner}/{repo}/items",
      { owner: "o", repo: "r" },
      Item,
      {
        maxItems: 3,
        partialOk: true,
      },
    );
    assert.ok(part.ok && part.data.length === 3 && /more than 3/.test(part.partial ?? ""));
    // An invalid item is dropped and counted; the rest is kept.
    const picky = z.object({ id: z.number().refine((n) => n !== 20) });
    const some = await gh.paginate(
      "GET /repos/{owner}/{repo}/items",
      { owner: "o", repo: "r" },
      picky,
    );
    assert.ok(some.ok && some.dropped === 1);
    assert.deepEqual(some.data.map((i) => i.id), [10, 11, 21, 30]);
    const warm = client(kv, srv.url);
    const again = await warm.paginate(
      "GET /repos/{owner}/{repo}/items",
      { owner: "o", repo: "r" },
      Item,
    );
    assert.ok(again.ok && again.notModified && again.data.length === 5);
    assert.deepEqual(warm.stats(), { requests: 3, notModified: 3, errors: 0 });
  } finally {
    kv.close();
    await srv.close();
  }
});

Deno.test("rate-limit budget: below the reserve the client waits, bounded, then gives up", async () => {
  let remaining = 60;
  const srv = await startServer({ remaining: () => remaining--, resetIn: 3600 });
  const kv = await Deno.openKv(":memory:");
  try {
    const gh = client(kv, srv.url, { reserve: 50, slowBelow: 55, maxWaitMs: 200 });
    const results = [];
    for (let i = 0; i < 20; i++) {
      results.push(
        await gh.get("GET /repos/{owner}/{repo}/hooks2", { owner: "o", repo: "r" }, z.unknown()),
      );
    }
    const exhausted = results.filter((r) => !r.ok && r.reason === "not-observable");
    assert.ok(exhausted.length > 0, "the budget must run out");
    assert.ok(gh.rateLimit().waitedMs <= 200);
    // Requests stop once the reserve is reached: at most 60 - 50 + 1 were sent.
    assert.ok(srv.seen.length <= 11, `sent ${srv.seen.length}`);
  } finally {
    kv.close();
    await srv.close();
  }
});
