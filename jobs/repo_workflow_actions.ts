/**
 * Online facts about the actions a repository's workflows pin, collected in the `repo` sweep:
 * whether a pinned commit is reachable from a branch or tag of the action's repository (an
 * impostor commit is not: GitHub serves commits of any fork under the parent's name, as in the
 * tj-actions/changed-files compromise), and which published advisories (GitHub's global
 * advisory database, ecosystem `actions`) affect the pinned version.
 *
 * Reachability is decided as zizmor's impostor-commit audit does (after chainguard-dev/clank): a
 * commit that is the head of a branch or tag is reachable; otherwise the compare API
 * (`refs/heads/x...sha`, `refs/tags/v...sha`) says `behind`/`identical` for a ref whose history
 * contains it, and 404 for unrelated histories. A commit no ref contains is an impostor. The
 * number of compares is bounded: past the bound (or on any failed read) the fact is left absent
 * and the action's scope unobservable, never "reachable". (zizmor also peels annotated-tag SHAs
 * and uses github.com's `branch_commits` page; neither is done here.)
 *
 * @example
 * ```ts
 * const { facts, unobservable } = await collectActionFacts(gh, observation.data.workflowFiles);
 * ```
 * @module
 */
import { z } from "zod";
import type { GitHubClient } from "../src/github/client.ts";
import {
  type ActionRefFact,
  actionScope,
  type WorkflowFile,
} from "../src/observations/workflow.ts";
import type { Unobservable } from "../rules/types.ts";

/** Bounds of the online checks. */
export const ACTION_LIMITS = {
  /** Distinct action repositories looked at per sweep of one project. */
  repositories: 20,
  /** Branches and tags listed per action repository. */
  refs: 100,
  /** Compare requests per pinned commit that is no branch or tag head (beyond: not observable). */
  compares: 25,
} as const;

const RefSchema = z.object({ name: z.string().max(300), commit: z.object({ sha: z.string() }) });
const CompareSchema = z.object({ status: z.string().max(50) });
const AdvisorySchema = z.object({
  ghsa_id: z.string().max(100),
  summary: z.string().max(2000).catch(""),
  severity: z.string().max(20).nullable().optional(),
  html_url: z.string().max(500).nullable().optional(),
  vulnerabilities: z.array(z.object({
    package: z.object({ ecosystem: z.string(), name: z.string() }).nullable().optional(),
    vulnerable_version_range: z.string().max(200).nullable().optional(),
  })).nullable().optional(),
});

type Advisory = z.infer<typeof AdvisorySchema>;

/** Every `owner/repo` → refs pinned in the workflows (local and docker references skipped). */
export function pinnedActions(files: readonly WorkflowFile[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const f of files) {
    for (const job of f.workflow?.jobs ?? []) {
      for (const uses of [job.uses, ...job.steps.map((s) => s.uses)]) {
        const u = (uses ?? "").trim();
        if (!u || u.startsWith("./") || u.startsWith("docker://") || u.includes("${{")) continue;
        const [path, ref] = u.split("@");
        const [owner, repo] = path.split("/");
        if (!owner || !repo || !ref) continue;
        const key = `${owner}/${repo}`.toLowerCase();
        if (!out.has(key)) out.set(key, new Set());
        out.get(key)!.add(ref);
      }
    }
  }
  return out;
}

const SHA = /^[0-9a-f]{40}$/i;

/**
 * Parse a version like `v1.2.3` / `1.2` into numbers, or undefined.
 *
 * @example
 * ```ts
 * versionParts("v4.1.0"); // [4, 1, 0]
 * ```
 */
export function versionParts(v: string): number[] | undefined {
  const m = /^v?(\d+(?:\.\d+)*)$/.exec(v.trim());
  return m ? m[1].split(".").map(Number) : undefined;
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Whether a full version (`4.1.0`) lies in an advisory range such as `>= 1.0.0, < 1.2.3`.
 *
 * @example
 * ```ts
 * inVersionRange("44.0.0", "<= 45.0.7"); // true
 * ```
 */
export function inVersionRange(version: string, range: string): boolean {
  const v = versionParts(version);
  if (!v) return false;
  const parts = range.split(",").map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0) return false;
  return parts.every((p) => {
    const m = /^(<=|>=|<|>|=)?\s*(v?[\d.]+)$/.exec(p);
    const bound = m ? versionParts(m[2]) : undefined;
    if (!m || !bound) return false;
    const c = compareVersions(v, bound);
    switch (m[1] ?? "=") {
      case "<":
        return c < 0;
      case "<=":
        return c <= 0;
      case ">":
        return c > 0;
      case ">=":
        return c >= 0;
      default:
        return c === 0;
    }
  });
}

/** The most specific full version a ref stands for (`v4.1.0`; a SHA through its tags). */
function versionOf(ref: string, tags: z.infer<typeof RefSchema>[] | undefined): string | undefined {
  const full = (name: string) => (versionParts(name)?.length ?? 0) >= 3;
  if (!SHA.test(ref)) return full(ref) ? ref : undefined;
  const names = (tags ?? []).filter((t) => t.commit.sha.toLowerCase() === ref.toLowerCase())
    .map((t) => t.name).filter(full);
  return names.sort((a, b) => b.length - a.length)[0];
}

function advisoriesFor(
  all: readonly Advisory[],
  repo: string,
  version: string | undefined,
): NonNullable<ActionRefFact["advisories"]> {
  if (!version) return [];
  return all.filter((a) =>
    (a.vulnerabilities ?? []).some((v) =>
      v.package?.ecosystem === "actions" && v.package.name.toLowerCase() === repo &&
      !!v.vulnerable_version_range && inVersionRange(version, v.vulnerable_version_range)
    )
  ).slice(0, 10).map((a) => ({
    id: a.ghsa_id,
    summary: a.summary.slice(0, 500),
    severity: a.severity ?? undefined,
    url: a.html_url ?? undefined,
  }));
}

/** Reachability of one commit; undefined when it could not be decided. */
async function reachable(
  gh: GitHubClient,
  owner: string,
  repo: string,
  sha: string,
  branches: z.infer<typeof RefSchema>[],
  tags: z.infer<typeof RefSchema>[],
): Promise<boolean | undefined> {
  const lower = sha.toLowerCase();
  if ([...branches, ...tags].some((r) => r.commit.sha.toLowerCase() === lower)) return true;
  // Most pins are older commits of the main branch or of a release tag: try those first.
  const main = branches.filter((b) => /^(main|master|develop|trunk)$/.test(b.name));
  const all = [
    ...main.map((b) => `refs/heads/${b.name}`),
    ...tags.map((t) => `refs/tags/${t.name}`),
    ...branches.filter((b) => !main.includes(b)).map((b) => `refs/heads/${b.name}`),
  ];
  const bases = all.slice(0, ACTION_LIMITS.compares);
  for (const base of bases) {
    const r = await gh.get(
      "GET /repos/{owner}/{repo}/compare/{basehead}",
      { owner, repo, basehead: `${base}...${sha}`, per_page: 1 },
      CompareSchema,
    );
    // GitHub answers 404 when the two have no common history: the base does not contain it.
    if (!r.ok && r.reason === "not-found") continue;
    if (!r.ok) return undefined;
    if (r.data.status === "behind" || r.data.status === "identical") return true;
  }
  // Every base compared and none contains the commit; bases beyond the bound are not known.
  return bases.length === all.length ? false : undefined;
}

/**
 * Collect the facts for every action the workflows pin (bounded by {@link ACTION_LIMITS}).
 * A repository that could not be read gives an `unobservable` entry with the scope
 * `repo:workflow-actions:<owner/repo>`.
 *
 * @example
 * ```ts
 * const { facts } = await collectActionFacts(gh, files);
 * facts.filter((f) => f.reachable === false); // impostor commits
 * ```
 */
export async function collectActionFacts(
  gh: GitHubClient,
  files: readonly WorkflowFile[],
): Promise<{ facts: ActionRefFact[]; unobservable: Unobservable[] }> {
  const facts: ActionRefFact[] = [];
  const unobservable: Unobservable[] = [];
  const pinned = [...pinnedActions(files)].sort(([a], [b]) => a.localeCompare(b));
  for (const [i, [full, refs]] of pinned.entries()) {
    const scope = actionScope(full);
    if (i >= ACTION_LIMITS.repositories) {
      unobservable.push({ scope, reason: `more than ${ACTION_LIMITS.repositories} actions` });
      continue;
    }
    const [owner, repo] = full.split("/");
    const opts = { maxItems: ACTION_LIMITS.refs };
    const [branches, tags, advisories] = await Promise.all([
      gh.paginate("GET /repos/{owner}/{repo}/branches", { owner, repo }, RefSchema, opts),
      gh.paginate("GET /repos/{owner}/{repo}/tags", { owner, repo }, RefSchema, opts),
      gh.get(
        "GET /advisories",
        { ecosystem: "actions", affects: full, per_page: 100 },
        z.array(AdvisorySchema).max(1000),
      ),
    ]);
    const failed = [branches, tags, advisories].find((r) => !r.ok);
    if (failed && !failed.ok) {
      unobservable.push({ scope, reason: `${full}: ${failed.reason} (${failed.status})` });
      continue;
    }
    if (!branches.ok || !tags.ok || !advisories.ok) continue;
    let complete = true;
    for (const ref of [...refs].sort()) {
      const fact: ActionRefFact = { uses: `${full}@${ref.toLowerCase()}` };
      if (SHA.test(ref)) {
        fact.reachable = await reachable(gh, owner, repo, ref, branches.data, tags.data);
        if (fact.reachable === undefined) complete = false;
      }
      const found = advisoriesFor(advisories.data, full, versionOf(ref, tags.data));
      if (found.length > 0) fact.advisories = found;
      facts.push(fact);
    }
    if (!complete) unobservable.push({ scope, reason: `${full}: commit reachability not decided` });
  }
  return { facts, unobservable };
}
