/**
 * Release parity and source parity rules: every PyPI version has a published, immutable GitHub
 * release of its tag carrying the same bytes; the tag is on the default branch and predates
 * the upload; and the sdist / pure wheel contain nothing that is not at the tag.
 *
 * Pure: judged from the releases job's observation (`src/observations/releases.ts`). Messages state
 * facts only: a digest divergence also happens innocently (requests 2.32.5 was rebuilt and
 * uploaded by hand after a failed publish job), so a finding says what differs, not why.
 *
 * Expected differences between an artifact and its tag ({@link isGeneratedMember}):
 * - sdist `PKG-INFO` (top level) and anything under a `*.egg-info/` folder, written by every
 *   backend (setuptools, hatchling, flit-core, pdm-backend, poetry-core, maturin,
 *   scikit-build-core);
 * - version files written at build time by setuptools-scm, hatch-vcs, versioneer and
 *   pdm-backend's SCM version source, {@link VERSION_FILES}, at most
 *   {@link MAX_VERSION_FILE_BYTES} bytes;
 * - an sdist `setup.cfg` whose only change is the `[egg_info]` section setuptools writes
 *   (`tag_build`, `tag_date`; setuptools rewrites the file, so the job compares it parsed, see
 *   `setupCfgEquivalent`). Any other `setup.cfg` change counts.
 *
 * @example
 * ```ts
 * const findings = evaluateParity(observation.data, project);
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
import { oncePerInput } from "./_shared.ts";
import type { Project } from "../src/config.ts";
import type {
  ReleasesData,
  SourceComparison,
  SourceEntry,
  VersionParity,
} from "../src/observations/releases.ts";
import { checksumFormat } from "../src/github/releases.ts";

const meta = ruleMetaFor("releases");

const RELEASE_CONTROL =
  "Every PyPI release has a published, immutable GitHub release with the same files";
const TAG_CONTROL = "Releases are built from a tag on the protected default branch";
const SOURCE_CONTROL = "Published artifacts contain only what the tagged source contains";

/** A PyPI version has no GitHub release for its tag. */
export const NO_GITHUB_RELEASE = meta(
  "parity/no-github-release",
  "high",
  "PyPI version without a GitHub release",
  RELEASE_CONTROL,
  "Publish the GitHub release from the same workflow run that uploads to PyPI, with every file attached; if PyPI has a version you did not release, yank it and rotate credentials.",
);
/** The release of the tag is still a draft. */
export const DRAFT_RELEASE = meta(
  "parity/draft-release",
  "medium",
  "GitHub release of a PyPI version is a draft",
  RELEASE_CONTROL,
  "Publish the draft release (or find out why the release workflow stopped after uploading to PyPI).",
);
/** A PyPI file is not attached to the release. */
export const ASSET_MISSING = meta(
  "parity/asset-missing",
  "high",
  "PyPI file not attached to the GitHub release",
  RELEASE_CONTROL,
  "Attach every file uploaded to PyPI to the release, from the same build; a file only on PyPI was built or uploaded outside the release workflow.",
);
/** A release asset has the PyPI file's name but other bytes. */
export const ASSET_DIGEST_MISMATCH = meta(
  "parity/asset-digest-mismatch",
  "critical",
  "GitHub release asset differs from the PyPI file",
  RELEASE_CONTROL,
  "Find out which of the two files was built by the release workflow (attestations, workflow logs); rebuild from the tag and compare. Yank the PyPI file if it cannot be explained.",
);
/** A checksum asset lists another digest for a PyPI file. */
export const CHECKSUM_MISMATCH = meta(
  "parity/checksum-mismatch",
  "critical",
  "Published checksum does not match the PyPI file",
  RELEASE_CONTROL,
  "Compare the PyPI file with the build the checksums were computed from; yank the PyPI file if it cannot be explained.",
);
/** An asset that is neither a PyPI file, a checksum file nor a signature of one. */
export const UNEXPECTED_ASSET = meta(
  "parity/unexpected-asset",
  "low",
  "Release asset that is not on PyPI",
  RELEASE_CONTROL,
  "Remove assets the release workflow did not produce, or document them.",
);
/** The release can still be edited (assets replaced, tag moved). */
export const RELEASE_NOT_IMMUTABLE = meta(
  "parity/release-not-immutable",
  "medium",
  "Newest GitHub release is not immutable",
  RELEASE_CONTROL,
  "Enable immutable releases for the repository and publish the next release as immutable (existing releases cannot be converted).",
);
/** The repository does not make releases immutable. */
export const IMMUTABLE_RELEASES_OFF = meta(
  "parity/immutable-releases-off",
  "medium",
  "Immutable releases are off for the repository",
  RELEASE_CONTROL,
  "Turn on immutable releases (repository or organization settings) so that published assets and tags cannot be changed.",
);
/** The version's tag does not exist in the repository. */
export const TAG_MISSING = meta(
  "parity/tag-missing",
  "high",
  "PyPI version without a git tag",
  TAG_CONTROL,
  "Tag every release in the repository (policy `tag_pattern`); a version on PyPI with no tag was not released from the repository: verify who uploaded it.",
);
/** The tag's commit is not reachable from the default branch. */
export const TAG_NOT_ON_DEFAULT_BRANCH = meta(
  "parity/tag-not-on-default-branch",
  "high",
  "Release tag has commits that are not on the default branch",
  TAG_CONTROL,
  "Release only from commits merged into the protected default branch; review the commits reachable only from the tag. Waive for maintenance branches you release from.",
);
/** The PyPI upload is older than the commit it was supposedly built from. */
export const UPLOAD_BEFORE_TAG = meta(
  "parity/upload-before-tag",
  "medium",
  "PyPI upload predates the tagged commit",
  TAG_CONTROL,
  "A file cannot be built from a commit that did not exist yet: check whether the tag was moved after the upload, and which source the file was built from.",
);
/** A file in the artifact is not in the source at the tag. */
export const FILE_NOT_IN_TAG = meta(
  "source/file-not-in-tag",
  "critical",
  "Artifact contains files that are not in the tagged source",
  SOURCE_CONTROL,
  "Inspect the listed files: code that exists only on PyPI (as in the aiocpa and ultralytics releases) did not come from the repository. Yank the release if it cannot be explained.",
);
/** A file in the artifact differs from the same file at the tag. */
export const FILE_DIFFERS_FROM_TAG = meta(
  "source/file-differs-from-tag",
  "critical",
  "Artifact files differ from the tagged source",
  SOURCE_CONTROL,
  "Diff the listed files against the tag; a build step that rewrites sources should be documented and reproducible, anything else means the artifact was not built from the tag.",
);

/** Version files build backends generate (setuptools-scm, hatch-vcs, versioneer, pdm). */
export const VERSION_FILES: readonly string[] = ["_version.py", "__version__.py", "version.py"];
/** Largest generated version file accepted (the templates are well under 2 KiB). */
export const MAX_VERSION_FILE_BYTES = 4096;
/** Clock skew tolerated between a commit date and a PyPI upload time. */
export const UPLOAD_SKEW_MS = 2 * 60 * 1000;

/** Signature and attestation sidecars accepted next to a PyPI file (`<file><suffix>`). */
const SIDECAR_SUFFIXES = [
  ".asc",
  ".sig",
  ".pem",
  ".crt",
  ".cert",
  ".sigstore",
  ".sigstore.json",
  ".intoto.jsonl",
  ".sha256",
  ".sha512",
];

/**
 * True for an artifact member a build backend writes, which is not expected at the tag.
 *
 * @example
 * ```ts
 * isGeneratedMember("sdist", { path: "PKG-INFO", size: 900 }); // true
 * isGeneratedMember("sdist", { path: "src/pkg/evil.py", size: 90 }); // false
 * ```
 */
export function isGeneratedMember(
  kind: SourceComparison["kind"],
  entry: Pick<SourceEntry, "path" | "size">,
): boolean {
  const parts = entry.path.split("/");
  const base = parts[parts.length - 1];
  if (kind === "sdist") {
    if (entry.path === "PKG-INFO") return true;
    if (parts.slice(0, -1).some((p) => p.endsWith(".egg-info"))) return true;
  }
  return VERSION_FILES.includes(base) && entry.size <= MAX_VERSION_FILE_BYTES;
}

function bounded(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const q = (s: string) => JSON.stringify(bounded(s, 300));

function listPaths(entries: SourceEntry[], total: number): string {
  const shown = entries.slice(0, 5).map((e) => q(e.path)).join(", ");
  return total > 5 ? `${shown} and ${total - 5} more` : shown;
}

function releaseSubject(data: ReleasesData, version: string): string {
  return bounded(`${data.name}==${version}`, 2000);
}

function fileSubject(data: ReleasesData, version: string, filename: string): string {
  return bounded(`${data.name}==${version}/${filename}`, 2000);
}

function releaseFindings(data: ReleasesData, v: VersionParity, project: Project): Finding[] {
  const out: Finding[] = [];
  const scope = `release:${v.version}`;
  const required = project.policy.require_github_release;
  const files = data.files.filter((f) => f.version === v.version);
  if (v.release === null) {
    if (required) {
      out.push(finding(NO_GITHUB_RELEASE, {
        subject: releaseSubject(data, v.version),
        scope,
        message:
          `${data.name} ${v.version} is on PyPI but ${data.repository} has no release for tag ${
            q(v.tag)
          }.`,
        evidence: { observed: null, expected: { tag: v.tag }, files: files.map((f) => f.filename) },
      }));
    }
    return out;
  }
  const release = v.release;
  if (!release) return out;
  if (release.draft && required) {
    out.push(finding(DRAFT_RELEASE, {
      subject: releaseSubject(data, v.version),
      scope,
      message: `The GitHub release for tag ${
        q(v.tag)
      } is a draft, while ${data.name} ${v.version} is on PyPI.`,
      evidence: { observed: { draft: true }, expected: { draft: false }, url: release.htmlUrl },
    }));
  }
  const assets = new Map(release.assets.map((a) => [a.name, a]));
  for (const file of files) {
    const asset = assets.get(file.filename);
    if (!asset) {
      if (required) {
        out.push(finding(ASSET_MISSING, {
          subject: fileSubject(data, v.version, file.filename),
          scope,
          message: `${q(file.filename)} is on PyPI but not attached to the release for tag ${
            q(v.tag)
          }.`,
          evidence: {
            observed: [...assets.keys()].slice(0, 50),
            expected: file.filename,
            url: release.htmlUrl,
          },
        }));
      }
      continue;
    }
    if (asset.sha256 && asset.sha256 !== file.sha256) {
      out.push(finding(ASSET_DIGEST_MISMATCH, {
        subject: fileSubject(data, v.version, file.filename),
        scope,
        message: `The release asset ${
          q(file.filename)
        } has sha256 ${asset.sha256} (${asset.digestSource}); PyPI serves sha256 ${file.sha256}. The two files differ.`,
        evidence: {
          observed: { asset: asset.sha256, source: asset.digestSource },
          expected: file.sha256,
          url: asset.url,
        },
      }));
    }
  }
  for (const sums of release.checksums) {
    for (const entry of sums.entries) {
      const file = files.find((f) => f.filename === entry.filename);
      if (!file || file.sha256 === entry.sha256) continue;
      out.push(finding(CHECKSUM_MISMATCH, {
        subject: fileSubject(data, v.version, `${file.filename}@${sums.asset}`),
        scope,
        message: `${q(sums.asset)} lists sha256 ${entry.sha256} for ${
          q(file.filename)
        }; PyPI serves sha256 ${file.sha256}.`,
        evidence: {
          observed: entry.sha256,
          expected: file.sha256,
          asset: sums.asset,
          url: release.htmlUrl,
        },
      }));
    }
  }
  const names = new Set(files.map((f) => f.filename));
  for (const asset of release.assets) {
    if (names.has(asset.name) || checksumFormat(asset.name)) continue;
    if (files.some((f) => SIDECAR_SUFFIXES.some((s) => asset.name === f.filename + s))) continue;
    if (/\.(intoto\.jsonl|sigstore\.json)$/i.test(asset.name)) continue;
    out.push(finding(UNEXPECTED_ASSET, {
      subject: fileSubject(data, v.version, asset.name),
      scope,
      message: `The release for tag ${q(v.tag)} has an asset ${
        q(asset.name)
      } that is not a file of ${data.name} ${v.version} on PyPI.`,
      evidence: {
        observed: { name: asset.name, size: asset.size, sha256: asset.sha256 },
        url: asset.url,
      },
    }));
  }
  return out;
}

function tagFindings(data: ReleasesData, v: VersionParity): Finding[] {
  const scope = `release:${v.version}`;
  const subject = releaseSubject(data, v.version);
  if (v.tagCommit === null) {
    return [finding(TAG_MISSING, {
      subject,
      scope,
      message: `${data.name} ${v.version} is on PyPI but ${data.repository} has no tag ${
        q(v.tag)
      }.`,
      evidence: { observed: null, expected: v.tag },
    })];
  }
  const out: Finding[] = [];
  const status = v.reachability?.status;
  if (status === "ahead" || status === "diverged") {
    out.push(finding(TAG_NOT_ON_DEFAULT_BRANCH, {
      subject,
      scope,
      message: `Tag ${q(v.tag)} (${
        v.tagCommit?.sha ?? "?"
      }) has ${v.reachability?.aheadBy} commit(s) that are not on ${
        q(data.defaultBranch)
      } (comparison: ${status}).`,
      evidence: {
        observed: v.reachability,
        expected: ["behind", "identical"],
        commit: v.tagCommit?.sha,
      },
    }));
  }
  const commitAt = Date.parse(v.tagCommit?.date ?? "");
  const uploadAt = Date.parse(v.firstUpload ?? "");
  if (
    Number.isFinite(commitAt) && Number.isFinite(uploadAt) && uploadAt + UPLOAD_SKEW_MS < commitAt
  ) {
    out.push(finding(UPLOAD_BEFORE_TAG, {
      subject,
      scope,
      message:
        `${data.name} ${v.version} was uploaded to PyPI at ${v.firstUpload}, before the tagged commit's date ${v.tagCommit?.date}.`,
      evidence: {
        observed: v.firstUpload,
        expected: `not before ${v.tagCommit?.date}`,
        commit: v.tagCommit?.sha,
      },
    }));
  }
  return out;
}

function sourceFindings(data: ReleasesData, v: VersionParity): Finding[] {
  const out: Finding[] = [];
  for (const c of Object.values(v.source)) {
    const scope = `source:${c.sha256}`;
    const subject = fileSubject(data, v.version, c.filename);
    const setupCfgExplained = (e: SourceEntry) =>
      c.kind === "sdist" && e.path === "setup.cfg" && c.setupCfgEquivalent === true;
    const keep = (e: SourceEntry) => !isGeneratedMember(c.kind, e) && !setupCfgExplained(e);
    const notInTag = c.notInTag.filter(keep);
    const notInTagCount = c.notInTagCount - (c.notInTag.length - notInTag.length);
    if (notInTagCount > 0) {
      const how = c.kind === "wheel" ? "whose bytes match no file" : "that do not exist";
      out.push(finding(FILE_NOT_IN_TAG, {
        subject,
        scope,
        message: `${q(c.filename)} contains ${notInTagCount} file(s) ${how} at tag ${q(v.tag)}: ${
          listPaths(notInTag, notInTagCount)
        }.`,
        evidence: {
          observed: notInTag.slice(0, 50),
          expected: `files of ${data.repository}@${v.tag}`,
          tree: c.treeSha,
        },
      }));
    }
    const differs = c.differs.filter(keep);
    const differsCount = c.differsCount - (c.differs.length - differs.length);
    if (differsCount > 0) {
      out.push(finding(FILE_DIFFERS_FROM_TAG, {
        subject,
        scope,
        message: `${
          q(c.filename)
        } contains ${differsCount} file(s) whose bytes differ from the same path at tag ${
          q(v.tag)
        }: ${listPaths(differs, differsCount)}.`,
        evidence: { observed: differs.slice(0, 50), tree: c.treeSha },
      }));
    }
  }
  return out;
}

/** The version with the newest upload among those with a published release. */
function newestReleased(versions: VersionParity[]): VersionParity | undefined {
  let best: VersionParity | undefined;
  for (const v of versions) {
    if (!v.firstUpload || !v.release || v.release.draft) continue;
    if (!best?.firstUpload || Date.parse(v.firstUpload) > Date.parse(best.firstUpload)) best = v;
  }
  return best;
}

/** Every parity and source finding of one observation (shared by the parity rules). */
function parityFindings(data: ReleasesData, project: Project): Finding[] {
  if (!data.repository) return [];
  const versions = Object.values(data.versions);
  const out: Finding[] = [];
  for (const v of versions) {
    out.push(
      ...releaseFindings(data, v, project),
      ...tagFindings(data, v),
      ...sourceFindings(data, v),
    );
  }
  const newest = newestReleased(versions);
  if (newest?.release && newest.release.immutable === false) {
    out.push(finding(RELEASE_NOT_IMMUTABLE, {
      subject: releaseSubject(data, newest.version),
      scope: `release:${newest.version}`,
      message: `The release for tag ${
        q(newest.tag)
      } (the newest release) is not immutable: its assets can still be replaced.`,
      evidence: {
        observed: { immutable: false },
        expected: { immutable: true },
        url: newest.release.htmlUrl,
      },
    }));
  }
  if (data.immutableReleases?.enabled === false && project.policy.require_github_release) {
    out.push(finding(IMMUTABLE_RELEASES_OFF, {
      subject: bounded(`${data.repository}`, 2000),
      scope: "repo:immutable-releases",
      message: `Immutable releases are off for ${data.repository}.`,
      evidence: { observed: data.immutableReleases, expected: { enabled: true } },
    }));
  }
  return out;
}

/** What the parity rules judge: the releases job's observation data and the project's policy. */
export interface ParityInput {
  data: ReleasesData;
  project: Project;
}

const allParity = oncePerInput(({ data, project }: ParityInput) => parityFindings(data, project));

/** Every parity and source rule as a value (see `rules/registry.ts`). */
export const PARITY_RULESET: readonly Rule<ParityInput>[] = [
  defineRule(NO_GITHUB_RELEASE, allParity),
  defineRule(DRAFT_RELEASE, allParity),
  defineRule(ASSET_MISSING, allParity),
  defineRule(ASSET_DIGEST_MISMATCH, allParity),
  defineRule(CHECKSUM_MISMATCH, allParity),
  defineRule(UNEXPECTED_ASSET, allParity),
  defineRule(RELEASE_NOT_IMMUTABLE, allParity),
  defineRule(IMMUTABLE_RELEASES_OFF, allParity),
  defineRule(TAG_MISSING, allParity),
  defineRule(TAG_NOT_ON_DEFAULT_BRANCH, allParity),
  defineRule(UPLOAD_BEFORE_TAG, allParity),
  defineRule(FILE_NOT_IN_TAG, allParity),
  defineRule(FILE_DIFFERS_FROM_TAG, allParity),
];

/** All rules' metadata of this module, for the catalog (derived from {@link PARITY_RULESET}). */
export const PARITY_RULES: RuleMeta[] = PARITY_RULESET.map((r) => r.meta);

/**
 * Judge release and source parity for every observed version.
 *
 * @example
 * ```ts
 * evaluateParity(data, project).map((f) => f.rule); // ["parity/asset-missing", ...]
 * ```
 */
export function evaluateParity(data: ReleasesData, project: Project): Finding[] {
  return runRules(PARITY_RULESET, { data, project });
}
