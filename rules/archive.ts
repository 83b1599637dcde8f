/**
 * Archive rules: structural anomalies (ZIP confusion, corruption, bombs), RECORD
 * verification for wheels, and impure wheels under a pure policy.
 * Rules judge cached artifact facts: the RECORD comparison was made while the archive streamed
 * (a RECORD of any size), the verdict is made here.
 *
 * @example
 * ```ts
 * const findings = archiveFindings(inspection, policy);
 * ```
 * @module
 */
import type { Policy } from "../src/config.ts";
import { parseWheelFilename } from "../src/inspect/names.ts";
import type { AnomalyKind } from "../src/observations/artifact.ts";
import { type ArtifactInput, type FactsLike, quote, scopeOf, subjectOf } from "./_artifact.ts";
import { defineRule, type Finding, finding, type Rule, type RuleMeta, runRules } from "./types.ts";

export { parseRecord, recordHash } from "../src/inspect/record.ts";

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

type Input = ArtifactInput;

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
  "unicode-path": ZIP_CONFUSION,
  "name-encoding": ZIP_CONFUSION,
  "tar-ambiguity": CORRUPT_ARCHIVE,
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

/**
 * The rule an anomaly belongs to (in a tar, a name that is not UTF-8 or members after the
 * end-of-archive marker make a corrupt archive: there is no ZIP to be ambiguous).
 */
function ruleOfAnomaly(kind: AnomalyKind, facts: FactsLike): RuleMeta {
  if (facts.kind === "sdist-tar" && (kind === "name-encoding" || kind === "trailing-bytes")) {
    return CORRUPT_ARCHIVE;
  }
  return ANOMALY_RULES[kind];
}

/** One finding per anomaly the inspector recorded (all archive rules but RECORD and tags). */
function anomalyFindings({ facts }: Input): Finding[] {
  return facts.anomalies.map((anomaly) =>
    finding(ruleOfAnomaly(anomaly.kind, facts), {
      subject: subjectOf(facts, anomaly.path),
      scope: scopeOf(facts),
      message: `${facts.filename.slice(0, 200)}${
        anomaly.path === undefined ? "" : ` (${quote(anomaly.path)})`
      }: ${anomaly.kind}: ${anomaly.detail}`.slice(0, 4000),
      evidence: { observed: anomaly },
    })
  );
}

const RECORD_MESSAGES: Record<string, string> = {
  "unlisted": "is not listed in RECORD",
  "no-digest": "has no digest in RECORD",
  "other-algorithm": "has a digest other than sha256 in RECORD",
  "digest": "does not match its RECORD digest",
  "size": "differs in size from RECORD",
  "digest+size": "does not match its RECORD digest and size",
};

/** Most RECORD findings per wheel (a wheel with every digest wrong is one defect). */
const MAX_RECORD_FINDINGS = 200;

/**
 * Compare RECORD with the wheel's files, from the facts collected while streaming: members
 * not listed, wrong digests and sizes, rows listed twice, rows for files the wheel lacks.
 */
function recordMismatches({ facts }: Input): Finding[] {
  if (facts.kind !== "wheel" || !facts.record) return []; // a missing RECORD: metadata-missing
  const record = facts.record;
  const out: Finding[] = [];
  const report = (path: string, message: string, evidence: Record<string, unknown>) => {
    if (out.length >= MAX_RECORD_FINDINGS) return;
    out.push(finding(RECORD_MISMATCH, {
      subject: subjectOf(facts, path),
      scope: scopeOf(facts),
      message: `${facts.filename.slice(0, 200)}: ${message}`.slice(0, 4000),
      evidence,
    }));
  };
  for (const path of record.duplicates) {
    report(path, `${quote(path)} is listed twice in RECORD`, {});
  }
  for (const entry of facts.entries) {
    if (entry.record === undefined || entry.record === "ok") continue;
    report(entry.path, `${quote(entry.path)} ${RECORD_MESSAGES[entry.record]}`, {
      observed: { hash: entry.actualHash, size: entry.size },
      expected: entry.recordClaim,
    });
  }
  for (const path of record.phantoms) {
    report(path, `RECORD lists ${quote(path)}, which the wheel lacks`, {});
  }
  return out;
}

/** A wheel must carry its own METADATA, WHEEL and RECORD. */
function wheelMetadataMissing({ facts }: Input): Finding[] {
  if (facts.kind !== "wheel" || facts.totals.truncated) return [];
  const present = {
    metadata: !!facts.members.metadata,
    wheel: !!facts.members.wheel,
    record: !!facts.record,
  };
  const missing = (["metadata", "wheel", "record"] as const).filter((m) => !present[m]);
  if (missing.length === 0) return [];
  return [finding(WHEEL_METADATA_MISSING, {
    subject: subjectOf(facts),
    scope: scopeOf(facts),
    message: `${facts.filename.slice(0, 200)}: its .dist-info lacks ${
      missing.map((m) => m.toUpperCase()).join(", ")
    }`,
    evidence: { observed: missing },
  })];
}

/** Impure wheels (platform tags, Root-Is-Purelib: false) under a pure policy. */
function impureWheels({ facts, policy }: Input): Finding[] {
  if (facts.kind !== "wheel" || policy.artifacts !== "pure") return [];
  const reasons: string[] = [];
  const name = parseWheelFilename(facts.filename);
  if (!name) reasons.push("the file name is not a valid wheel name");
  else if (name.abi !== "none" || name.platform !== "any") {
    reasons.push(`its tags are ${quote(`${name.abi}-${name.platform}`, 100)}, not none-any`);
  }
  const wheel = facts.members.wheel?.text ?? "";
  const purelib = /^Root-Is-Purelib:\s*(\S+)\s*$/im.exec(wheel)?.[1];
  if (purelib !== undefined && purelib.toLowerCase() !== "true") {
    reasons.push(`WHEEL says Root-Is-Purelib: ${quote(purelib, 20)}`);
  }
  if (reasons.length === 0) return [];
  return [finding(IMPURE_WHEEL, {
    subject: subjectOf(facts),
    scope: scopeOf(facts),
    message: `${facts.filename.slice(0, 200)}: ${reasons.join("; ")}`,
    evidence: { observed: reasons, expected: "py3-none-any, Root-Is-Purelib: true" },
  })];
}

/** Every archive rule, in catalog order. */
export const ARCHIVE_RULESET: readonly Rule<Input>[] = [
  defineRule(ZIP_CONFUSION, anomalyFindings),
  defineRule(CORRUPT_ARCHIVE, anomalyFindings),
  defineRule(DECOMPRESSION_BOMB, anomalyFindings),
  defineRule(ENTRY_COUNT_BOMB, anomalyFindings),
  defineRule(INSPECTION_INCOMPLETE, anomalyFindings),
  defineRule(RECORD_MISMATCH, recordMismatches),
  defineRule(WHEEL_METADATA_MISSING, wheelMetadataMissing),
  defineRule(IMPURE_WHEEL, impureWheels),
];

/** All archive rules' metadata, for the catalog. */
export const ARCHIVE_RULES: RuleMeta[] = ARCHIVE_RULESET.map((r) => r.meta);

/**
 * Run all archive rules over an artifact's facts.
 *
 * @example
 * ```ts
 * const findings = archiveFindings(factsOf(inspection), PolicySchema.parse({}));
 * ```
 */
export function archiveFindings(facts: FactsLike, policy: Policy): Finding[] {
  return runRules(ARCHIVE_RULESET, { facts, policy });
}

/** One archive rule by id (tests and the catalog). */
export function archiveRule(id: string): Rule<Input> {
  const rule = ARCHIVE_RULESET.find((r) => r.meta.id === id);
  if (!rule) throw new Error(`no archive rule ${id}`);
  return rule;
}
