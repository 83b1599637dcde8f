/**
 * The sandbox upstream: a local Hono server on 127.0.0.1 that speaks the parts of the PyPI
 * JSON API, Simple API (PEP 691 JSON and PEP 503 HTML), Integrity API, file hosting and the
 * GitHub REST API that the auditor reads, serving one scenario. Demo and integration tests run
 * against it; nothing here is used against real services.
 *
 * @example
 * ```ts
 * const sandbox = await startSandbox(await defaultScenario());
 * console.log(sandbox.pypiUrl, sandbox.githubUrl);
 * await sandbox.close();
 * ```
 * @module
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { normalizeName } from "../config.ts";
import {
  listedDigest,
  type SandboxFile,
  type SandboxProject,
  sandboxTag,
  type Scenario,
} from "./scenario.ts";
import { sandboxBranch } from "./tags.ts";
import { gitBlobSha1, sha256Hex } from "./artifacts.ts";
import { SandboxResponse } from "./github_posture.ts";
import { githubRouteKey } from "./github_access.ts";

/** Options of {@link startSandbox}. */
export interface SandboxOptions {
  /** Added to every response (for latency benchmarks). */
  latencyMs?: number;
  port?: number;
}

/** A running sandbox. */
export interface Sandbox {
  /** Base URL of the PyPI side (`[upstream] pypi`). */
  pypiUrl: string;
  /** Base URL of the GitHub API side (`[upstream] github_api`). */
  githubUrl: string;
  /** Host:port of file downloads (`[upstream] file_hosts`). */
  fileHost: string;
  /** Requests served so far, by path prefix. */
  readonly requests: { total: number; notModified: number };
  /** The scenario being served; tests may mutate it between sweeps. */
  scenario: Scenario;
  close(): Promise<void>;
}

function findProject(scenario: Scenario, name: string): SandboxProject | undefined {
  const wanted = normalizeName(name);
  return scenario.projects.find((p) => normalizeName(p.name) === wanted);
}

function fileUrl(base: string, file: SandboxFile): string {
  return `${base}/files/${listedDigest(file)}/${encodeURIComponent(file.filename)}`;
}

function packagetype(filename: string): string {
  return filename.endsWith(".whl") ? "bdist_wheel" : "sdist";
}

function provenanceUrl(base: string, project: SandboxProject, version: string, file: SandboxFile) {
  return `${base}/integrity/${encodeURIComponent(project.name)}/${encodeURIComponent(version)}/${
    encodeURIComponent(file.filename)
  }/provenance`;
}

function jsonFile(base: string, file: SandboxFile) {
  const sha256 = listedDigest(file);
  return {
    comment_text: "",
    digests: { md5: sha256.slice(0, 32), sha256 },
    downloads: -1,
    filename: file.filename,
    has_sig: false,
    md5_digest: sha256.slice(0, 32),
    packagetype: packagetype(file.filename),
    python_version: file.filename.endsWith(".whl") ? "py3" : "source",
    requires_python: ">=3.9",
    size: file.bytes.byteLength,
    upload_time: file.uploadTime.replace(/Z$/, "").slice(0, 19),
    upload_time_iso_8601: file.uploadTime,
    url: fileUrl(base, file),
    yanked: file.yanked !== undefined && file.yanked !== false,
    yanked_reason: typeof file.yanked === "string" ? file.yanked : null,
  };
}

/** `/pypi/<name>/json` in the JSON API's shape. */
export function projectJson(base: string, project: SandboxProject) {
  const latest = project.releases[project.releases.length - 1];
  return {
    info: {
      author: "",
      author_email: project.authorEmail ?? "",
      maintainer: "",
      maintainer_email: project.maintainerEmail ?? "",
      name: project.name,
      summary: project.summary,
      version: latest?.version ?? "0",
      requires_python: ">=3.9",
      project_urls: project.github ? { Source: `https://github.com/${project.github}` } : {},
      yanked: false,
    },
    last_serial: 0,
    ownership: project.ownership,
    releases: Object.fromEntries(
      project.releases.map((r) => [r.version, r.files.map((f) => jsonFile(base, f))]),
    ),
    urls: (latest?.files ?? []).map((f) => jsonFile(base, f)),
    vulnerabilities: [],
  };
}

/** `/simple/<name>/` in PEP 691 JSON. */
export function simpleJson(base: string, project: SandboxProject) {
  return {
    meta: { "_last-serial": 0, "api-version": "1.4" },
    name: normalizeName(project.name),
    versions: project.releases.map((r) => r.version),
    files: project.releases.flatMap((r) =>
      r.files.map((f) => ({
        filename: f.filename,
        hashes: { sha256: listedDigest(f) },
        "requires-python": ">=3.9",
        size: f.bytes.byteLength,
        "upload-time": f.uploadTime,
        url: fileUrl(base, f),
        yanked: f.yanked ?? false,
        provenance: f.provenance ? provenanceUrl(base, project, r.version, f) : null,
      }))
    ),
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** `/simple/<name>/` in PEP 503 HTML. */
export function simpleHtml(base: string, project: SandboxProject): string {
  const links = project.releases.flatMap((r) =>
    r.files.map((f) => {
      const href = `${fileUrl(base, f)}#sha256=${listedDigest(f)}`;
      const yanked = f.yanked
        ? ` data-yanked="${escapeHtml(String(f.yanked === true ? "" : f.yanked))}"`
        : "";
      return `<a href="${escapeHtml(href)}" data-requires-python="&gt;=3.9"${yanked}>${
        escapeHtml(f.filename)
      }</a><br/>`;
    })
  );
  return `<!DOCTYPE html><html><body><h1>Links for ${escapeHtml(project.name)}</h1>${
    links.join("\n")
  }</body></html>`;
}

function conditional(
  c: Context,
  body: string,
  contentType: string,
  counter: { notModified: number },
) {
  const etag = `"${sha256Hex(new TextEncoder().encode(body)).slice(0, 32)}"`;
  if (c.req.header("if-none-match") === etag) {
    counter.notModified++;
    return c.body(null, 304, { etag });
  }
  return c.body(body, 200, { "content-type": contentType, etag });
}

/** The sandbox's Hono app (exported for in-process tests). */
export function sandboxApp(
  state: { scenario: Scenario; base: string; latencyMs: number; requests: Sandbox["requests"] },
) {
  const app = new Hono();
  app.use("*", async (_c, next) => {
    state.requests.total++;
    if (state.latencyMs > 0) await new Promise((r) => setTimeout(r, state.latencyMs));
    await next();
  });

  app.get("/pypi/:name/json", (c) => {
    const project = findProject(state.scenario, c.req.param("name"));
    if (!project) return c.json({ message: "Not Found" }, 404);
    return conditional(
      c,
      JSON.stringify(projectJson(state.base, project)),
      "application/json",
      state.requests,
    );
  });

  app.get("/simple/:name/", (c) => {
    const project = findProject(state.scenario, c.req.param("name"));
    if (!project) return c.text("Not Found", 404);
    const accept = c.req.header("accept") ?? "";
    if (accept.includes("application/vnd.pypi.simple.v1+json")) {
      return conditional(
        c,
        JSON.stringify(simpleJson(state.base, project)),
        "application/vnd.pypi.simple.v1+json",
        state.requests,
      );
    }
    return conditional(
      c,
      simpleHtml(state.base, project),
      "text/html; charset=utf-8",
      state.requests,
    );
  });

  app.get("/integrity/:name/:version/:filename/provenance", (c) => {
    const project = findProject(state.scenario, c.req.param("name"));
    const release = project?.releases.find((r) => r.version === c.req.param("version"));
    const file = release?.files.find((f) => f.filename === c.req.param("filename"));
    if (!file?.provenance) return c.json({ message: "Not Found" }, 404);
    return c.json(file.provenance);
  });

  app.get("/files/:sha256/:filename", (c) => {
    for (const project of state.scenario.projects) {
      for (const release of project.releases) {
        for (const file of release.files) {
          if (
            listedDigest(file) === c.req.param("sha256") &&
            file.filename === c.req.param("filename")
          ) {
            return c.body(file.bytes.slice(), 200, {
              "content-type": "application/octet-stream",
              "content-length": String(file.bytes.byteLength),
            });
          }
        }
      }
    }
    return c.text("Not Found", 404);
  });

  app.get("/github/repos/:owner/:repo/contents/:path{.+}", (c, next) => {
    const full = `${c.req.param("owner")}/${c.req.param("repo")}`;
    const project = state.scenario.projects.find((p) => p.github === full);
    const ref = c.req.query("ref");
    if (!project?.sources || !ref) return next();
    const release = project.releases.find((r) => sandboxTag(project, r.version) === ref);
    const tree = release && project.sources[release.version];
    // A ref that is neither a tag with sources nor the default branch does not exist.
    if (!tree && ref !== sandboxBranch(project)) {
      return c.json({ message: `No commit found for the ref ${ref}` }, 404);
    }
    const text = tree?.[c.req.param("path")];
    if (text === undefined) return next();
    const bytes = new TextEncoder().encode(text);
    const body = {
      type: "file",
      encoding: "base64",
      size: bytes.byteLength,
      name: c.req.param("path").split("/").pop(),
      path: c.req.param("path"),
      content: btoa(String.fromCharCode(...bytes)),
      sha: gitBlobSha1(bytes),
    };
    return conditional(c, JSON.stringify(body), "application/json; charset=utf-8", state.requests);
  });

  app.get("/github/*", (c) => {
    let path: string;
    try {
      path = decodeURIComponent(c.req.path.slice("/github".length));
    } catch {
      return c.json({ message: "Bad Request" }, 400);
    }
    // Routes are keyed by decoded path (with the query where it matters); raw paths are
    // accepted too, for keys written with percent-escapes (`sha256%3A…`).
    const raw = c.req.path.slice("/github".length);
    const candidates = [githubRouteKey(path, new URL(c.req.url).searchParams), path, raw];
    const key = candidates.find((k) => state.scenario.github.has(k)) ?? path;
    if (!state.scenario.github.has(key)) {
      return c.json(
        { message: "Not Found", documentation_url: "https://docs.github.com/rest" },
        404,
      );
    }
    const hit = state.scenario.github.get(key);
    if (hit instanceof SandboxResponse) {
      if (hit.status === 204 || hit.body === null) return c.body(null, hit.status as 204);
      return c.json(hit.body, hit.status as 404);
    }
    return conditional(c, JSON.stringify(hit), "application/json; charset=utf-8", state.requests);
  });

  app.notFound((c) => c.json({ message: "Not Found" }, 404));
  return app;
}

/**
 * Start the sandbox on 127.0.0.1 (an ephemeral port unless given).
 */
export async function startSandbox(
  scenario: Scenario,
  opts: SandboxOptions = {},
): Promise<Sandbox> {
  const requests = { total: 0, notModified: 0 };
  const state = { scenario, base: "", latencyMs: opts.latencyMs ?? 0, requests };
  const app = sandboxApp(state);
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: opts.port ?? 0,
    onListen: () => {},
  }, app.fetch);
  const addr = server.addr as Deno.NetAddr;
  state.base = `http://127.0.0.1:${addr.port}`;
  const sandbox: Sandbox = {
    pypiUrl: state.base,
    githubUrl: `${state.base}/github`,
    fileHost: `127.0.0.1:${addr.port}`,
    requests,
    get scenario() {
      return state.scenario;
    },
    set scenario(s: Scenario) {
      state.scenario = s;
    },
    close: () => server.shutdown(),
  };
  try {
    await scenario.onListen?.({ pypiUrl: sandbox.pypiUrl, githubUrl: sandbox.githubUrl });
  } catch (e) {
    await server.shutdown();
    throw e;
  }
  return sandbox;
}
