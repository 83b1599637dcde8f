/**
 * The releases job: for one project, every PyPI file's provenance (PEP 740 through the Simple
 * API's provenance URL, GitHub artifact attestations), and per PyPI version the GitHub release
 * of its tag (assets, digests, checksum files, immutability), the tag's commit (date, reachable
 * from the default branch) and the source parity of its sdist and pure wheels with the git tree
 * at the tag. Collection only; judgement is in `rules/parity.ts` and `rules/provenance.ts`.
 *
 * Scopes that could not be observed: `file:<sha256>` (provenance), `release:<version>` (release,
 * tag, checksums), `source:<sha256>` (source parity of one file), `repo:immutable-releases`.
 *
 * @example
 * ```ts
 * const observation = await releasesJob.collect(project, ctx);
 * const findings = releasesJob.evaluate(observation, project, new Date());
 * ```
 * @module
 */
import type { Config, Project } from "../src/config.ts";
import type { Finding, Unobservable } from "../rules/types.ts";
import { githubFor, mapLimit, pypiFor, sweepGate } from "./clients.ts";
import type { Job, JobContext, Observation, RequestStats } from "../src/observations/job.ts";
import type { PypiFile } from "../src/observations/pypi.ts";
import type {
  AssetObservation,
  ChecksumObservation,
  ReleaseObservation,
  ReleasesData,
  SourceComparison,
  VersionParity,
} from "../src/observations/releases.ts";
import { filesFromSimple } from "./pypi.ts";
import type { PypiClient } from "../src/pypi/client.ts";
import type { GitHubClient } from "../src/github/client.ts";
import {
  assetHosts,
  assetSha256,
  attestationsFor,
  checksumFormat,
  commitOf,
  compareRefs,
  gitBlob,
  gitTree,
  immutableReleasesSetting,
  listReleases,
  parseChecksumAsset,
  type Release,
  releaseByTag,
  type Tree,
} from "../src/github/releases.ts";
import { fetchBounded, safeText, USER_AGENT } from "../src/http.ts";
import { downloadArtifact, refusalReason } from "../src/download.ts";
import { type Pep740Result, verifyPep740 } from "../src/sigstore/pep740.ts";
import {
  bundlesToFetch,
  decodeBundleBody,
  type GithubAttestationResult,
  inlineBundles,
  MAX_ATTESTATIONS_PER_FILE,
  parseAttestationsResponse,
  verifyGithubAttestations,
} from "../src/sigstore/github_attestation.ts";
import { releaseRefPattern } from "../src/sigstore/publisher_policy.ts";
import { loadTrustRoots } from "../src/sigstore/mod.ts";
import {
  publicGoodTrustRoot,
  selectTrustRoot,
  type TrustRoot,
} from "../src/sigstore/trusted_root.ts";
import {
  bundleDigest,
  leafCertificate,
  MAX_BUNDLE_BYTES,
  parseBundle,
  sha256Hex,
} from "../src/sigstore/verify_bundle.ts";
import { getJson, setJson } from "../src/state/blob.ts";
import { ProblemKindSchema } from "../src/sigstore/result.ts";
import { z } from "zod";
import type { FileProvenance } from "../src/sigstore/file_provenance.ts";
import { unobservableProvenance } from "../rules/provenance.ts";
import { RULESETS } from "../rules/registry.ts";
import { runRules } from "../rules/types.ts";
import { loadTagPins } from "../src/state/tags.ts";
import { tagChanges } from "./releases_tags.ts";
import {
  artifactMembers,
  cachedComparison,
  compareWithTree,
  isPureWheel,
  setupCfgEquivalent,
  storeComparison,
} from "./releases_source.ts";

/** Largest checksum asset read. */
export const MAX_CHECKSUM_BYTES = 1024 * 1024;
/** Most releases listed (one request per 100); tags beyond are looked up one by one. */
export const MAX_LISTED_RELEASES = 1000;

/** Everything one collection uses. */
interface Run {
  project: Project;
  /** Sigstore trust roots for both PEP 740 and GitHub attestations. */
  roots: readonly TrustRoot[];
  ctx: JobContext;
  pypi: PypiClient;
  unobservable: Unobservable[];
}

/** GitHub side of a run. */
interface GitHubRun extends Run {
  gh: GitHubClient;
  owner: string;
  repo: string;
}

function oneLine(text: string): string {
  return safeText(text, 300);
}

/** A PEP 740 verdict meaning "could not be checked" (judged as not observable). */
function pep740Error(file: PypiFile, detail: string): Pep740Result {
  return {
    filename: file.filename,
    sha256: file.sha256,
    status: "error",
    detail,
    problems: [{ kind: "error", detail }],
    attestations: [],
    notes: [],
  };
}

function attestationError(file: PypiFile, detail: string): GithubAttestationResult {
  return {
    filename: file.filename,
    sha256: file.sha256,
    status: "error",
    detail,
    problems: [{ kind: "error", detail }],
    attestations: [],
  };
}

/** True when `url` is on the configured PyPI host (provenance is only read from there). */
function onPypiHost(url: string, pypiBase: string): boolean {
  try {
    return new URL(url).host === new URL(pypiBase).host;
  } catch {
    return false;
  }
}

async function pep740Of(file: PypiFile, run: Run): Promise<Pep740Result> {
  const target = { filename: file.filename, sha256: file.sha256 };
  const publisher = run.project.publisher;
  if (!file.provenanceUrl) {
    return await verifyPep740(target, undefined, {
      publisher: publisher ?? { repository: "-/-", workflow: "-.yml" },
    });
  }
  if (!publisher) {
    return pep740Error(
      file,
      "no [project.publisher] configured: the provenance signer cannot be checked",
    );
  }
  if (!onPypiHost(file.provenanceUrl, run.ctx.config.upstream.pypi)) {
    return pep740Error(file, "provenance URL is not on the configured PyPI host");
  }
  const response = await run.pypi.provenance(file.provenanceUrl);
  if (!response.ok) {
    return pep740Error(file, `provenance not readable: ${oneLine(response.message)}`);
  }
  return await verifyPep740(target, response.data, {
    publisher,
    kv: run.ctx.kv,
    roots: run.roots,
    refPattern: releaseRefPattern(run.project.policy.tag_pattern, file.version),
  });
}

async function fetchBundle(url: string, run: Run): Promise<unknown> {
  const parsed = new URL(url);
  if (parsed.protocol !== "https:" && refusalReason(parsed, [parsed.host]) !== undefined) {
    throw new Error("bundle URL refused");
  }
  const r = await fetchBounded(url, {
    timeoutMs: run.ctx.config.upstream.timeout_ms,
    maxBytes: MAX_BUNDLE_BYTES,
    signal: run.ctx.signal,
    gate: sweepGate(run.ctx),
  });
  if (!r.ok) throw new Error(r.message);
  return decodeBundleBody(r.body);
}

async function githubAttestationOf(
  file: PypiFile,
  run: GitHubRun,
): Promise<GithubAttestationResult> {
  const r = await attestationsFor(run.gh, run.owner, run.repo, file.sha256);
  if (!r.ok) return attestationError(file, `attestations not readable: ${oneLine(r.message)}`);
  const bundles: unknown[] = [];
  try {
    const response = parseAttestationsResponse(r.data);
    bundles.push(...inlineBundles(response).map((b) => b.bundle));
    for (const pending of bundlesToFetch(response)) {
      if (bundles.length >= MAX_ATTESTATIONS_PER_FILE) break;
      bundles.push(await fetchBundle(pending.url, run));
    }
  } catch (e) {
    return attestationError(file, `attestations not readable: ${oneLine((e as Error).message)}`);
  }
  const roots = run.roots;
  const checkable = bundles.slice(0, MAX_ATTESTATIONS_PER_FILE).filter((b) =>
    hasKnownIssuer(b, roots)
  );
  if (bundles.length > 0 && checkable.length === 0) {
    return attestationError(
      file,
      "attestations signed by a certificate authority with no configured trust root " +
        "(GitHub's own Fulcio signs attestations of private repositories)",
    );
  }
  const policy = {
    repository: `${run.owner}/${run.repo}`,
    workflow: run.project.publisher?.workflow,
    refPattern: releaseRefPattern(run.project.policy.tag_pattern, file.version),
    roots,
  };
  const target = { filename: file.filename, sha256: file.sha256 };
  if (checkable.length === 0) return verifyGithubAttestations(target, [], policy);
  const key = await attestationCacheKey(file, checkable, policy);
  const cached = CachedAttestationSchema.safeParse(await getJson(run.ctx.kv, key));
  if (cached.success) return cached.data;
  const result = verifyGithubAttestations(target, checkable, policy);
  if (result.status !== "error") await setJson(run.ctx.kv, key, result);
  return result;
}

/** Shape check of a cached verdict (written by this module; validated on the way back). */
const CachedProblemSchema = z.object({ kind: ProblemKindSchema, detail: z.string() }).passthrough();
const CachedAttestationSchema = z.object({
  filename: z.string(),
  sha256: z.string(),
  status: z.union([z.literal("verified"), ProblemKindSchema]),
  detail: z.string(),
  problems: z.array(CachedProblemSchema),
  attestations: z.array(
    z.object({
      signatureVerified: z.boolean(),
      problems: z.array(CachedProblemSchema),
      notes: z.array(z.string()),
    }).passthrough(),
  ),
}).passthrough();

/**
 * KV key of a GitHub attestation verdict: the file, the digests of its bundles, and everything
 * of the policy the verdict depends on (repository, workflow, ref pattern, trust roots), so a
 * configuration change is a miss.
 */
async function attestationCacheKey(
  file: PypiFile,
  bundles: unknown[],
  policy: {
    repository: string;
    workflow?: string;
    refPattern: RegExp;
    roots: readonly TrustRoot[];
  },
): Promise<Deno.KvKey> {
  const digests = await Promise.all(bundles.map((b) => bundleDigest(b)));
  const context = JSON.stringify([
    digests,
    file.filename,
    policy.repository.toLowerCase(),
    policy.workflow ?? "",
    policy.refPattern.source,
    policy.roots.map((r) => r.name),
  ]);
  const digest = await sha256Hex(new TextEncoder().encode(context));
  return ["parity-attest", file.sha256, digest];
}

/**
 * False only when a bundle's leaf certificate was issued by a CA of none of `roots`: such a
 * bundle cannot be judged here (not invalid, just not checkable). Malformed bundles are kept,
 * so that the verifier reports them.
 */
function hasKnownIssuer(bundle: unknown, roots: readonly TrustRoot[]): boolean {
  try {
    const leaf = leafCertificate(parseBundle(bundle));
    return !leaf || selectTrustRoot(roots, leaf) !== undefined;
  } catch {
    return true;
  }
}

/** The tag name of a version. */
export function tagFor(pattern: string, version: string): string {
  return pattern.replaceAll("{version}", version);
}

/** Hash an asset that GitHub gives no digest for, by downloading it (size-capped). */
async function downloadedDigest(
  url: string,
  pypiSha256: string,
  run: GitHubRun,
): Promise<{ sha256?: string; failure?: string }> {
  const upstream = run.ctx.config.upstream;
  await Deno.mkdir(run.ctx.config.state.work_dir, { recursive: true });
  const dir = await Deno.makeTempDir({ dir: run.ctx.config.state.work_dir, prefix: "asset-" });
  try {
    const r = await downloadArtifact(url, {
      allowedHosts: assetHosts(upstream.github_api),
      expectedSha256: pypiSha256,
      maxBytes: upstream.max_download_bytes,
      timeoutMs: upstream.timeout_ms * 4,
      userAgent: USER_AGENT,
      dest: `${dir}/asset`,
      signal: run.ctx.signal,
      gate: sweepGate(run.ctx),
    });
    if (r.ok) return { sha256: r.sha256 };
    if (r.reason === "digest-mismatch" && /^[0-9a-f]{64}$/.test(r.actual)) {
      return { sha256: r.actual };
    }
    return { failure: r.detail };
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

async function readChecksums(
  asset: Release["assets"][number],
  run: GitHubRun,
): Promise<ChecksumObservation | string> {
  let url: URL;
  try {
    url = new URL(asset.browser_download_url);
  } catch {
    return "invalid download URL";
  }
  const refusal = refusalReason(url, assetHosts(run.ctx.config.upstream.github_api));
  if (refusal) return refusal;
  const r = await fetchBounded(url.href, {
    timeoutMs: run.ctx.config.upstream.timeout_ms,
    maxBytes: MAX_CHECKSUM_BYTES,
    signal: run.ctx.signal,
  });
  if (!r.ok) return r.message;
  const body = new TextDecoder().decode(r.body);
  return { asset: asset.name, entries: parseChecksumAsset(asset.name, body) };
}

async function observeRelease(
  release: Release,
  files: PypiFile[],
  run: GitHubRun,
  version: string,
): Promise<ReleaseObservation> {
  const byName = new Map(files.map((f) => [f.filename, f]));
  const assets: AssetObservation[] = [];
  const checksums: ChecksumObservation[] = [];
  for (const asset of release.assets.slice(0, 1000)) {
    const observed: AssetObservation = {
      name: asset.name,
      size: asset.size,
      sha256: assetSha256(asset),
      digestSource: "github",
      url: asset.browser_download_url,
    };
    const pypiFile = byName.get(asset.name);
    if (!observed.sha256) {
      observed.digestSource = "none";
      if (pypiFile && asset.size <= run.ctx.config.upstream.max_download_bytes) {
        const d = await downloadedDigest(asset.browser_download_url, pypiFile.sha256, run);
        if (d.sha256) [observed.sha256, observed.digestSource] = [d.sha256, "download"];
        else {
          run.unobservable.push({
            scope: `release:${version}`,
            reason: oneLine(`asset ${asset.name} not hashed: ${d.failure}`),
          });
        }
      }
    }
    assets.push(observed);
    if (checksumFormat(asset.name)) {
      const sums = asset.size > MAX_CHECKSUM_BYTES
        ? `larger than ${MAX_CHECKSUM_BYTES} bytes`
        : await readChecksums(asset, run);
      if (typeof sums === "string") {
        run.unobservable.push({
          scope: `release:${version}`,
          reason: oneLine(`checksum asset ${asset.name} not readable: ${sums}`),
        });
      } else checksums.push(sums);
    }
  }
  return {
    id: release.id,
    tag: release.tag_name,
    draft: release.draft,
    prerelease: release.prerelease ?? false,
    immutable: release.immutable,
    htmlUrl: release.html_url,
    publishedAt: release.published_at ?? undefined,
    assets,
    checksums,
  };
}

/** The release of a tag: from the listing, else looked up; null when there is none. */
async function findRelease(
  tag: string,
  listing: { byTag: Map<string, Release>; complete: boolean },
  run: GitHubRun,
  version: string,
): Promise<Release | null | undefined> {
  const listed = listing.byTag.get(tag);
  if (listed) return listed;
  if (listing.complete) return null;
  const r = await releaseByTag(run.gh, run.owner, run.repo, tag);
  if (r.ok) return r.data;
  if (r.reason === "not-found") return null;
  run.unobservable.push({
    scope: `release:${version}`,
    reason: oneLine(`release not readable: ${r.message}`),
  });
  return undefined;
}

/**
 * When an sdist's `setup.cfg` is not at the tag as is, compare it parsed without setuptools'
 * `[egg_info]` options (reading the tag's blob). False when that could not be established.
 */
async function establishSetupCfg(
  comparison: SourceComparison,
  sdistText: string | undefined,
  run: GitHubRun,
  file: PypiFile,
): Promise<boolean> {
  if (comparison.kind !== "sdist" || sdistText === undefined) return true;
  if (comparison.notInTag.some((e) => e.path === "setup.cfg")) {
    comparison.setupCfgEquivalent = setupCfgEquivalent(sdistText, undefined);
    return true;
  }
  const differing = comparison.differs.find((e) => e.path === "setup.cfg");
  if (!differing?.tagSha1) return true;
  const blob = await gitBlob(run.gh, run.owner, run.repo, differing.tagSha1);
  if (!blob.ok) {
    run.unobservable.push({
      scope: `source:${file.sha256}`,
      reason: oneLine(`setup.cfg at the tag not readable: ${blob.message}`),
    });
    return false;
  }
  comparison.setupCfgEquivalent = setupCfgEquivalent(
    sdistText,
    new TextDecoder().decode(blob.data),
  );
  return true;
}

async function observeSource(
  v: VersionParity,
  files: PypiFile[],
  treeSha: string,
  run: GitHubRun,
): Promise<void> {
  const candidates = files.filter((f) =>
    f.packagetype === "sdist" || (f.packagetype === "wheel" && isPureWheel(f.filename))
  );
  let tree: Tree | undefined | null;
  const loadTree = async (): Promise<Tree | null> => {
    if (tree !== undefined) return tree;
    const r = await gitTree(run.gh, run.owner, run.repo, treeSha);
    tree = r.ok ? r.data : null;
    if (!r.ok) {
      for (const f of candidates) {
        run.unobservable.push({
          scope: `source:${f.sha256}`,
          reason: oneLine(`tree at ${v.tag} not readable: ${r.message}`),
        });
      }
    } else if (r.data.truncated) {
      v.treeTruncated = true;
      for (const f of candidates) {
        run.unobservable.push({
          scope: `source:${f.sha256}`,
          reason: `the tree at ${v.tag} is too large: GitHub truncated it`,
        });
      }
      tree = null;
    }
    return tree;
  };
  for (const file of candidates) {
    const cached = await cachedComparison(run.ctx.kv, treeSha, file.sha256);
    if (cached) {
      v.source[file.sha256] = cached;
      continue;
    }
    const t = await loadTree();
    if (!t) return;
    const listing = await artifactMembers(file, run.ctx, run.project.policy);
    if (!listing.ok) {
      run.unobservable.push({
        scope: `source:${file.sha256}`,
        reason: oneLine(`${file.filename}: ${listing.reason}`),
      });
      continue;
    }
    const comparison = compareWithTree(file, listing.value, t);
    if (!await establishSetupCfg(comparison, listing.value.setupCfg, run, file)) continue;
    v.source[file.sha256] = comparison;
    if (!listing.value.truncated) await storeComparison(run.ctx.kv, comparison);
  }
}

async function observeVersion(
  version: string,
  files: PypiFile[],
  listing: { byTag: Map<string, Release>; complete: boolean } | undefined,
  run: GitHubRun,
): Promise<VersionParity> {
  const tag = tagFor(run.project.policy.tag_pattern, version);
  const uploads = files.map((f) => f.uploadTime).filter((t): t is string => !!t)
    .sort((a, b) => Date.parse(a) - Date.parse(b));
  const v: VersionParity = { version, tag, firstUpload: uploads[0], source: {} };
  const scope = `release:${version}`;
  if (listing) {
    const release = await findRelease(tag, listing, run, version);
    if (release === null) v.release = null;
    else if (release) v.release = await observeRelease(release, files, run, version);
  }
  const commit = await commitOf(run.gh, run.owner, run.repo, tag);
  if (!commit.ok) {
    if (commit.reason === "not-found" || commit.status === 422) v.tagCommit = null;
    else {
      const reason = oneLine(`tag ${tag} not readable: ${commit.message}`);
      run.unobservable.push({ scope, reason });
      // The source comparisons hang on the tag: not observed either (never "no longer found").
      for (const f of files) run.unobservable.push({ scope: `source:${f.sha256}`, reason });
    }
    return v;
  }
  const c = commit.data;
  v.tagCommit = {
    sha: c.sha,
    date: c.commit.committer?.date ?? c.commit.author?.date ?? undefined,
    treeSha: c.commit.tree.sha,
  };
  const compare = await compareRefs(run.gh, run.owner, run.repo, run.project.default_branch, tag);
  if (compare.ok) v.reachability = { status: compare.data.status, aheadBy: compare.data.ahead_by };
  else {run.unobservable.push({
      scope,
      reason: oneLine(`comparison with ${run.project.default_branch} failed: ${compare.message}`),
    });}
  await observeSource(v, files, c.commit.tree.sha, run);
  return v;
}

async function observeGitHub(
  data: ReleasesData,
  run: GitHubRun,
  byVersion: Map<string, PypiFile[]>,
): Promise<void> {
  const immutable = await immutableReleasesSetting(run.gh, run.owner, run.repo);
  if (immutable.ok) data.immutableReleases = immutable.data;
  else {
    run.unobservable.push({
      scope: "repo:immutable-releases",
      reason: oneLine(`immutable-releases setting not readable: ${immutable.message}`),
    });
  }
  const releases = await listReleases(run.gh, run.owner, run.repo, MAX_LISTED_RELEASES);
  let listing: { byTag: Map<string, Release>; complete: boolean } | undefined;
  if (releases.ok) {
    listing = {
      byTag: new Map(releases.data.map((r) => [r.tag_name, r])),
      complete: !releases.partial && releases.data.length < MAX_LISTED_RELEASES,
    };
  } else {
    run.unobservable.push({
      scope: "release",
      reason: oneLine(`releases not readable: ${releases.message}`),
    });
  }
  const limit = Math.min(4, run.ctx.config.upstream.concurrency);
  const versions = [...byVersion.entries()];
  const observed = await mapLimit(
    versions,
    limit,
    ([version, files]) => observeVersion(version, files, listing, run),
  );
  for (const v of observed) data.versions[v.version] = v;
  const results = await mapLimit(data.files, limit, (f) => githubAttestationOf(f, run));
  data.files.forEach((f, i) => {
    const entry = data.provenance.find((p) => p.sha256 === f.sha256 && p.filename === f.filename);
    if (entry) entry.githubAttestation = results[i];
  });
}

function addStats(into: RequestStats, from: RequestStats): void {
  into.requests += from.requests;
  into.notModified += from.notModified;
  into.errors += from.errors;
}

async function collect(
  project: Project,
  ctx: JobContext,
  roots: readonly TrustRoot[],
): Promise<Observation<ReleasesData>> {
  const upstream = ctx.config.upstream;
  const pypi = pypiFor(ctx);
  const unobservable: Unobservable[] = [];
  const stats: RequestStats = { requests: 0, notModified: 0, errors: 0 };
  const data: ReleasesData = {
    name: project.name,
    repository: project.github,
    defaultBranch: project.default_branch,
    files: [],
    provenance: [],
    versions: {},
  };
  const observedAt = ctx.now().toISOString();
  const done = (): Observation<ReleasesData> => {
    addStats(stats, pypi.stats);
    return { job: "releases", project: project.name, observedAt, data, unobservable, stats };
  };
  const [simple, json] = await Promise.all([pypi.simple(project.name), pypi.project(project.name)]);
  if (!simple.ok) {
    unobservable.push({ scope: "*", reason: `PyPI index not readable: ${simple.message}` });
    return done();
  }
  data.files = filesFromSimple(simple.data, json.ok ? json.data : undefined, project.name);
  const run: Run = { project, ctx, roots, pypi, unobservable };
  const limit = Math.min(4, upstream.concurrency);
  const verdicts = await mapLimit(data.files, limit, (f) => pep740Of(f, run));
  data.provenance = data.files.map((f, i): FileProvenance => ({
    version: f.version,
    filename: f.filename,
    sha256: f.sha256,
    url: f.url,
    pep740: verdicts[i],
  }));
  if (project.github) {
    const [owner, repo] = project.github.split("/");
    const gh = githubFor(ctx, USER_AGENT);
    const byVersion = new Map<string, PypiFile[]>();
    for (const f of data.files) {
      if (f.version === "unknown") continue;
      byVersion.set(f.version, [...(byVersion.get(f.version) ?? []), f]);
    }
    data.tagPins = await loadTagPins(ctx.kv, project.name);
    await observeGitHub(data, { ...run, gh, owner, repo }, byVersion);
    addStats(stats, gh.stats());
  } else {
    unobservable.push({
      scope: "release",
      reason: "no GitHub repository configured ([project] github)",
    });
    unobservable.push({
      scope: "source",
      reason: "no GitHub repository configured ([project] github)",
    });
  }
  unobservable.push(...unobservableProvenance(data.provenance));
  return done();
}

function evaluate(observation: Observation<ReleasesData>, project: Project): Finding[] {
  if (observation.unobservable.some((u) => u.scope === "*")) return [];
  const data = observation.data;
  return [
    ...runRules(RULESETS.provenance, { results: data.provenance, project }),
    ...runRules(RULESETS.parity, { data, project }),
    ...runRules(RULESETS.tags, { data }),
  ];
}

const rootsByConfig = new Map<string, Promise<TrustRoot[]>>();

/**
 * The trust roots a config names (`[sigstore] trusted_root`, `github_trusted_root`), loaded
 * once per process; the embedded public-good root when none is configured.
 */
export function configuredRoots(config: Config): Promise<readonly TrustRoot[]> {
  const { trusted_root, github_trusted_root } = config.sigstore;
  if (!trusted_root && !github_trusted_root) return Promise.resolve([publicGoodTrustRoot()]);
  const key = `${trusted_root ?? ""}\n${github_trusted_root ?? ""}`;
  let roots = rootsByConfig.get(key);
  if (!roots) {
    roots = loadTrustRoots({
      trustedRootPath: trusted_root,
      githubTrustedRootPath: github_trusted_root,
    });
    rootsByConfig.set(key, roots);
    roots.catch(() => rootsByConfig.delete(key));
  }
  return roots;
}

/** Options of {@link createReleasesJob}. */
export interface ReleasesJobOptions {
  /**
   * Sigstore trust roots (`loadTrustRoots` in `src/sigstore/mod.ts`): public-good by default;
   * add GitHub's root to verify attestations GitHub's own Fulcio signed (private repositories).
   * Attestations from a CA of no root are reported as not observable.
   */
  roots?: readonly TrustRoot[];
}

/**
 * Build the releases job with its trust roots.
 *
 * @example
 * ```ts
 * const job = createReleasesJob({ roots: await loadTrustRoots({ githubTrustedRootPath }) });
 * ```
 */
export function createReleasesJob(options: ReleasesJobOptions = {}): Job<ReleasesData> {
  return {
    name: "releases",
    collect: async (project, ctx) =>
      collect(project, ctx, options.roots ?? await configuredRoots(ctx.config)),
    evaluate,
    changes: (_previous, next) => tagChanges(next),
  };
}

/** The release-parity and provenance sweep, with the public-good trust root. */
export const releasesJob: Job<ReleasesData> = createReleasesJob();
