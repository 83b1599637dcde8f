/**
 * Release hygiene rules over the PyPI job's observation: digests that changed under a known
 * file name, files added to or removed from a release, missing sdists or wheels, yanked
 * releases, a release after long dormancy, and changed maintainer emails. Pure functions.
 *
 * @module
 */
import type { Policy } from "../src/config.ts";
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
import type { PypiData, PypiFile } from "../src/observations/pypi.ts";

const meta = ruleMetaFor("pypi", "release/");

const control = "Every release is what the plan promises; published files never change.";

/** A known file name now has a different digest. */
export const DIGEST_CHANGED = meta(
  "digest-changed",
  "critical",
  "A published file changed its digest",
  control,
  "PyPI never lets a file be replaced: a different digest under a pinned name means the index or a mirror serves other bytes. Stop installing from it and investigate.",
);

/** A file was downloaded and its bytes did not match the index's sha256. */
export const DOWNLOAD_MISMATCH = meta(
  "download-digest-mismatch",
  "critical",
  "Downloaded bytes do not match the index digest",
  control,
  "The file host served bytes other than the index lists. Treat the file as untrusted and investigate the host or the network path.",
);

/** A file appeared in a release that had already been observed. */
export const FILE_ADDED = meta(
  "file-added-later",
  "high",
  "A file was added to a release after it was first seen",
  control,
  "Releases are immutable once published: confirm who uploaded the new file and why, or yank it.",
);

/** A pinned file is no longer listed. */
export const FILE_REMOVED = meta(
  "file-removed",
  "medium",
  "A published file was removed",
  control,
  "Confirm the removal was intended (a quarantine or a yank) and record why.",
);

/** The release has no sdist (policy). */
export const MISSING_SDIST = meta(
  "missing-sdist",
  "low",
  "Release has no source distribution",
  "Every release ships an sdist, so the code on PyPI can be compared with the tag.",
  "Build and upload the sdist from the same workflow run as the wheels.",
);

/** The release has no wheel (policy). */
export const MISSING_WHEEL = meta(
  "missing-wheel",
  "low",
  "Release has no wheel",
  "Every release ships a wheel built by the release workflow.",
  "Build the wheel in the release workflow and upload it with the sdist.",
);

/** A release is yanked. */
export const YANKED = meta(
  "yanked",
  "info",
  "Release is yanked",
  "Yanks are deliberate and explained.",
  "Nothing to do if the yank is intended; make sure the reason is given.",
);

/** The newest release came after a long silence. */
export const DORMANCY = meta(
  "after-dormancy",
  "high",
  "A release after long dormancy",
  "A dormant project that suddenly releases is checked by a person (as ctx was not).",
  "Confirm with the known maintainers that the release is theirs; check the maintainer emails and domains.",
);

const DAY_MS = 86_400_000;

function byVersion(files: PypiFile[]): Map<string, PypiFile[]> {
  const out = new Map<string, PypiFile[]>();
  for (const f of files) out.set(f.version, [...(out.get(f.version) ?? []), f]);
  return out;
}

function firstUpload(files: PypiFile[]): number | undefined {
  const times = files.map((f) => Date.parse(f.uploadTime ?? "")).filter((t) => !Number.isNaN(t));
  return times.length ? Math.min(...times) : undefined;
}

/**
 * Digest pins: a changed digest under a pinned name, files added later, files removed.
 *
 * @example
 * ```ts
 * pinRules({ name: "x", files, pins, content: {} });
 * ```
 */
export function pinRules(data: PypiData): Finding[] {
  const out: Finding[] = [];
  const listed = new Set(data.files.map((f) => f.filename));
  for (const f of data.files) {
    const pin = data.pins[f.filename];
    if (pin && pin.sha256 !== f.sha256) {
      out.push(finding(DIGEST_CHANGED, {
        subject: `${f.filename}`,
        scope: `release:${f.version}`,
        message:
          `${f.filename} was pinned at sha256 ${pin.sha256} and is now listed as ${f.sha256}.`,
        evidence: { observed: f.sha256, expected: pin.sha256, pinnedAt: pin.index },
      }));
    }
    if (pin?.late && pin.sha256 === f.sha256) {
      out.push(finding(FILE_ADDED, {
        subject: f.filename,
        scope: `release:${f.version}`,
        message:
          `${f.filename} was added to release ${f.version} after the release was first seen.`,
        evidence: { observed: f.uploadTime ?? null, pinnedAt: pin.index },
      }));
    }
  }
  for (const pin of Object.values(data.pins)) {
    if (listed.has(pin.filename)) continue;
    out.push(finding(FILE_REMOVED, {
      subject: pin.filename,
      scope: "index",
      message: `${pin.filename} (release ${pin.version}) is no longer listed by the index.`,
      evidence: { expected: pin.sha256, pinnedAt: pin.index },
    }));
  }
  return out;
}

/** Downloads whose bytes did not match the index digest. */
export function downloadRules(data: PypiData): Finding[] {
  const out: Finding[] = [];
  for (const [sha256, result] of Object.entries(data.content)) {
    if (result.ok || result.reason !== "digest-mismatch") continue;
    out.push(finding(DOWNLOAD_MISMATCH, {
      subject: result.filename,
      scope: `file:${sha256}`,
      message: `The bytes served for ${result.filename} do not match the index's sha256.`,
      evidence: { expected: sha256, observed: result.detail },
    }));
  }
  return out;
}

/** Missing sdist or wheel, and yanked releases. */
export function shapeRules(data: PypiData, policy: Policy): Finding[] {
  const out: Finding[] = [];
  for (const [version, files] of byVersion(data.files)) {
    const scope = `release:${version}`;
    if (policy.require_sdist && !files.some((f) => f.packagetype === "sdist")) {
      out.push(finding(MISSING_SDIST, {
        subject: `${data.name}==${version}`,
        scope,
        message: `Release ${version} has no sdist.`,
      }));
    }
    if (policy.require_wheel && !files.some((f) => f.packagetype === "wheel")) {
      out.push(finding(MISSING_WHEEL, {
        subject: `${data.name}==${version}`,
        scope,
        message: `Release ${version} has no wheel.`,
      }));
    }
    const yanked = files.find((f) => f.yanked);
    if (yanked) {
      out.push(finding(YANKED, {
        subject: `${data.name}==${version}`,
        scope,
        message: `Release ${version} is yanked${
          yanked.yankedReason ? `: ${yanked.yankedReason.slice(0, 300)}` : " without a reason"
        }.`,
        evidence: { observed: yanked.yankedReason ?? null },
      }));
    }
  }
  return out;
}

/** The newest release came more than `policy.dormancy_days` after the one before it. */
export function dormancyRules(data: PypiData, policy: Policy): Finding[] {
  const releases = [...byVersion(data.files)]
    .map(([version, files]) => ({ version, at: firstUpload(files) }))
    .filter((r): r is { version: string; at: number } => r.at !== undefined)
    .sort((a, b) => a.at - b.at);
  if (releases.length < 2) return [];
  const last = releases[releases.length - 1];
  const before = releases[releases.length - 2];
  const gapDays = Math.floor((last.at - before.at) / DAY_MS);
  if (gapDays < policy.dormancy_days) return [];
  return [finding(DORMANCY, {
    subject: `${data.name}==${last.version}`,
    scope: `release:${last.version}`,
    message:
      `Release ${last.version} came ${gapDays} days after ${before.version} (policy: ${policy.dormancy_days}).`,
    evidence: {
      observed: gapDays,
      expected: `< ${policy.dormancy_days} days`,
      previous: before.version,
    },
  })];
}

/** What the release rules judge: the PyPI job's observation data and the project's policy. */
export interface ReleaseInput {
  data: PypiData;
  policy: Policy;
}

// Helpers that judge several rules at once run once per input (see `oncePerInput`).
const pinsOnce = oncePerInput(({ data }: ReleaseInput) => pinRules(data));
const shapeOnce = oncePerInput(({ data, policy }: ReleaseInput) => shapeRules(data, policy));

/** Every release rule as a value (see `rules/registry.ts`). */
export const RELEASE_RULESET: readonly Rule<ReleaseInput>[] = [
  defineRule(DIGEST_CHANGED, pinsOnce),
  defineRule(DOWNLOAD_MISMATCH, ({ data }: ReleaseInput) => downloadRules(data)),
  defineRule(FILE_ADDED, pinsOnce),
  defineRule(FILE_REMOVED, pinsOnce),
  defineRule(MISSING_SDIST, shapeOnce),
  defineRule(MISSING_WHEEL, shapeOnce),
  defineRule(YANKED, shapeOnce),
  defineRule(DORMANCY, ({ data, policy }: ReleaseInput) => dormancyRules(data, policy)),
];

/** All release rules' metadata, for the catalog (derived from {@link RELEASE_RULESET}). */
export const RELEASE_RULES: RuleMeta[] = RELEASE_RULESET.map((r) => r.meta);

/** Every release rule over one observation. */
export function evaluateRelease(data: PypiData, policy: Policy): Finding[] {
  return runRules(RELEASE_RULESET, { data, policy });
}
