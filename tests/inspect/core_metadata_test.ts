import assert from "node:assert/strict";
import { parseCoreMetadata, parseEntryPoints } from "../../src/inspect/core_metadata.ts";
import { inspectArtifact, limitsFromPolicy } from "../../src/inspect/mod.ts";
import { POLICY } from "./_helpers.ts";
import { realdata } from "../_realdata.ts";

Deno.test("core metadata: multi-valued fields, continuation lines, body", () => {
  const md = parseCoreMetadata(
    "Metadata-Version: 2.1\r\nName: demo\nRequires-Dist: a\nrequires-dist: b ; extra == 'x'\n" +
      "License: line one\n        line two\n\nThe description.\nMore.",
  );
  assert.equal(md.get("name"), "demo");
  assert.deepEqual(md.getAll("Requires-Dist"), ["a", "b ; extra == 'x'"]);
  assert.equal(md.get("license"), "line one\nline two");
  assert.equal(md.body, "The description.\nMore.");
  assert.equal(md.truncated, false);
});

Deno.test("entry_points.txt: a __proto__ key stays data", () => {
  const ep = parseEntryPoints("[__proto__]\n__proto__ = x:y\n");
  assert.equal(ep["__proto__"]["__proto__"], "x:y");
  assert.equal(({} as Record<string, unknown>).x, undefined);
});

Deno.test("core metadata: hostile input is bounded", () => {
  const md = parseCoreMetadata("X: y\n".repeat(10_000) + "Z: " + "a".repeat(200_000));
  assert.equal(md.truncated, true);
  assert.equal(md.getAll("x").length, 5_000);
  assert.equal(md.get("z"), undefined);
  assert.deepEqual({ ...parseCoreMetadata("no colon here\n: empty key\n").fields }, {});
});

Deno.test("entry_points.txt: groups, comments, junk lines", () => {
  const ep = parseEntryPoints(
    "# c\n[console_scripts]\npip = pip._internal.cli.main:main\njunk\n[gui_scripts]\n; c\ng=m:f\n",
  );
  assert.deepEqual({ ...ep.console_scripts }, { pip: "pip._internal.cli.main:main" });
  assert.deepEqual({ ...ep.gui_scripts }, { g: "m:f" });
});

Deno.test("real pip 24.2 wheel: METADATA and entry points parse", async () => {
  const name = "pip-24.2-py3-none-any.whl";
  const inspection = await inspectArtifact(
    realdata(`wheels/ensurepip/${name}`),
    name,
    limitsFromPolicy(POLICY),
  );
  const md = parseCoreMetadata(inspection.members.metadata?.text ?? "");
  assert.equal(md.get("name"), "pip");
  assert.equal(md.get("version"), "24.2");
  assert.equal(md.get("requires-python"), ">=3.8");
  const ep = parseEntryPoints(inspection.members.entryPoints?.text ?? "");
  assert.deepEqual(Object.keys(ep.console_scripts).sort(), ["pip", "pip3"]);
});
