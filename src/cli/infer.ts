/**
 * What `check` and `init` infer about a PyPI project with no config: its GitHub repository
 * (from the project URLs of the JSON API) and its expected trusted publisher (repository,
 * workflow, environment: the PyPI publisher object of the newest release's PEP 740 provenance,
 * read through the Integrity API). Everything inferred is a claim made by the project's current
 * state, to be reviewed: `check` says what it inferred, `init` writes it with review comments.
 *
 * @example
 * ```ts
 * const kv = await Deno.openKv(":memory:");
 * const inferred = await inferProject("sampleproject", { pypi: "https://pypi.org", timeoutMs: 30_000 }, kv);
 * console.log(inferred.repository?.repo, inferred.publisher);
 * ```
 * @module
 */
import { z } from "zod";
import { normalizeName, PublisherSchema } from "../config.ts";
import type { Publisher } from "../sigstore/types.ts";
import { PypiClient } from "../pypi/client.ts";
import { IntegrityResponseSchema } from "../sigstore/pep740.ts";
import { safeText } from "../http.ts";
import { UsageError } from "../runtime.ts";

/** Where `check` and `init` read PyPI. */
export interface InferUpstream {
  pypi: string;
  timeoutMs: number;
  maxBytes?: number;
}

/** A GitHub repository named by a project URL. */
export interface RepositoryHint {
  /** `owner/repo`. */
  repo: string;
  /** Which URL named it: `project_urls "Source"` or `home_page`. */
  from: string;
  url: string;
}

/** What was inferred about one project. */
export interface Inferred {
  /** The name as PyPI spells it. */
  name: string;
  /** Newest version (`info.version`). */
  version: string;
  repository?: RepositoryHint;
  /** Other repositories the URLs named (ignored, but worth a look). */
  otherRepositories: string[];
  publisher?: Publisher;
  /** Where the publisher came from, or why it could not be inferred. */
  publisherNote: string;
  /** PyPI accounts holding a role on the project now. */
  maintainers: string[];
}

/** Exit-2 error: the project URLs name no GitHub repository. */
export class NoRepositoryError extends UsageError {
  override name = "NoRepositoryError";
}

const InfoUrlsSchema = z.object({
  info: z.object({
    project_urls: z.record(z.string().max(200), z.string().max(2000)).nullish(),
    home_page: z.string().max(2000).nullish(),
  }).passthrough(),
}).passthrough();

/** First path segments of github.com URLs that are not repositories. */
const NOT_OWNERS = new Set([
  "about",
  "apps",
  "collections",
  "contact",
  "customer-stories",
  "enterprise",
  "events",
  "explore",
  "features",
  "login",
  "marketplace",
  "new",
  "notifications",
  "orgs",
  "organizations",
  "pricing",
  "search",
  "security",
  "settings",
  "site",
  "sponsors",
  "topics",
  "trending",
  "users",
]);

const OWNER_RE = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const REPO_RE = /^[A-Za-z0-9._-]{1,100}$/;

/**
 * `owner/repo` of a github.com URL, or undefined for anything else (other hosts, owner-only or
 * site pages like `/sponsors/x`, malformed URLs). `git+`, `.git` and `www.` are normalised.
 *
 * @example
 * ```ts
 * githubRepoOf("https://github.com/pypa/sampleproject/issues"); // "pypa/sampleproject"
 * githubRepoOf("https://github.com/sponsors/pypa");             // undefined
 * ```
 */
export function githubRepoOf(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url.trim().replace(/^git\+/, ""));
  } catch {
    return undefined;
  }
  if (!["http:", "https:", "ssh:", "git:"].includes(u.protocol)) return undefined;
  const host = u.hostname.toLowerCase().replace(/^www\./, "");
  if (host !== "github.com") return undefined;
  const [owner, rawRepo] = u.pathname.split("/").filter(Boolean);
  if (!owner || !rawRepo || NOT_OWNERS.has(owner.toLowerCase())) return undefined;
  const repo = rawRepo.replace(/@.*$/, "").replace(/\.git$/i, "");
  if (!OWNER_RE.test(owner) || !REPO_RE.test(repo) || repo === "." || repo === "..") {
    return undefined;
  }
  return `${owner}/${repo}`;
}

const SOURCE_KEY = /source|repo|code|github|git/i;

/**
 * The repository the project URLs name: labels that look like source links first (`Source`,
 * `Repository`, `Code`), then the other labels, then `home_page`.
 *
 * @example
 * ```ts
 * repositoryFromUrls({ Homepage: "https://example.org", Source: "https://github.com/o/r" }, null);
 * // { repo: "o/r", from: 'project_urls "Source"', ... }
 * ```
 */
export function repositoryFromUrls(
  projectUrls: Record<string, string> | null | undefined,
  homePage: string | null | undefined,
): { hint?: RepositoryHint; others: string[] } {
  const entries = Object.entries(projectUrls ?? {}).slice(0, 100);
  const ordered = [
    ...entries.filter(([k]) => SOURCE_KEY.test(k)),
    ...entries.filter(([k]) => !SOURCE_KEY.test(k)),
  ].map(([k, url]) => ({ from: `project_urls ${JSON.stringify(safeText(k, 60))}`, url }));
  if (homePage) ordered.push({ from: "home_page", url: homePage });
  let hint: RepositoryHint | undefined;
  const others = new Set<string>();
  for (const { from, url } of ordered) {
    const repo = githubRepoOf(url);
    if (!repo) continue;
    if (!hint) hint = { repo, from, url: safeText(url, 300) };
    else if (repo.toLowerCase() !== hint.repo.toLowerCase()) others.add(repo);
  }
  return { hint, others: [...others].slice(0, 10) };
}

/**
 * The expected publisher from an Integrity API response: the first GitHub publisher object
 * whose repository and workflow are well-formed.
 *
 * @example
 * ```ts
 * publisherFromProvenance({ version: 1, attestation_bundles: [{ publisher: { kind: "GitHub", repository: "o/r", workflow: "release.yml" }, attestations: [] }] });
 * // { repository: "o/r", workflow: "release.yml" }
 * ```
 */
export function publisherFromProvenance(json: unknown): Publisher | undefined {
  const parsed = IntegrityResponseSchema.safeParse(json);
  if (!parsed.success) return undefined;
  for (const bundle of parsed.data.attestation_bundles) {
    const p = bundle.publisher;
    if (p.kind !== "GitHub") continue;
    const candidate = PublisherSchema.safeParse({
      repository: p.repository,
      workflow: p.workflow ?? p.workflow_filepath?.split("/").pop(),
      ...(p.environment ? { environment: p.environment } : {}),
    });
    if (candidate.success) return candidate.data;
  }
  return undefined;
}

function failure(name: string, base: string, message: string, status?: number): Error {
  if (status === 404) return new UsageError(`${name}: no such project on ${safeText(base, 100)}`);
  return new Error(`${name}: PyPI not readable: ${safeText(message)}`);
}

async function inferPublisher(
  pypi: PypiClient,
  base: string,
  name: string,
  version: string,
  latest: string[],
): Promise<{ publisher?: Publisher; note: string }> {
  const simple = await pypi.simple(name);
  if (!simple.ok) {
    return { note: `not inferred: the Simple API was not readable (${safeText(simple.message)})` };
  }
  const host = new URL(base).host;
  const files = simple.data.files.filter((f) => latest.includes(f.filename));
  const withProvenance = files.filter((f) => f.provenance);
  if (withProvenance.length === 0) {
    return {
      note: `not inferred: the newest release (${safeText(version, 50)}) has no PEP 740 ` +
        `provenance; review [project.publisher] by hand`,
    };
  }
  for (const file of withProvenance.slice(0, 4)) {
    let url: URL;
    try {
      url = new URL(file.provenance!, base);
    } catch {
      continue;
    }
    if (url.host !== host) continue;
    const response = await pypi.provenance(url.href);
    if (!response.ok) continue;
    const publisher = publisherFromProvenance(response.data);
    if (publisher) {
      return {
        publisher,
        note: `from the PEP 740 provenance of ${safeText(file.filename, 120)} (PyPI's trusted ` +
          `publisher of ${safeText(version, 50)})`,
      };
    }
  }
  return {
    note: `not inferred: the provenance of ${safeText(version, 50)} names no GitHub trusted ` +
      `publisher that could be read; review [project.publisher] by hand`,
  };
}

/**
 * Infer the repository and publisher of `name` from PyPI.
 *
 * @throws {UsageError} when PyPI has no such project; {@link NoRepositoryError} when its URLs
 * name no GitHub repository; an Error when PyPI cannot be read.
 */
export async function inferProject(
  name: string,
  upstream: InferUpstream,
  kv: Deno.Kv,
): Promise<Inferred> {
  const pypi = new PypiClient({
    baseUrl: upstream.pypi,
    kv,
    timeoutMs: upstream.timeoutMs,
    maxBytes: upstream.maxBytes ?? 32 * 1024 ** 2,
  });
  const project = await pypi.project(name);
  if (!project.ok) throw failure(name, upstream.pypi, project.message, project.status);
  const urls = InfoUrlsSchema.safeParse(project.data);
  const { hint, others } = urls.success
    ? repositoryFromUrls(urls.data.info.project_urls, urls.data.info.home_page)
    : { hint: undefined, others: [] };
  const pypiName = safeText(project.data.info.name, 200);
  if (!hint) {
    throw new NoRepositoryError(
      `${pypiName}: its PyPI project URLs (project_urls, home_page) name no GitHub repository; ` +
        `write a config with [[project]] github = "owner/repo" and run audit`,
    );
  }
  const version = project.data.info.version;
  const latest = project.data.urls.map((f) => f.filename);
  const { publisher, note } = await inferPublisher(pypi, upstream.pypi, name, version, latest);
  const maintainers = [
    ...new Set((project.data.ownership?.roles ?? []).map((r) => r.user)),
  ].filter((u) => /^[A-Za-z0-9._-]{1,100}$/.test(u)).slice(0, 50);
  return {
    name: normalizeName(pypiName) === normalizeName(name) ? pypiName : name,
    version: safeText(version, 100),
    repository: hint,
    otherRepositories: others,
    publisher,
    publisherNote: note,
    maintainers,
  };
}

/**
 * The inference as lines for the terminal (stderr).
 *
 * @example
 * ```ts
 * for (const line of describeInference(inferred)) console.error(line);
 * ```
 */
export function describeInference(inferred: Inferred): string[] {
  const lines = [`${inferred.name} ${inferred.version}:`];
  if (inferred.repository) {
    lines.push(
      `  repository ${inferred.repository.repo} (from ${inferred.repository.from}: ${inferred.repository.url})`,
    );
  }
  if (inferred.otherRepositories.length) {
    lines.push(`  other repositories named (ignored): ${inferred.otherRepositories.join(", ")}`);
  }
  if (inferred.publisher) {
    const p = inferred.publisher;
    lines.push(
      `  publisher ${p.repository} ${p.workflow} ${
        p.environment ? `environment ${p.environment}` : "(no environment)"
      } ${inferred.publisherNote}`,
    );
  } else lines.push(`  publisher ${inferred.publisherNote}`);
  lines.push(
    `  PyPI roles now: ${inferred.maintainers.join(", ") || "(none listed)"}`,
  );
  return lines;
}
