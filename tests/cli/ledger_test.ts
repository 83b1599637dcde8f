import { DENO } from "../_deno.ts";
import { assert, assertEquals, assertStringIncludes } from "../ledger/_assert.ts";
import { KEYS, ORIGIN } from "../ledger/_conformance.ts";
import {
  openLedger,
  openLedgerReader,
  parseSigningKey,
  parseVerifierKey,
} from "../../src/ledger/mod.ts";

const CLI = new URL("../../src/cli/ledger.ts", import.meta.url).pathname;
const ROOT = new URL("../../", import.meta.url).pathname;

async function cli(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(DENO, {
    args: [
      "run",
      "--quiet",
      "--allow-read",
      "--allow-write=/tmp",
      "--allow-net=127.0.0.1",
      "--allow-env=LEDGER_VERIFIER_KEY,LEDGER_SIGNING_KEY",
      CLI,
      ...args,
    ],
    cwd: ROOT,
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

async function fixture(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "ledger-cli-" });
  let t = Date.parse("2026-11-22T10:00:00.000Z");
  const s = await openLedger({
    store: "file",
    path: dir,
    origin: ORIGIN,
    signingKey: KEYS.privateKey,
    now: () => new Date(t += 60_000),
  });
  await s.append([
    {
      kind: "finding.opened",
      body: {
        project: "alpha",
        rule: "content/pth-file",
        subject: "a-1.0.whl",
        message: "evil\u001b[2J\u202ename",
      },
    },
    {
      kind: "finding.opened",
      body: { project: "beta", rule: "posture/branch", subject: "main", message: "unprotected" },
    },
  ]);
  await s.append([{
    kind: "finding.resolved",
    body: { project: "alpha", rule: "content/pth-file", subject: "a-1.0.whl" },
  }]);
  await s.append([{
    kind: "finding.waived",
    body: { project: "beta", rule: "posture/branch", subject: "main", until: 5 },
  }]);
  await s.close();
  return dir;
}

Deno.test("cli ledger: keygen, verify (pinned key, stored key, json, tampered), usage errors", async () => {
  const dir = await fixture();
  try {
    const keygen = await cli(["keygen", "--name", "audit.example/ledger"]);
    assertEquals(keygen.code, 0);
    const [sk, vk] = keygen.stdout.trim().split("\n");
    assert(sk.startsWith("LEDGER_SIGNING_KEY=PRIVATE+KEY+audit.example/ledger+"));
    const signer = await parseSigningKey(sk.slice("LEDGER_SIGNING_KEY=".length));
    assertEquals(
      signer.verifierKey,
      parseVerifierKey(vk.slice("LEDGER_VERIFIER_KEY=".length)).text,
    );

    const ok = await cli(["verify", dir, "--vkey", KEYS.verifierKey]);
    assertEquals(ok.code, 0, ok.stderr);
    assertStringIncludes(ok.stdout, "ok: 4 entries");
    assertEquals(ok.stderr, "");
    const fromEnv = await cli(["verify", "--ledger", dir], {
      LEDGER_VERIFIER_KEY: KEYS.verifierKey,
    });
    assertEquals(fromEnv.code, 0);
    const stored = await cli(["verify", dir]);
    assertEquals(stored.code, 0);
    assertStringIncludes(stored.stderr, "trusting the verifier key stored in");
    const json = await cli(["verify", dir, "--vkey", KEYS.verifierKey, "--json"]);
    const report = JSON.parse(json.stdout);
    assertEquals([report.ok, report.size, report.checkpointsChecked], [true, 4, 3]);

    const text = await Deno.readTextFile(`${dir}/entries.jsonl`);
    await Deno.writeTextFile(`${dir}/entries.jsonl`, text.replace("unprotected", "protected!!"));
    const bad = await cli(["verify", dir, "--vkey", KEYS.verifierKey]);
    assertEquals(bad.code, 1);
    assertStringIncludes(
      bad.stdout,
      "invalid: entry 1: the entries do not match the signed checkpoint of size 2",
    );
    await Deno.writeTextFile(`${dir}/entries.jsonl`, text);

    assertEquals((await cli(["verify", dir, "--bogus"])).code, 2);
    assertEquals((await cli(["verify", `${dir}/nope`])).code, 2);
    assertEquals((await cli(["frobnicate"])).code, 2);
    assertEquals((await cli([])).code, 2);
    assertEquals((await cli(["verify", "--help"])).code, 0);
    assertEquals((await cli(["prove", "--ledger", dir])).code, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli ledger: prove and verify --proof; show, tail, export, checkpoint", async () => {
  const dir = await fixture();
  try {
    const proof = await cli(["prove", "--index", "1", "--ledger", dir]);
    assertEquals(proof.code, 0, proof.stderr);
    assert(proof.stdout.startsWith("c2sp.org/tlog-proof@v1\nextra "));
    assertStringIncludes(proof.stdout, "\nindex 1\n");
    await Deno.writeTextFile(`${dir}/proof.txt`, proof.stdout);
    const check = await cli(["verify", "--proof", `${dir}/proof.txt`, "--vkey", KEYS.verifierKey]);
    assertEquals(check.code, 0, check.stdout + check.stderr);
    assertStringIncludes(check.stdout, "ok: entry 1 (finding.opened");
    assertStringIncludes(check.stdout, "tree of size 4");
    const older = await cli(["prove", "--index", "0", "--size", "2", "--ledger", dir]);
    assertEquals(older.code, 0);
    assertStringIncludes(older.stdout, `${ORIGIN}\n2\n`);
    assertEquals((await cli(["prove", "--index", "0", "--size", "1", "--ledger", dir])).code, 1);
    const lines = proof.stdout.split("\n");
    lines[3] = lines[3].startsWith("A") ? "B" + lines[3].slice(1) : "A" + lines[3].slice(1);
    await Deno.writeTextFile(`${dir}/proof.txt`, lines.join("\n"));
    const forged = await cli(["verify", "--proof", `${dir}/proof.txt`, "--vkey", KEYS.verifierKey]);
    assertEquals(forged.code, 1);
    assertStringIncludes(forged.stdout, "invalid: inclusion proof does not lead");

    const show = await cli(["show", "--ledger", dir, "--project", "alpha"]);
    assertEquals(show.code, 0);
    const rows = show.stdout.trim().split("\n");
    assertEquals(rows.length, 3);
    assertStringIncludes(rows[1], "evil\\u{001B}[2J\\u{202E}name");
    assert(!show.stdout.includes("\u001b"));
    const kinds = await cli(["show", "--ledger", dir, "--kind", "finding.waived", "--jsonl"]);
    const entries = (await Deno.readTextFile(`${dir}/entries.jsonl`)).split("\n");
    assertEquals(kinds.stdout, entries[3] + "\n");
    const since = await cli([
      "show",
      "--ledger",
      dir,
      "--since",
      "2026-11-22T10:02:00Z",
      "--until",
      "2026-11-22T10:03:00Z",
      "--jsonl",
    ]);
    assertEquals(since.stdout, entries[2] + "\n");
    assertEquals((await cli(["show", "--ledger", dir, "--since", "yesterday"])).code, 2);
    const tail = await cli(["tail", "-n", "2", "--ledger", dir, "--jsonl"]);
    assertEquals(tail.stdout, entries.slice(2, 4).join("\n") + "\n");
    const exp = await cli(["export", "--ledger", dir, "--out", `${dir}/export.jsonl`]);
    assertEquals(exp.code, 0);
    assertEquals(
      await Deno.readTextFile(`${dir}/export.jsonl`),
      await Deno.readTextFile(`${dir}/entries.jsonl`),
    );
    const cp = await cli(["checkpoint", "--ledger", dir]);
    assertEquals(cp.stdout, await Deno.readTextFile(`${dir}/checkpoint`));
    await Deno.writeTextFile(`${dir}/pinned.note`, cp.stdout);
    const pinned = await cli([
      "verify",
      `${dir}/export.jsonl`,
      "--trusted",
      `${dir}/pinned.note`,
      "--vkey",
      KEYS.verifierKey,
    ]);
    assertEquals(pinned.code, 0, pinned.stdout);
    assertStringIncludes(pinned.stdout, "extends the pinned checkpoint of size 4");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli ledger: verify a status page URL", async () => {
  const dir = await fixture();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const reader = await openLedgerReader({ store: "file", path: dir });
    try {
      if (url.pathname === "/ledger/checkpoint") return new Response(await reader.checkpoint());
      const from = Number(url.searchParams.get("from"));
      const to = Math.min(Number(url.searchParams.get("to")), from + 3);
      let body = "";
      for await (const e of reader.entries(from, to)) body += e.line + "\n";
      return new Response(body);
    } finally {
      await reader.close();
    }
  });
  try {
    const base = `http://127.0.0.1:${server.addr.port}`;
    const ok = await cli(["verify", base, "--vkey", KEYS.verifierKey]);
    assertEquals(ok.code, 0, ok.stdout + ok.stderr);
    assertStringIncludes(ok.stdout, "ok: 4 entries");
    assertEquals((await cli(["verify", base])).code, 2);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli ledger: tail --follow prints new entries until interrupted", async () => {
  const dir = await fixture();
  const child = new Deno.Command(DENO, {
    args: [
      "run",
      "--quiet",
      "--allow-read",
      CLI,
      "tail",
      "-n",
      "1",
      "--follow",
      "--interval",
      "50",
      "--jsonl",
      "--ledger",
      dir,
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  try {
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    const waitFor = async (text: string) => {
      while (!seen.includes(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`tail ended before printing ${text}`);
        seen += value;
      }
    };
    await waitFor("finding.waived");
    const s = await openLedger({
      store: "file",
      path: dir,
      origin: ORIGIN,
      signingKey: KEYS.privateKey,
    });
    await s.append([{ kind: "finding.opened", body: { project: "gamma", message: "followed" } }]);
    await s.close();
    await waitFor('"followed"');
    child.kill("SIGINT");
    reader.releaseLock();
    await child.stdout.cancel().catch(() => {});
    const status = await child.status;
    assertEquals(status.code, 0);
    assertEquals(seen.trim().split("\n").length, 2);
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // already exited
    }
    await child.stderr.cancel().catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli ledger: prove --consistency and verify --consistency", async () => {
  const dir = await fixture();
  try {
    const made = await cli(["prove", "--consistency", "2", "4", "--ledger", dir]);
    assertEquals(made.code, 0, made.stderr);
    await Deno.writeTextFile(`${dir}/cons.json`, made.stdout);
    const ok = await cli([
      "verify",
      "--consistency",
      `${dir}/cons.json`,
      "--vkey",
      KEYS.verifierKey,
    ]);
    assertEquals(ok.code, 0, ok.stdout + ok.stderr);
    assertStringIncludes(
      ok.stdout,
      "ok: the signed tree of size 4 extends the signed tree of size 2",
    );
    const file = JSON.parse(made.stdout);
    file.proof[0] = file.proof[0].startsWith("a")
      ? "b" + file.proof[0].slice(1)
      : "a" + file.proof[0].slice(1);
    await Deno.writeTextFile(`${dir}/cons.json`, JSON.stringify(file));
    const bad = await cli([
      "verify",
      "--consistency",
      `${dir}/cons.json`,
      "--vkey",
      KEYS.verifierKey,
    ]);
    assertEquals(bad.code, 1);
    assertStringIncludes(bad.stdout, "does not extend the tree of size 2");
    assertEquals((await cli(["prove", "--consistency", "4", "2", "--ledger", dir])).code, 2);
    const unsigned = await cli(["prove", "--consistency", "1", "4", "--ledger", dir]);
    assertEquals(unsigned.code, 1);
    assertStringIncludes(unsigned.stderr, "no checkpoint of size 1");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli ledger: prove after a corrupted entry names that entry", async () => {
  const dir = await fixture();
  try {
    const lines = (await Deno.readTextFile(`${dir}/entries.jsonl`)).split("\n");
    lines[1] = lines[1].replace('"beta"', '"betax"'); // one byte longer: later offsets shift
    await Deno.writeTextFile(`${dir}/entries.jsonl`, lines.join("\n"));
    for (const index of ["1", "2", "3"]) {
      const r = await cli(["prove", "--index", index, "--ledger", dir]);
      assertEquals(r.code, 1, index);
      assertStringIncludes(r.stderr, "entries.jsonl: entry 1 does not match the signed tree");
    }
    assertEquals((await cli(["prove", "--index", "0", "--ledger", dir])).code, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli ledger: a malformed checkpoint or checkpoints.log is named in a one-line error", async () => {
  const dir = await fixture();
  try {
    const log = await Deno.readTextFile(`${dir}/checkpoints.log`);
    await Deno.writeTextFile(`${dir}/checkpoints.log`, "not json\n" + log);
    const v = await cli(["verify", dir, "--vkey", KEYS.verifierKey]);
    assertEquals(v.code, 1);
    assertEquals(v.stdout.trim().split("\n").length, 1);
    assertStringIncludes(v.stdout, `${dir}/checkpoints.log: line 1: not a checkpoint record`);
    const c = await cli(["prove", "--consistency", "2", "4", "--ledger", dir]);
    assertStringIncludes(c.stderr, `${dir}/checkpoints.log: line 1`);
    await Deno.writeTextFile(`${dir}/checkpoints.log`, log);
    await Deno.writeTextFile(`${dir}/checkpoint`, "garbage");
    for (const args of [["show", "--ledger", dir], ["verify", dir, "--vkey", KEYS.verifierKey]]) {
      const r = await cli(args);
      assert(r.code !== 0, args.join(" "));
      const text = (r.stdout + r.stderr).trim();
      assertStringIncludes(text, `${dir}/checkpoint`);
      assertEquals(
        text.split("\n").filter((l) => !l.startsWith("TIME") && l.trim()).length,
        1,
        text,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
