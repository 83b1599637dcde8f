// deno-lint-ignore-file no-explicit-any -- the checker walks untyped SARIF JSON
/**
 * Report formats: SARIF 2.1.0 checked against the required properties and closed property sets
 * of the OASIS SARIF 2.1.0 JSON schema for every object the auditor emits, plus what GitHub
 * code scanning needs (a location, ruleIndex, partialFingerprints on every result).
 */
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { type AuditReport, renderSarif, renderText } from "../../src/cli/report.ts";
import { RULES } from "../../rules/catalog.ts";
import { HOSTILE, HOSTILE_SHOWN, INVISIBLE_RE } from "../web/_fixtures.ts";

/** Required and allowed properties of the SARIF 2.1.0 schema definitions used here. */
const SCHEMA: Record<string, { required: string[]; allowed: string[] }> = {
  sarifLog: {
    required: ["version", "runs"],
    allowed: ["$schema", "version", "runs", "properties"],
  },
  run: { required: ["tool"], allowed: ["tool", "invocations", "results", "properties"] },
  tool: { required: ["driver"], allowed: ["driver", "extensions", "properties"] },
  toolComponent: {
    required: ["name"],
    allowed: ["name", "version", "informationUri", "rules", "properties"],
  },
  reportingDescriptor: {
    required: ["id"],
    allowed: [
      "id",
      "name",
      "shortDescription",
      "fullDescription",
      "help",
      "defaultConfiguration",
      "properties",
    ],
  },
  multiformatMessageString: { required: ["text"], allowed: ["text", "markdown", "properties"] },
  message: { required: [], allowed: ["text", "markdown", "id", "arguments", "properties"] },
  reportingConfiguration: { required: [], allowed: ["enabled", "level", "rank", "properties"] },
  invocation: {
    required: ["executionSuccessful"],
    allowed: ["executionSuccessful", "toolExecutionNotifications", "properties"],
  },
  notification: { required: ["message"], allowed: ["message", "level", "locations", "properties"] },
  result: {
    required: ["message"],
    allowed: [
      "ruleId",
      "ruleIndex",
      "level",
      "message",
      "locations",
      "partialFingerprints",
      "fingerprints",
      "properties",
    ],
  },
  location: { required: [], allowed: ["physicalLocation", "logicalLocations", "properties"] },
  physicalLocation: { required: ["artifactLocation"], allowed: ["artifactLocation", "region"] },
  artifactLocation: { required: [], allowed: ["uri", "uriBaseId", "index"] },
  region: { required: [], allowed: ["startLine", "startColumn", "endLine", "endColumn"] },
  logicalLocation: { required: [], allowed: ["name", "kind", "fullyQualifiedName"] },
};
const LEVELS = ["none", "note", "warning", "error"];

function check(kind: string, value: unknown, path: string, errors: string[]): void {
  const def = SCHEMA[kind];
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    errors.push(`${path}: expected an object (${kind})`);
    return;
  }
  const obj = value as Record<string, unknown>;
  for (const r of def.required) if (!(r in obj)) errors.push(`${path}: missing ${r}`);
  for (const k of Object.keys(obj)) {
    if (!def.allowed.includes(k)) errors.push(`${path}: property ${k} not allowed in ${kind}`);
  }
}

function validateSarif(log: unknown): string[] {
  const e: string[] = [];
  check("sarifLog", log, "$", e);
  const l = log as Record<string, any>;
  if (l.version !== "2.1.0") e.push("$.version: expected 2.1.0");
  (l.runs ?? []).forEach((run: any, i: number) => {
    const p = `$.runs[${i}]`;
    check("run", run, p, e);
    check("tool", run.tool, `${p}.tool`, e);
    check("toolComponent", run.tool?.driver, `${p}.tool.driver`, e);
    const rules: any[] = run.tool?.driver?.rules ?? [];
    rules.forEach((r, j) => {
      const rp = `${p}.tool.driver.rules[${j}]`;
      check("reportingDescriptor", r, rp, e);
      for (const m of ["shortDescription", "fullDescription", "help"]) {
        if (r[m] !== undefined) check("multiformatMessageString", r[m], `${rp}.${m}`, e);
      }
      if (r.defaultConfiguration) {
        check("reportingConfiguration", r.defaultConfiguration, `${rp}.defaultConfiguration`, e);
        if (!LEVELS.includes(r.defaultConfiguration.level)) e.push(`${rp}: bad level`);
      }
      const sev = Number(r.properties?.["security-severity"]);
      if (!(sev >= 0 && sev <= 10)) e.push(`${rp}: security-severity must be 0.0-10.0`);
    });
    (run.invocations ?? []).forEach((inv: any, j: number) => {
      check("invocation", inv, `${p}.invocations[${j}]`, e);
      (inv.toolExecutionNotifications ?? []).forEach((n: any, k: number) => {
        check("notification", n, `${p}.invocations[${j}].notifications[${k}]`, e);
        check("message", n.message, `${p}.invocations[${j}].notifications[${k}].message`, e);
      });
    });
    (run.results ?? []).forEach((r: any, j: number) => {
      const rp = `${p}.results[${j}]`;
      check("result", r, rp, e);
      check("message", r.message, `${rp}.message`, e);
      if (typeof r.message?.text !== "string") e.push(`${rp}.message: needs text`);
      if (!LEVELS.includes(r.level)) e.push(`${rp}: bad level`);
      // GitHub code scanning: a location, the rule's index, a fingerprint.
      if (!Number.isInteger(r.ruleIndex) || rules[r.ruleIndex]?.id !== r.ruleId) {
        e.push(`${rp}: ruleIndex does not point at rule ${r.ruleId}`);
      }
      if (!r.locations?.length) e.push(`${rp}: no location`);
      (r.locations ?? []).forEach((loc: any, k: number) => {
        const lp = `${rp}.locations[${k}]`;
        check("location", loc, lp, e);
        check("physicalLocation", loc.physicalLocation, `${lp}.physicalLocation`, e);
        check("artifactLocation", loc.physicalLocation?.artifactLocation, `${lp}.artifact`, e);
        if (!loc.physicalLocation?.artifactLocation?.uri) e.push(`${lp}: no uri`);
        check("region", loc.physicalLocation?.region, `${lp}.region`, e);
        if (!(loc.physicalLocation?.region?.startLine >= 1)) e.push(`${lp}: startLine < 1`);
        (loc.logicalLocations ?? []).forEach((ll: any) => check("logicalLocation", ll, lp, e));
      });
      const fp = r.partialFingerprints ?? {};
      if (!Object.keys(fp).length || Object.values(fp).some((v) => typeof v !== "string")) {
        e.push(`${rp}: partialFingerprints must be a non-empty map of strings`);
      }
    });
  });
  return e;
}

function sampleReport(): AuditReport {
  const base = {
    severity: "critical" as const,
    scope: "release:2.0.1",
    message: "a .pth file runs at start-up",
  };
  return {
    version: 1,
    generatedAt: "2026-11-22T00:00:00.000Z",
    sweeps: [],
    findings: [
      {
        ...base,
        rule: "content/pth-file",
        subject: "x.whl!x.pth",
        project: "acme",
        job: "pypi",
        id: "f1",
        waived: false,
      },
      {
        ...base,
        rule: "future/unknown-rule",
        severity: "low",
        subject: "s",
        project: "acme",
        job: "pypi",
        id: "f2",
        waived: false,
      },
      {
        ...base,
        rule: "content/pth-file",
        subject: "y.whl!y.pth",
        project: "other",
        job: "pypi",
        id: "f3",
        waived: true,
      },
    ],
    notObservable: 1,
    unobservable: [{ project: "acme", job: "repo", scope: "*", reason: "api unreachable" }],
    ledger: { size: 3, checkpoint: null },
  };
}

Deno.test("SARIF output satisfies the 2.1.0 schema's required and allowed properties", () => {
  const log = renderSarif(sampleReport(), RULES, "./auditor.toml") as any;
  assertEquals(validateSarif(log), []);
  const results = log.runs[0].results;
  assertEquals(results.length, 2, "waived findings are left out");
  assertEquals(results.map((r: any) => r.partialFingerprints["releaseAuditorFinding/v1"]), [
    "f1",
    "f2",
  ]);
  assertEquals(results[0].locations[0].physicalLocation.artifactLocation.uri, "auditor.toml");
  const rules = log.runs[0].tool.driver.rules;
  assertEquals(rules.map((r: any) => r.id), ["content/pth-file", "future/unknown-rule"]);
  assertEquals(results[0].level, "error");
  assertEquals(log.runs[0].invocations[0].executionSuccessful, false);
  assertStringIncludes(
    log.runs[0].invocations[0].toolExecutionNotifications[0].message.text,
    "api unreachable",
  );
});

Deno.test("the SARIF checker rejects what code scanning rejects", () => {
  const log = renderSarif(sampleReport(), RULES, "auditor.toml") as any;
  delete log.runs[0].results[0].locations;
  log.runs[0].results[1].ruleIndex = 0;
  log.runs[0].results[1].extra = true;
  const errors = validateSarif(log);
  assert(errors.some((e) => e.includes("no location")), errors.join("\n"));
  assert(errors.some((e) => e.includes("ruleIndex")), errors.join("\n"));
  assert(errors.some((e) => e.includes("extra not allowed")), errors.join("\n"));
});

Deno.test("text output lists findings by severity and the gaps", () => {
  const text = renderText(sampleReport());
  assertStringIncludes(text, "acme: 2 findings");
  assertStringIncludes(text, "CRITICAL content/pth-file");
  assertStringIncludes(text, "(waived)");
  assertStringIncludes(text, "not observable:");
});

Deno.test("text and SARIF output show hostile upstream text as escapes, quoted", () => {
  const report = sampleReport();
  report.findings[0].subject = HOSTILE.rlo;
  report.findings[0].message = `member ${HOSTILE.invisible}`;
  const text = renderText(report);
  assert(!INVISIBLE_RE.test(text), "no raw invisible character in the terminal text");
  assertStringIncludes(text, `"evilpkg-1.0-py3-none-any.whl: \\"${HOSTILE_SHOWN.rlo}`);
  assertStringIncludes(text, `"member ${HOSTILE_SHOWN.invisible}"`);
  const sarif = JSON.stringify(renderSarif(report, RULES, "auditor.toml"));
  const messages = (JSON.parse(sarif).runs[0].results as { message: { text: string } }[])
    .map((r) => r.message.text).join("\n");
  assert(!INVISIBLE_RE.test(messages), "no raw invisible character in SARIF messages");
  assertStringIncludes(messages, HOSTILE_SHOWN.invisible);
});
