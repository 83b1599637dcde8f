/**
 * Collection of the codebase controls for the repo job: at the latest release's tag and at the
 * default branch, the files of the root, `.github/` and `docs/` (through the contents API),
 * the workflow file names, `pyproject.toml` facts (TOML parsed here, never in a rule),
 * `.pre-commit-config.yaml` hooks, `.gitmodules` URLs, and the binary artifacts of the git tree
 * (by extension, as OpenSSF Scorecard's Binary-Artifacts check); at the tag also the workflow
 * files of `.github/workflows/` (at most 50, each at most 512 KiB, parsed by
 * `src/workflows/read.ts` as the repo job parses the default branch's). Judged by
 * `rules/codebase.ts`.
 *
 * A ref that could not be read is the unobservable scope `repo:codebase:tag` or
 * `repo:codebase:default` (and the drift scopes `repo:codebase:drift`, `repo:workflows:drift`);
 * the tag's workflows that could not be read are `repo:codebase:tag:workflows`.
 *
 * @example
 * ```ts
 * const snapshots = await collectCodebase(gh, { owner, repo }, "main", miss);
 * ```
 * @module
 */
import { z } from "zod";
import { parse as parseToml } from "smol-toml";
import { parseDocument } from "yaml";
import type { GitHubClient } from "../src/github/client.ts";
import { type ContentEntry, ContentEntrySchema, ContentFileSchema } from "../src/github/schemas.ts";
import { commitOf, gitTree } from "../src/github/releases.ts";
import {
  type Codebase,
  CONTROL_LIMITS,
  CONTROL_SCOPES,
  type PyprojectFacts,
} from "../src/observations/controls.ts";
import { decodeContent, unobservableReason } from "../src/github/read.ts";
import type { WorkflowFile } from "../src/observations/workflow.ts";
import { MAX_WORKFLOW_BYTES } from "../src/workflows/parse.ts";
import { readWorkflowText } from "../src/workflows/read.ts";

/** Largest control file read (pyproject, pre-commit config, .gitmodules). */
export const MAX_CONTROL_FILE_BYTES = 256 * 1024;

/** Extensions of binary artifacts (OpenSSF Scorecard's Binary-Artifacts list). */
export const BINARY_EXTENSIONS = new Set([
  "crx",
  "deb",
  "dex",
  "dey",
  "elf",
  "o",
  "a",
  "so",
  "macho",
  "iso",
  "class",
  "jar",
  "bundle",
  "dylib",
  "lib",
  "msi",
  "dll",
  "drv",
  "efi",
  "exe",
  "ocx",
  "pyc",
  "pyo",
  "par",
  "rpm",
  "wasm",
  "whl",
]);

/** `[tool.poetry]` keys that duplicate PEP 621 `[project]` metadata. */
const POETRY_METADATA = [
  "name",
  "version",
  "description",
  "authors",
  "maintainers",
  "license",
  "readme",
  "homepage",
  "repository",
  "documentation",
  "keywords",
  "classifiers",
  "urls",
  "dependencies",
];

type Miss = (scope: string, reason: string) => void;
type Params = { owner: string; repo: string };

/**
 * Facts of a `pyproject.toml` text.
 *
 * @example
 * ```ts
 * pyprojectFacts('[project]\nname = "x"\nrequires-python = ">=3.9"\n').requiresPython; // ">=3.9"
 * ```
 */
export function pyprojectFacts(text: string): PyprojectFacts {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (e) {
    const first = String((e as Error).message ?? "invalid TOML").split("\n")[0];
    return {
      project: false,
      poetryMetadata: [],
      urls: [],
      buildRequires: [],
      error: first.slice(0, 300),
    };
  }
  const table = (v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v) ? v as Record<string, unknown> : undefined;
  const project = table(doc.project);
  const poetry = table(table(doc.tool)?.poetry);
  const build = table(doc["build-system"]);
  const requires = Array.isArray(build?.requires) ? build.requires : [];
  return {
    project: project !== undefined,
    poetryMetadata: poetry ? POETRY_METADATA.filter((k) => k in poetry) : [],
    requiresPython: typeof project?.["requires-python"] === "string"
      ? String(project["requires-python"]).slice(0, 500)
      : undefined,
    urls: Object.keys(table(project?.urls) ?? {}).slice(0, 100).map((k) => k.slice(0, 200)),
    buildRequires: requires.filter((r): r is string => typeof r === "string").slice(0, 100)
      .map((r) => r.slice(0, 500)),
  };
}

/**
 * The hooks of a `.pre-commit-config.yaml` text (`local` and `meta` repos have no rev).
 *
 * @example
 * ```ts
 * precommitHooks("repos:\n- repo: https://github.com/psf/black\n  rev: 24.1.0\n");
 * // { hooks: [{ repo: "https://github.com/psf/black", rev: "24.1.0" }] }
 * ```
 */
export function precommitHooks(
  text: string,
): { hooks: { repo: string; rev: string }[]; error?: string } {
  try {
    const doc = parseDocument(text, { uniqueKeys: false });
    if (doc.errors.length > 0) return { hooks: [], error: doc.errors[0].message.slice(0, 300) };
    const parsed = z.object({
      repos: z.array(
        z.object({ repo: z.unknown().optional(), rev: z.unknown().optional() }).passthrough(),
      ).max(1000),
    }).safeParse(doc.toJS({ maxAliasCount: 50 }));
    if (!parsed.success) return { hooks: [], error: "no list of repos" };
    const hooks = parsed.data.repos
      .filter((r) => typeof r.repo === "string" && r.repo !== "local" && r.repo !== "meta")
      .map((r) => ({
        repo: String(r.repo).slice(0, 1000),
        rev: String(r.rev ?? "").slice(0, 200),
      }));
    return { hooks: hooks.slice(0, CONTROL_LIMITS.hooks) };
  } catch (e) {
    return { hooks: [], error: `not parsed: ${(e as Error).name}` };
  }
}

/**
 * The submodules of a `.gitmodules` text (git-config syntax: `[submodule "x"]`, `path`, `url`).
 *
 * @example
 * ```ts
 * gitmodules('[submodule "v"]\n\tpath = vendor/v\n\turl = https://github.com/acme/v\n');
 * // [{ path: "vendor/v", url: "https://github.com/acme/v" }]
 * ```
 */
export function gitmodules(text: string): { path: string; url: string }[] {
  const out: { path: string; url: string }[] = [];
  let current: { path: string; url: string } | undefined;
  for (const raw of text.split(/\r?\n/).slice(0, 10_000)) {
    const line = raw.trim();
    if (/^\[submodule\s/.test(line)) {
      current = { path: "", url: "" };
      out.push(current);
      continue;
    }
    const kv = /^(path|url)\s*=\s*(.*)$/.exec(line);
    if (kv && current) current[kv[1] as "path" | "url"] = kv[2].trim().slice(0, 2000);
  }
  return out.slice(0, CONTROL_LIMITS.submodules);
}

/** True when a tree path has a binary artifact's extension. */
export function isBinaryPath(path: string): boolean {
  const base = path.split("/").pop() ?? "";
  const dot = base.lastIndexOf(".");
  return dot > 0 && BINARY_EXTENSIONS.has(base.slice(dot + 1).toLowerCase());
}

class RefReader {
  constructor(
    private readonly gh: GitHubClient,
    private readonly p: Params,
    private readonly ref: string,
  ) {}

  /** Listings already read at this ref (the tag's workflows reuse `.github/workflows`). */
  private readonly listings = new Map<string, Promise<ContentEntry[] | null | string>>();

  listing(path: string): Promise<ContentEntry[] | null | string> {
    let hit = this.listings.get(path);
    if (!hit) this.listings.set(path, hit = this.list(path));
    return hit;
  }

  private async list(path: string): Promise<ContentEntry[] | null | string> {
    const r = await this.gh.get(
      path === ""
        ? "GET /repos/{owner}/{repo}/contents"
        : "GET /repos/{owner}/{repo}/contents/{path}",
      { ...this.p, path: path === "" ? undefined : path, ref: this.ref },
      z.array(ContentEntrySchema).max(5000),
    );
    if (r.ok) return r.data;
    if (r.reason === "not-found" && path !== "") return null;
    return unobservableReason(r);
  }

  async text(path: string): Promise<string | { error: string }> {
    const r = await this.gh.get(
      "GET /repos/{owner}/{repo}/contents/{path}",
      { ...this.p, path, ref: this.ref },
      ContentFileSchema,
    );
    if (!r.ok) return { error: unobservableReason(r) };
    const d = decodeContent(r.data, MAX_CONTROL_FILE_BYTES);
    return d.text ?? { error: `${path}: ${d.error}` };
  }

  /**
   * The workflow files of `.github/workflows/` at this ref, parsed by the repo job's own code
   * (`src/workflows/read.ts`); a string when they could not all be read.
   */
  async workflowFiles(): Promise<WorkflowFile[] | string> {
    const list = await this.listing(".github/workflows");
    if (list === null) return [];
    if (typeof list === "string") return list;
    const files = list.filter((e) => e.type === "file" && /\.ya?ml$/i.test(e.name))
      .sort((a, b) => a.path.localeCompare(b.path));
    if (files.length > CONTROL_LIMITS.tagWorkflows) {
      return `more than ${CONTROL_LIMITS.tagWorkflows} workflow files`;
    }
    const out: WorkflowFile[] = [];
    for (const e of files) {
      const source = { path: e.path, sha: e.sha, size: e.size };
      if (e.size > MAX_WORKFLOW_BYTES) {
        out.push({ ...source, error: `larger than ${MAX_WORKFLOW_BYTES} bytes` });
        continue;
      }
      const r = await this.gh.get(
        "GET /repos/{owner}/{repo}/contents/{path}",
        { ...this.p, path: e.path, ref: this.ref },
        ContentFileSchema,
      );
      if (!r.ok) return `${e.path}: ${unobservableReason(r)}`;
      const d = decodeContent(r.data, MAX_WORKFLOW_BYTES);
      out.push(
        d.text === undefined
          ? { ...source, error: d.error ?? "not read" }
          : readWorkflowText(e.path, d.text, { sha: e.sha }, e.size),
      );
    }
    return out;
  }

  async binaries(): Promise<{ paths: string[]; count: number } | string> {
    const commit = await commitOf(this.gh, this.p.owner, this.p.repo, this.ref);
    if (!commit.ok) return unobservableReason(commit);
    const tree = await gitTree(this.gh, this.p.owner, this.p.repo, commit.data.commit.tree.sha);
    if (!tree.ok) return unobservableReason(tree);
    if (tree.data.truncated) return "the tree is too large: GitHub truncated it";
    const hits = tree.data.tree.filter((e) => e.type === "blob" && isBinaryPath(e.path))
      .map((e) => e.path);
    return { paths: hits.slice(0, CONTROL_LIMITS.paths), count: hits.length };
  }
}

async function snapshotAt(
  reader: RefReader,
  ref: string,
  kind: Codebase["kind"],
): Promise<Codebase | string> {
  const root = await reader.listing("");
  if (typeof root === "string") return root;
  const dirs = new Set((root ?? []).filter((e) => e.type === "dir").map((e) => e.name));
  const [github, docs] = await Promise.all(
    [".github", "docs"].map((d) => dirs.has(d) ? reader.listing(d) : Promise.resolve(null)),
  );
  for (const l of [github, docs]) if (typeof l === "string") return l;
  const entries = [root, github, docs].flatMap((l) => Array.isArray(l) ? l : []);
  const files = entries.filter((e) => e.type === "file").map((e) => e.path);
  const snapshot: Codebase = {
    kind,
    ref,
    files: files.slice(0, CONTROL_LIMITS.paths),
    workflows: [],
  };
  if (Array.isArray(github) && github.some((e) => e.type === "dir" && e.name === "workflows")) {
    const wf = await reader.listing(".github/workflows");
    if (typeof wf === "string") return wf;
    snapshot.workflows = (wf ?? []).filter((e) => e.type === "file").map((e) => e.name)
      .slice(0, CONTROL_LIMITS.paths);
  }
  const read = async (path: string) => {
    if (!files.includes(path)) return null;
    const t = await reader.text(path);
    if (typeof t !== "string") throw new Error(t.error);
    return t;
  };
  try {
    const pyproject = await read("pyproject.toml");
    snapshot.pyproject = pyproject === null ? null : pyprojectFacts(pyproject);
    const precommit = await read(".pre-commit-config.yaml");
    if (precommit === null) snapshot.precommit = null;
    else {
      const hooks = precommitHooks(precommit);
      snapshot.precommit = hooks.hooks;
      if (hooks.error) snapshot.precommitError = hooks.error;
    }
    const modules = await read(".gitmodules");
    snapshot.submodules = modules === null ? null : gitmodules(modules);
  } catch (e) {
    return (e as Error).message;
  }
  const binaries = await reader.binaries();
  if (typeof binaries === "string") return binaries;
  snapshot.binaries = binaries.paths;
  snapshot.binariesCount = binaries.count;
  return snapshot;
}

/** Read and parse the tag's workflows into its snapshot; unreadable ones are passed to `miss`. */
async function tagWorkflows(reader: RefReader, snapshot: Codebase, miss: Miss): Promise<void> {
  const files = snapshot.workflows.length === 0 ? [] : await reader.workflowFiles();
  if (Array.isArray(files)) {
    snapshot.workflowFiles = files;
    return;
  }
  const reason = `${snapshot.ref}: ${files}`;
  miss(CONTROL_SCOPES.tagWorkflows, reason);
  miss(CONTROL_SCOPES.workflowDrift, reason);
}

const ReleaseTagSchema = z.array(
  z.object({ tag_name: z.string().max(500), draft: z.boolean().optional() }).passthrough(),
).max(100);

/**
 * Snapshots of the codebase at the latest release's tag (when there is a release) and at the
 * default branch; what could not be read is passed to `miss`.
 */
export async function collectCodebase(
  gh: GitHubClient,
  p: Params,
  defaultBranch: string,
  miss: Miss,
): Promise<Codebase[]> {
  const out: Codebase[] = [];
  const releases = await gh.get(
    "GET /repos/{owner}/{repo}/releases",
    { ...p, per_page: 10 },
    ReleaseTagSchema,
  );
  const refs: [string, Codebase["kind"]][] = [];
  if (!releases.ok) miss(`${CONTROL_SCOPES.codebase}:tag`, unobservableReason(releases));
  else {
    const tag = releases.data.find((r) => !r.draft)?.tag_name;
    if (tag) refs.push([tag, "tag"]);
  }
  refs.push([defaultBranch, "default"]);
  const readers = refs.map(([ref]) => new RefReader(gh, p, ref));
  const snapshots = await Promise.all(
    refs.map(([ref, kind], i) => snapshotAt(readers[i], ref, kind)),
  );
  snapshots.forEach((s, i) => {
    const [ref, kind] = refs[i];
    if (typeof s === "string") {
      miss(`${CONTROL_SCOPES.codebase}:${kind}`, `${ref}: ${s}`);
      // Drift compares both refs: one missing leaves it unjudged.
      miss(CONTROL_SCOPES.drift, `${ref}: ${s}`);
      miss(CONTROL_SCOPES.workflowDrift, `${ref}: ${s}`);
    } else out.push(s);
  });
  if (!releases.ok) {
    miss(CONTROL_SCOPES.drift, unobservableReason(releases));
    miss(CONTROL_SCOPES.workflowDrift, unobservableReason(releases));
  }
  const tagAt = snapshots.findIndex((s) => typeof s !== "string" && s.kind === "tag");
  if (tagAt >= 0) await tagWorkflows(readers[tagAt], snapshots[tagAt] as Codebase, miss);
  return out;
}
