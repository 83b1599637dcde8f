import assert from "node:assert/strict";
import { runCheckWorkflows } from "../../src/cli/check_workflows.ts";
import { realdata } from "../_realdata.ts";

/** Run the CLI with console output captured. */
async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => out.push(a.join(" "));
  console.error = (...a: unknown[]) => err.push(a.join(" "));
  try {
    const code = await runCheckWorkflows(args);
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

Deno.test("findings exit 1, with file:line in text output", async () => {
  const r = await run([realdata("workflows/pypa_sampleproject__release.yml")]);
  assert.equal(r.code, 1);
  assert.match(r.out, /pypa_sampleproject__release\.yml:18: high workflows\/unpinned-action/);
  assert.match(r.out, /4 finding\(s\) in 1 file\(s\)/);
});

Deno.test("clean files exit 0; json output is parseable", async () => {
  const r = await run([
    realdata("workflows/python-poetry_poetry__release.yaml"),
    "--format",
    "json",
  ]);
  assert.equal(r.code, 0);
  assert.deepEqual(JSON.parse(r.out), { files: 1, findings: [] });
});

Deno.test("a folder is searched; --environment is enforced", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/.github/workflows`, { recursive: true });
    await Deno.copyFile(
      realdata("workflows/python-poetry_poetry__release.yaml"),
      `${dir}/.github/workflows/release.yaml`,
    );
    await Deno.writeTextFile(`${dir}/.github/workflows/notes.txt`, "ignored");
    assert.equal((await run([dir])).code, 0);
    const r = await run([dir, "--environment", "release", "--format", "json"]);
    assert.equal(r.code, 1);
    assert.equal(JSON.parse(r.out).findings[0].rule, "workflows/publish-without-environment");
    await Deno.writeTextFile(`${dir}/.github/workflows/broken.yml`, "jobs: [");
    const broken = await run([dir]);
    assert.equal(broken.code, 1);
    assert.match(broken.out, /workflows\/invalid-workflow/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("usage and unreadable paths exit 2 with one line", async () => {
  const none = await run([]);
  assert.equal(none.code, 2);
  assert.equal(none.err.split("\n").length, 1);
  assert.equal((await run(["--format", "xml", "x"])).code, 2);
  assert.equal((await run(["--bogus"])).code, 2);
  const missing = await run(["/nonexistent/path.yml"]);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /cannot read .*not found/);
  assert.equal((await run(["--help"])).code, 0);
});

Deno.test("a non-UTF-8 file is one invalid-workflow finding; other files are still judged", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/.github/workflows`, { recursive: true });
    await Deno.writeFile(
      `${dir}/.github/workflows/latin1.yml`,
      new Uint8Array([0x6f, 0x6e, 0x3a, 0x20, 0x70, 0x75, 0x73, 0x68, 0x0a, 0xe9, 0x0a]),
    );
    await Deno.copyFile(
      realdata("workflows/pypa_sampleproject__release.yml"),
      `${dir}/.github/workflows/release.yml`,
    );
    // Not workflows: skipped when found in a folder.
    await Deno.writeTextFile(`${dir}/.github/dependabot.yml`, "version: 2\nupdates: []\n");
    await Deno.writeTextFile(`${dir}/.github/FUNDING.yml`, "github: [someone]\n");
    const r = await run([dir, "--format", "json"]);
    assert.equal(r.code, 1);
    const out = JSON.parse(r.out);
    assert.equal(out.files, 2);
    const rules = out.findings.map((f: { rule: string; subject: string }) =>
      `${f.rule} ${f.subject}`
    );
    assert.ok(rules.some((x: string) => /invalid-workflow .*latin1\.yml/.test(x)));
    assert.ok(rules.some((x: string) => /unpinned-action .*release\.yml/.test(x)));
    assert.ok(!rules.some((x: string) => /dependabot|FUNDING/.test(x)));
    // Named explicitly, a non-workflow YAML file is judged (and is invalid: no jobs).
    const named = await run([`${dir}/.github/dependabot.yml`]);
    assert.equal(named.code, 1);
    assert.match(named.out, /invalid-workflow/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
