import assert from "node:assert/strict";
import { PolicySchema } from "../../src/config.ts";
import {
  ArchiveInspectionSchema,
  inspectArtifact,
  limitsFromPolicy,
  memberRole,
} from "../../src/inspect/mod.ts";
import { archiveFindings, archiveRule } from "../../rules/archive.ts";
import type { FactsLike } from "../../rules/_artifact.ts";
import { contentFindings } from "../../rules/content.ts";
import { realdata } from "../_realdata.ts";

const pure = PolicySchema.parse({});
const native = PolicySchema.parse({ artifacts: "native" });
const limits = limitsFromPolicy(pure);
const recordMismatches = (facts: FactsLike, policy = pure) =>
  archiveRule("archive/record-mismatch").evaluate({ facts, policy });

async function inspectReal(dir: string, name: string, filename = name) {
  return await inspectArtifact(realdata(`${dir}/${name}`), filename, limits);
}

const PIPS = [
  "pip-19.2.3-py2.py3-none-any.whl",
  "pip-23.0.1-py3-none-any.whl",
  "pip-23.2.1-py3-none-any.whl",
  "pip-24.2-py3-none-any.whl",
];

for (const name of PIPS) {
  Deno.test(`real ${name}: RECORD verifies, no anomaly; only distlib launchers are noted`, async () => {
    const inspection = await inspectReal("wheels/ensurepip", name);
    ArchiveInspectionSchema.parse(inspection);
    assert.deepEqual(inspection.anomalies, []);
    assert.ok(inspection.record);
    assert.deepEqual(recordMismatches(inspection, pure), []);
    // Every file but RECORD itself was compared with its RECORD row while streaming.
    const files = inspection.entries.filter((e) => e.type === "file");
    assert.equal(inspection.record.rows, files.length);
    assert.deepEqual(
      files.filter((e) => e.record !== "ok").map((e) => e.path),
      [inspection.record.path],
    );
    const findings = [...archiveFindings(inspection, pure), ...contentFindings(inspection, pure)];
    const others = findings.filter((f) => f.rule !== "content/native-executable");
    assert.deepEqual(others, []);
    const launchers = findings.map((f) => f.subject.split("!")[1]);
    assert.ok(launchers.length >= 4);
    assert.ok(launchers.every((p) => /^pip\/_vendor\/distlib\/[tw](32|64|64-arm)\.exe$/.test(p)));
    assert.deepEqual(
      [...archiveFindings(inspection, native), ...contentFindings(inspection, native)],
      [],
    );
  });
}

Deno.test("real wheels: the RECORD facts drive the rule (a changed digest is caught)", async () => {
  const inspection = await inspectReal("wheels/ensurepip", "pip-24.2-py3-none-any.whl");
  const target = inspection.entries.find((e) => e.path === "pip/__init__.py")!;
  assert.equal(target.record, "ok");
  const tampered = structuredClone(inspection);
  tampered.entries.find((e) => e.path === "pip/__init__.py")!.record = "digest";
  tampered.entries.push({ ...target, path: "pip/extra.py", record: "unlisted" });
  const findings = recordMismatches(tampered, pure);
  assert.deepEqual(findings.map((f) => f.subject).sort(), [
    "pip-24.2-py3-none-any.whl!pip/__init__.py",
    "pip-24.2-py3-none-any.whl!pip/extra.py",
  ]);
  const dropped = structuredClone(inspection);
  dropped.record!.phantoms = ["pip/__main__.py"];
  assert.match(recordMismatches(dropped, pure)[0].message, /RECORD lists "pip\/__main__.py"/);
});

for (
  const [dir, name] of [
    ["wheels/ensurepip", "wheel-0.43.0-py3-none-any.whl"],
    ["wheels/poetry-fixtures", "poetry_core-1.5.0-py3-none-any.whl"],
    ["wheels/poetry-fixtures", "poetry_core-2.1.3-py3-none-any.whl"],
    ["pep740/pypi-attestations", "pypi_attestations-0.0.19.tar.gz"],
    ["pep740/pypi-attestations", "pypi_attestation_models-0.0.4a2.tar.gz"],
    ["pep740/pypi-attestations", "gitlab_oidc_project-0.0.3.tar.gz"],
    ["github-attestations/cli-cli", "github_provenance_demo-0.0.12-py3-none-any.whl"],
  ]
) {
  Deno.test(`real ${name}: clean under the pure policy`, async () => {
    const inspection = await inspectReal(dir, name);
    assert.deepEqual(inspection.anomalies, []);
    assert.deepEqual(
      [...archiveFindings(inspection, pure), ...contentFindings(inspection, pure)],
      [],
    );
    if (inspection.kind === "wheel") assert.ok(inspection.members.metadata);
    else assert.ok(inspection.members.pkgInfo && inspection.members.pyprojectToml);
  });
}

Deno.test("real wheel 0.40.0: the executable bit on wheel/cli/convert.py is reported", async () => {
  const inspection = await inspectReal("wheels/ensurepip", "wheel-0.40.0-py3-none-any.whl");
  const findings = contentFindings(inspection, pure);
  assert.deepEqual(findings.map((f) => `${f.rule} ${f.subject}`), [
    "content/executable-mode wheel-0.40.0-py3-none-any.whl!wheel/cli/convert.py",
  ]);
  assert.deepEqual(archiveFindings(inspection, pure), []);
});

Deno.test("real setuptools 65.5.0: git blob ids and digests of members", async () => {
  const inspection = await inspectReal("wheels/ensurepip", "setuptools-65.5.0-py3-none-any.whl");
  const pth = inspection.entries.find((e) => e.path === "distutils-precedence.pth")!;
  assert.equal(pth.size, 151);
  const init = inspection.entries.find((e) => e.path === "setuptools/__init__.py")!;
  assert.match(init.gitSha1 ?? "", /^[0-9a-f]{40}$/);
  assert.match(pth.sha256 ?? "", /^[0-9a-f]{64}$/);
  assert.equal(pth.record, "ok");
});

Deno.test("real STUBBED black wheel: under its published name it is consistent; under its file name the dist-info is foreign", async () => {
  const published = await inspectReal(
    "wheels/poetry-fixtures",
    "STUBBED_black-21.11b0-py3-none-any.whl",
    "black-21.11b0-py3-none-any.whl",
  );
  assert.ok(published.members.metadata);
  assert.deepEqual(recordMismatches(published, pure), []);
  const asFile = await inspectReal(
    "wheels/poetry-fixtures",
    "STUBBED_black-21.11b0-py3-none-any.whl",
  );
  assert.ok(contentFindings(asFile, pure).some((f) => f.rule === "content/embedded-dist-info"));
});

Deno.test("member roles: only the wheel's own dist-info and the sdist's top folder", () => {
  assert.equal(
    memberRole("wheel", "a_b-1.0-py3-none-any.whl", "A.b-1.0.dist-info/METADATA"),
    "metadata",
  );
  assert.equal(
    memberRole("wheel", "a_b-1.0-py3-none-any.whl", "other-1.0.dist-info/METADATA"),
    undefined,
  );
  assert.equal(
    memberRole("wheel", "a_b-1.0-py3-none-any.whl", "x/a_b-1.0.dist-info/RECORD"),
    undefined,
  );
  assert.equal(memberRole("sdist-tar", "a-1.0.tar.gz", "a-1.0/PKG-INFO"), "pkgInfo");
  assert.equal(memberRole("sdist-tar", "a-1.0.tar.gz", "a-1.0/sub/pyproject.toml"), undefined);
});
