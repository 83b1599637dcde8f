/**
 * Sandbox GitHub responses for release parity, in the shapes of GitHub's documented examples:
 * releases (list and by tag) with assets carrying `digest`, the immutable-releases setting,
 * the commit of each tag, `compare/{default}...{tag}`, recursive git trees whose blob SHA-1s
 * are computed from the very files the sandbox artifacts were built from (the sdist's members,
 * minus what the build generated) and those blobs, and the attestations endpoint (empty, or
 * 404).
 *
 * `hardened: true` models a project whose releases match PyPI in every respect (no parity
 * finding); `hardened: false` models the signals of a hijacked project: the newest version has
 * neither tag nor release, older releases are mutable, carry a rebuilt wheel and an extra
 * asset, their checksums disagree, their tag is off the default branch and dated after the
 * upload, and the tag's tree lacks the package's `__init__.py`.
 *
 * @example
 * ```ts
 * const sandbox = await startSandbox(scenario);
 * const routes = await githubReleaseRoutes(scenario.projects[0], {
 *   hardened: true, githubUrl: sandbox.githubUrl, pypiUrl: sandbox.pypiUrl });
 * for (const [path, body] of routes) sandbox.scenario.github.set(path, body);
 * ```
 * @module
 */
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import tar from "tar-stream";
import { listedDigest, type SandboxFile, type SandboxProject } from "./scenario.ts";
import { gitBlobSha1, sha256Hex } from "./artifacts.ts";
import { concatBytes } from "../bytes.ts";

/** Options of {@link githubReleaseRoutes}. */
export interface GithubReleaseRouteOptions {
  /** Serve a repository whose releases match PyPI (true) or a hijacked one (false). */
  hardened: boolean;
  /** The sandbox's GitHub API base (`Sandbox.githubUrl`), for API and download URLs. */
  githubUrl: string;
  /** The sandbox's PyPI base (`Sandbox.pypiUrl`): release assets download from its `/files`. */
  pypiUrl: string;
  /** Edit a version's source files (path → bytes) before its tree is built. */
  editSources?: (version: string, files: Map<string, Uint8Array>) => void;
}

const OCTOCAT = {
  login: "octocat",
  id: 1,
  node_id: "MDQ6VXNlcjE=",
  avatar_url: "https://github.com/images/error/octocat_happy.gif",
  gravatar_id: "",
  url: "https://api.github.com/users/octocat",
  html_url: "https://github.com/octocat",
  type: "User",
  site_admin: false,
};

const encoder = new TextEncoder();

function sha1Hex(data: Uint8Array | string): string {
  return createHash("sha1").update(data).digest("hex");
}

/** Files of an sdist (top folder removed), without what the build generated. */
export async function sdistSources(bytes: Uint8Array): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  const extract = tar.extract();
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Uint8Array[] = [];
      for await (const chunk of entry as AsyncIterable<Uint8Array>) chunks.push(chunk);
      if (entry.header.type !== "file") continue;
      const name = entry.header.name.replace(/^\.\//, "");
      const path = name.slice(name.indexOf("/") + 1);
      if (path === "PKG-INFO" || path.split("/").some((p) => p.endsWith(".egg-info"))) continue;
      out.set(path, concatBytes(chunks));
    }
  })();
  extract.end(gunzipSync(bytes));
  await done;
  return out;
}

/** A git tree listing (recursive) for files, with their folders. */
export function treeOf(files: Map<string, Uint8Array>, url: string) {
  const entries: Record<string, unknown>[] = [];
  const dirs = new Set<string>();
  for (const path of files.keys()) {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
  }
  for (const dir of dirs) {
    entries.push({ path: dir, mode: "040000", type: "tree", sha: sha1Hex(`tree ${dir}`) });
  }
  for (const [path, bytes] of files) {
    const sha = gitBlobSha1(bytes);
    entries.push({ path, mode: "100644", type: "blob", sha, size: bytes.byteLength, url });
  }
  entries.sort((a, b) => String(a.path).localeCompare(String(b.path)));
  const sha = sha1Hex(JSON.stringify(entries));
  return { sha, url: `${url}/git/trees/${sha}`, tree: entries, truncated: false };
}

function asset(id: number, name: string, size: number, digest: string | null, download: string) {
  return {
    url: `${download.split("/releases/")[0]}/releases/assets/${id}`,
    browser_download_url: download,
    id,
    node_id: `RA_${id}`,
    name,
    label: "",
    state: "uploaded",
    content_type: "application/octet-stream",
    size,
    digest,
    download_count: 0,
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    uploader: OCTOCAT,
  };
}

function fileDownloadUrl(pypiUrl: string, file: SandboxFile): string {
  return `${pypiUrl}/files/${listedDigest(file)}/${encodeURIComponent(file.filename)}`;
}

function shiftTime(iso: string, ms: number): string {
  return new Date(Date.parse(iso) + ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Sources of a release: its sdist's files (none for a wheel-only release). */
async function releaseSources(files: SandboxFile[]): Promise<Map<string, Uint8Array>> {
  const sdist = files.find((f) => f.filename.endsWith(".tar.gz"));
  if (sdist) return await sdistSources(sdist.bytes);
  return new Map();
}

/**
 * GitHub routes (path → JSON body) for a sandbox project's release parity checks.
 *
 * @example
 * ```ts
 * const routes = await githubReleaseRoutes(project, { hardened: false, githubUrl, pypiUrl });
 * routes.has(`/repos/${project.github}/immutable-releases`); // true
 * ```
 */
export async function githubReleaseRoutes(
  project: SandboxProject,
  opts: GithubReleaseRouteOptions,
): Promise<Map<string, unknown>> {
  const routes = new Map<string, unknown>();
  if (!project.github) return routes;
  const repoPath = `/repos/${project.github}`;
  const api = `${opts.githubUrl}${repoPath}`;
  const config = project.config as {
    default_branch?: string;
    policy?: { tag_pattern?: string };
  };
  const branch = config.default_branch ?? "main";
  const pattern = config.policy?.tag_pattern ?? "v{version}";
  const releases: Record<string, unknown>[] = [];
  const newest = project.releases[project.releases.length - 1]?.version;
  let assetId = 1;
  for (const [index, rel] of project.releases.entries()) {
    const tag = pattern.replaceAll("{version}", rel.version);
    const hijacked = !opts.hardened && rel.version === newest;
    if (hijacked) continue; // uploaded with a token: no tag, no release
    const upload = rel.files.map((f) => f.uploadTime).sort()[0] ?? "2026-01-01T00:00:00Z";
    const sources = await releaseSources(rel.files);
    if (!opts.hardened) {
      for (const path of [...sources.keys()]) {
        if (path.endsWith("/__init__.py")) sources.delete(path);
      }
    }
    opts.editSources?.(rel.version, sources);
    const tree = treeOf(sources, api);
    routes.set(`${repoPath}/git/trees/${tree.sha}`, tree);
    for (const bytes of sources.values()) {
      const sha = gitBlobSha1(bytes);
      routes.set(`${repoPath}/git/blobs/${sha}`, {
        sha,
        node_id: `B_${sha.slice(0, 12)}`,
        size: bytes.byteLength,
        url: `${api}/git/blobs/${sha}`,
        content: Buffer.from(bytes).toString("base64"),
        encoding: "base64",
      });
    }

    const commitSha = project.tagCommits?.[rel.version] ??
      sha1Hex(`commit ${project.name} ${tag}`);
    const date = shiftTime(upload, opts.hardened ? -3600_000 : 86_400_000);
    const actor = { name: "Release Bot", email: "release@example.invalid", date };
    const commit = {
      sha: commitSha,
      node_id: `C_${commitSha.slice(0, 12)}`,
      url: `${api}/commits/${commitSha}`,
      html_url: `https://github.com/${project.github}/commit/${commitSha}`,
      commit: {
        author: actor,
        committer: actor,
        message: `Release ${rel.version}`,
        tree: { sha: tree.sha, url: tree.url },
        comment_count: 0,
      },
      parents: [],
      files: [],
    };
    routes.set(`${repoPath}/commits/${tag}`, commit);
    const isLast = index === project.releases.length - 1;
    const status = !opts.hardened ? "diverged" : isLast ? "identical" : "behind";
    routes.set(`${repoPath}/compare/${branch}...${tag}`, {
      url: `${api}/compare/${branch}...${tag}`,
      html_url: `https://github.com/${project.github}/compare/${branch}...${tag}`,
      status,
      ahead_by: status === "diverged" ? 2 : 0,
      behind_by: status === "behind"
        ? project.releases.length - 1 - index
        : status === "diverged"
        ? 5
        : 0,
      total_commits: status === "diverged" ? 2 : 0,
      base_commit: commit,
      merge_base_commit: commit,
      commits: [],
      files: [],
    });

    const download = (name: string) =>
      `${opts.githubUrl}${repoPath}/releases/download/${tag}/${name}`;
    // The oldest release predates asset digests (null): the auditor downloads and hashes.
    const withDigest = index > 0 || !opts.hardened;
    const assets = rel.files.map((f) => {
      const real = listedDigest(f);
      const rebuilt = !opts.hardened && f.filename.endsWith(".whl");
      const sha = rebuilt ? sha256Hex(`rebuilt by CI: ${real}`) : real;
      return asset(
        assetId++,
        f.filename,
        f.bytes.byteLength,
        withDigest ? `sha256:${sha}` : null,
        fileDownloadUrl(opts.pypiUrl, f),
      );
    });
    const manifest = {
      dist_version: "0.28.0",
      announcement_tag: tag,
      artifacts: Object.fromEntries(rel.files.map((f) => [f.filename, {
        name: f.filename,
        kind: "installer",
        checksums: {
          sha256: opts.hardened ? listedDigest(f) : sha256Hex(`other build: ${f.filename}`),
        },
      }])),
    };
    routes.set(`${repoPath}/releases/download/${tag}/dist-manifest.json`, manifest);
    const manifestBytes = encoder.encode(JSON.stringify(manifest));
    assets.push(
      asset(
        assetId++,
        "dist-manifest.json",
        manifestBytes.byteLength,
        `sha256:${sha256Hex(manifestBytes)}`,
        download("dist-manifest.json"),
      ),
    );
    if (!opts.hardened) {
      assets.push(
        asset(
          assetId++,
          "install.sh",
          120,
          `sha256:${sha256Hex("install.sh")}`,
          download("install.sh"),
        ),
      );
    }
    const id = index + 1;
    const release = {
      url: `${api}/releases/${id}`,
      html_url: `https://github.com/${project.github}/releases/tag/${tag}`,
      assets_url: `${api}/releases/${id}/assets`,
      upload_url: `https://uploads.github.com${repoPath}/releases/${id}/assets{?name,label}`,
      tarball_url: `${api}/tarball/${tag}`,
      zipball_url: `${api}/zipball/${tag}`,
      id,
      node_id: `RE_${id}`,
      tag_name: tag,
      target_commitish: branch,
      name: tag,
      body: `Release ${rel.version}`,
      draft: false,
      prerelease: false,
      immutable: opts.hardened,
      created_at: upload,
      published_at: upload,
      author: OCTOCAT,
      assets,
    };
    releases.push(release);
    routes.set(`${repoPath}/releases/tags/${tag}`, release);
    routes.set(`${repoPath}/releases/${id}/assets`, assets);
  }
  routes.set(`${repoPath}/releases`, releases.slice().reverse());
  routes.set(`${repoPath}/immutable-releases`, {
    enabled: opts.hardened,
    enforced_by_owner: false,
  });
  if (opts.hardened) {
    for (const rel of project.releases) {
      for (const f of rel.files) {
        routes.set(`${repoPath}/attestations/sha256%3A${listedDigest(f)}`, { attestations: [] });
      }
    }
  }
  return routes;
}
