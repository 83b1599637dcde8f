import { assertEquals } from "../_assert.ts";
import {
  MAX_PYPROJECT_CHARS,
  parsePyproject,
  wheelMetadataFrom,
} from "../../src/pypi/pyproject.ts";

Deno.test("parsePyproject: the [project] table, or why nothing can be compared", () => {
  assertEquals(parsePyproject('[project]\nname = "demo"\ndependencies = ["a>=1"]\n'), {
    project: { name: "demo", dependencies: ["a>=1"] },
  });
  assertEquals(parsePyproject(undefined), { unreadable: "no pyproject.toml" });
  assertEquals(parsePyproject("[project\n"), { unreadable: "pyproject.toml is not valid TOML" });
  assertEquals(parsePyproject("[tool.poetry]\nname = 'x'\n"), {
    unreadable: "pyproject.toml has no [project] table",
  });
  assertEquals(parsePyproject("project = [1, 2]\n"), {
    unreadable: "pyproject.toml has no [project] table",
  });
});

Deno.test("parsePyproject: a huge file is cut, not parsed whole, and never throws", () => {
  const huge = '[project]\nname = "x"\n' + `# ${"x".repeat(MAX_PYPROJECT_CHARS)}\n` +
    "version = 1\n";
  assertEquals(parsePyproject(huge), { project: { name: "x" } });
});

Deno.test("wheelMetadataFrom: METADATA and entry_points.txt parsed for the drift rules", () => {
  const w = wheelMetadataFrom(
    "demo-1.0-py3-none-any.whl",
    "ab".repeat(32),
    "Metadata-Version: 2.1\nName: demo\nRequires-Dist: a>=1\n",
    "[console_scripts]\ndemo = demo.cli:main\n",
  );
  assertEquals(w.metadata.get("name"), "demo");
  assertEquals(w.metadata.getAll("requires-dist"), ["a>=1"]);
  assertEquals(w.entryPoints, { console_scripts: { demo: "demo.cli:main" } });
});
