import assert from "node:assert/strict";
import { PolicySchema } from "../../src/config.ts";
import { inspectArtifact, limitsFromPolicy } from "../../src/inspect/mod.ts";
import { contentFindings, PTH_FILE_RULE } from "../../rules/content.ts";
import { realdata } from "../_realdata.ts";
import { buildZip, text, type ZipMember } from "../inspect/_zip_writer.ts";
import { inspectBytes } from "../inspect/_helpers.ts";
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
