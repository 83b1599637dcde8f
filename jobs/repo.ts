/**
 * The `repo` job: collect a repository's security posture from the GitHub API (rulesets,
 * branch protection, tag rules, settings, CODEOWNERS, SECURITY.md, vulnerability reporting,
 * Dependabot alerts, immutable releases, Actions permissions, environments, runners, webhooks,
 * deploy keys, workflow files). Collection only: rules/posture.ts and rules/workflows.ts judge.
 *
 * A read the token may not make (403, or a 404 from an endpoint that needs admin) becomes an
 * `unobservable` scope ("not observable with this token"), never a compliant value.
 *
 * @example
 * ```ts
 * const obs = await repoJob.collect(project, ctx);
 * const findings = repoJob.evaluate(obs, project, new Date());
 * const events = repoJob.changes?.(previous, obs) ?? [];
 * ```
 * @module
 */
import { z } from "zod";
import type { Project } from "../src/config.ts";
import type { Finding, Unobservable } from "../rules/types.ts";
import { githubFor } from "./clients.ts";
import type { Job, JobContext, Observation } from "../src/observations/job.ts";
import type { GitHubClient, GitHubClientOptions, GitHubResult } from "../src/github/client.ts";
import {
  ActionsPermissionsSchema,
  BranchProtectionSchema,
  BranchRuleSchema,
  CodeownersErrorsSchema,
  type ContentEntry,
  ContentEntrySchema,
  ContentFileSchema,
  DeployKeySchema,
  DeploymentBranchPolicySchema,
  EnabledSchema,
  EnvironmentSchema,
  RepositorySchema,
  RulesetSchema,
  RulesetSummarySchema,
  RunnerSchema,
  SelectedActionsSchema,
  WebhookSchema,
  WorkflowPermissionsSchema,
} from "../src/github/schemas.ts";
import { type RepoFile, type RepoPosture, SCOPES } from "../src/observations/repo.ts";
import { evaluatePosture } from "../rules/posture.ts";
import { postureFacts } from "../src/github/posture_facts.ts";
import { postureChanges } from "../src/github/drift.ts";
import { immutableReleasesSetting } from "../src/github/releases.ts";
import { readWorkflowText } from "../src/workflows/read.ts";
import { collectActionFacts } from "./repo_workflow_actions.ts";
import { collectControls, evaluateControls } from "./repo_controls.ts";
import { decodeContent, unobservableReason } from "../src/github/read.ts";

export { unobservableReason };

/** Descriptive User-Agent sent to GitHub. */
export const USER_AGENT = "release-auditor/0.1 (repository posture sweep)";
/** Bounds of the collection. */
export const LIMITS = {
  rulesets: 50,
  environments: 50,
  branchPolicies: 100,
  workflows: 50,
  workflowBytes: 256 * 1024,
  codeownersBytes: 512 * 1024,
  listItems: 500,
} as const;

/** Options of {@link createRepoJob}. */
export interface RepoJobOptions {
  userAgent?: string;
  /** Extra client options (tests: faster retries). */
  client?: Partial<Pick<GitHubClientOptions, "retries" | "retryBaseMs" | "fetch" | "maxWaitMs">>;
}

type Failure = Extract<GitHubResult<unknown>, { ok: false }>;

function webhookTarget(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return "(invalid URL)";
  }
}

/** Collects one repository; each section fills `data` or adds an unobservable scope. */
class Collector {
  readonly unobservable: Unobservable[] = [];
  readonly data: RepoPosture;
  private readonly p: { owner: string; repo: string };
  private admin: boolean | undefined;

  constructor(
    private readonly gh: GitHubClient,
    owner: string,
    repo: string,
    defaultBranch: string,
  ) {
    this.p = { owner, repo };
    this.data = { repository: `${owner}/${repo}`, defaultBranch };
  }

  miss(scope: string, reason: string): void {
    if (!this.unobservable.some((u) => u.scope === scope)) {
      this.unobservable.push({ scope, reason: reason.slice(0, 1000) });
    }
  }

  async settings(): Promise<void> {
    const r = await this.gh.get("GET /repos/{owner}/{repo}", this.p, RepositorySchema);
    if (!r.ok) return this.miss(SCOPES.settings, unobservableReason(r));
    const repo = r.data;
    this.data.defaultBranch = repo.default_branch || this.data.defaultBranch;
    this.admin = repo.permissions?.admin;
    const sa: Record<string, string> = {};
    for (const [k, v] of Object.entries(repo.security_and_analysis ?? {})) {
      if (v?.status) sa[k] = v.status;
    }
    this.data.settings = {
      private: repo.private,
      archived: repo.archived,
      allow_merge_commit: repo.allow_merge_commit,
      allow_squash_merge: repo.allow_squash_merge,
      allow_rebase_merge: repo.allow_rebase_merge,
      admin: repo.permissions?.admin,
      security_and_analysis: repo.security_and_analysis ? sa : undefined,
    };
  }

  async rulesets(): Promise<void> {
    const list = await this.gh.paginate(
      "GET /repos/{owner}/{repo}/rulesets",
      { ...this.p, includes_parents: true },
      RulesetSummarySchema,
      { maxItems: LIMITS.rulesets },
    );
    if (!list.ok) {
      this.miss(SCOPES.rulesets, unobservableReason(list));
      return;
    }
    const details = [];
    for (const summary of list.data) {
      const r = await this.gh.get(
        "GET /repos/{owner}/{repo}/rulesets/{ruleset_id}",
        { ...this.p, ruleset_id: summary.id, includes_parents: true },
        RulesetSchema,
      );
      if (!r.ok) {
        this.miss(SCOPES.rulesets, `ruleset ${summary.id}: ${unobservableReason(r)}`);
        return;
      }
      details.push(r.data);
    }
    this.data.rulesets = details;
  }

  async branchRules(): Promise<void> {
    const r = await this.gh.paginate(
      "GET /repos/{owner}/{repo}/rules/branches/{branch}",
      { ...this.p, branch: this.data.defaultBranch },
      BranchRuleSchema,
      { maxItems: LIMITS.listItems },
    );
    if (!r.ok) return this.miss(SCOPES.rulesets, unobservableReason(r));
    this.data.branchRules = r.data;
  }

  async branchProtection(): Promise<void> {
    const r = await this.gh.get(
      "GET /repos/{owner}/{repo}/branches/{branch}/protection",
      { ...this.p, branch: this.data.defaultBranch },
      BranchProtectionSchema,
    );
    if (r.ok) {
      this.data.branchProtection = r.data;
      return;
    }
    if (r.reason === "not-found" && /branch not protected/i.test(r.message)) {
      this.data.branchProtection = null;
      return;
    }
    this.miss(SCOPES.branchProtection, unobservableReason(r, true));
  }

  /** A directory listing; null when the directory does not exist. */
  private async listing(path: string): Promise<ContentEntry[] | null | Failure> {
    const r = await this.gh.get(
      path === ""
        ? "GET /repos/{owner}/{repo}/contents"
        : "GET /repos/{owner}/{repo}/contents/{path}",
      { ...this.p, path: path === "" ? undefined : path, ref: this.data.defaultBranch },
      z.array(ContentEntrySchema).max(5000),
    );
    if (r.ok) return r.data;
    if (r.reason === "not-found") return null;
    return r;
  }

  private async readFile(entry: ContentEntry, max: number): Promise<RepoFile | Failure> {
    const r = await this.gh.get(
      "GET /repos/{owner}/{repo}/contents/{path}",
      { ...this.p, path: entry.path, ref: this.data.defaultBranch },
      ContentFileSchema,
    );
    if (!r.ok) return r;
    return { path: entry.path, sha: r.data.sha, size: r.data.size, ...decodeContent(r.data, max) };
  }

  /** CODEOWNERS and SECURITY.md, looked up as GitHub does: .github/, root, docs/. */
  async repositoryFiles(): Promise<{ github: ContentEntry[] | null } | undefined> {
    const dirs: Record<string, ContentEntry[] | null> = {};
    const listings = await Promise.all([this.listing(".github"), this.listing("")]);
    for (const [i, dir] of [".github", ""].entries()) {
      const l = listings[i];
      if (l !== null && !Array.isArray(l)) {
        const reason = unobservableReason(l);
        this.miss(SCOPES.codeowners, reason);
        this.miss(SCOPES.securityPolicy, reason);
        this.miss(SCOPES.workflows, reason);
        return undefined;
      }
      dirs[dir] = l;
    }
    const find = (list: ContentEntry[] | null, name: RegExp) =>
      list?.find((e) => e.type === "file" && name.test(e.name));
    const lookup = async (name: RegExp) => {
      const hit = find(dirs[".github"], name) ?? find(dirs[""], name);
      if (hit) return hit;
      if (!("docs" in dirs)) {
        const docs = await this.listing("docs");
        dirs.docs = Array.isArray(docs) ? docs : null;
      }
      return find(dirs.docs, name);
    };

    const codeowners = await lookup(/^CODEOWNERS$/);
    if (!codeowners) this.data.codeowners = null;
    else {
      const f = await this.readFile(codeowners, LIMITS.codeownersBytes);
      if ("ok" in f) this.miss(SCOPES.codeowners, unobservableReason(f));
      else if (f.text === undefined) this.miss(SCOPES.codeowners, `${f.path}: ${f.error}`);
      else this.data.codeowners = f;
    }
    if (this.data.codeowners) {
      const errs = await this.gh.get(
        "GET /repos/{owner}/{repo}/codeowners/errors",
        { ...this.p, ref: this.data.defaultBranch },
        CodeownersErrorsSchema,
      );
      if (errs.ok) this.data.codeownersErrors = errs.data.errors;
      else this.miss(SCOPES.codeowners, `codeowners/errors: ${unobservableReason(errs)}`);
    }

    const security = await lookup(/^security\.md$/i);
    if (security) {
      this.data.securityPolicy = { path: security.path, sha: security.sha, size: security.size };
    } else {
      // An organization-wide policy in the owner's `.github` repository also counts.
      const org = await this.gh.get(
        "GET /repos/{owner}/{repo}/contents/{path}",
        { owner: this.p.owner, repo: ".github", path: "SECURITY.md" },
        ContentFileSchema,
      );
      if (org.ok) {
        this.data.securityPolicy = {
          path: `${this.p.owner}/.github/SECURITY.md`,
          sha: org.data.sha,
          size: org.data.size,
        };
      } else if (org.reason === "not-found") this.data.securityPolicy = null;
      else this.miss(SCOPES.securityPolicy, unobservableReason(org));
    }
    return { github: dirs[".github"] };
  }

  async workflows(github: ContentEntry[] | null): Promise<void> {
    if (!github?.some((e) => e.type === "dir" && e.name === "workflows")) {
      this.data.workflows = [];
      this.data.workflowFiles = [];
      return;
    }
    const list = await this.listing(".github/workflows");
    if (list === null) {
      this.data.workflows = [];
      this.data.workflowFiles = [];
      return;
    }
    if (!Array.isArray(list)) return this.miss(SCOPES.workflows, unobservableReason(list));
    const files = list.filter((e) => e.type === "file" && /\.ya?ml$/i.test(e.name))
      .sort((a, b) => a.path.localeCompare(b.path));
    const out: RepoFile[] = [];
    for (const entry of files.slice(0, LIMITS.workflows)) {
      if (entry.size > LIMITS.workflowBytes) {
        out.push({ ...pick(entry), error: `larger than ${LIMITS.workflowBytes} bytes` });
        continue;
      }
      const f = await this.readFile(entry, LIMITS.workflowBytes);
      if ("ok" in f) return this.miss(SCOPES.workflows, `${entry.path}: ${unobservableReason(f)}`);
      out.push(f);
    }
    if (files.length > LIMITS.workflows) {
      this.miss(SCOPES.workflows, `more than ${LIMITS.workflows} workflow files`);
      return;
    }
    // Parsed here, once: rules receive the model, never the YAML text.
    this.data.workflowFiles = out.map((f) =>
      f.text === undefined
        ? { path: f.path, sha: f.sha, size: f.size, error: f.error ?? "not read" }
        : readWorkflowText(f.path, f.text, { sha: f.sha }, f.size)
    );
    this.data.workflows = out.map(({ text: _text, ...located }) => located);
  }

  /** A `{ enabled }` or 204/404 check; a 404 counts as "off" only for an admin token. */
  private async toggle(
    route: string,
    scope: string,
    kind: "json" | "204",
  ): Promise<boolean | undefined> {
    const r = await this.gh.get(route, this.p, kind === "json" ? EnabledSchema : z.unknown());
    if (r.ok && kind === "json") return (r.data as { enabled: boolean }).enabled;
    // "Enabled" is a 204 and nothing else: any other answer proves nothing.
    if (r.ok && r.status === 204) return true;
    if (r.ok) {
      this.miss(scope, `unexpected answer (HTTP ${r.status}) where GitHub documents 204 or 404`);
      return undefined;
    }
    if (r.reason === "not-found" && this.admin === true) return false;
    this.miss(scope, unobservableReason(r, true));
    return undefined;
  }

  async security(): Promise<void> {
    const pvr = await this.gh.get(
      "GET /repos/{owner}/{repo}/private-vulnerability-reporting",
      this.p,
      EnabledSchema,
    );
    if (pvr.ok) this.data.privateVulnerabilityReporting = pvr.data.enabled;
    else this.miss(SCOPES.vulnerabilityReporting, unobservableReason(pvr, true));
    this.data.vulnerabilityAlerts = await this.toggle(
      "GET /repos/{owner}/{repo}/vulnerability-alerts",
      SCOPES.dependabot,
      "204",
    );
    // One verdict for a 404 in every job (src/github/releases.ts).
    const immutable = await immutableReleasesSetting(
      this.gh,
      this.p.owner,
      this.p.repo,
      this.admin,
    );
    if (immutable.ok) this.data.immutableReleases = immutable.data.enabled;
    else this.miss(SCOPES.immutableReleases, unobservableReason(immutable, true));
  }

  async actions(): Promise<void> {
    const perms = await this.gh.get(
      "GET /repos/{owner}/{repo}/actions/permissions",
      this.p,
      ActionsPermissionsSchema,
    );
    const wf = await this.gh.get(
      "GET /repos/{owner}/{repo}/actions/permissions/workflow",
      this.p,
      WorkflowPermissionsSchema,
    );
    if (!perms.ok) return this.miss(SCOPES.actions, unobservableReason(perms, true));
    if (!wf.ok) return this.miss(SCOPES.actions, unobservableReason(wf, true));
    this.data.actions = perms.data;
    this.data.workflowPermissions = wf.data;
    if (perms.data.allowed_actions === "selected") {
      const sel = await this.gh.get(
        "GET /repos/{owner}/{repo}/actions/permissions/selected-actions",
        this.p,
        SelectedActionsSchema,
      );
      if (!sel.ok) return this.miss(SCOPES.actions, unobservableReason(sel, true));
      this.data.selectedActions = sel.data;
    } else this.data.selectedActions = null;
  }

  async environments(): Promise<void> {
    const envs = await this.gh.paginate(
      "GET /repos/{owner}/{repo}/environments",
      this.p,
      EnvironmentSchema,
      { maxItems: LIMITS.environments },
    );
    if (!envs.ok) {
      // A repository without environments answers 404 on some GitHub versions.
      if (envs.reason === "not-found" && this.admin === true) {
        this.data.environments = [];
        return;
      }
      return this.miss(SCOPES.environments, unobservableReason(envs));
    }
    const out: NonNullable<RepoPosture["environments"]> = [];
    for (const env of envs.data) {
      if (!env.deployment_branch_policy?.custom_branch_policies) {
        out.push(env);
        continue;
      }
      const pol = await this.gh.paginate(
        "GET /repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies",
        { ...this.p, environment_name: env.name },
        DeploymentBranchPolicySchema,
        { maxItems: LIMITS.branchPolicies },
      );
      if (!pol.ok) {
        return this.miss(SCOPES.environments, `${env.name}: ${unobservableReason(pol)}`);
      }
      out.push({ ...env, branchPolicies: pol.data });
    }
    this.data.environments = out;
  }

  async runners(): Promise<void> {
    const r = await this.gh.paginate(
      "GET /repos/{owner}/{repo}/actions/runners",
      this.p,
      RunnerSchema,
      { maxItems: LIMITS.listItems },
    );
    if (!r.ok) return this.miss(SCOPES.runners, unobservableReason(r, true));
    this.data.runners = r.data.map((x) => ({ id: x.id, name: x.name, os: x.os }));
  }

  async webhooks(): Promise<void> {
    const r = await this.gh.paginate(
      "GET /repos/{owner}/{repo}/hooks",
      this.p,
      WebhookSchema,
      { maxItems: LIMITS.listItems },
    );
    if (!r.ok) return this.miss(SCOPES.webhooks, unobservableReason(r, true));
    this.data.webhooks = r.data.map((h) => ({
      id: h.id,
      active: h.active,
      events: h.events,
      target: webhookTarget(h.config?.url),
      insecureSsl: h.config?.insecure_ssl === undefined
        ? undefined
        : String(h.config.insecure_ssl) === "1",
    }));
  }

  async deployKeys(): Promise<void> {
    const r = await this.gh.paginate(
      "GET /repos/{owner}/{repo}/keys",
      this.p,
      DeployKeySchema,
      { maxItems: LIMITS.listItems },
    );
    if (!r.ok) return this.miss(SCOPES.deployKeys, unobservableReason(r, true));
    this.data.deployKeys = r.data.map((k) => ({
      id: k.id,
      title: k.title,
      readOnly: k.read_only ?? false,
    }));
  }

  /** The default branch is judged from rulesets and classic protection together. */
  finish(): void {
    const missing = this.unobservable.filter((u) =>
      u.scope === SCOPES.rulesets || u.scope === SCOPES.branchProtection ||
      u.scope === SCOPES.settings
    );
    if (missing.length > 0) {
      this.miss(SCOPES.branch, missing.map((u) => `${u.scope}: ${u.reason}`).join("; "));
    }
    const rulesetsMissing = this.unobservable.find((u) => u.scope === SCOPES.rulesets);
    if (rulesetsMissing) {
      this.miss(SCOPES.tags, `${SCOPES.rulesets}: ${rulesetsMissing.reason}`);
      this.miss(SCOPES.bypass, `${SCOPES.rulesets}: ${rulesetsMissing.reason}`);
    } else if (this.data.rulesets?.some((r) => r.bypass_actors === undefined)) {
      this.miss(SCOPES.bypass, "ruleset bypass actors are not visible to this token");
    }
  }
}

function pick(e: ContentEntry): RepoFile {
  return { path: e.path, sha: e.sha, size: e.size };
}

/**
 * Create the `repo` job.
 *
 * @example
 * ```ts
 * const job = createRepoJob({ client: { retries: 0 } });
 * ```
 */
export function createRepoJob(options: RepoJobOptions = {}): Job<RepoPosture> {
  return {
    name: "repo",
    async collect(project: Project, ctx: JobContext): Promise<Observation<RepoPosture>> {
      const observedAt = ctx.now().toISOString();
      if (!project.github) {
        return {
          job: "repo",
          project: project.name,
          observedAt,
          data: { repository: "", defaultBranch: project.default_branch },
          unobservable: [{ scope: "*", reason: "no GitHub repository configured" }],
          stats: { requests: 0, notModified: 0, errors: 0 },
        };
      }
      const [owner, repo] = project.github.split("/");
      const gh = githubFor(ctx, options.userAgent ?? USER_AGENT, options.client);
      const c = new Collector(gh, owner, repo, project.default_branch);
      try {
        await c.settings();
        // Independent sections run side by side (each one sequential inside): about seven
        // requests in flight at most, well within GitHub's secondary-limit guidance.
        await Promise.all([
          c.rulesets(),
          c.branchRules(),
          c.branchProtection(),
          c.repositoryFiles().then((files) => files ? c.workflows(files.github) : undefined),
          c.security(),
          c.actions(),
          c.environments(),
          Promise.all([c.runners(), c.webhooks(), c.deployKeys()]),
        ]);
        c.data.controls = await collectControls(
          gh,
          { owner, repo },
          c.data,
          (s, r) => c.miss(s, r),
        );
        c.finish();
        // Online checks of the pinned actions (impostor commits, advisories).
        if (c.data.workflowFiles?.length) {
          const online = await collectActionFacts(gh, c.data.workflowFiles);
          c.data.workflowActions = online.facts;
          c.unobservable.push(...online.unobservable);
        }
      } catch (e) {
        // Never throw for upstream failures: whatever was not collected is unobservable.
        const reason = `collection aborted: ${(e as Error)?.name ?? "error"}`;
        c.unobservable.push({ scope: "*", reason });
      }
      const stats = gh.stats();
      const rate = gh.rateLimit();
      ctx.log("repo.collected", {
        project: project.name,
        repository: project.github,
        requests: stats.requests,
        notModified: stats.notModified,
        errors: stats.errors,
        unobservable: c.unobservable.length,
        rateRemaining: rate.remaining,
        waitedMs: rate.waitedMs,
      });
      return {
        job: "repo",
        project: project.name,
        observedAt,
        data: c.data,
        unobservable: c.unobservable,
        stats,
      };
    },
    evaluate(observation: Observation<RepoPosture>, project: Project, _now: Date): Finding[] {
      const data = observation.data;
      return [
        ...evaluatePosture({
          data,
          facts: postureFacts(data),
          project,
          unobservable: observation.unobservable,
        }),
        ...evaluateControls(data, project, observation.unobservable),
      ];
    },
    changes(previous, next) {
      return postureChanges(previous, next);
    },
  };
}

/** The `repo` job with default options. */
export const repoJob: Job<RepoPosture> = createRepoJob();
