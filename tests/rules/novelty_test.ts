import { assertEquals } from "../_assert.ts";
import { newBinaryFileTypes, NOVELTY_RULES, NOVELTY_RULESET } from "../../rules/novelty.ts";
import { ruleTable } from "./_rule_table.ts";
import type { ContentResult, PypiData, PypiFile } from "../../src/observations/pypi.ts";

function wheel(version: string, at: string, sha: string, name = "acme"): PypiFile {
  return {
    version,
    filename: `${name}-${version}-py3-none-any.whl`,
    packagetype: "wheel",
    sha256: sha.repeat(64).slice(0, 64),
    url: "https://files.example/x",
    uploadTime: at,
    yanked: false,
  };
}

function ok(file: PypiFile, fileTypes?: string[]): ContentResult {
  return { ok: true, filename: file.filename, findings: [], entries: 1, bytes: 1, fileTypes };
}

function data(entries: [PypiFile, string[] | undefined][]): PypiData {
  return {
    name: "acme",
    files: entries.map(([f]) => f),
    pins: {},
    content: Object.fromEntries(entries.map(([f, types]) => [f.sha256, ok(f, types)])),
    pyproject: {},
  };
}

Deno.test("novelty: a binary type new in a release is high, once per release and type", () => {
  const a = wheel("1.0", "2026-01-01T00:00:00Z", "a");
  const b = wheel("1.1", "2026-02-01T00:00:00Z", "b");
  const findings = newBinaryFileTypes(data([
    [a, [".py", ".png+binary"]],
    [b, [".py", ".png+binary", ".wav+binary", ".txt"]],
  ]));
  assertEquals(findings.map((f) => [f.rule, f.severity, f.subject, f.scope]), [[
    "content/new-binary-file-type",
    "high",
    "acme-1.1-py3-none-any.whl!.wav+binary",
    `file:${b.sha256}`,
  ]]);
  assertEquals(findings[0].evidence?.previous, "1.0");
});

Deno.test("novelty: text types, known binary types and the first release raise nothing", () => {
  const a = wheel("1.0", "2026-01-01T00:00:00Z", "a");
  const b = wheel("1.1", "2026-02-01T00:00:00Z", "b");
  assertEquals(newBinaryFileTypes(data([[a, [".so+binary"]], [b, [".so+binary", ".md"]]])), []);
  assertEquals(newBinaryFileTypes(data([[a, [".wav+binary"]]])), []);
});

Deno.test("novelty: releases are ordered by upload, and every consecutive pair is judged", () => {
  const a = wheel("2.0", "2026-03-01T00:00:00Z", "a");
  const b = wheel("10.0", "2026-01-01T00:00:00Z", "b");
  const c = wheel("11.0", "2026-05-01T00:00:00Z", "c");
  const findings = newBinaryFileTypes(data([
    [a, ["+binary"]],
    [b, [".py"]],
    [c, ["+binary", ".bin+binary"]],
  ]));
  assertEquals(findings.map((f) => f.subject), [
    "acme-2.0-py3-none-any.whl!+binary",
    "acme-11.0-py3-none-any.whl!.bin+binary",
  ]);
  assertEquals(findings[0].message.includes("binary files without an extension"), true);
});

Deno.test("novelty: a wheel without a type summary is not judged", () => {
  const a = wheel("1.0", "2026-01-01T00:00:00Z", "a");
  const b = wheel("1.1", "2026-02-01T00:00:00Z", "b");
  assertEquals(newBinaryFileTypes(data([[a, undefined], [b, [".wav+binary"]]])), []);
  const failed = data([[a, [".py"]], [b, [".wav+binary"]]]);
  failed.content[b.sha256] = { ok: false, filename: b.filename, reason: "x", detail: "" };
  assertEquals(newBinaryFileTypes(failed), []);
});

Deno.test("novelty: the rules are in the catalog's shape", () => {
  assertEquals(NOVELTY_RULES.map((r) => [r.id, r.job, r.severity]), [
    ["content/new-binary-file-type", "pypi", "high"],
  ]);
});

ruleTable("novelty", NOVELTY_RULESET, {
  "content/new-binary-file-type": {
    fires: {
      data: data([
        [wheel("1.0", "2026-01-01T00:00:00Z", "a"), [".py"]],
        [wheel("1.1", "2026-02-01T00:00:00Z", "b"), [".py", ".wav+binary"]],
      ]),
    },
    clean: {
      data: data([
        [wheel("1.0", "2026-01-01T00:00:00Z", "a"), [".py", ".wav+binary"]],
        [wheel("1.1", "2026-02-01T00:00:00Z", "b"), [".py", ".wav+binary"]],
      ]),
    },
  },
});
