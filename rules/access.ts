/**
 * Access rules: a maintainer account or workstation compromise becomes a package compromise
 * (ctx came back through an expired maintainer email domain; num2words through phished
 * accounts). The plan asks for 2FA everywhere, minimal admin, and no maintainer added on the
 * strength of a message alone. Pure functions over the access job's observation.
 *
 * PyPI contact-email changes (the ctx route) are judged here too, against the baseline the
 * ledger first recorded (`release/maintainer-email-*`: ids kept from when the PyPI job owned
 * them).
 *
 * @example
 * ```ts
 * const findings = evaluateAccess(observation.data, project);
 * ```
 * @module
 */
import type { Project } from "../src/config.ts";
import { oncePerInput } from "./_shared.ts";
import {
  defineRule,
  type Finding,
  finding,
  type Rule,
  type RuleMeta,
  ruleMetaFor,
  runRules,
} from "./types.ts";
import { type AccessData, type Level, PUSH_LEVELS, SCOPES } from "../src/observations/access.ts";

const meta = ruleMetaFor("access", "access/");
const releaseMeta = ruleMetaFor("access", "release/");

/** The organization does not require 2FA. */
export const ORG_2FA_NOT_REQUIRED = meta(
  "org-2fa-not-required",
  "high",
  "The GitHub organization does not require two-factor authentication",
  "2FA everywhere",
  "Enable 'Require two-factor authentication' in the organization's authentication security settings.",
);

/** A member or outside collaborator has no 2FA. */
export const NO_2FA = meta(
  "no-2fa",
  "high",
  "An organization member or outside collaborator has 2FA disabled",
  "2FA everywhere",
  "Ask the account to enable 2FA (a hardware key), or remove its access until it does.",
);

/** A member or outside collaborator uses insecure 2FA (SMS). */
export const INSECURE_2FA = meta(
  "insecure-2fa",
  "medium",
  "An organization member or outside collaborator uses insecure 2FA (SMS)",
  "Hardware 2FA everywhere",
  "Ask the account to replace SMS with a security key or passkey.",
);

/** A write, maintain or admin grant to an account (or team) outside the allow list. */
export const UNLISTED_GRANT = meta(
  "unlisted-write-grant",
  "high",
  "Write, maintain or admin access held by an account not on the allow list",
  "Minimal access; no maintainer added on the strength of a message alone",
  "Confirm the grant out of band with the known maintainers; remove it, or add the account to allow.collaborators (allow.admins for admin).",
);

/** More admins than the policy allows. */
export const TOO_MANY_ADMINS = meta(
  "too-many-admins",
  "medium",
  "More repository admins than the policy allows",
  "Minimal admin",
  "Lower admins to write or maintain; keep admin for the few who manage settings.",
);

/** An outside collaborator with admin. */
export const OUTSIDE_ADMIN = meta(
  "outside-collaborator-admin",
  "high",
  "An outside collaborator has admin access to the repository",
  "Minimal admin",
  "Lower the outside collaborator to write at most, or make them an organization member under its 2FA rule.",
);

/** A pending repository invitation. */
export const PENDING_INVITATION = meta(
  "pending-invitation",
  "medium",
  "A repository invitation is pending",
  "No maintainer added on the strength of a message alone",
  "Confirm the invitation out of band with the person and the inviter; cancel it if either cannot confirm.",
);

/** A PyPI owner or maintainer not on the allow list. */
export const PYPI_UNLISTED_ROLE = meta(
  "pypi-unlisted-role",
  "high",
  "A PyPI owner or maintainer is not on the allow list",
  "No maintainer added on the strength of a message alone",
  "Confirm the role with the known maintainers; remove it on PyPI, or add the account to allow.maintainers.",
);

/** A PyPI Owner role held by a personal account where the policy asks for an organization. */
export const PYPI_PERSONAL_OWNER = meta(
  "pypi-personal-owner",
  "medium",
  "A PyPI Owner role is held by a personal account, not an organization",
  "Project ownership held by an organization",
  "Transfer the project to a PyPI organization and lower personal accounts to Maintainer (or remove them).",
);

/** A deploy key with write access. */
export const WRITE_DEPLOY_KEY = meta(
  "write-deploy-key",
  "medium",
  "A deploy key has write access to the repository",
  "Minimal access",
  "Replace it with a read-only key, or remove it; pushes should come from people or reviewed automation.",
);

/** Maintainer or author emails changed. */
export const EMAILS_CHANGED = releaseMeta(
  "maintainer-email-changed",
  "medium",
  "Maintainer or author emails changed",
  "Maintainer identities change only by a reviewed decision.",
  "Confirm the change with the maintainers; an email on a new or expired domain is how ctx was taken over.",
);

/** An email domain changed (higher risk than a local-part change). */
export const EMAIL_DOMAIN_CHANGED = releaseMeta(
  "maintainer-email-domain-changed",
  "high",
  "A maintainer email moved to a new domain",
  "Maintainer identities change only by a reviewed decision.",
  "Check the new domain's registration date and owner; re-verify the maintainer out of band.",
);

const fold = (s: string) => s.toLowerCase();

/** Case-insensitive allow set (GitHub and PyPI names are case-insensitive). */
function allowSet(...lists: string[][]): Set<string> {
  return new Set(lists.flat().map(fold));
}

/** A team is allowed as `team:<slug>` or `@<org>/<slug>`. */
function teamAllowed(allowed: Set<string>, slug: string, org: string | undefined): boolean {
  return allowed.has(fold(`team:${slug}`)) ||
    (org !== undefined && allowed.has(fold(`@${org}/${slug}`)));
}

function isPush(level: Level): boolean {
  return PUSH_LEVELS.includes(level);
}

function repoUrl(data: AccessData, path: string): string | undefined {
  return data.github
    ? `https://github.com/${data.github.owner}/${data.github.repo}${path}`
    : undefined;
}

/** Org-wide 2FA requirement and the 2FA lists. */
export function twoFactorRules(data: AccessData): Finding[] {
  const out: Finding[] = [];
  if (data.org2fa && !data.org2fa.required) {
    out.push(finding(ORG_2FA_NOT_REQUIRED, {
      subject: `org:${data.org2fa.org}`,
      scope: SCOPES.org2fa,
      message:
        `Organization ${data.org2fa.org} does not require two-factor authentication of its members.`,
      evidence: {
        observed: false,
        expected: true,
        url: `https://github.com/organizations/${data.org2fa.org}/settings/security`,
      },
    }));
  }
  const lists = [
    { kind: "member", scope: SCOPES.members2fa, lists: data.members2fa },
    { kind: "outside collaborator", scope: SCOPES.outside2fa, lists: data.outside2fa },
  ];
  for (const { kind, scope, lists: l } of lists) {
    if (!l) continue;
    const prefix = kind === "member" ? "member" : "outside";
    for (const login of l.disabled) {
      out.push(finding(NO_2FA, {
        subject: `${prefix}:${login}`,
        scope,
        message: `The ${kind} ${login} has two-factor authentication disabled.`,
        evidence: { observed: "2fa_disabled", expected: "2FA with a security key" },
      }));
    }
    for (const login of l.insecure) {
      if (l.disabled.includes(login)) continue;
      out.push(finding(INSECURE_2FA, {
        subject: `${prefix}:${login}`,
        scope,
        message: `The ${kind} ${login} uses an insecure second factor (SMS).`,
        evidence: { observed: "2fa_insecure", expected: "2FA with a security key" },
      }));
    }
  }
  return out;
}

/** Write/maintain/admin grants outside the allow list, outside admins, and the admin count. */
export function grantRules(data: AccessData, project: Project): Finding[] {
  const out: Finding[] = [];
  const writers = allowSet(project.allow.collaborators, project.allow.admins);
  const admins = allowSet(project.allow.admins);
  const org = data.github?.ownerType === "Organization" ? data.github.owner : undefined;
  for (const c of data.collaborators ?? []) {
    if (!isPush(c.level)) continue;
    const allowed = c.level === "admin" ? admins : writers;
    if (!allowed.has(fold(c.login))) {
      out.push(finding(UNLISTED_GRANT, {
        subject: `collaborator:${c.login}:${c.level}`,
        scope: SCOPES.collaborators,
        message:
          `${c.login} has ${c.level} access to ${project.github} (${c.via}) but is not on the ${
            c.level === "admin" ? "admins" : "collaborators"
          } allow list.`,
        evidence: {
          observed: { level: c.level, via: c.via, roleName: c.roleName },
          url: repoUrl(data, "/settings/access"),
        },
      }));
    }
    if (c.via === "outside" && c.level === "admin") {
      out.push(finding(OUTSIDE_ADMIN, {
        subject: `outside:${c.login}`,
        scope: SCOPES.collaborators,
        message: `The outside collaborator ${c.login} has admin access to ${project.github}.`,
        evidence: {
          observed: "admin",
          expected: "write at most",
          url: repoUrl(data, "/settings/access"),
        },
      }));
    }
  }
  for (const t of data.teams ?? []) {
    if (!isPush(t.level)) continue;
    const allowed = t.level === "admin" ? admins : writers;
    if (!teamAllowed(allowed, t.slug, org)) {
      out.push(finding(UNLISTED_GRANT, {
        subject: `team:${t.slug}:${t.level}`,
        scope: SCOPES.teams,
        message:
          `Team ${t.slug} has ${t.level} access to ${project.github} but is not on the allow list (team:${t.slug}).`,
        evidence: { observed: { level: t.level }, url: repoUrl(data, "/settings/access") },
      }));
    }
  }
  out.push(...adminCountRule(data, project));
  return out;
}

/**
 * Distinct admins of the repository: collaborators with admin. GitHub's `affiliation=all` list
 * already holds organization owners and members who are admin through a team, so the count
 * depends on one observed area only.
 */
export function adminsOf(data: AccessData): string[] {
  const set = new Map<string, string>();
  for (const c of data.collaborators ?? []) {
    if (c.level === "admin") set.set(fold(c.login), c.login);
  }
  return [...set.values()].sort();
}

function adminCountRule(data: AccessData, project: Project): Finding[] {
  if (!data.collaborators) return [];
  const admins = adminsOf(data);
  const max = project.policy.max_admins;
  if (admins.length <= max) return [];
  return [finding(TOO_MANY_ADMINS, {
    subject: "admins",
    scope: SCOPES.collaborators,
    message:
      `${admins.length} accounts or teams have admin access to ${project.github}; the policy allows ${max}.`,
    evidence: {
      observed: admins.slice(0, 100),
      expected: `at most ${max}`,
      url: repoUrl(data, "/settings/access"),
    },
  })];
}

/** Pending invitations: high when write or more to someone not on the allow list. */
export function invitationRules(data: AccessData, project: Project): Finding[] {
  const writers = allowSet(project.allow.collaborators, project.allow.admins);
  const admins = allowSet(project.allow.admins);
  return (data.invitations ?? []).map((i) => {
    const allowed = i.level === "admin" ? admins : writers;
    const risky = isPush(i.level) && !allowed.has(fold(i.invitee));
    return finding(PENDING_INVITATION, {
      subject: `invitation:${i.id}:${i.invitee}`,
      scope: SCOPES.invitations,
      severity: risky ? "high" : undefined,
      message: `${i.invitee} is invited with ${i.level} access to ${project.github}${
        i.inviter ? ` by ${i.inviter}` : ""
      }${i.expired ? " (expired, not yet removed)" : ""}${
        risky ? "; the invitee is not on the allow list" : ""
      }.`,
      evidence: {
        observed: {
          level: i.level,
          inviter: i.inviter,
          createdAt: i.createdAt,
          expired: i.expired,
        },
        url: repoUrl(data, "/settings/access"),
      },
    });
  });
}

/** PyPI roles outside the allow list, and personal Owner roles where an organization is required. */
export function pypiRules(data: AccessData, project: Project): Finding[] {
  if (!data.pypi) return [];
  const out: Finding[] = [];
  const allowed = allowSet(project.allow.maintainers);
  const url = `https://pypi.org/manage/project/${project.name}/collaboration/`;
  for (const r of data.pypi.roles) {
    if (!allowed.has(fold(r.user))) {
      out.push(finding(PYPI_UNLISTED_ROLE, {
        subject: `pypi:${r.role}:${r.user}`,
        scope: SCOPES.pypi,
        message:
          `${r.user} holds the ${r.role} role on PyPI project ${project.name} but is not on allow.maintainers.`,
        evidence: { observed: r, expected: project.allow.maintainers.slice(0, 50), url },
      }));
    }
  }
  if (project.policy.pypi_owner_must_be_organization) {
    const org = data.pypi.organization;
    for (const r of data.pypi.roles.filter((r) => fold(r.role) === "owner")) {
      out.push(finding(PYPI_PERSONAL_OWNER, {
        subject: `pypi-owner:${r.user}`,
        scope: SCOPES.pypi,
        message: org
          ? `${r.user} holds the Owner role on ${project.name} as a personal account beside organization ${org}.`
          : `${r.user} holds the Owner role on ${project.name} as a personal account; no PyPI organization owns the project.`,
        evidence: {
          observed: { organization: org, owner: r.user },
          expected: "Owner held by a PyPI organization",
          url,
        },
      }));
    }
  }
  return out;
}

/** Deploy keys with write access. */
export function deployKeyRules(data: AccessData, project: Project): Finding[] {
  return (data.deployKeys ?? []).filter((k) => !k.readOnly).map((k) =>
    finding(WRITE_DEPLOY_KEY, {
      subject: `deploy-key:${k.id}`,
      scope: SCOPES.deployKeys,
      message: `Deploy key ${k.id} ("${k.title}") can push to ${project.github}${
        k.lastUsed ? `; last used ${k.lastUsed}` : ""
      }.`,
      evidence: {
        observed: { readOnly: false, title: k.title, createdAt: k.createdAt },
        expected: "read-only",
        url: repoUrl(data, "/settings/keys"),
      },
    })
  );
}

function domainOf(email: string): string {
  return email.slice(email.lastIndexOf("@") + 1).toLowerCase();
}

/**
 * PyPI contact emails changed since the baseline the ledger first recorded (and their domains).
 * The ids keep their `release/` prefix (ids are stable); the access job judges them.
 */
export function emailRules(data: AccessData): Finding[] {
  const now = data.pypi?.emails;
  const before = data.emailBaseline;
  if (!now || !before) return [];
  const added = now.filter((e) => !before.includes(e));
  const removed = before.filter((e) => !now.includes(e));
  if (added.length === 0 && removed.length === 0) return [];
  const oldDomains = new Set(before.map(domainOf));
  const newDomains = added.map(domainOf).filter((d) => !oldDomains.has(d));
  const meta = newDomains.length ? EMAIL_DOMAIN_CHANGED : EMAILS_CHANGED;
  return [finding(meta, {
    subject: `${data.project}:emails:${[...now].sort().join(",")}`.slice(0, 1000),
    scope: SCOPES.pypi,
    message: `Maintainer emails changed: added ${added.join(", ") || "none"}; removed ${
      removed.join(", ") || "none"
    }.`.slice(0, 2000),
    evidence: { observed: now, expected: before, newDomains },
  })];
}

/** What the access rules judge: the access job's observation data and the project's policy. */
export interface AccessInput {
  data: AccessData;
  project: Project;
}

// Helpers that judge several rules at once run once per input (see `oncePerInput`).
const twoFactorOnce = oncePerInput(({ data }: AccessInput) => twoFactorRules(data));
const grantsOnce = oncePerInput(({ data, project }: AccessInput) => grantRules(data, project));
const pypiOnce = oncePerInput(({ data, project }: AccessInput) => pypiRules(data, project));
const emailsOnce = oncePerInput(({ data }: AccessInput) => emailRules(data));

/** Every access rule as a value (see `rules/registry.ts`). */
export const ACCESS_RULESET: readonly Rule<AccessInput>[] = [
  defineRule(ORG_2FA_NOT_REQUIRED, twoFactorOnce),
  defineRule(NO_2FA, twoFactorOnce),
  defineRule(INSECURE_2FA, twoFactorOnce),
  defineRule(UNLISTED_GRANT, grantsOnce),
  defineRule(TOO_MANY_ADMINS, ({ data, project }: AccessInput) => adminCountRule(data, project)),
  defineRule(OUTSIDE_ADMIN, grantsOnce),
  defineRule(
    PENDING_INVITATION,
    ({ data, project }: AccessInput) => invitationRules(data, project),
  ),
  defineRule(PYPI_UNLISTED_ROLE, pypiOnce),
  defineRule(PYPI_PERSONAL_OWNER, pypiOnce),
  defineRule(WRITE_DEPLOY_KEY, ({ data, project }: AccessInput) => deployKeyRules(data, project)),
  defineRule(EMAILS_CHANGED, emailsOnce),
  defineRule(EMAIL_DOMAIN_CHANGED, emailsOnce),
];

/**
 * Pure: every access finding for one observation. Areas that were not observed produce none
 * (their scopes are unobservable, so reconcile keeps earlier findings open).
 *
 * @example
 * ```ts
 * evaluateAccess({ project: "x", notApplicable: [], org2fa: { org: "acme", required: false } }, project);
 * // [{ rule: "access/org-2fa-not-required", ... }]
 * ```
 */
export function evaluateAccess(data: AccessData, project: Project): Finding[] {
  return runRules(ACCESS_RULESET, { data, project });
}

/** Every access rule's metadata (derived from {@link ACCESS_RULESET}). */
export const ACCESS_RULES: RuleMeta[] = ACCESS_RULESET.map((r) => r.meta);
