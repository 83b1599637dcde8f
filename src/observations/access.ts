/**
 * The access job's vocabulary: zod schemas for the GitHub responses it reads (users,
 * organizations, members, collaborators, teams, invitations, deploy keys), the observation it
 * produces, and the `access.changed` ledger body that keeps the history of who held access.
 *
 * Every upstream string is attacker-controlled: it is parsed as a string, then bounded and
 * stripped of control characters before it enters an observation, a finding or the ledger.
 *
 * @module
 */
import { z } from "zod";
import { safeText } from "../http.ts";

/** Longest login, slug, title or role kept from upstream. */
export const MAX_NAME = 100;

/**
 * Bound an upstream name: control characters replaced, at most {@link MAX_NAME} characters.
 *
 * @example
 * ```ts
 * boundName("octocat"); // "octocat"
 * boundName("x".repeat(500)).length; // 101 (100 characters and an ellipsis)
 * ```
 */
export function boundName(text: string): string {
  return safeText(text, MAX_NAME);
}

/** An upstream name: any string up to 10,000 characters, bounded on the way in. */
const name = z.string().max(10_000).transform(boundName);

/** `GET /users/{owner}`: only whether the owner is a user or an organization matters. */
export const OwnerSchema = z.object({ login: name, type: z.string().max(50) }).passthrough();

/**
 * `GET /orgs/{org}`. `two_factor_requirement_enabled` is only present (and non-null) when the
 * token belongs to an owner of the organization.
 */
export const OrganizationSchema = z.object({
  login: name,
  two_factor_requirement_enabled: z.boolean().nullish(),
}).passthrough();
/** See {@link OrganizationSchema}. */
export type Organization = z.infer<typeof OrganizationSchema>;

/** A simple user (org members, outside collaborators, invitees). */
export const SimpleUserSchema = z.object({
  login: name,
  type: z.string().max(50).optional(),
}).passthrough();
/** See {@link SimpleUserSchema}. */
export type SimpleUser = z.infer<typeof SimpleUserSchema>;

/** The `permissions` object of collaborators and teams. */
const PermissionsSchema = z.object({
  admin: z.boolean().optional(),
  maintain: z.boolean().optional(),
  push: z.boolean().optional(),
  triage: z.boolean().optional(),
  pull: z.boolean().optional(),
}).passthrough();

/** `GET /repos/{owner}/{repo}/collaborators` item. */
export const CollaboratorSchema = SimpleUserSchema.extend({
  permissions: PermissionsSchema.optional(),
  role_name: name.optional(),
});
/** See {@link CollaboratorSchema}. */
export type CollaboratorItem = z.infer<typeof CollaboratorSchema>;

/**
 * `GET /repos/{owner}/{repo}/teams` item. Old team objects carry no `slug`: it is derived from
 * the name the way GitHub makes slugs, so that one old object does not blind the whole list.
 */
export const TeamSchema = z.preprocess(
  (raw) => {
    if (!raw || typeof raw !== "object") return raw;
    const t = raw as { slug?: unknown; name?: unknown };
    if (t.slug !== undefined || typeof t.name !== "string") return raw;
    const slug = t.name.toLowerCase().replace(/[^a-z0-9_]+/g, "-").replace(/^-+|-+$/g, "");
    return slug ? { ...t, slug } : raw;
  },
  z.object({
    slug: name,
    name: name.optional(),
    permission: name.optional(),
    permissions: PermissionsSchema.optional(),
  }).passthrough(),
);
/** See {@link TeamSchema}. */
export type TeamItem = z.infer<typeof TeamSchema>;

/** `GET /repos/{owner}/{repo}/invitations` item. */
export const InvitationSchema = z.object({
  id: z.number().int(),
  invitee: SimpleUserSchema.nullish(),
  inviter: SimpleUserSchema.nullish(),
  permissions: name,
  created_at: z.string().max(64).optional(),
  expired: z.boolean().optional(),
}).passthrough();
/** See {@link InvitationSchema}. */
export type InvitationItem = z.infer<typeof InvitationSchema>;

/** `GET /repos/{owner}/{repo}/keys` item. */
export const DeployKeySchema = z.object({
  id: z.number().int(),
  title: name.nullish(),
  read_only: z.boolean().optional(),
  created_at: z.string().max(64).optional(),
  last_used: z.string().max(64).nullish(),
}).passthrough();
/** See {@link DeployKeySchema}. */
export type DeployKeyItem = z.infer<typeof DeployKeySchema>;

/** Repository permission levels, strongest first. Custom roles map to their base level. */
export const LEVELS = ["admin", "maintain", "write", "triage", "read"] as const;
/** One of {@link LEVELS}. */
export type Level = typeof LEVELS[number];
/** Levels that can push to the default branch (subject to branch protection). */
export const PUSH_LEVELS: readonly Level[] = ["admin", "maintain", "write"];

/** How a collaborator got access to the repository. */
export type Via = "owner" | "direct" | "outside" | "org-owner" | "team-or-org";

/** A repository collaborator as observed. */
export interface Collaborator {
  login: string;
  level: Level;
  /** `role_name` as GitHub reports it (a custom role name is kept here). */
  roleName?: string;
  via: Via;
}

/** A team with access to the repository. */
export interface Team {
  slug: string;
  level: Level;
}

/** A pending repository invitation. */
export interface Invitation {
  id: number;
  /** Invitee login, or `(email invitation <id>)` for an invitation by email address. */
  invitee: string;
  inviter?: string;
  level: Level;
  createdAt?: string;
  expired: boolean;
}

/** A deploy key. */
export interface DeployKey {
  id: number;
  title: string;
  readOnly: boolean;
  createdAt?: string;
  lastUsed?: string;
}

/** 2FA status of an organization's people, from the owner-only `filter=` lists. */
export interface TwoFactorLists {
  /** Logins with 2FA disabled. */
  disabled: string[];
  /** Logins with insecure 2FA (SMS). */
  insecure: string[];
}

/** PyPI ownership and contact emails (from the JSON API's `ownership`). */
export interface PypiAccess {
  organization: string | null;
  roles: { role: string; user: string }[];
  emails: string[];
}

/** A check that does not apply to this project (e.g. org checks on a user-owned repository). */
export interface NotApplicable {
  scope: string;
  reason: string;
}

/**
 * What the access job saw for one project. An area left undefined was not observed (its scope
 * is in `Observation.unobservable`) or does not apply (its scope is in `notApplicable`).
 */
export interface AccessData {
  project: string;
  /** The GitHub repository and its owner's kind; undefined when none is configured or readable. */
  github?: { owner: string; repo: string; ownerType: "Organization" | "User" };
  notApplicable: NotApplicable[];
  /** Whether the organization requires 2FA of its members (owner-only field). */
  org2fa?: { org: string; required: boolean };
  /** Organization members without 2FA / with insecure 2FA. */
  members2fa?: TwoFactorLists;
  /** Outside collaborators without 2FA / with insecure 2FA. */
  outside2fa?: TwoFactorLists;
  /** Organization owners. */
  orgOwners?: string[];
  collaborators?: Collaborator[];
  teams?: Team[];
  invitations?: Invitation[];
  deployKeys?: DeployKey[];
  pypi?: PypiAccess;
  /**
   * The project's contact emails as the ledger first stated them (`access.changed`, area
   * `pypi-email`, projected by `src/state/people.ts`); undefined before that first statement.
   */
  emailBaseline?: string[];
}

/** Finding scopes (and unobservable scopes) of the access job, one per area. */
export const SCOPES = {
  org2fa: "access:org-2fa",
  members2fa: "access:members-2fa",
  outside2fa: "access:outside-2fa",
  orgOwners: "access:org-owners",
  collaborators: "access:collaborators",
  teams: "access:teams",
  invitations: "access:invitations",
  deployKeys: "access:deploy-keys",
  pypi: "access:pypi-owners",
} as const;

/** Areas of access history (`access.changed`). */
export const AREAS = [
  "collaborator",
  "team",
  "invitation",
  "deploy-key",
  "org-owner",
  "pypi-role",
  "org-2fa",
  "pypi-email",
] as const;
/** One of {@link AREAS}. */
export type Area = typeof AREAS[number];

/** One change of access. */
export const AccessChangeSchema = z.object({
  kind: z.enum(["added", "removed", "role-changed"]),
  area: z.enum(AREAS),
  who: z.string().max(200),
  from: z.string().max(200).optional(),
  to: z.string().max(200).optional(),
});
/** See {@link AccessChangeSchema}. */
export type AccessChange = z.infer<typeof AccessChangeSchema>;

/**
 * Body of an `access.changed` event. `full` lists the areas whose whole state this event
 * states (first sweep, or the first observation after a gap): a reader forgets what it knew of
 * those areas before applying `changes`. `truncated` counts changes left out (size cap).
 */
export const AccessChangedBodySchema = z.object({
  project: z.string().max(200),
  changes: z.array(AccessChangeSchema).max(1000),
  full: z.array(z.enum(AREAS)).optional(),
  truncated: z.number().int().min(0).optional(),
});
/** See {@link AccessChangedBodySchema}. */
export type AccessChangedBody = z.infer<typeof AccessChangedBodySchema>;
