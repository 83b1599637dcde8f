/**
 * The observation of the `repo` job: a repository's security posture as collected from the
 * GitHub API, without judgement. Every section is optional: an absent section was not
 * observable (its scope is listed in `Observation.unobservable`); `null` means "observed,
 * and there is none" (no classic protection, no CODEOWNERS file...).
 *
 * @example
 * ```ts
 * const obs: Observation<RepoPosture> = await repoJob.collect(project, ctx);
 * obs.data.workflowPermissions?.default_workflow_permissions; // "read"
 * ```
 * @module
 */
import { z } from "zod";
import {
  ActionsPermissionsSchema,
  BranchProtectionSchema,
  BranchRuleSchema,
  DeploymentBranchPolicySchema,
  EnvironmentSchema,
  RulesetSchema,
  SelectedActionsSchema,
  WorkflowPermissionsSchema,
} from "../github/schemas.ts";
import type { CodeownersRule } from "../github/codeowners.ts";
import { ActionRefFactSchema, WorkflowFileSchema } from "./workflow.ts";
import { RepoControlsSchema } from "./controls.ts";

/** A file read from the repository (CODEOWNERS, SECURITY.md, a workflow). */
export const RepoFileSchema = z.object({
  path: z.string().max(1000),
  /** Git blob SHA. */
  sha: z.string().max(64),
  size: z.number().int().min(0),
  /** UTF-8 text, when read (absent for files only located, or too large). */
  text: z.string().optional(),
  /** Why the text is missing (too large, not UTF-8, read failed). */
  error: z.string().max(300).optional(),
});
/** See {@link RepoFileSchema}. */
export type RepoFile = z.infer<typeof RepoFileSchema>;

/** The posture of one repository. */
export const RepoPostureSchema = z.object({
  /** owner/repo. */
  repository: z.string(),
  defaultBranch: z.string(),
  settings: z.object({
    private: z.boolean().optional(),
    archived: z.boolean().optional(),
    allow_merge_commit: z.boolean().optional(),
    allow_squash_merge: z.boolean().optional(),
    allow_rebase_merge: z.boolean().optional(),
    /** Whether the token is an admin of the repository (as reported by GitHub). */
    admin: z.boolean().optional(),
    security_and_analysis: z.record(z.string(), z.string()).optional(),
  }).optional(),
  /** All rulesets that apply to the repository, including the organization's. */
  rulesets: z.array(RulesetSchema).optional(),
  /** Effective rules for the default branch. */
  branchRules: z.array(BranchRuleSchema).optional(),
  /** Classic protection of the default branch; null when the branch is not protected. */
  branchProtection: BranchProtectionSchema.nullable().optional(),
  codeowners: RepoFileSchema.nullable().optional(),
  codeownersErrors: z.array(z.object({
    line: z.number().optional(),
    kind: z.string().optional(),
    message: z.string().optional(),
    path: z.string().optional(),
  })).optional(),
  securityPolicy: RepoFileSchema.omit({ text: true }).nullable().optional(),
  privateVulnerabilityReporting: z.boolean().optional(),
  vulnerabilityAlerts: z.boolean().optional(),
  immutableReleases: z.boolean().optional(),
  actions: ActionsPermissionsSchema.optional(),
  selectedActions: SelectedActionsSchema.nullable().optional(),
  workflowPermissions: WorkflowPermissionsSchema.optional(),
  environments: z.array(EnvironmentSchema.extend({
    branchPolicies: z.array(DeploymentBranchPolicySchema).optional(),
  })).optional(),
  runners: z.array(z.object({ id: z.number(), name: z.string(), os: z.string().optional() }))
    .optional(),
  webhooks: z.array(z.object({
    id: z.number(),
    active: z.boolean().optional(),
    events: z.array(z.string()),
    /** scheme://host of the target only. */
    target: z.string().optional(),
    insecureSsl: z.boolean().optional(),
  })).optional(),
  deployKeys: z.array(z.object({
    id: z.number(),
    title: z.string().optional(),
    readOnly: z.boolean(),
  })).optional(),
  /** Workflow files at the default branch head (located; their text is parsed into workflowFiles). */
  workflows: z.array(RepoFileSchema).optional(),
  /** The same workflow files, parsed (src/workflows/read.ts). */
  workflowFiles: z.array(WorkflowFileSchema).optional(),
  /** Online facts about the actions the workflows pin (impostor commits, advisories). */
  workflowActions: z.array(ActionRefFactSchema).optional(),
  /** Secrets, Actions and security settings, codebase (`src/observations/controls.ts`). */
  controls: RepoControlsSchema.optional(),
});
/** See {@link RepoPostureSchema}. */
export type RepoPosture = z.infer<typeof RepoPostureSchema>;
/** One environment as observed. */
export type ObservedEnvironment = NonNullable<RepoPosture["environments"]>[number];

/** Scopes of the repo job, used for findings and `unobservable` entries. */
export const SCOPES = {
  settings: "repo:settings",
  branch: "repo:branch",
  rulesets: "repo:rulesets",
  /** Bypass actors of the rulesets (hidden from tokens without admin access). */
  bypass: "repo:bypass",
  branchProtection: "repo:branch-protection",
  tags: "repo:tags",
  codeowners: "repo:codeowners",
  securityPolicy: "repo:security-policy",
  vulnerabilityReporting: "repo:vulnerability-reporting",
  dependabot: "repo:dependabot",
  immutableReleases: "repo:immutable-releases",
  actions: "repo:actions",
  environments: "repo:environments",
  runners: "repo:runners",
  webhooks: "repo:webhooks",
  deployKeys: "repo:deploy-keys",
  workflows: "repo:workflows",
} as const;

/** What the default branch requires, combining rulesets and classic protection. */
export interface BranchRequirements {
  deletionBlocked: boolean;
  forcePushBlocked: boolean;
  pullRequest: boolean;
  approvals: number;
  codeOwnerReview: boolean;
  lastPushApproval: boolean;
  conversationResolution: boolean;
  statusChecks: string[];
  linearHistory: boolean;
  /** A pull request rule allows only squash / rebase. */
  mergeCommitsBlocked: boolean;
  /** Who may bypass, as `ActorType[:id]` with where it comes from. */
  bypass: { actor: string; mode: string; source: string }[];
}

/**
 * What the repo job derives from a {@link RepoPosture} for the posture rules (not stored in
 * the observation, so posture digests and `posture.changed` events are unaffected): the
 * default branch's effective requirements (rulesets merged with classic protection) and the
 * parsed CODEOWNERS rules. Built by `postureFacts` (`src/github/posture_facts.ts`).
 */
export interface PostureFacts {
  /** Undefined when neither branch source was observed. */
  branch?: BranchRequirements;
  /** Undefined when the CODEOWNERS text was not read (or there is no file). */
  codeowners?: CodeownersRule[];
}
