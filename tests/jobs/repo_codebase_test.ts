import { assert, assertEquals } from "../_assert.ts";
import {
  gitmodules,
  isBinaryPath,
  precommitHooks,
  pyprojectFacts,
} from "../../jobs/repo_codebase.ts";

Deno.test("pyprojectFacts: PEP 621 metadata, poetry duplicates, urls, build requirements", () => {
  const f = pyprojectFacts(`[build-system]
requires = ["hatchling==1.27.0", "hatch-vcs>=0.4"]
[project]
name = "x"
requires-python = ">=3.10"
[project.urls]
Source = "https://github.com/o/x"
[tool.poetry]
name = "x"
dependencies = {}
`);
  assertEquals(f.project, true);
  assertEquals(f.poetryMetadata, ["name", "dependencies"]);
  assertEquals(f.requiresPython, ">=3.10");
  assertEquals(f.urls, ["Source"]);
  assertEquals(f.buildRequires, ["hatchling==1.27.0", "hatch-vcs>=0.4"]);
  const bad = pyprojectFacts("[project\nname=");
  assert(bad.error && !bad.error.includes("\n"), bad.error);
});

Deno.test("precommitHooks: repos with revs; local hooks skipped; bad YAML is an error, not a throw", () => {
  const r = precommitHooks(`repos:
  - repo: https://github.com/psf/black
    rev: 24.1.0
    hooks: [{ id: black }]
  - repo: local
    hooks: [{ id: x, name: x, entry: x, language: system }]
`);
  assertEquals(r.hooks, [{ repo: "https://github.com/psf/black", rev: "24.1.0" }]);
  assert(precommitHooks("repos: [").error);
  assert(precommitHooks("just text").error);
});

Deno.test("gitmodules and binary paths", () => {
  assertEquals(
    gitmodules('[submodule "v"]\n\tpath = vendor/v\n\turl = https://example.invalid/v.git\n'),
    [{ path: "vendor/v", url: "https://example.invalid/v.git" }],
  );
  assertEquals(gitmodules("garbage\n"), []);
  assert(isBinaryPath("vendor/libfast.so"));
  assert(isBinaryPath("tools/gradle-wrapper.JAR"));
  assert(!isBinaryPath("src/x.py"));
  assert(!isBinaryPath(".so"));
});
