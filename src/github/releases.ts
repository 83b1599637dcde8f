/**
 * GitHub reads for release parity: releases (with their assets and `digest`s), the repository's
 * immutable-releases setting, the commit a tag points to, the comparison of the default branch
 * with a tag, recursive git trees (blob SHA-1s), artifact attestations, and the parsing of
 * checksum assets (`SHA256SUMS`, `*.sha256`, `dist-manifest.json`).
 *
 * Every upstream body is validated with zod and bounded; failures are {@link GitHubResult}
 * values, never exceptions.
 *
 * @example
 * ```ts
 * const releases = await listReleases(gh, "acme", "tool");
 * if (releases.ok) console.log(releases.data.map((r) => r.tag_name));
 * ```
 * @module
 */
import { z } from "zod";
import type { GitHubClient, GitHubResult } from "./client.ts";

const text = (max: number) => z.string().max(max);
const HEX40 = /^[0-9a-f]{40}$/;

/** One release asset (`GET /repos/{o}/{r}/releases/{id}/assets` item). */
export const ReleaseAssetSchema = z.object({
  id: z.number().int(),
  name: text(1000),
  label: text(1000).nullish(),
  state: text(50).optional(),
  content_type: text(200).optional(),
  size: z.number().int().min(0),
  /** `sha256:<hex>` since 2025; null for older assets. */
  digest: text(200).nullish(),
  browser_download_url: text(4000),
  url: text(4000).optional(),
  created_at: text(64).optional(),
  updated_at: text(64).optional(),
}).passthrough();
/** See {@link ReleaseAssetSchema}. */
export type ReleaseAsset = z.infer<typeof ReleaseAssetSchema>;

/** A release (`GET /repos/{o}/{r}/releases/tags/{tag}`). */
export const ReleaseSchema = z.object({
  id: z.number().int(),
  tag_name: text(1000),
  name: text(2000).nullish(),
  draft: z.boolean(),
  prerelease: z.boolean().optional(),
  /** Absent on servers that predate immutable releases. */
  immutable: z.boolean().optional(),
  html_url: text(4000).optional(),
  target_commitish: text(1000).optional(),
  created_at: text(64).nullish(),
  published_at: text(64).nullish(),
  assets: z.array(ReleaseAssetSchema).max(10_000).default([]),
}).passthrough();
/** See {@link ReleaseSchema}. */
export type Release = z.infer<typeof ReleaseSchema>;

/** `GET /repos/{o}/{r}/immutable-releases`. */
export const ImmutableReleasesSchema = z.object({
  enabled: z.boolean(),
  enforced_by_owner: z.boolean().optional(),
}).passthrough();
/** See {@link ImmutableReleasesSchema}. */
export type ImmutableReleases = z.infer<typeof ImmutableReleasesSchema>;

const GitActorSchema = z.object({ date: text(64).optional() }).passthrough().nullish();

/** A commit (`GET /repos/{o}/{r}/commits/{ref}`), only the fields parity needs. */
export const CommitSchema = z.object({
  sha: z.string().regex(HEX40),
  commit: z.object({
    author: GitActorSchema,
    committer: GitActorSchema,
    tree: z.object({ sha: z.string().regex(HEX40) }).passthrough(),
  }).passthrough(),
}).passthrough();
/** See {@link CommitSchema}. */
export type Commit = z.infer<typeof CommitSchema>;

/** `GET /repos/{o}/{r}/compare/{base}...{head}`, without the commit and file lists. */
export const CompareSchema = z.object({
  status: z.enum(["diverged", "ahead", "behind", "identical"]),
  ahead_by: z.number().int().min(0),
  behind_by: z.number().int().min(0),
  total_commits: z.number().int().min(0).optional(),
}).passthrough();
/** See {@link CompareSchema}. */
export type Compare = z.infer<typeof CompareSchema>;

/** One entry of a git tree. */
export const TreeEntrySchema = z.object({
  path: text(4096),
  mode: text(10),
  type: z.enum(["blob", "tree", "commit"]),
  sha: z.string().regex(HEX40),
  size: z.number().int().min(0).optional(),
}).passthrough();
/** See {@link TreeEntrySchema}. */
export type TreeEntry = z.infer<typeof TreeEntrySchema>;

/** `GET /repos/{o}/{r}/git/trees/{sha}?recursive=1`. */
export const TreeSchema = z.object({
  sha: z.string().regex(HEX40),
  truncated: z.boolean(),
  tree: z.array(TreeEntrySchema).max(500_000),
}).passthrough();
/** See {@link TreeSchema}. */
export type Tree = z.infer<typeof TreeSchema>;

/** `GET /repos/{o}/{r}/git/blobs/{sha}`. */
export const BlobSchema = z.object({
  sha: z.string().regex(HEX40),
  size: z.number().int().min(0),
  encoding: z.string().max(20),
  content: z.string().max(2 * 1024 * 1024),
}).passthrough();
/** See {@link BlobSchema}. */
export type Blob = z.infer<typeof BlobSchema>;

/**
 * One git blob's bytes (small files only: the content is bounded to ~1.5 MiB).
 *
 * @example
 * ```ts
 * const b = await gitBlob(gh, "acme", "tool", sha);
 * if (b.ok) new TextDecoder().decode(b.data);
 * ```
 */
export async function gitBlob(
  gh: GitHubClient,
  owner: string,
  repo: string,
  sha: string,
): Promise<GitHubResult<Uint8Array>> {
  const r = await gh.get(
    "GET /repos/{owner}/{repo}/git/blobs/{file_sha}",
    { owner, repo, file_sha: sha },
    BlobSchema,
  );
  if (!r.ok) return r;
  if (r.data.encoding === "utf-8") {
    return { ...r, data: new TextEncoder().encode(r.data.content) };
  }
  if (r.data.encoding !== "base64") {
    return { ok: false, status: r.status, reason: "error", message: "unknown blob encoding" };
  }
  try {
    const binary = atob(r.data.content.replace(/\s+/g, ""));
    return { ...r, data: Uint8Array.from(binary, (ch) => ch.charCodeAt(0)) };
  } catch {
    return { ok: false, status: r.status, reason: "error", message: "blob content is not base64" };
  }
}

/** Raw attestations list; `src/sigstore/github_attestation.ts` validates it further. */
const AttestationsRawSchema = z.object({ attestations: z.array(z.unknown()).max(1000) })
  .passthrough();

/**
 * Every release of a repository (drafts included when the token may see them), bounded.
 *
 * @example
 * ```ts
 * const r = await listReleases(gh, "acme", "tool", 1000);
 * ```
 */
export function listReleases(
  gh: GitHubClient,
  owner: string,
  repo: string,
  maxItems = 1000,
): Promise<GitHubResult<Release[]>> {
  return gh.paginate("GET /repos/{owner}/{repo}/releases", { owner, repo }, ReleaseSchema, {
    maxItems,
    partialOk: true, // the releases job looks a tag up by itself when it is not in the listing
  });
}

/**
 * The published release of a tag (drafts are not served by this endpoint: 404).
 *
 * @example
 * ```ts
 * const r = await releaseByTag(gh, "acme", "tool", "v1.0.0");
 * ```
 */
export function releaseByTag(
  gh: GitHubClient,
  owner: string,
  repo: string,
  tag: string,
): Promise<GitHubResult<Release>> {
  return gh.get(
    "GET /repos/{owner}/{repo}/releases/tags/{tag}",
    { owner, repo, tag },
    ReleaseSchema,
  );
}

/**
 * Whether the repository creates immutable releases.
 *
 * @example
 * ```ts
 * const r = await immutableReleases(gh, "acme", "tool"); // r.data.enabled
 * ```
 */
export function immutableReleases(
  gh: GitHubClient,
  owner: string,
  repo: string,
): Promise<GitHubResult<ImmutableReleases>> {
  return gh.get(
    "GET /repos/{owner}/{repo}/immutable-releases",
    { owner, repo },
    ImmutableReleasesSchema,
  );
}

/** Repository permissions of the token (`GET /repos/{o}/{r}` `permissions`). */
const RepoPermissionsSchema = z.object({
  permissions: z.object({ admin: z.boolean().optional() }).passthrough().optional(),
}).passthrough();

/**
 * The immutable-releases setting, judged the same way by every job. GitHub documents the 404
 * of `GET /repos/{o}/{r}/immutable-releases` as "not enabled", but it also answers 404 to a
 * token without admin read access; so a 404 means "off" only when the repository says the token
 * is an admin (`isAdmin`, or read from `GET /repos/{o}/{r}`, a cached request), and is
 * "not observable" otherwise.
 *
 * @example
 * ```ts
 * const r = await immutableReleasesSetting(gh, "acme", "tool");
 * if (r.ok) console.log(r.data.enabled); // false after an admin's 404
 * ```
 */
export async function immutableReleasesSetting(
  gh: GitHubClient,
  owner: string,
  repo: string,
  isAdmin?: boolean,
): Promise<GitHubResult<ImmutableReleases>> {
  const r = await immutableReleases(gh, owner, repo);
  if (r.ok || r.reason !== "not-found") return r;
  let admin = isAdmin;
  if (admin === undefined) {
    const info = await gh.get("GET /repos/{owner}/{repo}", { owner, repo }, RepoPermissionsSchema);
    admin = info.ok ? info.data.permissions?.admin : undefined;
  }
  if (admin === true) {
    return { ok: true, status: 404, data: { enabled: false }, notModified: false };
  }
  return {
    ...r,
    reason: "not-observable",
    message: "not observable with this token (404 from an endpoint that needs admin access)",
  };
}

/**
 * The commit a tag (or any ref) points to, peeled.
 *
 * @example
 * ```ts
 * const c = await commitOf(gh, "acme", "tool", "v1.0.0"); // c.data.commit.tree.sha
 * ```
 */
export function commitOf(
  gh: GitHubClient,
  owner: string,
  repo: string,
  ref: string,
): Promise<GitHubResult<Commit>> {
  return gh.get("GET /repos/{owner}/{repo}/commits/{ref}", { owner, repo, ref }, CommitSchema);
}

/**
 * Compare `base...head`: `behind`/`identical` means head is reachable from base.
 *
 * @example
 * ```ts
 * const c = await compareRefs(gh, "acme", "tool", "main", "v1.0.0"); // c.data.status
 * ```
 */
export function compareRefs(
  gh: GitHubClient,
  owner: string,
  repo: string,
  base: string,
  head: string,
): Promise<GitHubResult<Compare>> {
  return gh.get(
    "GET /repos/{owner}/{repo}/compare/{basehead}",
    { owner, repo, basehead: `${base}...${head}`, per_page: 1 },
    CompareSchema,
  );
}

/**
 * A recursive git tree (blob SHA-1s of every file), `truncated` when GitHub cut it short.
 *
 * @example
 * ```ts
 * const t = await gitTree(gh, "acme", "tool", commit.commit.tree.sha);
 * ```
 */
export function gitTree(
  gh: GitHubClient,
  owner: string,
  repo: string,
  treeSha: string,
): Promise<GitHubResult<Tree>> {
  return gh.get(
    "GET /repos/{owner}/{repo}/git/trees/{tree_sha}",
    { owner, repo, tree_sha: treeSha, recursive: 1 },
    TreeSchema,
  );
}

/**
 * Artifact attestations for a file digest; a 404 (GitHub's answer when there are none) is an
 * empty list.
 *
 * @example
 * ```ts
 * const a = await attestationsFor(gh, "acme", "tool", sha256Hex);
 * ```
 */
export async function attestationsFor(
  gh: GitHubClient,
  owner: string,
  repo: string,
  sha256: string,
): Promise<GitHubResult<unknown>> {
  const r = await gh.get(
    "GET /repos/{owner}/{repo}/attestations/{subject_digest}",
    { owner, repo, subject_digest: `sha256:${sha256}` },
    AttestationsRawSchema,
  );
  if (!r.ok && r.reason === "not-found") {
    return { ok: true, status: 404, data: { attestations: [] }, notModified: false };
  }
  return r;
}

/**
 * `sha256:<hex>` of an asset as lowercase hex, or undefined when absent or another algorithm.
 *
 * @example
 * ```ts
 * assetSha256({ digest: "sha256:AB..." }); // "ab..."
 * ```
 */
export function assetSha256(asset: Pick<ReleaseAsset, "digest">): string | undefined {
  const m = /^sha256:([0-9a-fA-F]{64})$/.exec(asset.digest ?? "");
  return m ? m[1].toLowerCase() : undefined;
}

/** One line of a checksum asset: a file name and its SHA-256. */
export interface ChecksumEntry {
  filename: string;
  sha256: string;
}

/** Checksum asset formats understood by {@link parseChecksumAsset}. */
export type ChecksumFormat = "sha256sums" | "sha256-file" | "dist-manifest";

/**
 * Which checksum format an asset name denotes, if any.
 *
 * @example
 * ```ts
 * checksumFormat("SHA256SUMS.txt"); // "sha256sums"
 * checksumFormat("pkg-1.0.tar.gz.sha256"); // "sha256-file"
 * ```
 */
export function checksumFormat(name: string): ChecksumFormat | undefined {
  const lower = name.toLowerCase();
  if (lower === "dist-manifest.json") return "dist-manifest";
  if (/^(sha256sums|sha256sum|checksums?)(\.txt)?$/.test(lower)) return "sha256sums";
  if (/^[^/]*[-_.](sha256sums|checksums)(\.txt)?$/.test(lower)) return "sha256sums";
  if (lower.endsWith(".sha256")) return "sha256-file";
  return undefined;
}

const MAX_CHECKSUM_LINES = 10_000;

/**
 * Parse a checksum asset. `SHA256SUMS`: `<hex>  <name>` or `<hex> *<name>` per line (GNU
 * coreutils and BSD `SHA256 (name) = hex` forms). `<file>.sha256`: the hex, optionally followed
 * by the name (the asset name without `.sha256` otherwise). `dist-manifest.json` (cargo-dist):
 * `artifacts.<name>.checksums.sha256`. Unparseable lines are skipped.
 *
 * @example
 * ```ts
 * parseChecksumAsset("SHA256SUMS", `${"a".repeat(64)}  x-1.0.tar.gz\n`);
 * // [{ filename: "x-1.0.tar.gz", sha256: "aaaa..." }]
 * ```
 */
export function parseChecksumAsset(assetName: string, body: string): ChecksumEntry[] {
  const format = checksumFormat(assetName);
  if (format === "dist-manifest") return parseDistManifest(body);
  if (!format) return [];
  const out: ChecksumEntry[] = [];
  const lines = body.split(/\r?\n/).slice(0, MAX_CHECKSUM_LINES);
  for (const raw of lines) {
    const line = raw.trim();
    const gnu = /^([0-9a-fA-F]{64})(?:\s+\*?(.+))?$/.exec(line);
    const bsd = /^SHA256 \((.+)\) = ([0-9a-fA-F]{64})$/.exec(line);
    let filename: string | undefined;
    let sha256: string | undefined;
    if (gnu) [sha256, filename] = [gnu[1], gnu[2]];
    else if (bsd) [filename, sha256] = [bsd[1], bsd[2]];
    if (!sha256) continue;
    if (!filename && format === "sha256-file") filename = assetName.replace(/\.sha256$/i, "");
    if (!filename) continue;
    const base = filename.trim().replace(/^\.\//, "").split("/").pop() ?? "";
    if (base.length === 0 || base.length > 1000) continue;
    out.push({ filename: base, sha256: sha256.toLowerCase() });
  }
  return out;
}

const DistManifestSchema = z.object({
  artifacts: z.record(
    z.string().max(1000),
    z.object({
      name: z.string().max(1000).optional(),
      checksums: z.record(z.string().max(50), z.string().max(200)).optional(),
    }).passthrough(),
  ),
}).passthrough();

function parseDistManifest(body: string): ChecksumEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return [];
  }
  const parsed = DistManifestSchema.safeParse(json);
  if (!parsed.success) return [];
  const out: ChecksumEntry[] = [];
  for (
    const [key, artifact] of Object.entries(parsed.data.artifacts).slice(0, MAX_CHECKSUM_LINES)
  ) {
    const sha256 = artifact.checksums?.sha256;
    if (!sha256 || !/^[0-9a-fA-F]{64}$/.test(sha256)) continue;
    out.push({ filename: artifact.name ?? key, sha256: sha256.toLowerCase() });
  }
  return out;
}

/**
 * Hosts release assets may be downloaded from, for an API base URL: github.com's download and
 * storage hosts for the public API, the API's own host otherwise (GitHub Enterprise, sandbox).
 *
 * @example
 * ```ts
 * assetHosts("https://api.github.com"); // ["github.com", "objects.githubusercontent.com", ...]
 * ```
 */
export function assetHosts(apiBaseUrl: string): string[] {
  return hostsFor(apiBaseUrl, [
    "github.com",
    "objects.githubusercontent.com",
    "release-assets.githubusercontent.com",
  ]);
}

/**
 * Hosts GitHub serves attestation bundles from when the attestations API only links them
 * (`bundle_url`): its blob storage for the public API, the API's own host otherwise.
 *
 * @example
 * ```ts
 * attestationBundleHosts("https://api.github.com"); // ["tmaproduction.blob.core.windows.net"]
 * ```
 */
export function attestationBundleHosts(apiBaseUrl: string): string[] {
  return hostsFor(apiBaseUrl, ["tmaproduction.blob.core.windows.net"]);
}

function hostsFor(apiBaseUrl: string, publicHosts: string[]): string[] {
  const url = new URL(apiBaseUrl);
  if (url.hostname === "api.github.com") return publicHosts;
  return [url.port ? `${url.hostname}:${url.port}` : url.hostname];
}
