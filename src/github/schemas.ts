/**
 * zod schemas of the GitHub REST responses the auditor reads, reduced to the fields it uses
 * (GitHub's documented shapes: rest-api-description). Unknown fields are dropped; strings and
 * lists are bounded, because upstream content is attacker-controlled.
 *
 * @example
 * ```ts
 * const repo = await gh.get("GET /repos/{owner}/{repo}", { owner, repo }, RepositorySchema);
 * ```
 * @module
 */
import { z } from "zod";

const text = (max = 1000) => z.string().max(max);
const bool = z.boolean();
const status = z.object({ status: z.string().max(50) }).partial();

/** `GET /repos/{owner}/{repo}`. */
export const RepositorySchema = z.object({
  full_name: text(300),
  default_branch: text(255),
  private: bool.optional(),
  archived: bool.optional(),
  visibility: text(50).optional(),
  allow_merge_commit: bool.optional(),
  allow_squash_merge: bool.optional(),
  allow_rebase_merge: bool.optional(),
  owner: z.object({ login: text(100), type: text(50).optional() }).optional(),
  permissions: z.object({ admin: bool.optional(), push: bool.optional() }).partial().optional(),
  security_and_analysis: z.object({
    advanced_security: status.optional(),
    dependabot_security_updates: status.optional(),
    secret_scanning: status.optional(),
    secret_scanning_push_protection: status.optional(),
  }).partial().nullable().optional(),
});
/** See {@link RepositorySchema}. */
export type Repository = z.infer<typeof RepositorySchema>;

/** One item of `GET /repos/{owner}/{repo}/rulesets`. */
export const RulesetSummarySchema = z.object({
  id: z.number().int(),
  name: text(500),
  source_type: text(50).optional(),
  source: text(300).optional(),
  enforcement: text(50),
});

/** A bypass actor of a ruleset. */
export const BypassActorSchema = z.object({
  actor_id: z.number().int().nullable().optional(),
  actor_type: text(50),
  bypass_mode: text(50).optional(),
});
/** See {@link BypassActorSchema}. */
export type BypassActor = z.infer<typeof BypassActorSchema>;

const RefConditionSchema = z.object({
  include: z.array(text(500)).max(500).default([]),
  exclude: z.array(text(500)).max(500).default([]),
});

/** A rule inside a ruleset (`type` plus free-form `parameters`). */
export const RuleSchema = z.object({
  type: text(100),
  parameters: z.record(z.string(), z.unknown()).optional(),
});

/** `GET /repos/{owner}/{repo}/rulesets/{id}` (also org rulesets seen through the repository). */
export const RulesetSchema = z.object({
  id: z.number().int(),
  name: text(500),
  target: text(50).optional(),
  source_type: text(50).optional(),
  source: text(300).optional(),
  enforcement: text(50),
  /** Absent when the token may not see bypass actors. */
  bypass_actors: z.array(BypassActorSchema).max(500).optional(),
  current_user_can_bypass: text(50).optional(),
  conditions: z.object({ ref_name: RefConditionSchema.optional() }).nullable().optional(),
  rules: z.array(RuleSchema).max(500).default([]),
});
/** See {@link RulesetSchema}. */
export type Ruleset = z.infer<typeof RulesetSchema>;

/** One item of `GET /repos/{owner}/{repo}/rules/branches/{branch}`. */
export const BranchRuleSchema = RuleSchema.extend({
  ruleset_source_type: text(50).optional(),
  ruleset_source: text(300).optional(),
  ruleset_id: z.number().int().optional(),
});
/** See {@link BranchRuleSchema}. */
export type BranchRule = z.infer<typeof BranchRuleSchema>;

const enabled = z.object({ enabled: bool }).nullable().optional();

/** `GET /repos/{owner}/{repo}/branches/{branch}/protection` (classic branch protection). */
export const BranchProtectionSchema = z.object({
  required_status_checks: z.object({
    strict: bool.optional(),
    contexts: z.array(text(500)).max(500).default([]),
    checks: z.array(z.object({ context: text(500) })).max(500).optional(),
  }).nullable().optional(),
  enforce_admins: enabled,
  required_pull_request_reviews: z.object({
    dismiss_stale_reviews: bool.optional(),
    require_code_owner_reviews: bool.optional(),
    required_approving_review_count: z.number().int().min(0).max(100).optional(),
    require_last_push_approval: bool.optional(),
  }).nullable().optional(),
  required_linear_history: enabled,
  allow_force_pushes: enabled,
  allow_deletions: enabled,
  required_conversation_resolution: enabled,
  lock_branch: enabled,
});
/** See {@link BranchProtectionSchema}. */
export type BranchProtection = z.infer<typeof BranchProtectionSchema>;

/** An entry of a contents-API directory listing. */
export const ContentEntrySchema = z.object({
  name: text(255),
  path: text(1000),
  sha: text(64),
  size: z.number().int().min(0),
  type: text(20),
});
/** See {@link ContentEntrySchema}. */
export type ContentEntry = z.infer<typeof ContentEntrySchema>;

/** A contents-API file (base64). */
export const ContentFileSchema = z.object({
  type: z.literal("file"),
  path: text(1000),
  sha: text(64),
  size: z.number().int().min(0),
  encoding: text(20).optional(),
  content: z.string().max(8 * 1024 * 1024).optional(),
});
/** See {@link ContentFileSchema}. */
export type ContentFile = z.infer<typeof ContentFileSchema>;

/** `GET /repos/{owner}/{repo}/codeowners/errors`. */
export const CodeownersErrorsSchema = z.object({
  errors: z.array(z.object({
    line: z.number().int().optional(),
    kind: text(200).optional(),
    message: text(2000).optional(),
    path: text(1000).optional(),
  })).max(1000),
});

/** `{ enabled }` answers (private vulnerability reporting, immutable releases). */
export const EnabledSchema = z.object({ enabled: bool, enforced_by_owner: bool.optional() });

/** `GET /repos/{owner}/{repo}/actions/permissions`. */
export const ActionsPermissionsSchema = z.object({
  enabled: bool,
  allowed_actions: text(50).optional(),
  sha_pinning_required: bool.optional(),
});
/** `GET /repos/{owner}/{repo}/actions/permissions/selected-actions`. */
export const SelectedActionsSchema = z.object({
  github_owned_allowed: bool.optional(),
  verified_allowed: bool.optional(),
  patterns_allowed: z.array(text(500)).max(1000).default([]),
});
/** `GET /repos/{owner}/{repo}/actions/permissions/workflow`. */
export const WorkflowPermissionsSchema = z.object({
  default_workflow_permissions: text(20),
  can_approve_pull_request_reviews: bool,
});

const ReviewerSchema = z.object({
  type: text(50).optional(),
  reviewer: z.object({ login: text(100).optional(), slug: text(100).optional(), id: z.number() })
    .partial().nullable().optional(),
});

/** One environment of `GET /repos/{owner}/{repo}/environments`. */
export const EnvironmentSchema = z.object({
  name: text(255),
  protection_rules: z.array(z.object({
    type: text(50),
    wait_timer: z.number().int().optional(),
    prevent_self_review: bool.optional(),
    reviewers: z.array(ReviewerSchema).max(100).optional(),
  })).max(100).default([]),
  deployment_branch_policy: z.object({
    protected_branches: bool,
    custom_branch_policies: bool,
  }).nullable().optional(),
});
/** See {@link EnvironmentSchema}. */
export type Environment = z.infer<typeof EnvironmentSchema>;

/** One deployment branch (or tag) policy of an environment. */
export const DeploymentBranchPolicySchema = z.object({
  name: text(500),
  type: text(20).optional(),
});

/** One self-hosted runner. */
export const RunnerSchema = z.object({
  id: z.number().int(),
  name: text(300),
  os: text(50).optional(),
  status: text(50).optional(),
});

/** One repository webhook (the URL itself is not kept: it may embed a secret). */
export const WebhookSchema = z.object({
  id: z.number().int(),
  active: bool.optional(),
  events: z.array(text(100)).max(200).default([]),
  config: z.object({
    url: text(2000).optional(),
    insecure_ssl: z.union([text(10), z.number()]).optional(),
    content_type: text(50).optional(),
  }).partial().optional(),
});

/** One deploy key (the key material is not kept). */
export const DeployKeySchema = z.object({
  id: z.number().int(),
  title: text(300).optional(),
  read_only: bool.optional(),
  created_at: text(50).optional(),
});
