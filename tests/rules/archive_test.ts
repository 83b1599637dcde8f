import assert from "node:assert/strict";
import { PolicySchema } from "../../src/config.ts";
import {
  ARCHIVE_RULES,
  ARCHIVE_RULESET,
  archiveRule,
  parseRecord,
  recordHash,
} from "../../rules/archive.ts";
import type { FactsLike } from "../../rules/_artifact.ts";
import type { Policy } from "../../src/config.ts";
import { buildZip, text, type ZipMember } from "../inspect/_zip_writer.ts";
import { inspectBytes } from "../inspect/_helpers.ts";
import { factsOf, type InspectLimits } from "../../src/inspect/mod.ts";
import type { ArtifactInput } from "../../rules/_artifact.ts";
import { type RuleCase, ruleTable } from "./_rule_table.ts";
import { createHash } from "node:crypto";

const pure = PolicySchema.parse({});
const rule = (id: string) => (facts: FactsLike, policy: Policy) =>
  archiveRule(id).evaluate({ facts, policy });
const recordMismatches = rule("archive/record-mismatch");
const wheelMetadataMissing = rule("archive/wheel-metadata-missing");
const impureWheels = rule("archive/impure-wheel");
const native = PolicySchema.parse({ artifacts: "native" });

function sha(data: Uint8Array): string {
  return recordHash(createHash("sha256").update(data).digest("hex"));
}

function wheel(
  name: string,
  files: ZipMember[],
  record?: string,
  wheelText = "Root-Is-Purelib: true\n",
) {
  const dist = `${name.split("-").slice(0, 2).join("-")}.dist-info`;
  const meta: ZipMember[] = [
    { name: `${dist}/METADATA`, data: text("Metadata-Version: 2.1\nName: demo\n") },
    { name: `${dist}/WHEEL`, data: text(`Wheel-Version: 1.0\n${wheelText}`) },
  ];
  const all = [...files, ...meta];
  const rows = record ??
    all.map((m) => `${m.name},${sha(m.data)},${m.data.length}`).join("\n") + `\n${dist}/RECORD,,\n`;
  return buildZip([...all, { name: `${dist}/RECORD`, data: text(rows) }]);
}

const A: ZipMember = { name: "demo/a.py", data: text("a = 1\n") };
const B: ZipMember = { name: "demo/b,c.py", data: text("b = 2\n") };

Deno.test("RECORD: a consistent wheel passes (quoted names too)", async () => {
  const rows = [
    `demo/a.py,${sha(A.data)},${A.data.length}`,
    `"demo/b,c.py",${sha(B.data)},${B.data.length}`,
  ];
  const name = "demo-1.0-py3-none-any.whl";
  const dist = "demo-1.0.dist-info";
  const meta = [
    text("Metadata-Version: 2.1\nName: demo\n"),
    text("Wheel-Version: 1.0\nRoot-Is-Purelib: true\n"),
  ];
  rows.push(`${dist}/METADATA,${sha(meta[0])},${meta[0].length}`);
  rows.push(`${dist}/WHEEL,${sha(meta[1])},${meta[1].length}`, `${dist}/RECORD,,`);
  const inspection = await inspectBytes(wheel(name, [A, B], rows.join("\r\n") + "\r\n"), name);
  assert.deepEqual(recordMismatches(inspection, pure), []);
  assert.deepEqual(wheelMetadataMissing(inspection, pure), []);
});

Deno.test("RECORD: missing file, wrong hash, wrong size, phantom row, weak algorithm", async () => {
  const name = "demo-1.0-py3-none-any.whl";
  const dist = "demo-1.0.dist-info";
  const C: ZipMember = { name: "demo/c.py", data: text("c = 3\n") };
  const D: ZipMember = { name: "demo/d.py", data: text("d = 4\n") };
  const rows = [
    `demo/a.py,${sha(text("tampered"))},${A.data.length}`,
    `demo/c.py,${sha(C.data)},999`,
    `demo/d.py,md5=abc,${D.data.length}`,
    `demo/ghost.py,${sha(A.data)},6`,
    `${dist}/RECORD,,`,
  ].join("\n");
  const inspection = await inspectBytes(wheel(name, [A, B, C, D], rows), name);
  const subjects = recordMismatches(inspection, pure).map((f) => f.subject.split("!")[1]).sort();
  assert.deepEqual(subjects, [
    "demo-1.0.dist-info/METADATA",
    "demo-1.0.dist-info/WHEEL",
    "demo/a.py",
    "demo/b,c.py",
    "demo/c.py",
    "demo/d.py",
    "demo/ghost.py",
  ]);
});

Deno.test("wheel without dist-info metadata", async () => {
  const inspection = await inspectBytes(buildZip([A]), "demo-1.0-py3-none-any.whl");
  const f = wheelMetadataMissing(inspection, pure);
  assert.equal(f.length, 1);
  assert.match(f[0].message, /METADATA, WHEEL, RECORD/);
});

Deno.test("impure wheels: platform tags or Root-Is-Purelib false, only under the pure policy", async () => {
  const tagged = "demo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl";
  const a = await inspectBytes(wheel(tagged, [A]), tagged);
  assert.equal(impureWheels(a, pure).length, 1);
  assert.deepEqual(impureWheels(a, native), []);
  const b = await inspectBytes(
    wheel("demo-1.0-py3-none-any.whl", [A], undefined, "Root-Is-Purelib: false\n"),
    "demo-1.0-py3-none-any.whl",
  );
  assert.match(impureWheels(b, pure)[0].message, /Root-Is-Purelib/);
  const c = await inspectBytes(
    wheel("demo-1.0-py3-none-any.whl", [A]),
    "demo-1.0-py3-none-any.whl",
  );
  assert.deepEqual(impureWheels(c, pure), []);
});

Deno.test("RECORD parser and hash form", () => {
  assert.deepEqual(parseRecord('a,sha256=x,1\r\n"b ""q"", c",,\n\n'), [
    { path: "a", hash: "sha256=x", size: "1" },
    { path: 'b "q", c', hash: "", size: "" },
  ]);
  // sha256("") in RECORD form.
  assert.equal(
    recordHash("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    "sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU",
  );
});

Deno.test("archive rule metadata: unique ids", () => {
  assert.equal(new Set(ARCHIVE_RULES.map((r) => r.id)).size, ARCHIVE_RULES.length);
  assert.ok(ARCHIVE_RULES.every((r) => r.job === "pypi" && r.id.startsWith("archive/")));
});

/** A wheel of `n` small modules with a correct RECORD (optionally with every digest wrong). */
function manyFileWheel(name: string, n: number, wrongDigests = false): Uint8Array {
  const files: ZipMember[] = [];
  for (let i = 0; i < n; i++) {
    files.push({
      name: `demo/sub_${i % 97}/a_rather_long_module_name_for_record_rows_${i}.py`,
      data: text(`x = ${i}\n`),
    });
  }
  const dist = `${name.split("-").slice(0, 2).join("-")}.dist-info`;
  const meta: ZipMember[] = [
    { name: `${dist}/METADATA`, data: text("Metadata-Version: 2.1\nName: demo\n") },
    { name: `${dist}/WHEEL`, data: text("Wheel-Version: 1.0\nRoot-Is-Purelib: true\n") },
  ];
  const all = [...files, ...meta];
  const rows =
    all.map((m, i) =>
      `${m.name},${wrongDigests && i < n ? sha(text(`other ${i}`)) : sha(m.data)},${m.data.length}`
    ).join("\n") + `\n${dist}/RECORD,,\n`;
  return buildZip([...all, { name: `${dist}/RECORD`, data: text(rows) }]);
}

Deno.test("RECORD of 1.9 MB (tensorflow_cpu, cmeel_boost shape) is verified while streaming: no mismatch", async () => {
  const name = "demo-1.0-py3-none-any.whl";
  const inspection = await inspectBytes(manyFileWheel(name, 16_500), name);
  const record = inspection.entries.find((e) => e.path.endsWith("/RECORD"))!;
  assert.ok(record.size > 1_900_000, `RECORD is ${record.size} bytes`);
  assert.equal(inspection.record?.rows, 16_503);
  assert.deepEqual(recordMismatches(inspection, pure), []);
  assert.deepEqual(wheelMetadataMissing(inspection, pure), []);
});

Deno.test("RECORD with every digest wrong (gmsh 4.15.2 shape, 424 files) is caught", async () => {
  const name = "demo-1.0-py3-none-any.whl";
  const inspection = await inspectBytes(manyFileWheel(name, 424, true), name);
  const findings = recordMismatches(inspection, pure);
  assert.equal(findings.length, 200, "bounded at 200 findings per wheel");
  assert.ok(findings.every((f) => f.rule === "archive/record-mismatch" && f.severity === "high"));
  assert.match(findings[0].message, /does not match its RECORD digest/);
  assert.equal(inspection.entries.filter((e) => e.record === "digest").length, 424);
});

Deno.test("RECORD: a path listed twice is reported", async () => {
  const name = "demo-1.0-py3-none-any.whl";
  const dist = "demo-1.0.dist-info";
  const meta = [
    { name: `${dist}/METADATA`, data: text("Metadata-Version: 2.1\nName: demo\n") },
    { name: `${dist}/WHEEL`, data: text("Wheel-Version: 1.0\nRoot-Is-Purelib: true\n") },
  ];
  const rows = [A, A, ...meta].map((m) => `${m.name},${sha(m.data)},${m.data.length}`)
    .join("\n") + `\n${dist}/RECORD,,\n`;
  const inspection = await inspectBytes(wheel(name, [A], rows), name);
  const findings = recordMismatches(inspection, pure);
  assert.deepEqual(findings.map((f) => f.message.replace(/^[^:]+: /, "")), [
    '"demo/a.py" is listed twice in RECORD',
  ]);
});

Deno.test("bombs: a 2.5 MB member at ~1000:1 is none; a 48 MiB member past the ratio is, and the others are still read", async () => {
  const name = "demo-1.0-py3-none-any.whl";
  const tensor = new Uint8Array(2_560_015);
  const small = await inspectBytes(wheel(name, [A, { name: "demo/t.pb", data: tensor }]), name);
  assert.ok(!small.anomalies.some((x) => x.kind === "decompression-bomb"));
  const bombRule = archiveRule("archive/decompression-bomb");
  assert.deepEqual(bombRule.evaluate({ facts: small, policy: pure }), []);
  const zeros = new Uint8Array(48 * 1024 * 1024);
  const big = await inspectBytes(
    wheel(name, [{ name: "demo/zeros.bin", data: zeros }, A, B]),
    name,
  );
  const bombs = bombRule.evaluate({ facts: big, policy: pure });
  assert.equal(bombs.length, 1);
  assert.match(bombs[0].subject, /demo\/zeros\.bin$/);
  assert.ok(big.entries.find((e) => e.path === "demo/b,c.py")?.sha256, "later members are read");
  assert.ok(!big.totals.truncated);
});

Deno.test("archive rule set: ids identical to the catalog metadata, each rule emits only its id", () => {
  assert.deepEqual(ARCHIVE_RULESET.map((r) => r.meta.id), ARCHIVE_RULES.map((r) => r.id));
});

const NAME = "demo-1.0-py3-none-any.whl";

/** A table case from two byte-built wheels (optionally inspected under other limits). */
function wheelCase(
  fires: Uint8Array,
  clean: Uint8Array,
  opts: { limits?: Partial<InspectLimits>; policy?: Policy; name?: string } = {},
): () => Promise<RuleCase<ArtifactInput>> {
  const p = opts.policy ?? pure;
  const name = opts.name ?? NAME;
  return async () => ({
    fires: { facts: factsOf(await inspectBytes(fires, name, opts.limits)), policy: p },
    clean: { facts: factsOf(await inspectBytes(clean, name, opts.limits)), policy: p },
  });
}

const C: ZipMember = { name: "demo/c.py", data: text("c = 3\n") };
const GOOD = wheel(NAME, [A, C]);

ruleTable("archive", ARCHIVE_RULESET, {
  "archive/zip-confusion": wheelCase(wheel(NAME, [{ ...A, localName: "demo/other.py" }]), GOOD),
  "archive/corrupt": wheelCase(wheel(NAME, [{ ...A, centralCrc: 1234 }]), GOOD),
  "archive/decompression-bomb": wheelCase(
    wheel(NAME, [A, { name: "demo/zeros.bin", data: new Uint8Array(48 * 1024 * 1024) }]),
    GOOD,
  ),
  "archive/entry-count-bomb": wheelCase(wheel(NAME, [A, C, { ...A, name: "demo/d.py" }]), GOOD, {
    limits: { maxEntries: 5 },
  }),
  "archive/inspection-incomplete": async () => ({
    fires: { facts: factsOf(await inspectBytes(GOOD, NAME, { timeBudgetMs: -1 })), policy: pure },
    clean: { facts: factsOf(await inspectBytes(GOOD, NAME)), policy: pure },
  }),
  "archive/record-mismatch": wheelCase(
    wheel(NAME, [A, C], `demo/a.py,${sha(text("tampered"))},6\n`),
    GOOD,
  ),
  "archive/wheel-metadata-missing": wheelCase(buildZip([A]), GOOD),
  "archive/impure-wheel": wheelCase(
    wheel(NAME, [A], undefined, "Root-Is-Purelib: false\n"),
    GOOD,
  ),
});
