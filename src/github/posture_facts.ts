/**
 * Facts the repo job derives from a repository's posture before the rules judge it: the
 * effective requirements of the default branch (the effective rulesets merged with classic
 * branch protection; the strictest source wins for each requirement) and the parsed
 * CODEOWNERS file.
 *
 * @example
 * ```ts
 * const facts = postureFacts(observation.data);
 * facts.branch?.approvals; // 1
 * ```
 * @module
 */
import type { BypassActor, Ruleset } from "./schemas.ts";
import { parseCodeowners } from "./codeowners.ts";
import type { BranchRequirements, PostureFacts, RepoPosture } from "../observations/repo.ts";

const clip = (s: string, n = 200) => (s.length > n ? `${s.slice(0, n - 3)}...` : s);

/**
 * `ActorType:id`, or just the type for actors without an id (OrganizationAdmin, DeployKey).
 *
 * @example
 * ```ts
 * actorName({ actor_id: 5, actor_type: "RepositoryRole" }); // "RepositoryRole:5"
 * ```
 */
export function actorName(a: BypassActor): string {
  return a.actor_id === null || a.actor_id === undefined || a.actor_type === "OrganizationAdmin" ||
      a.actor_type === "DeployKey"
    ? a.actor_type
    : `${a.actor_type}:${a.actor_id}`;
}

const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);
const flag = (v: unknown) => v === true;

/**
 * The effective requirements of the default branch.
 *
 * @example
 * ```ts
 * const req = branchRequirements(observation.data);
 * req.approvals; // 1
 * ```
 */
export function branchRequirements(data: RepoPosture): BranchRequirements {
  const req: BranchRequirements = {
    deletionBlocked: false,
    forcePushBlocked: false,
    pullRequest: false,
    approvals: 0,
    codeOwnerReview: false,
    lastPushApproval: false,
    conversationResolution: false,
    statusChecks: [],
    linearHistory: false,
    mergeCommitsBlocked: false,
    bypass: [],
  };
  const byId = new Map<number, Ruleset>((data.rulesets ?? []).map((r) => [r.id, r]));
  const governing = new Set<number>();
  for (const rule of data.branchRules ?? []) {
    const rs = rule.ruleset_id === undefined ? undefined : byId.get(rule.ruleset_id);
    if (rs && rs.enforcement !== "active") continue;
    if (rule.ruleset_id !== undefined) governing.add(rule.ruleset_id);
    const p = rule.parameters ?? {};
    switch (rule.type) {
      case "deletion":
        req.deletionBlocked = true;
        break;
      case "non_fast_forward":
        req.forcePushBlocked = true;
        break;
      case "required_linear_history":
        req.linearHistory = true;
        break;
      case "pull_request": {
        req.pullRequest = true;
        req.approvals = Math.max(req.approvals, num(p.required_approving_review_count));
        req.codeOwnerReview ||= flag(p.require_code_owner_review);
        req.lastPushApproval ||= flag(p.require_last_push_approval);
        req.conversationResolution ||= flag(p.required_review_thread_resolution);
        const methods = p.allowed_merge_methods;
        if (Array.isArray(methods) && !methods.includes("merge")) req.mergeCommitsBlocked = true;
        break;
      }
      case "required_status_checks": {
        const checks = Array.isArray(p.required_status_checks) ? p.required_status_checks : [];
        for (const c of checks.slice(0, 500)) {
          const ctx = (c as { context?: unknown })?.context;
          if (typeof ctx === "string") req.statusChecks.push(ctx.slice(0, 500));
        }
        break;
      }
    }
  }
  for (const id of governing) {
    const rs = byId.get(id);
    for (const a of rs?.bypass_actors ?? []) {
      req.bypass.push({
        actor: actorName(a),
        mode: a.bypass_mode ?? "always",
        source: `ruleset ${id} (${clip(rs?.name ?? "", 80)})`,
      });
    }
  }
  const bp = data.branchProtection;
  if (bp) {
    if (!bp.allow_deletions?.enabled) req.deletionBlocked = true;
    if (!bp.allow_force_pushes?.enabled) req.forcePushBlocked = true;
    if (bp.required_linear_history?.enabled) req.linearHistory = true;
    if (bp.required_conversation_resolution?.enabled) req.conversationResolution = true;
    const pr = bp.required_pull_request_reviews;
    if (pr) {
      req.pullRequest = true;
      req.approvals = Math.max(req.approvals, pr.required_approving_review_count ?? 0);
      req.codeOwnerReview ||= pr.require_code_owner_reviews === true;
      req.lastPushApproval ||= pr.require_last_push_approval === true;
    }
    const sc = bp.required_status_checks;
    if (sc) {
      req.statusChecks.push(...sc.contexts, ...(sc.checks ?? []).map((c) => c.context));
    }
    if (!bp.enforce_admins?.enabled) {
      req.bypass.push({
        actor: "ClassicProtection:admins",
        mode: "always",
        source: "classic branch protection without 'Include administrators'",
      });
    }
  }
  req.statusChecks = [...new Set(req.statusChecks)].sort();
  return req;
}

/**
 * Derive the facts the posture rules read from an observation.
 *
 * @example
 * ```ts
 * postureFacts({ repository: "o/r", defaultBranch: "main", codeowners: null }).codeowners;
 * // undefined
 * ```
 */
export function postureFacts(data: RepoPosture): PostureFacts {
  const text = data.codeowners?.text;
  return {
    branch: data.branchRules !== undefined || data.branchProtection !== undefined
      ? branchRequirements(data)
      : undefined,
    codeowners: text === undefined ? undefined : parseCodeowners(text),
  };
}
