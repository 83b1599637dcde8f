/**
 * Novelty rules over the PyPI job's observation: what a release ships that the release before
 * it did not. `content/new-binary-file-type` compares the file types of a release's wheels
 * (extension plus a "binary" flag, see `fileTypeSummary` in `jobs/pypi_content.ts`) with those
 * of the previous release: a binary file type that appears for the first time (a `.wav` in an
 * SDK that never shipped audio, as telnyx 4.87.1 did) is how a payload hidden in data files
 * shows from the outside. Pure functions.
 *
 * @example
 * ```ts
 * const findings = noveltyFindings(observation.data);
 * ```
 * @module
 */
import {
  defineRule,
  type Finding,
  finding,
  type Rule,
  type RuleMeta,
  ruleMetaFor,
  runRules,
} from "./types.ts";
import { BINARY_SUFFIX, type PypiData, type PypiFile } from "../src/observations/pypi.ts";

const meta = ruleMetaFor("pypi", "content/");

/** A binary file type that the previous release's wheels did not carry. */
export const NEW_BINARY_FILE_TYPE = meta(
  "new-binary-file-type",
  "high",
  "A release ships a binary file type its previous release did not",
  "Release artifacts carry only the kinds of files the project is known to ship",
  "Find out which file brought the new type and why: a binary data file (audio, image, blob) can carry an encoded payload. If it is intended, waive the finding for this release.",
);

/** A release's wheels with their upload time, oldest first. */
interface WheelRelease {
  version: string;
  firstUpload: number;
  wheels: PypiFile[];
}

function wheelReleases(files: PypiFile[]): WheelRelease[] {
  const byVersion = new Map<string, WheelRelease>();
  for (const f of files) {
    if (f.packagetype !== "wheel") continue;
    const at = Date.parse(f.uploadTime ?? "");
    const release = byVersion.get(f.version) ??
      { version: f.version, firstUpload: Number.POSITIVE_INFINITY, wheels: [] };
    release.wheels.push(f);
    if (Number.isFinite(at)) release.firstUpload = Math.min(release.firstUpload, at);
    byVersion.set(f.version, release);
  }
  return [...byVersion.values()]
    .filter((r) => Number.isFinite(r.firstUpload))
    .sort((a, b) => a.firstUpload - b.firstUpload || a.version.localeCompare(b.version));
}

/**
 * The binary file types of a release's wheels, by wheel; undefined when a wheel's types are not
 * known (not inspected, or inspected before the summary existed).
 */
function binaryTypes(release: WheelRelease, data: PypiData): Map<string, PypiFile> | undefined {
  const out = new Map<string, PypiFile>();
  const wheels = [...release.wheels].sort((a, b) => a.filename.localeCompare(b.filename));
  for (const wheel of wheels) {
    const result = data.content[wheel.sha256];
    if (!result?.ok || !result.fileTypes) return undefined;
    for (const type of result.fileTypes) {
      if (type.endsWith(BINARY_SUFFIX) && !out.has(type)) out.set(type, wheel);
    }
  }
  return out;
}

function typeLabel(type: string): string {
  const ext = type.slice(0, -BINARY_SUFFIX.length);
  return ext === "" ? "binary files without an extension" : `binary ${ext} files`;
}

/**
 * `content/new-binary-file-type`: for each release with wheels (by first upload), the binary
 * file types that no wheel of the previous such release carried. Releases whose wheels (or
 * whose predecessor's wheels) have no type summary are not judged.
 *
 * @example
 * ```ts
 * newBinaryFileTypes(data).map((f) => f.subject); // ["telnyx-4.87.1-py3-none-any.whl!.wav+binary"]
 * ```
 */
export function newBinaryFileTypes(data: PypiData): Finding[] {
  const out: Finding[] = [];
  const releases = wheelReleases(data.files);
  for (let i = 1; i < releases.length; i++) {
    const before = binaryTypes(releases[i - 1], data);
    const now = binaryTypes(releases[i], data);
    if (!before || !now) continue;
    for (const [type, wheel] of now) {
      if (before.has(type)) continue;
      const previous = releases[i - 1].version;
      out.push(finding(NEW_BINARY_FILE_TYPE, {
        subject: `${wheel.filename}!${type}`.slice(0, 2000),
        scope: `file:${wheel.sha256}`,
        message: `${data.name} ${releases[i].version} ships ${typeLabel(type)} (${
          wheel.filename.slice(0, 200)
        }); no wheel of ${previous.slice(0, 100)} carried any.`,
        evidence: {
          observed: type,
          expected: [...before.keys()],
          previous,
        },
      }));
    }
  }
  return out;
}

/** What the novelty rules judge: the PyPI job's observation data. */
export interface NoveltyInput {
  data: PypiData;
}

/** Every novelty rule as a value (see `rules/registry.ts`). */
export const NOVELTY_RULESET: readonly Rule<NoveltyInput>[] = [
  defineRule(NEW_BINARY_FILE_TYPE, ({ data }: NoveltyInput) => newBinaryFileTypes(data)),
];

/** All novelty rules' metadata, for the catalog (derived from {@link NOVELTY_RULESET}). */
export const NOVELTY_RULES: RuleMeta[] = NOVELTY_RULESET.map((r) => r.meta);

/** Every novelty rule over one observation. */
export function noveltyFindings(data: PypiData): Finding[] {
  return runRules(NOVELTY_RULESET, { data });
}
