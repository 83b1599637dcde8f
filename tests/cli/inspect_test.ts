import assert from "node:assert/strict";
import { escapeControl, runInspect } from "../../src/cli/inspect.ts";
import { buildZip, text } from "../inspect/_zip_writer.ts";
import { realdata } from "../_realdata.ts";

async function capture(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => out.push(a.join(" "));
  console.error = (...a: unknown[]) => err.push(a.join(" "));
  try {
    const code = await runInspect(args);
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

const SETUPTOOLS = realdata("wheels/ensurepip/setuptools-67.6.1-py3-none-any.whl");
const PIP = realdata("wheels/ensurepip/pip-24.2-py3-none-any.whl");
const WHEEL = realdata("wheels/ensurepip/wheel-0.43.0-py3-none-any.whl");

Deno.test("cli inspect: findings exit 1 and name the rule", async () => {
  const r = await capture([SETUPTOOLS]);
  assert.equal(r.code, 1);
  assert.match(r.out, /CRITICAL content\/pth-file .*distutils-precedence\.pth/);
});

Deno.test("cli inspect: a clean wheel exits 0; pip is clean under --policy native", async () => {
  assert.equal((await capture([WHEEL])).code, 0);
  const pip = await capture(["--policy", "native", PIP]);
  assert.equal(pip.code, 0, pip.out);
  assert.match(pip.out, /0 finding\(s\)/);
});

Deno.test("cli inspect: JSON output", async () => {
  const r = await capture(["--format", "json", SETUPTOOLS, WHEEL]);
  assert.equal(r.code, 1);
  const doc = JSON.parse(r.out);
  assert.equal(doc.artifacts.length, 2);
  assert.ok(doc.artifacts[0].findings.some((f: { rule: string }) => f.rule === "content/pth-file"));
  assert.deepEqual(doc.artifacts[1].findings, []);
  assert.match(doc.artifacts[0].sha256, /^[0-9a-f]{64}$/);
});

Deno.test("cli inspect: usage errors and unreadable files exit 2 with one line", async () => {
  for (
    const args of [
      [],
      ["--policy", "weird", WHEEL],
      ["--format", "xml", WHEEL],
      ["--nope", WHEEL],
      [
        "/nonexistent/x-1.0-py3-none-any.whl",
      ],
      ["/etc/hostname"],
    ]
  ) {
    const r = await capture(args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.out}`);
    assert.equal(r.err.split("\n").length, 1, r.err);
    assert.doesNotMatch(r.err, /\n\s+at /);
  }
  assert.equal((await capture(["--help"])).code, 0);
});

Deno.test("cli inspect: attacker-controlled names are escaped in text output", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/evil-1.0-py3-none-any.whl`;
    await Deno.writeFile(
      path,
      // At the wheel root, where `site` runs .pth files.
      buildZip([{ name: "\u001b[31mred\u202e.pth", data: text("import os") }]),
    );
    const r = await capture([path]);
    assert.equal(r.code, 1);
    assert.ok(!r.out.includes("\u001b"), "no raw escape character");
    assert.ok(!r.out.includes("\u202e"), "no raw bidi override");
    assert.match(r.out, /content\/pth-file/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assert.equal(escapeControl("a\u0000b\u009bc"), "a\\u{0}b\\u{9b}c");
});
