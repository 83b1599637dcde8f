import assert from "node:assert/strict";
import { PolicySchema } from "../../src/config.ts";
import { parseCoreMetadata, parseEntryPoints } from "../../src/inspect/core_metadata.ts";
import { inspectArtifact, limitsFromPolicy } from "../../src/inspect/mod.ts";
import {
  METADATA_RULES,
  METADATA_RULESET,
  metadataDrift as driftOfParsed,
  metadataDriftReport as reportOfParsed,
  type MetadataInput,
  normalizeRequirement,
} from "../../rules/metadata.ts";
import type { WheelMetadataInput } from "../../src/observations/metadata.ts";
import { parsePyproject, wheelMetadataOf } from "../../src/pypi/pyproject.ts";
import { realdata } from "../_realdata.ts";
import { ruleTable } from "./_rule_table.ts";

const policy = PolicySchema.parse({});

/** The rules receive a parsed pyproject.toml; these tests start from its text. */
const metadataDrift = (w: WheelMetadataInput, text: string | undefined, p: typeof policy) =>
  driftOfParsed(w, parsePyproject(text), p);
const metadataDriftReport = (w: WheelMetadataInput, text: string | undefined, p: typeof policy) =>
  reportOfParsed(w, parsePyproject(text), p);

function wheel(metadata: string, entryPoints = ""): WheelMetadataInput {
  return {
    filename: "demo-1.0-py3-none-any.whl",
    sha256: "ab".repeat(32),
    metadata: parseCoreMetadata(metadata),
    entryPoints: parseEntryPoints(entryPoints),
  };
}

const PYPROJECT = `
[project]
name = "Demo"
version = "1.0"
requires-python = ">=3.9, <4"
dependencies = ["Requests_OAuthlib >= 1.0, <2", "packaging; python_version < '3.11'"]
[project.optional-dependencies]
Test = ["pytest (>=7)"]
[project.scripts]
demo = "demo.cli:main"
[project.entry-points."demo.plugins"]
core = "demo.plugins:core"
`;

const MATCHING_METADATA = [
  "Metadata-Version: 2.1",
  "Name: demo",
  "Requires-Python: <4,>=3.9",
  "Requires-Dist: requests-oauthlib<2,>=1.0",
  'Requires-Dist: packaging ; python_version < "3.11"',
  "Provides-Extra: test",
  'Requires-Dist: pytest>=7 ; extra == "test"',
].join("\n");
const MATCHING_EP =
  "[console_scripts]\ndemo = demo.cli:main\n[demo.plugins]\ncore = demo.plugins:core\n";

Deno.test("requirement normalization: names, spaces, parentheses, order, extra markers", () => {
  const a = normalizeRequirement('Foo_Bar (>=1.0,<2) ; python_version < "3.8" and extra == "Test"');
  const b = normalizeRequirement("foo-bar<2, >=1.0; python_version<'3.8'", "test");
  assert.deepEqual([a.extra, a.key], [b.extra, b.key]);
  assert.equal(a.key, 'foo-bar<2,>=1.0;python_version<"3.8"');
  const c = normalizeRequirement('x; (os_name == "nt" or os_name == "posix") and extra == "e"');
  assert.deepEqual([c.extra, c.key], ["e", 'x;os_name=="nt"oros_name=="posix"']);
});

Deno.test("metadata drift: matching wheel and pyproject have no findings", () => {
  assert.deepEqual(metadataDrift(wheel(MATCHING_METADATA, MATCHING_EP), PYPROJECT, policy), []);
});

Deno.test("metadata drift: injected dependency, extra, console script, requires-python", () => {
  const tampered =
    MATCHING_METADATA.replace("Requires-Python: <4,>=3.9", "Requires-Python: >=3.6") +
    "\nRequires-Dist: evil-helper>=0.1\nProvides-Extra: backdoor\n" +
    'Requires-Dist: crypto-miner ; extra == "test"';
  const findings = metadataDrift(
    wheel(tampered, MATCHING_EP + "[console_scripts]\nls = evil:run\n"),
    PYPROJECT,
    policy,
  );
  const byRule = (id: string) => findings.filter((f) => f.rule === id).map((f) => f.subject);
  assert.deepEqual(byRule("metadata/undeclared-dependency").sort(), [
    "demo-1.0-py3-none-any.whl!Requires-Dist:crypto-miner",
    "demo-1.0-py3-none-any.whl!Requires-Dist:evil-helper>=0.1",
  ]);
  assert.deepEqual(byRule("metadata/extra-drift"), [
    "demo-1.0-py3-none-any.whl!Provides-Extra:backdoor",
  ]);
  assert.deepEqual(byRule("metadata/undeclared-entry-point"), [
    "demo-1.0-py3-none-any.whl!entry-point:console_scripts:ls",
  ]);
  assert.deepEqual(byRule("metadata/requires-python-drift"), [
    "demo-1.0-py3-none-any.whl!Requires-Python",
  ]);
  assert.ok(findings.every((f) => f.scope === `file:${"ab".repeat(32)}`));
});

Deno.test("metadata drift: dropped dependency and entry point are reported too", () => {
  const findings = metadataDrift(
    wheel(
      MATCHING_METADATA.replace(/Requires-Dist: requests.*\n/, ""),
      "[demo.plugins]\ncore = demo.plugins:core\n",
    ),
    PYPROJECT,
    policy,
  );
  assert.deepEqual(findings.map((f) => f.rule).sort(), [
    "metadata/missing-dependency",
    "metadata/missing-entry-point",
  ]);
});

Deno.test("metadata drift: dynamic fields are not compared, and the report says so", () => {
  const pyproject = PYPROJECT.replace('version = "1.0"', 'dynamic = ["dependencies", "scripts"]');
  const tampered = MATCHING_METADATA + "\nRequires-Dist: anything";
  const report = metadataDriftReport(
    wheel(tampered, "[console_scripts]\nx = y:z\n" + MATCHING_EP),
    pyproject,
    policy,
  );
  assert.deepEqual(report.findings, []);
  assert.deepEqual(report.notCompared.map((n) => n.field).sort(), ["dependencies", "scripts"]);
});

Deno.test("metadata drift: no pyproject, no [project], bad TOML -> no findings", () => {
  const w = wheel(MATCHING_METADATA + "\nRequires-Dist: x");
  assert.deepEqual(metadataDrift(w, undefined, policy), []);
  assert.deepEqual(metadataDrift(w, "[tool.poetry]\nname='x'\n", policy), []);
  const bad = metadataDriftReport(w, "[project\n", policy);
  assert.deepEqual(bad.findings, []);
  assert.match(bad.notCompared[0].reason, /not valid TOML/);
});

Deno.test("real sdist pypi_attestations 0.0.19: PKG-INFO agrees with its pyproject.toml", async () => {
  const name = "pypi_attestations-0.0.19.tar.gz";
  const inspection = await inspectArtifact(
    realdata(`pep740/pypi-attestations/${name}`),
    name,
    limitsFromPolicy(policy),
  );
  const input = wheelMetadataOf(inspection);
  assert.ok(input);
  assert.ok(input.metadata.getAll("requires-dist").length >= 6);
  const pyproject = inspection.members.pyprojectToml?.text;
  assert.deepEqual(metadataDrift(input, pyproject, policy), []);
  // The same PKG-INFO with one more requirement is caught.
  input.metadata.fields["requires-dist"].push("urllib4");
  assert.deepEqual(metadataDrift(input, pyproject, policy).map((f) => f.rule), [
    "metadata/undeclared-dependency",
  ]);
});

Deno.test("metadata rules have unique ids and the pypi job", () => {
  assert.equal(new Set(METADATA_RULES.map((r) => r.id)).size, METADATA_RULES.length);
  assert.ok(METADATA_RULES.every((r) => r.job === "pypi" && r.id.startsWith("metadata/")));
});

const driftCase = (metadata: string, entryPoints = MATCHING_EP): MetadataInput => ({
  wheel: wheel(metadata, entryPoints),
  source: parsePyproject(PYPROJECT),
  policy,
});
const clean = driftCase(MATCHING_METADATA);

ruleTable("metadata", METADATA_RULESET, {
  "metadata/undeclared-dependency": {
    fires: driftCase(MATCHING_METADATA + "\nRequires-Dist: evil-helper>=0.1"),
    clean,
  },
  "metadata/missing-dependency": {
    fires: driftCase(MATCHING_METADATA.replace("Requires-Dist: requests-oauthlib<2,>=1.0\n", "")),
    clean,
  },
  "metadata/extra-drift": {
    fires: driftCase(MATCHING_METADATA + "\nProvides-Extra: backdoor"),
    clean,
  },
  "metadata/undeclared-entry-point": {
    fires: driftCase(MATCHING_METADATA, MATCHING_EP + "[console_scripts]\nls = evil:run\n"),
    clean,
  },
  "metadata/missing-entry-point": {
    fires: driftCase(MATCHING_METADATA, "[console_scripts]\ndemo = demo.cli:main\n"),
    clean,
  },
  "metadata/requires-python-drift": {
    fires: driftCase(
      MATCHING_METADATA.replace("Requires-Python: <4,>=3.9", "Requires-Python: >=3.6"),
    ),
    clean,
  },
});
