import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { downloadArtifact, type DownloadOptions, refusalReason } from "../src/download.ts";

const BODY = new TextEncoder().encode("wheel bytes ".repeat(10_000));
const SHA = createHash("sha256").update(BODY).digest("hex");

function serve() {
  const server: Deno.HttpServer<Deno.NetAddr> = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: () => {},
  }, async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    const redirect = (to: string) => new Response(null, { status: 302, headers: { location: to } });
    switch (url.pathname) {
      case "/file":
        return new Response(BODY, { headers: { "content-type": "application/octet-stream" } });
      case "/r1":
        return redirect("/r2");
      case "/r2":
        return redirect(`http://127.0.0.1:${server.addr.port}/file`);
      case "/elsewhere":
        return redirect("https://evil.example/file");
      case "/loop":
        return redirect("/loop");
      case "/declared-big":
        return new Response(BODY, { headers: { "content-length": String(BODY.length) } });
      case "/endless":
        return new Response(
          new ReadableStream({
            pull(c) {
              c.enqueue(new Uint8Array(64 * 1024));
            },
          }),
        );
      case "/slow":
        await new Promise((r) => setTimeout(r, 700));
        return new Response(BODY);
      case "/ua":
        return new Response(req.headers.get("user-agent"));
      default:
        return new Response("no", { status: 404 });
    }
  });
  return server;
}

async function withServer(fn: (base: string, opts: DownloadOptions, dir: string) => Promise<void>) {
  const server = serve();
  const dir = await Deno.makeTempDir({ prefix: "download-test-" });
  const host = `127.0.0.1:${server.addr.port}`;
  try {
    await fn(`http://${host}`, {
      allowedHosts: [host],
      expectedSha256: SHA,
      maxBytes: 10 * 1024 * 1024,
      timeoutMs: 5_000,
      userAgent: "release-auditor-test/1",
      dest: `${dir}/artifact.whl`,
    }, dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await server.shutdown();
  }
}

async function leftovers(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  return names;
}

Deno.test("download: a matching file lands at dest, through redirects", async () => {
  await withServer(async (base, opts, dir) => {
    const result = await downloadArtifact(`${base}/r1`, opts);
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.sha256, SHA);
    assert.equal(result.size, BODY.length);
    assert.equal(result.redirects, 2);
    assert.equal(result.finalUrl, `${base}/file`);
    assert.deepEqual(await Deno.readFile(opts.dest), BODY);
    assert.deepEqual(await leftovers(dir), ["artifact.whl"]);
  });
});

Deno.test("download: digest mismatch is a value and the file is deleted", async () => {
  await withServer(async (base, opts, dir) => {
    const result = await downloadArtifact(`${base}/file`, {
      ...opts,
      expectedSha256: "0".repeat(64),
    });
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.reason === "digest-mismatch" && result.actual === SHA);
    assert.deepEqual(await leftovers(dir), []);
  });
});

Deno.test("download: refused hosts, schemes and redirects off the list", async () => {
  await withServer(async (base, opts) => {
    const off = await downloadArtifact(`${base}/elsewhere`, opts);
    assert.ok(!off.ok && off.reason === "refused-host", JSON.stringify(off));
    const other = await downloadArtifact(`${base}/file`, {
      ...opts,
      allowedHosts: ["127.0.0.1:1"],
    });
    assert.ok(!other.ok && other.reason === "refused-host");
    const ftp = await downloadArtifact("ftp://127.0.0.1/x", opts);
    assert.ok(!ftp.ok && ftp.reason === "refused-host");
  });
  assert.match(
    refusalReason(new URL("http://files.pythonhosted.org/x"), ["files.pythonhosted.org"]) ?? "",
    /http/,
  );
  assert.equal(
    refusalReason(new URL("https://files.pythonhosted.org/x"), ["files.pythonhosted.org"]),
    undefined,
  );
  assert.ok(
    refusalReason(new URL("https://files.pythonhosted.org:8443/x"), ["files.pythonhosted.org"]),
  );
  assert.ok(
    refusalReason(new URL("https://u:p@files.pythonhosted.org/x"), ["files.pythonhosted.org"]),
  );
});

Deno.test("download: redirect loop stops after 5 hops", async () => {
  await withServer(async (base, opts) => {
    const result = await downloadArtifact(`${base}/loop`, opts);
    assert.ok(!result.ok && result.reason === "http-status" && /redirects/.test(result.detail));
  });
});

Deno.test("download: size cap by Content-Length and while streaming", async () => {
  await withServer(async (base, opts, dir) => {
    const declared = await downloadArtifact(`${base}/declared-big`, { ...opts, maxBytes: 1000 });
    assert.ok(!declared.ok && declared.reason === "too-large");
    const endless = await downloadArtifact(`${base}/endless`, { ...opts, maxBytes: 1024 * 1024 });
    assert.ok(!endless.ok && endless.reason === "too-large", JSON.stringify(endless));
    assert.deepEqual(await leftovers(dir), []);
  });
});

Deno.test("download: timeout, HTTP status, network error, caller abort", async () => {
  await withServer(async (base, opts) => {
    const slow = await downloadArtifact(`${base}/slow`, { ...opts, timeoutMs: 200 });
    assert.ok(!slow.ok && slow.reason === "timeout", JSON.stringify(slow));
    const missing = await downloadArtifact(`${base}/nothing`, opts);
    assert.ok(!missing.ok && missing.reason === "http-status" && missing.detail === "HTTP 404");
    const controller = new AbortController();
    controller.abort();
    const aborted = await downloadArtifact(`${base}/file`, { ...opts, signal: controller.signal });
    assert.ok(!aborted.ok && aborted.reason === "network");
  });
  const closed = await downloadArtifact("http://127.0.0.1:9/x", {
    allowedHosts: ["127.0.0.1:9"],
    expectedSha256: SHA,
    maxBytes: 10,
    timeoutMs: 2000,
    userAgent: "t",
    dest: "/tmp/never-written",
  });
  assert.ok(!closed.ok && closed.reason === "network", JSON.stringify(closed));
});

Deno.test("download: user agent is sent", async () => {
  await withServer(async (base, opts) => {
    const ua = new TextEncoder().encode("release-auditor-test/1");
    const sha = createHash("sha256").update(ua).digest("hex");
    const result = await downloadArtifact(`${base}/ua`, { ...opts, expectedSha256: sha });
    assert.ok(result.ok, JSON.stringify(result));
  });
});
