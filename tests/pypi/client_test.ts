import { assert, assertEquals } from "../_assert.ts";
import { PypiClient } from "../../src/pypi/client.ts";
import { realdata } from "../_realdata.ts";

/** Serve fixed bodies on 127.0.0.1 with ETags, counting requests. */
function serve(routes: Record<string, { body: string; type: string; status?: number }>) {
  const seen: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const path = new URL(req.url).pathname;
    seen.push(`${req.method} ${path} ${req.headers.get("if-none-match") ?? ""}`);
    const route = routes[path];
    if (!route) return new Response("nope", { status: 404 });
    const etag = `"${route.body.length}"`;
    if (req.headers.get("if-none-match") === etag) {
      return new Response(null, { status: 304, headers: { etag } });
    }
    return new Response(route.body, {
      status: route.status ?? 200,
      headers: { "content-type": route.type, etag },
    });
  });
  return {
    url: `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}`,
    seen,
    close: () => server.shutdown(),
  };
}

Deno.test("real PEP 691 and JSON API responses parse; a repeat costs a 304", async () => {
  const simple = await Deno.readTextFile(
    realdata("pypi-json/poetry-fixtures/json/poetry-core.json"),
  );
  const json = await Deno.readTextFile(
    realdata("pypi-json/poetry-fixtures/json/poetry-core/1.5.0.json"),
  );
  const srv = serve({
    "/simple/poetry-core/": {
      body: JSON.stringify({
        name: "poetry-core",
        files: JSON.parse(simple).files,
        meta: { "api-version": "1.1" },
      }),
      type: "application/vnd.pypi.simple.v1+json",
    },
    "/pypi/poetry-core/json": { body: json, type: "application/json" },
  });
  const kv = await Deno.openKv(":memory:");
  try {
    const client = new PypiClient({ baseUrl: srv.url, kv, timeoutMs: 5000, maxBytes: 1 << 24 });
    const page = await client.simple("Poetry_Core");
    assert(page.ok);
    const wheel = page.data.files.find((f) => f.filename === "poetry_core-1.5.0-py3-none-any.whl");
    assertEquals(
      wheel?.hashes.sha256,
      "e216b70f013c47b82a72540d34347632c5bfe59fd54f5fe5d51f6a68b19aaf84",
    );
    const project = await client.project("poetry-core");
    assert(project.ok);
    assertEquals(project.data.ownership?.organization, "poetry");
    const again = await client.simple("poetry-core");
    assert(again.ok && again.notModified);
    assertEquals(again.data.files.length, page.data.files.length);
    assertEquals(client.stats, { requests: 3, notModified: 1, errors: 0 });
  } finally {
    kv.close();
    await srv.close();
  }
});

Deno.test("yanked releases and ownership roles from real JSON", async () => {
  const json = await Deno.readTextFile(
    realdata("pypi-json/poetry-fixtures/json/black/21.11b0.json"),
  );
  const srv = serve({ "/pypi/black/json": { body: json, type: "application/json" } });
  const kv = await Deno.openKv(":memory:");
  try {
    const client = new PypiClient({ baseUrl: srv.url, kv, timeoutMs: 5000, maxBytes: 1 << 24 });
    const r = await client.project("black");
    assert(r.ok);
    assertEquals(r.data.urls[0].yanked, true);
    assertEquals(r.data.urls[0].yanked_reason, "Broken regex dependency. Use 21.11b1 instead.");
    assertEquals(r.data.ownership?.roles.length, 5);
  } finally {
    kv.close();
    await srv.close();
  }
});

Deno.test("failures are values: 404, bad JSON, wrong shape, too large, unreachable", async () => {
  const srv = serve({
    "/pypi/bad/json": { body: "{not json", type: "application/json" },
    "/pypi/shape/json": { body: JSON.stringify({ info: { name: 3 } }), type: "application/json" },
    "/pypi/big/json": { body: "x".repeat(5000), type: "application/json" },
  });
  const kv = await Deno.openKv(":memory:");
  try {
    const client = new PypiClient({ baseUrl: srv.url, kv, timeoutMs: 5000, maxBytes: 4096 });
    const missing = await client.project("missing");
    assert(!missing.ok && missing.reason === "http-status" && missing.status === 404);
    const bad = await client.project("bad");
    assert(!bad.ok && bad.message.includes("not JSON"));
    const shape = await client.project("shape");
    assert(!shape.ok && shape.message.includes("unexpected response shape at info"));
    const big = await client.project("big");
    assert(!big.ok && big.reason === "too-large");
    assertEquals(client.stats.errors, 4);
  } finally {
    await srv.close();
  }
  try {
    const client = new PypiClient({ baseUrl: srv.url, kv, timeoutMs: 2000, maxBytes: 4096 });
    const down = await client.simple("x");
    assert(!down.ok && down.reason === "network", JSON.stringify(down));
    assertEquals(down.message.startsWith("127.0.0.1:"), true);
  } finally {
    kv.close();
  }
});

Deno.test("a private index speaking PEP 503 HTML is read too", async () => {
  const html = `<!DOCTYPE html><html><body>
<a href="../../packages/acme-1.0.tar.gz#sha256=${
    "ab".repeat(32)
  }" data-requires-python="&gt;=3.9">acme-1.0.tar.gz</a>
<a href="https://files.example/acme-1.1-py3-none-any.whl#sha256=${
    "cd".repeat(32)
  }" data-yanked="bad build">acme-1.1-py3-none-any.whl</a>
</body></html>`;
  const srv = serve({ "/simple/acme/": { body: html, type: "text/html" } });
  const kv = await Deno.openKv(":memory:");
  try {
    const client = new PypiClient({
      baseUrl: `${srv.url}/`,
      kv,
      timeoutMs: 5000,
      maxBytes: 1 << 20,
    });
    const r = await client.simple("acme");
    assert(r.ok);
    assertEquals(
      r.data.files.map((f) => [f.filename, f.hashes.sha256, f.yanked, f["requires-python"]]),
      [
        ["acme-1.0.tar.gz", "ab".repeat(32), false, ">=3.9"],
        ["acme-1.1-py3-none-any.whl", "cd".repeat(32), "bad build", null],
      ],
    );
    assertEquals(r.data.files[0].url, `${srv.url}/packages/acme-1.0.tar.gz`);
  } finally {
    kv.close();
    await srv.close();
  }
});

Deno.test("one file entry over a bound is dropped and counted, the rest of the index is judged", async () => {
  const { droppedIn } = await import("../../src/pypi/schemas.ts");
  const file = (filename: string) => ({
    filename,
    url: `https://files.example/${filename}`,
    hashes: { sha256: "a".repeat(64) },
  });
  const page = {
    meta: { "api-version": "1.1" },
    name: "acme",
    files: [
      file("acme-1.0.tar.gz"),
      file(`acme-${"x".repeat(600)}.tar.gz`),
      file("acme-1.0-py3-none-any.whl"),
    ],
  };
  const srv = serve({
    "/simple/acme/": { body: JSON.stringify(page), type: "application/vnd.pypi.simple.v1+json" },
  });
  const kv = await Deno.openKv(":memory:");
  try {
    const client = new PypiClient({ baseUrl: srv.url, kv, timeoutMs: 5000, maxBytes: 1 << 20 });
    const r = await client.simple("acme");
    assert(r.ok, JSON.stringify(r));
    assertEquals(r.data.files.map((f) => f.filename), [
      "acme-1.0.tar.gz",
      "acme-1.0-py3-none-any.whl",
    ]);
    assertEquals(droppedIn(r.data.files), 1);
  } finally {
    kv.close();
    await srv.close();
  }
});
