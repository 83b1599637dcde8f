import { DENO } from "../_deno.ts";
/**
 * The CLI contract, through a real child process: exit codes and one-line errors.
 */
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { generateSigningKey } from "../../src/ledger/mod.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

async function run(args: string[], env: Record<string, string> = {}, cwd?: string) {
  const dir = cwd ?? await Deno.makeTempDir({ prefix: "cli-test-" });
  const out = await new Deno.Command(DENO, {
    args: [
      "run",
      "--quiet",
      "--allow-net=127.0.0.1",
      `--allow-read`,
      `--allow-write=${dir}`,
      "--allow-env=LEDGER_SIGNING_KEY,LEDGER_VERIFIER_KEY,GITHUB_TOKEN,AUDITOR_SWEEP_TOKEN",
      MAIN,
      ...args,
    ],
    cwd: dir,
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
  }).output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
    dir,
  };
}

Deno.test("a malformed config exits 2 with the key path and no stack trace", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cli-test-" });
  await Deno.writeTextFile(
    `${dir}/auditor.toml`,
    '[[project]]\nname = "a"\n[[project]]\nname = "b"\n[[project]]\nname = "c"\n[project.publisher]\nrepository = "o/r"\nworkflow = 3\n',
  );
  const r = await run(["audit", "--config", "auditor.toml"], {}, dir);
  assertEquals(r.code, 2);
  assertStringIncludes(r.stderr, "project[2].publisher.workflow: ");
  assert(!r.stderr.includes("    at "), r.stderr);
  const missing = await run(["audit", "--config", "nope.toml"], {}, dir);
  assertEquals(missing.code, 2);
  assertEquals(missing.stderr.trim(), "config: nope.toml: cannot read config: file not found");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("unknown commands and flags are usage errors (exit 2)", async () => {
  const a = await run(["frobnicate"]);
  assertEquals(a.code, 2);
  const b = await run(["audit", "--bogus"]);
  assertEquals(b.code, 2);
  assertEquals(b.stderr.split("\n").filter(Boolean).length, 1, b.stderr);
  const c = await run(["audit", "--fail-on", "severe"]);
  assertEquals(c.code, 2);
  const help = await run(["audit", "--help"]);
  assertEquals(help.code, 0);
  assertStringIncludes(help.stdout, "--fail-on");
});

Deno.test("an upstream that does not answer exits 3, one line per upstream, nothing resolved", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cli-test-" });
  // A port nothing listens on.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  await Deno.writeTextFile(
    `${dir}/auditor.toml`,
    `[upstream]\npypi = "http://127.0.0.1:${port}"\ngithub_api = "http://127.0.0.1:${port}"\ntimeout_ms = 3000\n` +
      `file_hosts = ["127.0.0.1:${port}"]\n` +
      `[ledger]\npath = "ledger"\n[state]\npath = "state.kv"\nwork_dir = "work"\n` +
      `[[project]]\nname = "one"\n[[project]]\nname = "two"\n`,
  );
  const key = await generateSigningKey("cli.test/ledger");
  const r = await run(["audit", "--job", "pypi"], { LEDGER_SIGNING_KEY: key.privateKey }, dir);
  assertEquals(r.code, 3, r.stderr);
  const lines = r.stderr.split("\n").filter((l) => l.startsWith("incomplete:"));
  assertEquals(lines.length, 1, r.stderr);
  assertStringIncludes(lines[0], `127.0.0.1:${port} unreachable`);
  assertStringIncludes(lines[0], "(2 projects)");
  assert(!r.stderr.includes("    at "), r.stderr);
  assert(!r.stdout.includes("finding.resolved"));
  await Deno.remove(dir, { recursive: true });
});

/** A config whose upstream is a local port nothing listens on (fails fast). */
function unreachableConfig(extra = ""): string {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return `[upstream]\npypi = "http://127.0.0.1:${port}"\ngithub_api = "http://127.0.0.1:${port}"\n` +
    `file_hosts = ["127.0.0.1:${port}"]\ntimeout_ms = 3000\n${extra}[[project]]\nname = "a"\n`;
}

Deno.test("first run without LEDGER_SIGNING_KEY: a 0600 key file is created, its verifier key printed, then reused", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cli-test-" });
  await Deno.writeTextFile(`${dir}/auditor.toml`, unreachableConfig());
  const first = await run(["audit", "--job", "pypi"], {}, dir);
  assertEquals(first.code, 3, first.stderr);
  const keyPath = `${dir}/ledger/data/signing.key`;
  assertEquals((await Deno.stat(keyPath)).mode! & 0o777, 0o600);
  const key = (await Deno.readTextFile(keyPath)).trim();
  const verifierKey = (await Deno.readTextFile(`${dir}/ledger/data/vkey`)).trim();
  assertStringIncludes(first.stderr, "created a signing key in ledger/data/signing.key");
  assertStringIncludes(first.stderr, `verifier key ${verifierKey}`);
  for (const out of [first.stdout, first.stderr]) assert(!out.includes(key.slice(-20)), out);
  const second = await run(["audit", "--job", "pypi"], {}, dir);
  assertEquals(second.code, 3, second.stderr);
  assertEquals((await Deno.readTextFile(keyPath)).trim(), key);
  assertStringIncludes(second.stderr, `signing with the key in ledger/data/signing.key`);
  assert(!second.stderr.includes("created a signing key"), second.stderr);
  // The environment variable still wins, and a key that did not sign the ledger is refused.
  const other = await generateSigningKey("localhost/release-auditor");
  const wrong = await run(
    ["audit", "--job", "pypi"],
    { LEDGER_SIGNING_KEY: other.privateKey },
    dir,
  );
  assertEquals(wrong.code, 2, wrong.stderr);
  assertEquals(wrong.stderr.trim().split("\n").length, 1, wrong.stderr);
  assertStringIncludes(wrong.stderr, "LEDGER_SIGNING_KEY) does not match the ledger");
  const size = (await Deno.stat(`${dir}/ledger/data/entries.jsonl`)).size;
  const right = await run(["audit", "--job", "pypi"], { LEDGER_SIGNING_KEY: key }, dir);
  assertEquals(right.code, 3, right.stderr);
  assert(!right.stderr.includes("signing.key"), right.stderr);
  assert((await Deno.stat(`${dir}/ledger/data/entries.jsonl`)).size > size);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("the kv ledger store still needs LEDGER_SIGNING_KEY (one line, exit 2)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cli-test-" });
  await Deno.writeTextFile(
    `${dir}/auditor.toml`,
    unreachableConfig('[ledger]\nstore = "kv"\n[state]\npath = "state.kv"\n'),
  );
  const r = await run(["audit"], {}, dir);
  assertEquals(r.code, 2);
  assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
  assertStringIncludes(r.stderr, "LEDGER_SIGNING_KEY is not set");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a host missing from --allow-net stops audit before the sweep: exit 2, the hint, no ledger", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cli-test-" });
  await Deno.writeTextFile(
    `${dir}/auditor.toml`,
    '[upstream]\npypi = "https://pypi.internal.example"\n[[project]]\nname = "a"\n',
  );
  const started = Date.now();
  const r = await run(["audit"], {}, dir);
  assertEquals(r.code, 2, r.stderr);
  assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
  assertStringIncludes(r.stderr, "network access to api.github.com, files.pythonhosted.org");
  assertStringIncludes(r.stderr, "`deno task permissions --config auditor.toml --command audit`");
  assert(Date.now() - started < 20_000);
  // Nothing was written: no ledger, no key, no state.
  assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["auditor.toml"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a config the task may not read names the missing permission and the permissions task", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cli-test-" });
  await Deno.writeTextFile(`${dir}/other.toml`, '[[project]]\nname = "a"\n');
  const out = await new Deno.Command(DENO, {
    args: [
      "run",
      "--quiet",
      "--no-prompt",
      `--allow-read=${MAIN}`,
      MAIN,
      "audit",
      "--config",
      "other.toml",
    ],
    cwd: dir,
    env: { NO_COLOR: "1" },
    stdin: "null",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 2, stderr);
  assertEquals(
    stderr.trim(),
    "config: other.toml: cannot read config: read access is not granted (--allow-read); " +
      "`deno task permissions --config other.toml` prints the flags it needs",
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a busy --port fails before anything runs, naming the port (serve and demo, exit 2)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cli-test-" });
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  try {
    await Deno.writeTextFile(`${dir}/auditor.toml`, unreachableConfig());
    const serve = await run(["serve", "--port", String(port)], {}, dir);
    assertEquals(serve.code, 2, serve.stderr);
    assertEquals(serve.stderr.trim(), `error: --port: 127.0.0.1:${port} is already in use`);
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["auditor.toml"]);
    const demo = await run(["demo", "--port", String(port), "--dir", `${dir}/demo`], {}, dir);
    assertEquals(demo.code, 2, demo.stderr);
    assertStringIncludes(demo.stderr, `127.0.0.1:${port} is already in use`);
    assert(!demo.stdout.includes("sweep"), demo.stdout);
  } finally {
    listener.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serve checks its own hosts too (a webhook host missing from --allow-net): exit 2, serve hint", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cli-test-" });
  await Deno.writeTextFile(
    `${dir}/auditor.toml`,
    unreachableConfig() + '[[status.webhook]]\nurl = "https://hooks.example.com/x"\n',
  );
  const r = await run(["serve", "--port", "0"], {}, dir);
  assertEquals(r.code, 2, r.stderr);
  assertEquals(
    r.stderr.trim(),
    "error: network access to hooks.example.com is not granted (--allow-net): " +
      "`deno task permissions --config auditor.toml --command serve` prints the flags this config needs",
  );
  assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["auditor.toml"]);
  await Deno.remove(dir, { recursive: true });
});
