/**
 * Redaction: unit cases, the ledger's last check, and the end-to-end proof that a token echoed
 * by upstreams on every error path (403 with the token in `X-Accepted-GitHub-Permissions` and
 * the body, 401, 404, 5xx bodies, redirect URLs with the token, time-outs) reaches none of:
 * ledger files, KV, stdout/stderr (logs) of a real `main.ts audit`, or any page of the web app.
 */
import { auditCommand } from "./_audit_command.ts";
import { assert, assertEquals } from "./_assert.ts";
import { parse, stringify } from "smol-toml";
import {
  clearSecrets,
  containsSecret,
  redact,
  redactionCount,
  redactValue,
  registerSecrets,
} from "../src/redact.ts";
import { logLine } from "../src/log.ts";
import { generateSigningKey, openLedger, openLedgerReader } from "../src/ledger/mod.ts";
import { startSandbox } from "../src/sandbox/server.ts";
import { defaultScenario } from "../src/sandbox/scenarios.ts";
import { sandboxConfigToml } from "../src/sandbox/config.ts";
import { parseConfig } from "../src/config.ts";
import { createApp } from "../src/web/app.tsx";
import { RULES } from "../rules/catalog.ts";
import type { LedgerStore } from "../src/ledger/types.ts";
import { hang, startFaultProxy, status } from "./_fault_proxy.ts";

/** Not credential-shaped: only the registered-secret path can catch it. */
const SENTINEL = "SENTINEL-tok-3f9a1c7e5b2d";
/** Credential-shaped, never configured: only the pattern path can catch it. */
const FOREIGN = "ghp_" + "Zq81".repeat(9);

Deno.test("redact: registered secrets, their URL form and credential shapes, counted", () => {
  registerSecrets(["short", "s3cret/value+1234"]);
  const before = redactionCount();
  assertEquals(redact("a short word"), "a short word", "short values are not registered");
  assertEquals(redact("x s3cret/value+1234 y"), "x [redacted] y");
  assertEquals(redact("?t=s3cret%2Fvalue%2B1234"), "?t=[redacted]");
  for (
    const shaped of [
      FOREIGN,
      "github_pat_11ABCDEFG0123456789_abcdefghijklmnop",
      "gho_0123456789abcdefghijABCD",
      "ghs_0123456789abcdefghijABCD",
      "ghu_0123456789abcdefghijABCD",
      "ghr_0123456789abcdefghijABCD",
      "pypi-AgEIcHlwaS5vcmcCJGFiY2RlZmdo",
      "PRIVATE+KEY+example.org+1234abcd+QUJDREVGR0g=",
    ]
  ) assertEquals(redact(`token ${shaped} end`), "token [redacted] end", shaped);
  assertEquals(redactionCount() - before, 10);
  assert(!containsSecret("ghp_short"), "too short to be a token");
  const value = { a: [`x ${FOREIGN}`], [FOREIGN]: 1, n: 2 };
  assertEquals(redactValue(value), { a: ["x [redacted]"], "[redacted]": 1, n: 2 });
  const clean = { a: ["fine"] };
  assert(redactValue(clean) === clean, "no copy without secrets");
  clearSecrets();
});

Deno.test("log lines never carry a registered secret or a credential-shaped string", () => {
  registerSecrets([SENTINEL]);
  const line = logLine("x", { reason: `403 ${SENTINEL}`, e: new Error(FOREIGN) }, new Date(0));
  assert(!line.includes(SENTINEL) && !line.includes(FOREIGN), line);
  clearSecrets();
});

Deno.test("the ledger's last check: both stores replace secrets before signing", async () => {
  const key = await generateSigningKey("redact.localhost/test");
  const dir = await Deno.makeTempDir({ prefix: "redact-ledger-" });
  const kv = await Deno.openKv(":memory:");
  try {
    registerSecrets([SENTINEL]);
    for (const store of ["file", "kv"] as const) {
      const ledger = await openLedger({
        store,
        path: `${dir}/ledger`,
        kv,
        origin: "redact.localhost/test",
        signingKey: key.privateKey,
      });
      const before = redactionCount();
      const [stored] = await ledger.append([{
        kind: "coverage.changed",
        body: {
          reason: `403; GitHub asks for token ${SENTINEL} and ${FOREIGN}`,
          k: key.privateKey,
        },
      }]);
      // Three replacements (the KV store builds each entry twice: a validation pass first).
      assertEquals(redactionCount() - before, store === "file" ? 3 : 6);
      const line = stored.line;
      assert(!line.includes(SENTINEL) && !line.includes(FOREIGN), line);
      assert(!line.includes(keyMaterial(key.privateKey)), `signing key: ${line}`);
      assert(line.includes("[redacted]"));
      await ledger.close();
    }
  } finally {
    clearSecrets();
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

/** The base64 key material of `PRIVATE+KEY+<name>+<id>+<base64>` (which may hold "+"). */
function keyMaterial(privateKey: string): string {
  return privateKey.split("+").slice(4).join("+");
}

/** Which fault a GitHub path gets (stable per path, so every kind is exercised). */
function faultOf(path: string): number {
  let h = 0;
  for (const c of path) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h % 8;
}

async function treeText(dir: string): Promise<string> {
  let out = "";
  for await (const e of Deno.readDir(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) out += await treeText(p);
    else if (e.isFile) out += new TextDecoder().decode(await Deno.readFile(p)) + "\n";
  }
  return out;
}

async function kvText(path: string): Promise<string> {
  const kv = await Deno.openKv(path);
  const parts: string[] = [];
  try {
    for await (const e of kv.list({ prefix: [] })) {
      parts.push(JSON.stringify(e.key));
      const v = e.value;
      parts.push(
        v instanceof Uint8Array
          ? new TextDecoder().decode(v)
          : JSON.stringify(v, (_k, x) =>
            x instanceof Uint8Array
              ? new TextDecoder().decode(x)
              : typeof x === "bigint"
              ? String(x)
              : x),
      );
    }
  } finally {
    kv.close();
  }
  return parts.join("\n");
}

Deno.test("an echoed token on every error path reaches no ledger, KV, output, log or page", async () => {
  const scenario = await defaultScenario();
  const sandbox = await startSandbox(scenario);
  const echoes = { forbidden: 0, unauthorized: 0, notFound: 0, server: 0, redirect: 0, hang: 0 };
  const proxy = startFaultProxy(sandbox, (req, ctx) => {
    const url = new URL(req.url);
    const t = ctx.token ?? SENTINEL;
    if (url.pathname.startsWith("/github/")) {
      switch (faultOf(url.pathname)) {
        case 1:
          echoes.forbidden++;
          return status(403, { message: `Resource not accessible by token ${t}` }, {
            "x-accepted-github-permissions": `administration=read; token=${t}`,
          });
        case 2:
          echoes.unauthorized++;
          return status(401, { message: `Bad credentials: ${t} (${FOREIGN})` });
        case 3:
          echoes.notFound++;
          return status(404, { message: `Not Found for ${t}`, documentation_url: FOREIGN });
        case 4:
          echoes.server++;
          return status(502, { message: `upstream said ${t}` }, { "x-debug": t });
        case 5:
          echoes.redirect++;
          return url.searchParams.has("access_token")
            ? status(500, { message: `after redirect ${url.search}` })
            : new Response(null, {
              status: 302,
              headers: { location: `${ctx.base}${url.pathname}?access_token=${t}` },
            });
        case 6:
          echoes.redirect++;
          return new Response(null, {
            status: 301,
            headers: { location: `http://evil.invalid/steal?token=${t}` },
          });
        case 7:
          echoes.hang++;
          return hang(req);
      }
      return undefined;
    }
    if (url.pathname.startsWith("/pypi/") && url.pathname.includes("compromised")) {
      echoes.server++;
      return status(500, { message: `oops ${SENTINEL} ${FOREIGN}` }, { "x-token": FOREIGN });
    }
    return undefined;
  });
  const dir = await Deno.makeTempDir({ prefix: "redact-e2e-" });
  try {
    const toml = parse(sandboxConfigToml(scenario, proxy, { dir, timeoutMs: 1_500 })) as {
      upstream: Record<string, unknown>;
    };
    Object.assign(toml.upstream, { wait_budget_ms: 2_000, retry_base_ms: 50 });
    const text = stringify(toml);
    await Deno.writeTextFile(`${dir}/auditor.toml`, text);
    const key = await generateSigningKey("redact.localhost/e2e");
    const started = Date.now();
    const out = await auditCommand(dir, {
      GITHUB_TOKEN: SENTINEL,
      LEDGER_SIGNING_KEY: key.privateKey,
    }, [
      "--format",
      "json",
    ]).output();
    const elapsed = Date.now() - started;
    const stdout = new TextDecoder().decode(out.stdout);
    const stderr = new TextDecoder().decode(out.stderr);
    for (const [kind, n] of Object.entries(echoes)) assert(n > 0, `fault ${kind} exercised`);
    assertEquals(out.code, 3, `incomplete run exits 3\n${stderr.slice(0, 2000)}`);
    const report = JSON.parse(stdout);
    assert(report.notObservable > 0);
    assert(report.sweeps.every((s: { status: string }) => s.status === "incomplete"));

    // Every page of the web app, from the ledger and KV the audit left.
    const config = parseConfig(text);
    const kv = await Deno.openKv(config.state.path);
    const reader = await openLedgerReader({ store: "file", path: config.ledger.path });
    const app = createApp({
      config,
      kv,
      ledger: reader as unknown as LedgerStore,
      rules: [...RULES],
      cacheMs: 0,
    });
    let pages = "";
    const paths = ["/", "/ledger", "/ledger/entries", "/ledger/checkpoint", "/feed.atom"];
    paths.push("/feed.json", "/metrics", "/healthz", "/badge/all.svg");
    for (const p of config.project) {
      const n = encodeURIComponent(p.name);
      paths.push(`/projects/${n}`, `/projects/${n}/access`, `/projects/${n}/feed.json`);
      paths.push(`/projects/${n}/feed.atom`, `/badge/${n}.svg`);
    }
    const ids = [...pages.matchAll(/\/findings\/([0-9a-f]{16,})/g)].map((m) => m[1]);
    for (const path of paths) {
      const res = await app.request(path);
      const body = await res.text();
      pages += `${path}\n${body}\n`;
      for (const m of body.matchAll(/\/findings\/([0-9a-f]{16,})/g)) ids.push(m[1]);
    }
    for (const id of new Set(ids)) pages += await (await app.request(`/findings/${id}`)).text();
    kv.close();
    await reader.close?.();

    const ledgerText = await treeText(config.ledger.path);
    const kvDump = await kvText(config.state.path!);
    assert(ledgerText.includes("[redacted]"), "the ledger shows that something was redacted");
    const secretTail = keyMaterial(key.privateKey);
    for (const [where, haystack] of Object.entries({ ledgerText, kvDump, stdout, stderr, pages })) {
      for (const needle of [SENTINEL, FOREIGN, secretTail]) {
        assertEquals(haystack.split(needle).length - 1, 0, `${needle.slice(0, 8)}… in ${where}`);
      }
    }
    assert(
      report.sweeps.some((s: { redacted: number }) => s.redacted > 0),
      "redactions are counted in the sweep summary",
    );
    console.log(`echoed-token audit: ${elapsed} ms, exit ${out.code}, ${JSON.stringify(echoes)}`);
  } finally {
    await proxy.close();
    await sandbox.close();
    await Deno.remove(dir, { recursive: true });
  }
});
