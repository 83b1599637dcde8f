import assert from "node:assert/strict";
import { PolicySchema } from "../../src/config.ts";
import { inspectArtifact, limitsFromPolicy } from "../../src/inspect/mod.ts";
import { CONTENT_RULESET, contentFindings, PTH_FILE_RULE } from "../../rules/content.ts";
import { archiveFindings } from "../../rules/archive.ts";
import { gzipSync } from "node:zlib";
import { realdata } from "../_realdata.ts";
import { buildZip, text, type ZipMember } from "../inspect/_zip_writer.ts";
import { inspectBytes } from "../inspect/_helpers.ts";
import { factsOf } from "../../src/inspect/mod.ts";
import type { ArtifactInput } from "../../rules/_artifact.ts";
import { type RuleCase, ruleTable } from "./_rule_table.ts";
import { CONTENT_RULES, linkStaysInside, unsafePathReason } from "../../rules/content.ts";

const policy = PolicySchema.parse({});
const limits = limitsFromPolicy(policy);

for (const version of ["65.5.0", "67.6.1"]) {
  Deno.test(`real setuptools ${version} wheel: distutils-precedence.pth is flagged`, async () => {
    const name = `setuptools-${version}-py3-none-any.whl`;
    const inspection = await inspectArtifact(realdata(`wheels/ensurepip/${name}`), name, limits);
    const findings = PTH_FILE_RULE.evaluate({ facts: inspection, policy });
    assert.deepEqual(findings.map((f) => f.subject), [`${name}!distutils-precedence.pth`]);
    assert.deepEqual(findings[0].rule, "content/pth-file");
    assert.deepEqual(findings[0].severity, "critical");
    assert.deepEqual(findings[0].scope, `file:${inspection.sha256}`);
    assert(contentFindings(inspection, policy).some((f) => f.rule === "content/pth-file"));
  });
}

const native = PolicySchema.parse({ artifacts: "native" });
const NAME = "demo-1.0-py3-none-any.whl";

function elf(): Uint8Array {
  const b = new Uint8Array(64);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  return b;
}

function pe(dll: boolean): Uint8Array {
  const b = new Uint8Array(0x200);
  b.set([0x4d, 0x5a]);
  new DataView(b.buffer).setUint32(0x3c, 0x80, true);
  b.set([0x50, 0x45, 0, 0], 0x80);
  new DataView(b.buffer).setUint16(0x80 + 4 + 18, dll ? 0x2022 : 0x0022, true);
  return b;
}

const machoFat = new Uint8Array([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2, 0, 0, 0, 7]);
const javaClass = new Uint8Array([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 52]);

async function run(members: ZipMember[], filename = NAME) {
  return await inspectBytes(buildZip(members), filename);
}

function rules(findings: { rule: string; subject: string }[]): string[] {
  return findings.map((f) => `${f.rule} ${f.subject.split("!")[1] ?? ""}`).sort();
}

Deno.test("content: .pth and start-up hooks only where site would run them", async () => {
  const inspection = await run([
    { name: "demo/sitecustomize.py", data: text("x") },
    { name: "USERCUSTOMIZE.PY", data: text("x") },
    { name: "sitecustomize/__init__.py", data: text("x") },
    { name: "demo/deep/evil.PTH", data: text("import os") },
    { name: "evil.PTH", data: text("import os") },
    { name: "demo-1.0.data/purelib/hook.pth", data: text("import os") },
    { name: "demo-1.0.data/platlib/usercustomize.py", data: text("x") },
    { name: "demo-1.0.data/data/share/not-site.pth", data: text("import os") },
    { name: "demo-1.0.data/purelib/pkg/weights.pth", data: text("binary") },
  ]);
  assert.deepEqual(rules(contentFindings(inspection, policy)), [
    "content/pth-file demo-1.0.data/purelib/hook.pth",
    "content/pth-file evil.PTH",
    "content/startup-hook USERCUSTOMIZE.PY",
    "content/startup-hook demo-1.0.data/platlib/usercustomize.py",
    "content/startup-hook sitecustomize/__init__.py",
  ]);
});

Deno.test("content: sdist .pth and hooks at the project root or src/ root (what a build puts at the wheel root)", async () => {
  const inspection = await run([
    { name: "demo-1.0/PKG-INFO", data: text("Name: demo") },
    { name: "demo-1.0/demo.pth", data: text("import os") },
    { name: "demo-1.0/src/sitecustomize.py", data: text("x") },
    { name: "demo-1.0/src/demo/models/alex.pth", data: text("weights") },
    { name: "demo-1.0/tests/sitecustomize.py", data: text("x") },
  ], "demo-1.0.zip");
  assert.deepEqual(rules(contentFindings(inspection, policy)), [
    "content/pth-file demo-1.0/demo.pth",
    "content/startup-hook demo-1.0/src/sitecustomize.py",
  ]);
});

Deno.test("content: native code by magic and extension, allowed under the native policy", async () => {
  const inspection = await run([
    { name: "demo/hidden.txt", data: elf() },
    { name: "demo/_ext.cpython-312-x86_64-linux-gnu.so", data: text("not really elf") },
    { name: "demo/lib.so.1.2", data: text("x") },
    { name: "demo/fat.bin", data: machoFat },
    { name: "demo/Klass.class", data: javaClass },
    { name: "demo/mod.pyd", data: pe(true) },
    { name: "demo/launcher.exe", data: pe(false) },
    { name: "demo/fake.exe", data: text("MZ but no PE header") },
  ]);
  assert.deepEqual(rules(contentFindings(inspection, policy)), [
    "content/native-binary demo/_ext.cpython-312-x86_64-linux-gnu.so",
    "content/native-binary demo/fat.bin",
    "content/native-binary demo/hidden.txt",
    "content/native-binary demo/lib.so.1.2",
    "content/native-binary demo/mod.pyd",
    "content/native-executable demo/launcher.exe",
  ]);
  assert.deepEqual(contentFindings(inspection, native), []);
});

Deno.test("content: embedded foreign .dist-info / .egg-info, .data/scripts, exec bits", async () => {
  const inspection = await run([
    { name: "demo/__init__.py", data: text("") },
    { name: "demo-1.0.dist-info/METADATA", data: text("Name: demo") },
    { name: "requests-2.0.dist-info/METADATA", data: text("Name: requests") },
    { name: "demo/_vendor/six.egg-info/PKG-INFO", data: text("Name: six") },
    { name: "demo-1.0.data/scripts/run", data: text("#!/bin/sh"), unixMode: 0o100755 },
    { name: "demo/tool.py", data: text(""), unixMode: 0o100744 },
    { name: "demo/_ext.cpython-312-x86_64-linux-gnu.so", data: elf(), unixMode: 0o100755 },
    { name: "demo/lib.dylib", data: text("x"), unixMode: 0o100755 },
    { name: "demo/bin/helper", data: elf(), unixMode: 0o100755 },
  ]);
  assert.deepEqual(rules(contentFindings(inspection, native)), [
    "content/data-scripts demo-1.0.data/scripts/run",
    "content/embedded-dist-info demo/_vendor/six.egg-info",
    "content/embedded-dist-info requests-2.0.dist-info",
    "content/executable-mode demo-1.0.data/scripts/run",
    "content/executable-mode demo/tool.py",
  ]);
  const severities = contentFindings(inspection, native)
    .filter((f) => f.rule === "content/embedded-dist-info")
    .map((f) => `${f.severity} ${f.subject.split("!")[1]}`).sort();
  // At the root importlib.metadata finds it (high); vendored deep inside, it shadows nothing.
  assert.deepEqual(severities, [
    "high requests-2.0.dist-info",
    "low demo/_vendor/six.egg-info",
  ]);
});

Deno.test("content: an sdist's own egg-info is fine, a nested dist-info is not", async () => {
  const inspection = await run([
    { name: "demo-1.0/PKG-INFO", data: text("Name: demo") },
    { name: "demo-1.0/demo.egg-info/PKG-INFO", data: text("Name: demo") },
    { name: "demo-1.0/src/demo.egg-info/PKG-INFO", data: text("Name: demo") },
    { name: "demo-1.0/vendor/x-1.dist-info/METADATA", data: text("Name: x") },
  ], "demo-1.0.zip");
  assert.equal(inspection.kind, "sdist-zip");
  assert.equal(inspection.members.pkgInfo?.text, "Name: demo");
  assert.deepEqual(rules(contentFindings(inspection, policy)), [
    "content/embedded-dist-info demo-1.0/vendor/x-1.dist-info",
  ]);
});

Deno.test("content: path and link helpers", () => {
  assert.equal(unsafePathReason("a/b.py"), undefined);
  assert.equal(unsafePathReason("a/../../b"), "parent-directory component");
  assert.equal(unsafePathReason("C:/x"), "absolute path");
  assert.equal(unsafePathReason("a\u0007"), "control character in path");
  assert.equal(linkStaysInside("pkg/a/link", "../b"), true);
  assert.equal(linkStaysInside("pkg/link", "../../x"), false);
  assert.equal(linkStaysInside("link", "/etc"), false);
});

Deno.test("content rule metadata: unique ids, pypi job, remediation", () => {
  assert.equal(new Set(CONTENT_RULES.map((r) => r.id)).size, CONTENT_RULES.length);
  for (const r of CONTENT_RULES) {
    assert.match(r.id, /^content\/[a-z-]+$/);
    assert.equal(r.job, "pypi");
    assert.ok(r.title && r.control && r.remediation);
  }
});

// Real wheels behind the false positives of the census (wheels/census/): under the native
// policy, none of them has a critical or high finding, and every member is inspected.
const CENSUS: Array<[string, number]> = [
  ["torchmetrics-1.9.0-py3-none-any.whl", 359],
  ["debugpy-1.8.22-cp311-cp311-manylinux_2_34_x86_64.whl", 289],
  ["onnx-1.23.1-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl", 1534],
  ["bleach-6.4.0-py3-none-any.whl", 61],
  ["flit_core-4.1.0-py3-none-any.whl", 22],
];
for (const [name, entries] of CENSUS) {
  Deno.test(`real ${name}: no critical or high finding, all ${entries} entries inspected`, async () => {
    const inspection = await inspectArtifact(realdata(`wheels/census/${name}`), name, limits);
    assert.equal(inspection.entries.length, entries);
    assert.equal(inspection.totals.truncated, false);
    const findings = [
      ...contentFindings(inspection, native),
      ...archiveFindings(inspection, native),
    ];
    const serious = findings.filter((f) => f.severity === "critical" || f.severity === "high");
    assert.deepEqual(serious.map((f) => `${f.rule} ${f.subject}`), []);
  });
}

Deno.test("real torchmetrics: model weights lpips_models/*.pth deep in the package are not site .pth files", async () => {
  const name = "torchmetrics-1.9.0-py3-none-any.whl";
  const inspection = await inspectArtifact(realdata(`wheels/census/${name}`), name, limits);
  const weights = inspection.entries.filter((e) => e.path.endsWith(".pth"));
  assert.equal(weights.length, 3);
  assert.deepEqual(PTH_FILE_RULE.evaluate({ facts: inspection, policy }), []);
});

Deno.test("real debugpy: a vendored sitecustomize.py deep inside is no start-up hook; .so exec bits are no finding", async () => {
  const name = "debugpy-1.8.22-cp311-cp311-manylinux_2_34_x86_64.whl";
  const inspection = await inspectArtifact(realdata(`wheels/census/${name}`), name, limits);
  assert.ok(
    inspection.entries.some((e) => e.path.endsWith("pydev_sitecustomize/sitecustomize.py")),
  );
  const findings = contentFindings(inspection, native);
  assert.ok(!findings.some((f) => f.rule === "content/startup-hook"));
  const execs = findings.filter((f) => f.rule === "content/executable-mode");
  const natives = inspection.entries.filter((e) => e.magic === "elf" && (e.mode ?? 0) & 0o111);
  assert.ok(natives.length > 0, "the wheel has executable ELF members");
  assert.ok(execs.every((f) => !natives.some((n) => f.subject.endsWith(`!${n.path}`))));
});

Deno.test("real onnx: the 2.5 MB test tensor at 1016:1 is no bomb and inspection reads all 1534 members", async () => {
  const name = "onnx-1.23.1-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl";
  const inspection = await inspectArtifact(realdata(`wheels/census/${name}`), name, limits);
  const tensor = inspection.entries.find((e) =>
    e.path.endsWith("test_operator_conv/test_data_set_0/input_0.pb")
  )!;
  assert.equal(tensor.size, 2560015);
  assert.ok(tensor.size / tensor.compressedSize! > 1000);
  assert.ok(tensor.sha256);
  assert.ok(!inspection.anomalies.some((a) => a.kind === "decompression-bomb"));
  assert.equal(inspection.entries.filter((e) => e.type === "file" && !e.sha256).length, 0);
});

Deno.test("real bleach, flit_core: license trees inside the own .dist-info/licenses/ are the wheel's own", async () => {
  for (const name of ["bleach-6.4.0-py3-none-any.whl", "flit_core-4.1.0-py3-none-any.whl"]) {
    const inspection = await inspectArtifact(realdata(`wheels/census/${name}`), name, limits);
    assert.ok(
      inspection.entries.some((e) => /\.dist-info\/licenses\/.+\.dist-info\//.test(e.path)),
    );
    const embedded = contentFindings(inspection, policy).filter((f) =>
      f.rule === "content/embedded-dist-info"
    );
    assert.ok(embedded.every((f) => !f.subject.includes(".dist-info/licenses/")), name);
    assert.ok(embedded.every((f) => f.severity === "low"), name);
  }
});

const gz = (s: string) => new Uint8Array(gzipSync(text(s)));

Deno.test("content: compressed data (.json.gz, .mxl, .npz) is no nested archive; one holding code, a dist or native code is", async () => {
  const mxl = buildZip([
    { name: "META-INF/container.xml", data: text("<container/>") },
    { name: "score.xml", data: text("<score-partwise/>".repeat(100)) },
  ]);
  const npz = buildZip([{ name: "arr_0.npy", data: text("\u0093NUMPY"), method: 0 }]);
  const codeZip = buildZip([{ name: "payload/run.py", data: text("import os") }]);
  const wheelInside = buildZip([{ name: "x-1.0.dist-info/METADATA", data: text("Name: x") }]);
  const tarOfCode = new Uint8Array(1536);
  tarOfCode.set(text("evil/setup.py"), 0);
  tarOfCode.set(text("00000000011\0"), 124);
  tarOfCode.set(text("ustar\u000000"), 257);
  const inspection = await run([
    { name: "demo/data/endpoints.json.gz", data: gz('{"partitions": []}'.repeat(500)) },
    { name: "demo/corpus/bach.mxl", data: mxl },
    { name: "demo/arrays.npz", data: npz },
    { name: "demo/hidden.zip", data: codeZip },
    { name: "demo/vendor.whl", data: wheelInside },
    { name: "demo/blob.gz", data: new Uint8Array(gzipSync(elf())) },
    { name: "demo/src.tar.gz", data: new Uint8Array(gzipSync(tarOfCode)) },
  ]);
  const nested = contentFindings(inspection, native).filter((f) =>
    f.rule === "content/nested-archive"
  );
  assert.deepEqual(nested.map((f) => f.subject.split("!")[1]).sort(), [
    "demo/blob.gz",
    "demo/hidden.zip",
    "demo/src.tar.gz",
    "demo/vendor.whl",
  ]);
  const byPath = (p: string) => inspection.entries.find((e) => e.path === p)!.inner;
  assert.deepEqual(byPath("demo/data/endpoints.json.gz")?.holds, []);
  assert.deepEqual(byPath("demo/corpus/bach.mxl")?.holds, []);
  assert.deepEqual(byPath("demo/hidden.zip")?.holds, ["code"]);
  assert.deepEqual(byPath("demo/blob.gz")?.holds, ["native"]);
  assert.deepEqual(byPath("demo/src.tar.gz")?.holds, ["code", "distribution"]);
});

/** A table case: the rule fires on `fires` and not on `clean` (byte-built archives). */
function zipCase(
  fires: ZipMember[],
  clean: ZipMember[],
  filename = NAME,
  p = policy,
): () => Promise<RuleCase<ArtifactInput>> {
  return async () => ({
    fires: { facts: factsOf(await run(fires, filename)), policy: p },
    clean: { facts: factsOf(await run(clean, filename)), policy: p },
  });
}

const PY: ZipMember = { name: "demo/__init__.py", data: text("x = 1\n") };

ruleTable("content", CONTENT_RULESET, {
  "content/pth-file": zipCase([PY, { name: "hook.pth", data: text("import os") }], [
    PY,
    { name: "demo/models/alex.pth", data: text("weights") },
  ]),
  "content/startup-hook": zipCase([PY, { name: "sitecustomize.py", data: text("x") }], [
    PY,
    { name: "demo/vendored/sitecustomize.py", data: text("x") },
  ]),
  "content/native-binary": zipCase([PY, { name: "demo/_x.so", data: elf() }], [PY]),
  "content/native-executable": zipCase([PY, { name: "demo/t.exe", data: pe(false) }], [PY]),
  "content/nested-archive": zipCase([PY, {
    name: "demo/inner.zip",
    data: buildZip([{ name: "x/evil.py", data: text("import os") }]),
  }], [PY, { name: "demo/data.json.gz", data: gz('{"a": 1}') }]),
  "content/embedded-dist-info": zipCase([PY, {
    name: "other-1.0.dist-info/METADATA",
    data: text("Name: other"),
  }], [PY, { name: "demo-1.0.dist-info/licenses/x-1.dist-info/LICENSE", data: text("MIT") }]),
  "content/data-scripts": zipCase([PY, { name: "demo-1.0.data/scripts/run", data: text("x") }], [
    PY,
    { name: "demo-1.0.data/purelib/demo/x.py", data: text("x") },
  ]),
  "content/executable-mode": zipCase(
    [PY, { name: "demo/tool.py", data: text("x"), unixMode: 0o100755 }],
    [PY, { name: "demo/_x.so", data: elf(), unixMode: 0o100755 }],
    NAME,
    native,
  ),
  "content/unsafe-path": zipCase([PY, { name: "../evil.py", data: text("x") }], [PY]),
  "content/unsafe-link": zipCase([PY, {
    name: "demo/link",
    data: text("../../etc/passwd"),
    unixMode: 0o120777,
  }], [PY]),
  "content/duplicate-path": zipCase([PY, { ...PY, name: "DEMO/__init__.py" }], [PY]),
});
