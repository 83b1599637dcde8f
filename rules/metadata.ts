/**
 * Metadata drift: what a built wheel (or an sdist's PKG-INFO) declares compared with the
 * source's `pyproject.toml` `[project]` table. An injected dependency, extra, entry point or
 * Requires-Python that the source does not declare is the mark of a tampered build.
 *
 * Fields listed in `project.dynamic` are not compared (the build computes them); the report
 * says so. No `pyproject.toml`, an unparsable one, or one without `[project]`: nothing is
 * compared and no finding is produced (the caller marks the scope not observable).
 *
 * The inputs arrive parsed (`src/pypi/pyproject.ts` parses the TOML and the core metadata on
 * the collection side); this module only compares.
 *
 * @example
 * ```ts
 * const findings = runRules(METADATA_RULESET, { wheel, source: parsePyproject(text), policy });
 * ```
 * @module
 */
import type { Policy } from "../src/config.ts";
import type { PyprojectSource, WheelMetadataInput } from "../src/observations/metadata.ts";
import { quote } from "./_artifact.ts";
import { oncePerInput } from "./_shared.ts";
import {
  defineRule,
  type Finding,
  finding,
  type Rule,
  type RuleMeta,
  ruleMetaFor,
  runRules,
} from "./types.ts";

const meta = ruleMetaFor("pypi", "metadata/");

/** A requirement in the built metadata that the source does not declare. */
export const UNDECLARED_DEPENDENCY = meta(
  "undeclared-dependency",
  "high",
  "Built metadata requires a dependency the source does not declare",
  "Released metadata matches the reviewed source",
  "Compare the build environment with the tagged source; rebuild from the tag in a clean environment.",
);

/** A requirement the source declares that the built metadata lacks. */
export const MISSING_DEPENDENCY = meta(
  "missing-dependency",
  "medium",
  "Built metadata lacks a dependency the source declares",
  "Released metadata matches the reviewed source",
  "Rebuild from the tagged source; check the build backend configuration.",
);

/** Provides-Extra differs from `[project.optional-dependencies]`. */
export const EXTRA_DRIFT = meta(
  "extra-drift",
  "medium",
  "Extras differ between built metadata and source",
  "Released metadata matches the reviewed source",
  "Rebuild from the tagged source.",
);

/** An entry point / console script in the wheel that the source does not declare. */
export const UNDECLARED_ENTRY_POINT = meta(
  "undeclared-entry-point",
  "high",
  "Wheel installs an entry point the source does not declare",
  "Executables installed by a release are declared in pyproject.toml",
  "Remove the entry point from the build, or declare it in [project.scripts] / [project.entry-points].",
);

/** An entry point the source declares that the wheel lacks. */
export const MISSING_ENTRY_POINT = meta(
  "missing-entry-point",
  "low",
  "Wheel lacks an entry point the source declares",
  "Released metadata matches the reviewed source",
  "Rebuild from the tagged source.",
);

/** Requires-Python differs from `project.requires-python`. */
export const REQUIRES_PYTHON_DRIFT = meta(
  "requires-python-drift",
  "medium",
  "Requires-Python differs from the source",
  "Released metadata matches the reviewed source",
  "Rebuild from the tagged source.",
);

/** PEP 503 name. */
export function normalizeProjectName(name: string): string {
  return name.trim().toLowerCase().replace(/[-_.]+/g, "-");
}

/** A requirement reduced to a comparable key, and the extra it belongs to. */
export interface NormalizedRequirement {
  /** `""` for the main dependencies. */
  extra: string;
  /** `name[extras]spec;marker` with names normalized, whitespace removed, parts sorted. */
  key: string;
  /** The original text. */
  original: string;
}

const EXTRA_CLAUSE = /extra\s*==\s*["']([^"']*)["']|["']([^"']*)["']\s*==\s*extra/;

/**
 * Normalize a PEP 508 requirement: PEP 503 name, sorted extras and specifiers, marker without
 * whitespace and with `extra == "x"` taken out (returned as `extra`).
 *
 * @example
 * ```ts
 * normalizeRequirement('Foo_Bar (>=1.0,<2) ; python_version < "3.8" and extra == "Test"');
 * // { extra: "test", key: 'foo-bar<2,>=1.0;python_version<"3.8"', ... }
 * ```
 */
export function normalizeRequirement(text: string, extra = ""): NormalizedRequirement {
  const original = text.trim();
  const semi = original.indexOf(";");
  const spec = semi < 0 ? original : original.slice(0, semi);
  let marker = semi < 0 ? "" : original.slice(semi + 1).trim();
  const extraMatch = EXTRA_CLAUSE.exec(marker);
  if (extraMatch) {
    extra = extraMatch[1] ?? extraMatch[2] ?? "";
    marker = removeExtraClause(marker, extraMatch[0]);
  }
  const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$/s.exec(spec);
  let key: string;
  if (!m) key = spec.replace(/\s+/g, "").toLowerCase();
  else {
    const name = normalizeProjectName(m[1]);
    const extras = (m[2] ?? "").slice(1, -1).split(",").map((e) => normalizeProjectName(e))
      .filter(Boolean).sort();
    let version = m[3].replace(/\s+/g, "");
    if (version.startsWith("(") && version.endsWith(")")) version = version.slice(1, -1);
    const versionKey = version.startsWith("@") ? version : version.split(",").filter(Boolean)
      .sort().join(",");
    key = `${name}${extras.length ? `[${extras.join(",")}]` : ""}${versionKey}`;
  }
  const markerKey = normalizeMarker(marker);
  return {
    extra: normalizeProjectName(extra),
    key: markerKey ? `${key};${markerKey}` : key,
    original,
  };
}

function removeExtraClause(marker: string, clause: string): string {
  const escaped = clause.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return marker
    .replace(new RegExp(`\\s+and\\s+${escaped}`), "")
    .replace(new RegExp(`${escaped}\\s+and\\s+`), "")
    .replace(clause, "")
    .trim();
}

function normalizeMarker(marker: string): string {
  let m = marker.replace(/'/g, '"').replace(/\s+/g, "");
  while (m.startsWith("(") && m.endsWith(")") && wrapsWhole(m)) m = m.slice(1, -1);
  return m;
}

function wrapsWhole(m: string): boolean {
  let depth = 0;
  for (let i = 0; i < m.length; i++) {
    if (m[i] === "(") depth++;
    else if (m[i] === ")") depth--;
    if (depth === 0 && i < m.length - 1) return false;
  }
  return depth === 0;
}

function normalizeSpecifier(spec: string): string {
  return spec.replace(/\s+/g, "").split(",").filter(Boolean).sort().join(",");
}

/** A field that was not compared, and why. */
export interface NotCompared {
  field: string;
  reason: string;
}

/** The result of {@link metadataDriftReport}. */
export interface DriftReport {
  findings: Finding[];
  notCompared: NotCompared[];
}

type ProjectTable = Record<string, unknown>;

const asStrings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
const asTable = (v: unknown): Record<string, unknown> =>
  v && typeof v === "object" && !Array.isArray(v) ? v as Record<string, unknown> : {};

/**
 * Compare built metadata with the source's parsed `pyproject.toml`; also lists what was not
 * compared.
 *
 * @example
 * ```ts
 * const { findings, notCompared } = metadataDriftReport(wheel, parsePyproject(text), policy);
 * ```
 */
export function metadataDriftReport(
  wheel: WheelMetadataInput,
  source: PyprojectSource,
  _policy: Policy,
): DriftReport {
  const notCompared: NotCompared[] = [];
  if (source.unreadable !== undefined) {
    return { findings: [], notCompared: [{ field: "*", reason: source.unreadable }] };
  }
  const project: ProjectTable = source.project;
  const dynamic = new Set(asStrings(project.dynamic).map((d) => d.toLowerCase()));
  const isDynamic = (field: string) => {
    if (!dynamic.has(field)) return false;
    notCompared.push({ field, reason: "listed in project.dynamic" });
    return true;
  };
  const findings: Finding[] = [];
  const ctx = { wheel, findings, dynamic: [...dynamic] };
  const skipMain = isDynamic("dependencies");
  const skipExtras = isDynamic("optional-dependencies");
  compareRequirements(ctx, project, skipMain, skipExtras);
  if (!skipExtras) compareExtras(ctx, project);
  compareEntryPoints(ctx, project, isDynamic);
  if (!isDynamic("requires-python")) compareRequiresPython(ctx, project);
  return { findings, notCompared };
}

/** What the metadata-drift rules judge: one artifact's parsed metadata and its parsed source. */
export interface MetadataInput {
  wheel: WheelMetadataInput;
  source: PyprojectSource;
  policy: Policy;
}

const allDrift = oncePerInput(({ wheel, source, policy }: MetadataInput) =>
  metadataDriftReport(wheel, source, policy).findings
);

/** Every metadata-drift rule as a value (see `rules/registry.ts`). */
export const METADATA_RULESET: readonly Rule<MetadataInput>[] = [
  defineRule(UNDECLARED_DEPENDENCY, allDrift),
  defineRule(MISSING_DEPENDENCY, allDrift),
  defineRule(EXTRA_DRIFT, allDrift),
  defineRule(UNDECLARED_ENTRY_POINT, allDrift),
  defineRule(MISSING_ENTRY_POINT, allDrift),
  defineRule(REQUIRES_PYTHON_DRIFT, allDrift),
];

/** All metadata rules' metadata, for the catalog (derived from {@link METADATA_RULESET}). */
export const METADATA_RULES: RuleMeta[] = METADATA_RULESET.map((r) => r.meta);

/**
 * Drift findings only (see {@link metadataDriftReport}).
 *
 * @example
 * ```ts
 * metadataDrift(wheel, parsePyproject(await Deno.readTextFile("pyproject.toml")), policy);
 * ```
 */
export function metadataDrift(
  wheel: WheelMetadataInput,
  source: PyprojectSource,
  policy: Policy,
): Finding[] {
  return runRules(METADATA_RULESET, { wheel, source, policy });
}

interface Ctx {
  wheel: WheelMetadataInput;
  findings: Finding[];
  dynamic: string[];
}

function report(ctx: Ctx, meta: RuleMeta, field: string, message: string, evidence: object): void {
  if (ctx.findings.length >= 500) return;
  ctx.findings.push(finding(meta, {
    subject: `${ctx.wheel.filename.slice(0, 500)}!${field}`.slice(0, 2000),
    scope: `file:${ctx.wheel.sha256}`,
    message: `${ctx.wheel.filename.slice(0, 200)}: ${message}`.slice(0, 4000),
    evidence: { ...evidence, dynamic: ctx.dynamic },
  }));
}

function compareRequirements(
  ctx: Ctx,
  project: ProjectTable,
  skipMain: boolean,
  skipExtras: boolean,
): void {
  const wanted = (r: NormalizedRequirement) => r.extra === "" ? !skipMain : !skipExtras;
  const built = new Map<string, NormalizedRequirement>();
  for (const text of ctx.wheel.metadata.getAll("requires-dist")) {
    const r = normalizeRequirement(text);
    if (wanted(r)) built.set(`${r.extra}|${r.key}`, r);
  }
  const source = new Map<string, NormalizedRequirement>();
  for (const text of asStrings(project.dependencies)) {
    const r = normalizeRequirement(text);
    if (wanted(r)) source.set(`${r.extra}|${r.key}`, r);
  }
  for (const [extra, reqs] of Object.entries(asTable(project["optional-dependencies"]))) {
    for (const text of asStrings(reqs)) {
      const r = normalizeRequirement(text, extra);
      if (wanted(r)) source.set(`${r.extra}|${r.key}`, r);
    }
  }
  for (const [k, r] of built) {
    if (source.has(k)) continue;
    const where = r.extra ? ` (extra ${quote(r.extra, 100)})` : "";
    report(
      ctx,
      UNDECLARED_DEPENDENCY,
      `Requires-Dist:${r.key}`,
      `Requires-Dist ${quote(r.original)}${where} is not declared in pyproject.toml`,
      {
        observed: r.original,
      },
    );
  }
  for (const [k, r] of source) {
    if (built.has(k)) continue;
    const where = r.extra ? ` (extra ${quote(r.extra, 100)})` : "";
    report(
      ctx,
      MISSING_DEPENDENCY,
      `Requires-Dist:${r.key}`,
      `pyproject.toml requires ${quote(r.original)}${where}, the built metadata does not`,
      {
        expected: r.original,
      },
    );
  }
}

function compareExtras(ctx: Ctx, project: ProjectTable): void {
  const built = new Set(ctx.wheel.metadata.getAll("provides-extra").map(normalizeProjectName));
  const source = new Set(
    Object.keys(asTable(project["optional-dependencies"])).map(normalizeProjectName),
  );
  for (const e of built) {
    if (!source.has(e)) {
      report(
        ctx,
        EXTRA_DRIFT,
        `Provides-Extra:${e}`,
        `extra ${quote(e)} is not declared in pyproject.toml`,
        { observed: e },
      );
    }
  }
  for (const e of source) {
    if (!built.has(e)) {
      report(
        ctx,
        EXTRA_DRIFT,
        `Provides-Extra:${e}`,
        `extra ${quote(e)} from pyproject.toml is missing from the built metadata`,
        { expected: e },
      );
    }
  }
}

const GROUP_FIELDS: Record<string, string> = {
  console_scripts: "scripts",
  gui_scripts: "gui-scripts",
};

function compareEntryPoints(
  ctx: Ctx,
  project: ProjectTable,
  isDynamic: (field: string) => boolean,
): void {
  const skipped = new Set<string>();
  for (const field of ["scripts", "gui-scripts", "entry-points"]) {
    if (isDynamic(field)) skipped.add(field);
  }
  const sourceGroups: Record<string, Record<string, unknown>> = {};
  sourceGroups.console_scripts = asTable(project.scripts);
  sourceGroups.gui_scripts = asTable(project["gui-scripts"]);
  for (const [group, table] of Object.entries(asTable(project["entry-points"]))) {
    if (group === "console_scripts" || group === "gui_scripts") continue;
    sourceGroups[group] = asTable(table);
  }
  const groups = new Set([...Object.keys(ctx.wheel.entryPoints), ...Object.keys(sourceGroups)]);
  for (const group of groups) {
    const field = GROUP_FIELDS[group] ?? "entry-points";
    if (skipped.has(field)) continue;
    const built = ctx.wheel.entryPoints[group] ?? {};
    const source = sourceGroups[group] ?? {};
    for (const [name, value] of Object.entries(built)) {
      const declared = source[name];
      const same = typeof declared === "string" &&
        declared.replace(/\s+/g, "") === value.replace(/\s+/g, "");
      if (!same) {
        report(
          ctx,
          UNDECLARED_ENTRY_POINT,
          `entry-point:${group}:${name}`,
          declared === undefined
            ? `entry point ${quote(`${group}/${name}`)} = ${
              quote(value)
            } is not declared in pyproject.toml`
            : `entry point ${quote(`${group}/${name}`)} = ${
              quote(value)
            } differs from pyproject.toml (${quote(String(declared))})`,
          { observed: value, expected: declared },
        );
      }
    }
    for (const [name, value] of Object.entries(source)) {
      if (!(name in built)) {
        report(
          ctx,
          MISSING_ENTRY_POINT,
          `entry-point:${group}:${name}`,
          `entry point ${quote(`${group}/${name}`)} from pyproject.toml is missing`,
          {
            expected: value,
          },
        );
      }
    }
  }
}

function compareRequiresPython(ctx: Ctx, project: ProjectTable): void {
  const built = ctx.wheel.metadata.get("requires-python");
  const declared = typeof project["requires-python"] === "string"
    ? project["requires-python"] as string
    : undefined;
  const a = built === undefined ? undefined : normalizeSpecifier(built);
  const b = declared === undefined ? undefined : normalizeSpecifier(declared);
  if (a === b) return;
  report(
    ctx,
    REQUIRES_PYTHON_DRIFT,
    "Requires-Python",
    declared === undefined
      ? `Requires-Python ${quote(built ?? "")} is not declared in pyproject.toml`
      : built === undefined
      ? `pyproject.toml requires-python ${quote(declared)} is missing from the built metadata`
      : `Requires-Python ${quote(built)} differs from pyproject.toml ${quote(declared)}`,
    { observed: built, expected: declared },
  );
}
