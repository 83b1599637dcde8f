/**
 * Archive rules: structural anomalies (ZIP confusion, corruption, bombs), RECORD
 * verification for wheels, and impure wheels under a pure policy.
 * Pure functions `(inspection, policy) -> Finding[]`.
 *
 * @example
 * ```ts
 * const findings = archiveFindings(inspection, policy);
 * ```
 * @module
 */
import type { Policy } from "../src/config.ts";
import { parseWheelFilename } from "../src/inspect/names.ts";
import type { AnomalyKind, ArchiveInspection } from "../src/inspect/types.ts";
import { quote, scopeOf, subjectOf } from "./_artifact.ts";
import type { ArtifactRule } from "./content.ts";
import { type Finding, finding, type RuleMeta } from "./types.ts";

/** Ambiguous ZIP structure: different readers would see different files (PyPI rejects these). */
export const ZIP_CONFUSION: RuleMeta = {
  id: "archive/zip-confusion",
  job: "pypi",
  severity: "high",
  title: "Ambiguous ZIP structure",
  control: "Artifacts are well-formed archives that every installer reads the same way",
  remediation:
    "Rebuild the artifact with a standard build backend; investigate how a malformed archive reached the release.",
};

/** Unreadable or inconsistent content. */
export const CORRUPT_ARCHIVE: RuleMeta = {
  id: "archive/corrupt",
  job: "pypi",
  severity: "high",
  title: "Corrupt or unreadable archive",
  control: "Artifacts are well-formed archives that every installer reads the same way",
  remediation: "Rebuild and re-upload the artifact; compare it with the build output.",
};

/** Too many bytes, or too high a compression ratio. */
export const DECOMPRESSION_BOMB: RuleMeta = {
  id: "archive/decompression-bomb",
  job: "pypi",
  severity: "high",
  title: "Decompression bomb",
  control: "Artifacts stay within the size limits of the policy",
  remediation:
    "Remove the oversized content, or raise policy.max_uncompressed_bytes / max_compression_ratio if it is expected.",
};

/** Too many entries. */
export const ENTRY_COUNT_BOMB: RuleMeta = {
  id: "archive/entry-count-bomb",
  job: "pypi",
  severity: "high",
  title: "Too many archive entries",
  control: "Artifacts stay within the size limits of the policy",
  remediation: "Reduce the number of files, or raise policy.max_entries if it is expected.",
};

/** The inspection could not finish in its time budget. */
export const INSPECTION_INCOMPLETE: RuleMeta = {
  id: "archive/inspection-incomplete",
  job: "pypi",
  severity: "medium",
  title: "Artifact inspection did not complete",
  control: "Every artifact is inspected completely",
  remediation:
    "Inspect the artifact manually; raise the time budget if the artifact is legitimate.",
};

/** RECORD does not describe the wheel's files. */
export const RECORD_MISMATCH: RuleMeta = {
  id: "archive/record-mismatch",
  job: "pypi",
  severity: "high",
  title: "Wheel RECORD does not match its files",
  control: "Every wheel file is listed in RECORD with its digest",
  remediation: "Rebuild the wheel; a wheel edited after building must not be published.",
};

/** A wheel without its own METADATA, WHEEL or RECORD. */
export const WHEEL_METADATA_MISSING: RuleMeta = {
  id: "archive/wheel-metadata-missing",
  job: "pypi",
  severity: "high",
  title: "Wheel lacks its .dist-info metadata",
  control: "Every wheel file is listed in RECORD with its digest",
  remediation: "Rebuild the wheel with a standard build backend.",
};

/** Platform-specific wheel for a project whose policy is pure. */
export const IMPURE_WHEEL: RuleMeta = {
  id: "archive/impure-wheel",
  job: "pypi",
  severity: "high",
  title: "Platform-specific wheel in a pure-Python project",
  control: "No native binaries in artifacts of pure-Python projects",
  remediation:
    'Build a py3-none-any wheel (Root-Is-Purelib: true), or set policy.artifacts = "native".',
};

/** All archive rules, for the catalog. */
export const ARCHIVE_RULES: RuleMeta[] = [
  ZIP_CONFUSION,
  CORRUPT_ARCHIVE,
  DECOMPRESSION_BOMB,
  ENTRY_COUNT_BOMB,
  INSPECTION_INCOMPLETE,
  RECORD_MISMATCH,
  WHEEL_METADATA_MISSING,
  IMPURE_WHEEL,
];

const ANOMALY_RULES: Record<AnomalyKind, RuleMeta> = {
  "local-header-mismatch": ZIP_CONFUSION,
  "data-descriptor-mismatch": ZIP_CONFUSION,
  "multiple-eocd": ZIP_CONFUSION,
  "prefix-bytes": ZIP_CONFUSION,
  "trailing-bytes": ZIP_CONFUSION,
  "gap-bytes": ZIP_CONFUSION,
  "overlapping-entries": ZIP_CONFUSION,
  "zip64-inconsistent": ZIP_CONFUSION,
  "entry-count-mismatch": ZIP_CONFUSION,
  "zipjs-warning": ZIP_CONFUSION,
  "not-an-archive": CORRUPT_ARCHIVE,
  "corrupt": CORRUPT_ARCHIVE,
  "crc-mismatch": CORRUPT_ARCHIVE,
  "size-mismatch": CORRUPT_ARCHIVE,
  "unsupported-method": CORRUPT_ARCHIVE,
  "encrypted": CORRUPT_ARCHIVE,
  "decompression-bomb": DECOMPRESSION_BOMB,
  "member-too-large": DECOMPRESSION_BOMB,
  "too-many-entries": ENTRY_COUNT_BOMB,
  "time-budget": INSPECTION_INCOMPLETE,
};

type Rule = ArtifactRule;

/**
 * One finding per anomaly the inspector recorded.
 *
 * @example
 * ```ts
 * anomalyFindings(inspection, policy).map((f) => f.rule); // ["archive/zip-confusion", ...]
 * ```
 */
export const anomalyFindings: Rule = (inspection) =>
  inspection.anomalies.map((anomaly) =>
    finding(ANOMALY_RULES[anomaly.kind], {
      subject: subjectOf(inspection, anomaly.path),
      scope: scopeOf(inspection),
      message: `${inspection.filename.slice(0, 200)}${
        anomaly.path === undefined ? "" : ` (${quote(anomaly.path)})`
      }: ${anomaly.kind}: ${anomaly.detail}`.slice(0, 4000),
      evidence: { observed: anomaly },
    })
  );

/** A parsed RECORD row. */
export interface RecordRow {
  path: string;
  hash: string;
  size: string;
}

/**
 * Parse RECORD (CSV: path, hash, size; fields may be quoted). Bounded by the captured text.
 *
 * @example
 * ```ts
 * parseRecord('a.py,sha256=abc,3\n"b,c.py",,\n');
 * ```
 */
export function parseRecord(text: string): RecordRow[] {
  const rows: RecordRow[] = [];
  let field = "";
  let fields: string[] = [];
  let quoted = false;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text[i] : "\n";
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === "") quoted = true;
    else if (c === ",") {
      fields.push(field);
      field = "";
    } else if (c === "\n" || (c === "\r" && text[i + 1] === "\n")) {
      if (c === "\r") i++;
      fields.push(field);
      if (fields.length > 1 || fields[0] !== "") {
        rows.push({ path: fields[0] ?? "", hash: fields[1] ?? "", size: fields[2] ?? "" });
      }
      fields = [];
      field = "";
    } else field += c;
  }
  return rows;
}

/** Hex SHA-256 to the RECORD form `sha256=<urlsafe base64, no padding>`. */
export function recordHash(sha256Hex: string): string {
  const bytes = new Uint8Array(sha256Hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(sha256Hex.slice(2 * i, 2 * i + 2), 16);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return "sha256=" + btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const RECORD_SIGNATURES = /\.dist-info\/RECORD(\.jws|\.p7s)?$/;

/** Compare RECORD with the wheel's files: missing rows, wrong digests and sizes, phantom rows. */
export const recordMismatches: Rule = (inspection) => {
  if (inspection.kind !== "wheel") return [];
  const record = inspection.members.record;
  if (!record) return []; // reported by wheelMetadataMissing
  const out: Finding[] = [];
  const report = (path: string | undefined, message: string, evidence: Record<string, unknown>) => {
    if (out.length >= 200) return;
    out.push(finding(RECORD_MISMATCH, {
      subject: subjectOf(inspection, path ?? record.path),
      scope: scopeOf(inspection),
      message: `${inspection.filename.slice(0, 200)}: ${message}`.slice(0, 4000),
      evidence,
    }));
  };
  if (record.truncated) {
    report(undefined, "RECORD is larger than the capture limit and was not verified", {});
    return out;
  }
  const rows = new Map<string, RecordRow>();
  for (const row of parseRecord(record.text)) {
    if (rows.has(row.path)) report(row.path, `${quote(row.path)} is listed twice in RECORD`, {});
    rows.set(row.path, row);
  }
  const seen = new Set<string>();
  for (const entry of inspection.entries) {
    if (entry.type === "dir") continue;
    seen.add(entry.path);
    const row = rows.get(entry.path);
    if (!row) {
      if (!RECORD_SIGNATURES.test(entry.path)) {
        report(entry.path, `${quote(entry.path)} is not listed in RECORD`, {
          observed: entry.sha256,
        });
      }
      continue;
    }
    if (RECORD_SIGNATURES.test(entry.path)) continue;
    const [algorithm] = row.hash.split("=", 1);
    if (entry.sha256 === undefined) continue; // unreadable content is reported as an anomaly
    if (algorithm !== "sha256") {
      report(
        entry.path,
        `${quote(entry.path)} has ${
          row.hash ? `a ${quote(algorithm, 20)} digest` : "no digest"
        } in RECORD`,
        { observed: row.hash, expected: "sha256=..." },
      );
      continue;
    }
    const expected = recordHash(entry.sha256);
    if (row.hash !== expected) {
      report(entry.path, `${quote(entry.path)} does not match its RECORD digest`, {
        observed: expected,
        expected: row.hash,
      });
    }
    if (row.size !== String(entry.size)) {
      report(
        entry.path,
        `${quote(entry.path)} is ${entry.size} bytes, RECORD says ${quote(row.size, 30)}`,
        {
          observed: entry.size,
          expected: row.size,
        },
      );
    }
  }
  if (!inspection.totals.truncated) {
    for (const path of rows.keys()) {
      if (!seen.has(path)) report(path, `RECORD lists ${quote(path)}, which the wheel lacks`, {});
    }
  }
  return out;
};

/** A wheel must carry its own METADATA, WHEEL and RECORD. */
export const wheelMetadataMissing: Rule = (inspection) => {
  if (inspection.kind !== "wheel" || inspection.totals.truncated) return [];
  const missing = (["metadata", "wheel", "record"] as const).filter((m) => !inspection.members[m]);
  if (missing.length === 0) return [];
  return [finding(WHEEL_METADATA_MISSING, {
    subject: subjectOf(inspection),
    scope: scopeOf(inspection),
    message: `${inspection.filename.slice(0, 200)}: its .dist-info lacks ${
      missing.map((m) => m.toUpperCase()).join(", ")
    }`,
    evidence: { observed: missing },
  })];
};

/** Impure wheels (platform tags, Root-Is-Purelib: false) under a pure policy. */
export const impureWheels: Rule = (inspection, policy) => {
  if (inspection.kind !== "wheel" || policy.artifacts !== "pure") return [];
  const reasons: string[] = [];
  const name = parseWheelFilename(inspection.filename);
  if (!name) reasons.push("the file name is not a valid wheel name");
  else if (name.abi !== "none" || name.platform !== "any") {
    reasons.push(`its tags are ${quote(`${name.abi}-${name.platform}`, 100)}, not none-any`);
  }
  const wheel = inspection.members.wheel?.text ?? "";
  const purelib = /^Root-Is-Purelib:\s*(\S+)\s*$/im.exec(wheel)?.[1];
  if (purelib !== undefined && purelib.toLowerCase() !== "true") {
    reasons.push(`WHEEL says Root-Is-Purelib: ${quote(purelib, 20)}`);
  }
  if (reasons.length === 0) return [];
  return [finding(IMPURE_WHEEL, {
    subject: subjectOf(inspection),
    scope: scopeOf(inspection),
    message: `${inspection.filename.slice(0, 200)}: ${reasons.join("; ")}`,
    evidence: { observed: reasons, expected: "py3-none-any, Root-Is-Purelib: true" },
  })];
};

/** Every archive rule, in catalog order. */
export const ARCHIVE_RULE_FUNCTIONS: Rule[] = [
  anomalyFindings,
  recordMismatches,
  wheelMetadataMissing,
  impureWheels,
];

/**
 * Run all archive rules.
 *
 * @example
 * ```ts
 * const findings = archiveFindings(inspection, PolicySchema.parse({}));
 * ```
 */
export function archiveFindings(inspection: ArchiveInspection, policy: Policy): Finding[] {
  return ARCHIVE_RULE_FUNCTIONS.flatMap((rule) => rule(inspection, policy));
}
