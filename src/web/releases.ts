/**
 * The release-centred view of a project, built from the ledger (`release.observed` events) and
 * the open findings in KV, never from upstream: each version with its files, digests, the
 * provenance and parity findings against it and its other open findings, and a one-line
 * verdict telling which versions must not be installed. Pure functions.
 *
 * @module
 */
import type { Project } from "../config.ts";
import type { CoverageGap, OpenFinding } from "../state/findings.ts";
import { type RuleMeta, type Severity, severityRank } from "../../rules/types.ts";

/** One file of a release, as pinned when first seen. */
export interface ReleaseFile {
  filename: string;
  sha256: string;
  size: number;
  uploadTime?: string;
}

/** A `release.observed` event, with where and when it was recorded. */
export interface ObservedRelease {
  version: string;
  files: ReleaseFile[];
  late?: boolean;
  /** Ledger index and time of the event. */
  index: number;
  time: string;
}

/** What is known about one check of a release. */
export type CheckState =
  | { state: "finding"; severity: Severity; rules: string[] }
  | { state: "no-finding" }
  | { state: "not-checked"; reason: string }
  | { state: "not-observable"; reason: string };

/** How a release should be treated. */
export type ReleaseVerdict = "do-not-install" | "review" | "no-open-finding";

/** One row of the release view. */
export interface ReleaseRow {
  version: string;
  files: ReleaseFile[];
  /** Earliest upload time of its files (else when it was first observed). */
  uploaded: string;
  /** Ledger index of the first `release.observed` of this version. */
  firstIndex: number;
  /** Open (not waived) findings against this release, most severe first. */
  findings: OpenFinding[];
  waived: number;
  worst?: Severity;
  provenance: CheckState;
  parity: CheckState;
  verdict: ReleaseVerdict;
}

/** The project's verdict line. */
export interface ProjectVerdict {
  /** Class of the line: the worst open severity, or "ok" / "na". */
  level: Severity | "ok" | "na";
  text: string;
  /** Versions that must not be installed, newest first. */
  suspicious: string[];
}

/**
 * Findings sorted for people: most severe first, then newest first (by ledger index), so
 * that a cut can never hide a critical finding behind lesser ones.
 *
 * @example
 * ```ts
 * const shown = sortFindings(findings).slice(0, 500);
 * ```
 */
export function sortFindings<T extends Pick<OpenFinding, "severity" | "since">>(
  findings: T[],
): T[] {
  return [...findings].sort((a, b) =>
    severityRank(b.severity) - severityRank(a.severity) || b.since - a.since
  );
}

/**
 * The release a finding (or a coverage gap) is about: `release:<version>` scopes name it,
 * `file:<sha256>` and `source:<sha256>` scopes name one of its files; other findings
 * (repository, access) are about the project.
 *
 * @example
 * ```ts
 * releaseOf({ scope: "release:1.2" }, new Map()); // "1.2"
 * ```
 */
export function releaseOf(
  finding: { scope?: string },
  versionBySha: Map<string, string>,
): string | undefined {
  const scope = finding.scope ?? "";
  if (scope.startsWith("release:")) return scope.slice("release:".length);
  const file = /^(?:file|source):([0-9a-fA-F]{64})$/.exec(scope);
  if (file) return versionBySha.get(file[1].toLowerCase());
  return undefined;
}

function check(
  findings: OpenFinding[],
  prefix: string,
  notChecked?: string,
  gap?: CoverageGap,
): CheckState {
  const hits = findings.filter((f) => f.rule.startsWith(prefix));
  if (hits.length > 0) {
    return {
      state: "finding",
      severity: hits[0].severity,
      rules: [...new Set(hits.map((f) => f.rule))],
    };
  }
  if (notChecked) return { state: "not-checked", reason: notChecked };
  if (gap) return { state: "not-observable", reason: gap.reason };
  return { state: "no-finding" };
}

function verdictOf(worst: Severity | undefined): ReleaseVerdict {
  if (worst === undefined) return "no-open-finding";
  return severityRank(worst) >= severityRank("high") ? "do-not-install" : "review";
}

/**
 * Release rows, newest first (by upload time, then ledger order), from the observed releases
 * and the project's open findings. Provenance and parity (the `releases` job) without a
 * finding are "not observable" where that job has a coverage gap for the project or release,
 * never "fine".
 *
 * @example
 * ```ts
 * const rows = releaseRows(observed, findings, project, gaps);
 * ```
 */
export function releaseRows(
  observed: ObservedRelease[],
  findings: OpenFinding[],
  project?: Project,
  gaps: CoverageGap[] = [],
): ReleaseRow[] {
  const byVersion = new Map<string, { files: Map<string, ReleaseFile>; first: ObservedRelease }>();
  for (const r of [...observed].sort((a, b) => a.index - b.index)) {
    const entry = byVersion.get(r.version) ?? { files: new Map(), first: r };
    for (const f of r.files) if (!entry.files.has(f.filename)) entry.files.set(f.filename, f);
    byVersion.set(r.version, entry);
  }
  const versionBySha = new Map<string, string>();
  for (const [version, { files }] of byVersion) {
    for (const f of files.values()) versionBySha.set(f.sha256.toLowerCase(), version);
  }
  const perVersion = new Map<string, OpenFinding[]>();
  for (const f of sortFindings(findings)) {
    const v = releaseOf(f, versionBySha);
    if (v === undefined) continue;
    perVersion.set(v, [...(perVersion.get(v) ?? []), f]);
  }
  // A finding about a version never observed (e.g. yanked before the first sweep) gets a row.
  for (const v of perVersion.keys()) {
    if (!byVersion.has(v)) {
      const f = perVersion.get(v)![0];
      byVersion.set(v, {
        files: new Map(),
        first: { version: v, files: [], index: f.since, time: f.sinceTime },
      });
    }
  }
  const releaseGaps = gaps.filter((g) => g.job === "releases");
  const gapFor = (version: string) =>
    releaseGaps.find((g) => g.scope === "*" || releaseOf(g, versionBySha) === version) ??
      releaseGaps.find((g) => releaseOf(g, versionBySha) === undefined);
  const rows: ReleaseRow[] = [];
  for (const [version, { files, first }] of byVersion) {
    const all = perVersion.get(version) ?? [];
    const open = all.filter((f) => f.status !== "waived");
    const list = [...files.values()];
    const uploads = list.map((f) => f.uploadTime).filter((t): t is string =>
      typeof t === "string" && Number.isFinite(Date.parse(t))
    ).sort();
    const worst = open[0]?.severity;
    rows.push({
      version,
      files: list,
      uploaded: uploads[0] ?? first.time,
      firstIndex: first.index,
      findings: open,
      waived: all.length - open.length,
      worst,
      provenance: check(
        open,
        "provenance/",
        project && !project.publisher ? "no trusted publisher configured" : undefined,
        gapFor(version),
      ),
      parity: check(
        open,
        "parity/",
        project && !project.github ? "no GitHub repository" : undefined,
        gapFor(version),
      ),
      verdict: verdictOf(worst),
    });
  }
  return rows.sort((a, b) =>
    Date.parse(b.uploaded) - Date.parse(a.uploaded) || b.firstIndex - a.firstIndex
  );
}

/**
 * The one-line verdict a project page leads with, e.g.
 * "2 releases suspicious: 1.82.8, 1.82.7 — critical: A .pth file ships in a wheel".
 *
 * @example
 * ```ts
 * projectVerdict(rows, findings, gaps, rulesById).text;
 * ```
 */
export function projectVerdict(
  rows: ReleaseRow[],
  findings: OpenFinding[],
  gaps: CoverageGap[],
  rulesById: Map<string, Pick<RuleMeta, "title">>,
): ProjectVerdict {
  const open = sortFindings(findings.filter((f) => f.status !== "waived"));
  const titleOf = (f: OpenFinding) => rulesById.get(f.rule)?.title ?? f.rule;
  const suspicious = rows.filter((r) => r.verdict === "do-not-install");
  if (suspicious.length > 0) {
    const worst = sortFindings(suspicious.flatMap((r) => r.findings))[0];
    const n = suspicious.length;
    return {
      level: worst.severity,
      text: `${n} release${n === 1 ? "" : "s"} suspicious: ${
        suspicious.map((r) => r.version).join(", ")
      } — ${worst.severity}: ${titleOf(worst)}`,
      suspicious: suspicious.map((r) => r.version),
    };
  }
  if (open.length > 0) {
    const n = open.length;
    return {
      level: open[0].severity,
      text: `No release suspicious; ${n} open finding${n === 1 ? "" : "s"} — ${open[0].severity}: ${
        titleOf(open[0])
      }`,
      suspicious: [],
    };
  }
  if (gaps.length > 0) {
    return {
      level: "na",
      text: `No open findings, but ${gaps.length} scope${
        gaps.length === 1 ? " is" : "s are"
      } not observable`,
      suspicious: [],
    };
  }
  return {
    level: "ok",
    text: `No open findings; ${rows.length} release${rows.length === 1 ? "" : "s"} observed`,
    suspicious: [],
  };
}
