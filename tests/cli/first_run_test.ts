/**
 * The first run of a new user, with the real `deno task audit` (the task's own permission flags)
 * in a copy of the repository's code: no LEDGER_SIGNING_KEY, an unreachable upstream (every
 * HTTPS connection goes to a proxy port nothing listens on). Exit 3, a 0600 key file, the
 * verifier key printed; the second run reuses the key.
 */
import { DENO } from "../_deno.ts";
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { outputOf } from "./_check_scenario.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const COPIED = ["main.ts", "deno.json", "deno.lock", "auditor.toml", "src", "jobs", "rules"];

async function copyTree(from: string, to: string): Promise<void> {
  const info = await Deno.stat(from);
  if (info.isFile) return await Deno.copyFile(from, to);
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    if (e.isDirectory || e.isFile) await copyTree(`${from}/${e.name}`, `${to}/${e.name}`);
  }
}

function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

function task(dir: string, proxyPort: number) {
  const env: Record<string, string> = {
    NO_COLOR: "1",
    HTTPS_PROXY: `http://127.0.0.1:${proxyPort}`,
    HTTP_PROXY: `http://127.0.0.1:${proxyPort}`,
  };
  // A clean environment (no LEDGER_SIGNING_KEY), with what Deno needs to find its caches.
  for (const name of ["PATH", "HOME", "DENO_DIR", "XDG_CACHE_HOME", "TMPDIR"]) {
    const value = Deno.env.get(name);
    if (value) env[name] = value;
  }
  return outputOf(
    new Deno.Command(DENO, {
      args: ["task", "--quiet", "audit", "--job", "pypi"],
      cwd: dir,
      env,
      clearEnv: true,
      stdin: "null",
    }),
  );
}

Deno.test("deno task audit on a fresh copy, no key, upstream unreachable: exit 3, 0600 key file, verifier key printed, then reused", async () => {
  const dir = await Deno.makeTempDir({ prefix: "first-run-" });
  try {
    for (const name of COPIED) await copyTree(`${ROOT}${name}`, `${dir}/${name}`);
    const proxy = closedPort();
    const first = await task(dir, proxy);
    assertEquals(first.code, 3, first.stderr);
    assertStringIncludes(first.stderr, "incomplete: pypi:");
    const keyPath = `${dir}/ledger/data/signing.key`;
    assertEquals((await Deno.stat(keyPath)).mode! & 0o777, 0o600);
    const key = (await Deno.readTextFile(keyPath)).trim();
    const vkey = (await Deno.readTextFile(`${dir}/ledger/data/vkey`)).trim();
    assertStringIncludes(first.stderr, "ledger: created a signing key in ledger/data/signing.key");
    assertStringIncludes(first.stderr, `verifier key ${vkey}`);
    const secret = key.split("+").pop()!;
    assert(!first.stderr.includes(secret) && !first.stdout.includes(secret), "key printed");

    const second = await task(dir, proxy);
    assertEquals(second.code, 3, second.stderr);
    assertEquals((await Deno.readTextFile(keyPath)).trim(), key);
    assertStringIncludes(second.stderr, `signing with the key in ledger/data/signing.key`);
    assertStringIncludes(second.stderr, vkey);
    assert(!second.stderr.includes("created a signing key"), second.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
