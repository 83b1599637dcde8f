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
