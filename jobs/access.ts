/**
 * The access job: who can push to a project's repository and publish it to PyPI, and how well
 * those accounts are protected. Collection only (judgement is in `rules/access.ts`):
 *
 * - GitHub: the owner's kind (user or organization), the organization's 2FA requirement, members
 *   and outside collaborators without 2FA or with insecure 2FA, organization owners, repository
 *   collaborators with their level and how they got it, teams, pending invitations, deploy keys;
 * - PyPI: ownership roles, organization and contact emails (JSON API).
 *
 * What the token may not see (the 2FA filters need an organization owner) is "not observable
 * with this token", never compliant. Access history is kept in the ledger through
 * `access.changed` events ({@link accessChanges}) and read back with {@link accessAt}.
 *
 * @example
 * ```ts
 * const observation = await accessJob.collect(project, ctx);
 * const findings = accessJob.evaluate(observation, project, new Date());
 * ```
 * @module
 */
import type { z } from "zod";
import type { Project } from "../src/config.ts";
import type { Finding, Unobservable } from "../rules/types.ts";
import type { LedgerEventInput } from "../src/ledger/types.ts";
import { githubFor, pypiFor, sumStats } from "./clients.ts";
import type { Job, JobContext, Observation } from "../src/observations/job.ts";
import type { GitHubClient, GitHubResult } from "../src/github/client.ts";
import type { PypiClient } from "../src/pypi/client.ts";
import { USER_AGENT } from "../src/http.ts";
import type { ProjectJson } from "../src/pypi/schemas.ts";
import { RULESETS } from "../rules/registry.ts";
import { ledgerEvent } from "../src/events.ts";
import { EMAIL_AREA, readEmailBaseline } from "../src/state/people.ts";
import { runRules } from "../rules/types.ts";
import {
  type AccessChange,
  type AccessChangedBody,
  type AccessData,
  type Area,
  AREAS,
  boundName,
  type Collaborator,
  type CollaboratorItem,
  CollaboratorSchema,
  type DeployKey,
  type DeployKeyItem,
  DeployKeySchema,
  type Invitation,
  type InvitationItem,
  InvitationSchema,
  type Level,
  OrganizationSchema,
  OwnerSchema,
  type PypiAccess,
  SCOPES,
  SimpleUserSchema,
  type Team,
  type TeamItem,
  TeamSchema,
  type TwoFactorLists,
} from "../src/observations/access.ts";

/** Most items read from one list (per page 100). */
const MAX_ITEMS = 1000;

const ROLE_WORDS: Record<string, Level> = {
  admin: "admin",
  maintain: "maintain",
  write: "write",
  push: "write",
  triage: "triage",
  read: "read",
  pull: "read",
};

/**
 * The permission level of a collaborator or team: from the `permissions` booleans when present,
 * else from the role word. An unknown (custom) role without booleans counts as `write`, so that
 * it is never under-reported.
 *
 * @example
 * ```ts
 * levelOf({ admin: false, maintain: false, push: true, triage: true, pull: true }, "write"); // "write"
 * levelOf(undefined, "pull"); // "read"
 * ```
 */
export function levelOf(
  permissions: {
    admin?: boolean;
    maintain?: boolean;
    push?: boolean;
    triage?: boolean;
    pull?: boolean;
  } | undefined,
  role: string | undefined,
): Level {
  if (permissions) {
    if (permissions.admin) return "admin";
    if (permissions.maintain) return "maintain";
    if (permissions.push) return "write";
    if (permissions.triage) return "triage";
    if (permissions.pull) return "read";
  }
  return ROLE_WORDS[(role ?? "").toLowerCase()] ?? "write";
}

const lower = (s: string) => s.toLowerCase();

/**
 * Collaborators from the three `affiliation` lists. `direct` and `outside` are undefined for a
 * user-owned repository; then everyone but the owner is `direct`.
 *
 * @example
 * ```ts
 * collaboratorsFrom(all, direct, outside, { owner: "acme", orgOwners: ["alice"] });
 * ```
 */
export function collaboratorsFrom(
  all: CollaboratorItem[],
  direct: CollaboratorItem[] | undefined,
  outside: CollaboratorItem[] | undefined,
  context: { owner: string; orgOwners?: string[] },
): Collaborator[] {
  const directSet = new Set((direct ?? []).map((c) => lower(c.login)));
  const outsideSet = new Set((outside ?? []).map((c) => lower(c.login)));
  const owners = new Set((context.orgOwners ?? []).map(lower));
  const byLogin = new Map<string, Collaborator>();
  for (const c of all) {
    const key = lower(c.login);
    let via: Collaborator["via"];
    if (direct === undefined) via = key === lower(context.owner) ? "owner" : "direct";
    else if (outsideSet.has(key)) via = "outside";
    else if (directSet.has(key)) via = "direct";
    else if (owners.has(key)) via = "org-owner";
    else via = "team-or-org";
    byLogin.set(key, {
      login: c.login,
      level: levelOf(c.permissions, c.role_name),
      ...(c.role_name ? { roleName: c.role_name } : {}),
      via,
    });
  }
  return [...byLogin.values()].sort((a, b) => a.login.localeCompare(b.login));
}

/** Teams with their level. */
export function teamsFrom(items: TeamItem[]): Team[] {
  return items.map((t) => ({ slug: t.slug, level: levelOf(t.permissions, t.permission) }))
    .sort((a, b) => a.slug.localeCompare(b.slug));
}

/** Pending invitations. */
export function invitationsFrom(items: InvitationItem[]): Invitation[] {
  return items.map((i) => ({
    id: i.id,
    invitee: i.invitee?.login ?? `(email invitation ${i.id})`,
    ...(i.inviter ? { inviter: i.inviter.login } : {}),
    level: levelOf(undefined, i.permissions),
    ...(i.created_at ? { createdAt: i.created_at } : {}),
    expired: i.expired === true,
  })).sort((a, b) => a.id - b.id);
}

/** Deploy keys (a missing `read_only` counts as write access). */
export function deployKeysFrom(items: DeployKeyItem[]): DeployKey[] {
  return items.map((k) => ({
    id: k.id,
    title: k.title ?? "",
    readOnly: k.read_only === true,
    ...(k.created_at ? { createdAt: k.created_at } : {}),
    ...(k.last_used ? { lastUsed: k.last_used } : {}),
  })).sort((a, b) => a.id - b.id);
}

/** Why a GitHub read failed, as a "not observable" reason. */
function reasonOf(r: Extract<GitHubResult<unknown>, { ok: false }>, needs: string): string {
  if (r.status === 401 || r.status === 403 || r.status === 422) {
    return `not observable with this token (HTTP ${r.status}): needs ${needs}`;
  }
  if (r.status === 404) {
    return `not observable with this token (HTTP 404): needs ${needs}, or the resource does not exist`;
  }
  return `GitHub not readable: ${r.message}`;
}

interface Collector {
  gh: GitHubClient;
  data: AccessData;
  unobservable: Unobservable[];
}

/** Read a list; on failure mark `scope` unobservable and return undefined. */
async function list<T>(
  c: Collector,
  route: string,
  params: Record<string, string>,
  schema: z.ZodType<T>,
  scope: string,
  needs: string,
): Promise<T[] | undefined> {
  const r = await c.gh.paginate(route, params, schema, { maxItems: MAX_ITEMS + 1 });
  // A list cut at the cap is not the whole state: diffing it would invent removals.
  // Likewise a list with items left out as invalid (r.dropped): they would read as removals.
  const reason = !r.ok
    ? reasonOf(r, needs)
    : r.data.length > MAX_ITEMS
    ? `more than ${MAX_ITEMS} entries: not read in full`
    : r.dropped
    ? `not observable (partial): ${r.dropped} item(s) failed validation`
    : undefined;
  if (reason === undefined && r.ok) return r.data;
  if (reason && !c.unobservable.some((u) => u.scope === scope)) {
    c.unobservable.push({ scope, reason });
  }
  return undefined;
}

async function twoFactor(
  c: Collector,
  route: string,
  org: string,
  scope: string,
): Promise<TwoFactorLists | undefined> {
  const needs = "an organization owner's token (admin:org or read:org)";
  const [disabled, insecure] = await Promise.all([
    list(c, route, { org, filter: "2fa_disabled" }, SimpleUserSchema, scope, needs),
    list(c, route, { org, filter: "2fa_insecure" }, SimpleUserSchema, scope, needs),
  ]);
  if (!disabled || !insecure) return undefined;
  const logins = (xs: { login: string }[]) => [...new Set(xs.map((x) => x.login))].sort();
  return { disabled: logins(disabled), insecure: logins(insecure) };
}

/** Organization-only areas: 2FA requirement, 2FA lists, owners. */
async function collectOrg(c: Collector, org: string): Promise<void> {
  const r = await c.gh.get("GET /orgs/{org}", { org }, OrganizationSchema);
  const ownerOnly = typeof (r.ok && r.data.two_factor_requirement_enabled) === "boolean";
  if (r.ok && ownerOnly) {
    c.data.org2fa = { org, required: r.data.two_factor_requirement_enabled === true };
  } else {
    c.unobservable.push({
      scope: SCOPES.org2fa,
      reason: r.ok
        ? "not observable with this token: the 2FA requirement is shown to organization owners only"
        : reasonOf(r, "read access to the organization"),
    });
  }
  const [members, outside] = await Promise.all([
    twoFactor(c, "GET /orgs/{org}/members", org, SCOPES.members2fa),
    twoFactor(c, "GET /orgs/{org}/outside_collaborators", org, SCOPES.outside2fa),
  ]);
  c.data.members2fa = members;
  c.data.outside2fa = outside;
  if (!ownerOnly) {
    // A non-owner token may see public members only: the list could omit owners.
    c.unobservable.push({
      scope: SCOPES.orgOwners,
      reason:
        "not observable with this token: the owner list is complete only for an organization owner",
    });
    return;
  }
  const owners = await list(
    c,
    "GET /orgs/{org}/members",
    { org, role: "admin" },
    SimpleUserSchema,
    SCOPES.orgOwners,
    "an organization owner's token",
  );
  if (owners) c.data.orgOwners = [...new Set(owners.map((o) => o.login))].sort();
}

/** Repository areas: collaborators, teams, invitations, deploy keys. */
async function collectRepo(
  c: Collector,
  owner: string,
  repo: string,
  isOrg: boolean,
): Promise<void> {
  const repoParams = { owner, repo };
  const push = "push access to the repository";
  const admin = "admin access to the repository";
  const route = "GET /repos/{owner}/{repo}/collaborators";
  const [all, direct, outside, teams, invitations, keys] = await Promise.all([
    list(
      c,
      route,
      { ...repoParams, affiliation: "all" },
      CollaboratorSchema,
      SCOPES.collaborators,
      push,
    ),
    isOrg
      ? list(
        c,
        route,
        { ...repoParams, affiliation: "direct" },
        CollaboratorSchema,
        SCOPES.collaborators,
        push,
      )
      : Promise.resolve(undefined),
    isOrg
      ? list(
        c,
        route,
        { ...repoParams, affiliation: "outside" },
        CollaboratorSchema,
        SCOPES.collaborators,
        push,
      )
      : Promise.resolve(undefined),
    isOrg
      ? list(c, "GET /repos/{owner}/{repo}/teams", repoParams, TeamSchema, SCOPES.teams, push)
      : Promise.resolve(undefined),
    list(
      c,
      "GET /repos/{owner}/{repo}/invitations",
      repoParams,
      InvitationSchema,
      SCOPES.invitations,
      admin,
    ),
    list(
      c,
      "GET /repos/{owner}/{repo}/keys",
      repoParams,
      DeployKeySchema,
      SCOPES.deployKeys,
      admin,
    ),
  ]);
  const collaboratorsOk = all && (!isOrg || (direct && outside));
  if (collaboratorsOk) {
    c.data.collaborators = collaboratorsFrom(all, direct, outside, {
      owner,
      orgOwners: c.data.orgOwners,
    });
  }
  if (teams) c.data.teams = teamsFrom(teams);
  if (invitations) c.data.invitations = invitationsFrom(invitations);
  if (keys) c.data.deployKeys = deployKeysFrom(keys);
}

const GITHUB_SCOPES = [
  SCOPES.org2fa,
  SCOPES.members2fa,
  SCOPES.outside2fa,
  SCOPES.orgOwners,
  SCOPES.collaborators,
  SCOPES.teams,
  SCOPES.invitations,
  SCOPES.deployKeys,
];
const ORG_SCOPES = [
  SCOPES.org2fa,
  SCOPES.members2fa,
  SCOPES.outside2fa,
  SCOPES.orgOwners,
  SCOPES.teams,
];

async function collectGitHub(c: Collector, project: Project, ctx: JobContext): Promise<void> {
  if (!project.github) {
    for (const scope of GITHUB_SCOPES) {
      c.data.notApplicable.push({ scope, reason: "no GitHub repository configured" });
    }
    return;
  }
  const [owner, repo] = project.github.split("/");
  if (!ctx.secrets.githubToken) {
    for (const scope of GITHUB_SCOPES) {
      c.unobservable.push({ scope, reason: "not observable without a GitHub token" });
    }
    return;
  }
  const who = await c.gh.get("GET /users/{owner}", { owner }, OwnerSchema);
  if (!who.ok) {
    const reason = reasonOf(who, "read access to the repository owner");
    for (const scope of GITHUB_SCOPES) c.unobservable.push({ scope, reason });
    return;
  }
  const isOrg = who.data.type === "Organization";
  c.data.github = { owner, repo, ownerType: isOrg ? "Organization" : "User" };
  if (isOrg) await collectOrg(c, owner);
  else {
    for (const scope of ORG_SCOPES) {
      c.data.notApplicable.push({
        scope,
        reason: "the repository is owned by a user account, not an organization",
      });
    }
  }
  await collectRepo(c, owner, repo, isOrg);
}

/**
 * PyPI ownership and contact emails from a JSON API response, bounded. The access job is the
 * one collector of PyPI people (roles, organization, emails).
 *
 * @example
 * ```ts
 * pypiAccessFrom(json); // { organization: "pypa", roles: [{ role: "Owner", user: "agronholm" }], emails: [...] }
 * ```
 */
export function pypiAccessFrom(json: ProjectJson): PypiAccess {
  const emails = [json.info.author_email, json.info.maintainer_email]
    .flatMap((v) => (v ?? "").split(","))
    .map((e) => e.replace(/^.*</, "").replace(/>.*$/, "").trim().toLowerCase())
    .filter((e) => e.includes("@"))
    .slice(0, 50)
    .map(boundName);
  const organization = json.ownership?.organization;
  return {
    organization: organization ? boundName(organization) : null,
    roles: (json.ownership?.roles ?? []).map((r) => ({
      role: boundName(r.role),
      user: boundName(r.user),
    })),
    emails: [...new Set(emails)].sort(),
  };
}

async function collectPypi(
  data: AccessData,
  project: Project,
  pypi: PypiClient,
  kv: Deno.Kv,
): Promise<Unobservable | undefined> {
  const json = await pypi.project(project.name);
  if (!json.ok) {
    return { scope: SCOPES.pypi, reason: `PyPI JSON API not readable: ${json.message}` };
  }
  if (!json.data.ownership) {
    return { scope: SCOPES.pypi, reason: "PyPI JSON API response carries no ownership data" };
  }
  data.pypi = pypiAccessFrom(json.data);
  data.emailBaseline = await readEmailBaseline(kv, project.name);
  return undefined;
}

async function collect(project: Project, ctx: JobContext): Promise<Observation<AccessData>> {
  const observedAt = ctx.now().toISOString();
  const gh = githubFor(ctx, USER_AGENT);
  const pypi = pypiFor(ctx);
  const data: AccessData = { project: project.name, notApplicable: [] };
  const c: Collector = { gh, data, unobservable: [] };
  const [, pypiGap] = await Promise.all([
    collectGitHub(c, project, ctx),
    collectPypi(data, project, pypi, ctx.kv),
  ]);
  if (pypiGap) c.unobservable.push(pypiGap);
  ctx.log("access.collected", {
    project: project.name,
    unobservable: c.unobservable.map((u) => u.scope),
    notApplicable: data.notApplicable.length,
  });
  return {
    job: "access",
    project: project.name,
    observedAt,
    data,
    unobservable: c.unobservable,
    stats: sumStats(gh.stats(), pypi.stats),
  };
}

function evaluate(observation: Observation<AccessData>, project: Project): Finding[] {
  if (!observation.data) return [];
  return runRules(RULESETS.access, { data: observation.data, project });
}

// ---------------------------------------------------------------------------------------------
// History: access.changed
// ---------------------------------------------------------------------------------------------

/** Changes per `access.changed` event, and the most events one sweep writes per project. */
const CHUNK = 200;
const MAX_CHUNKS = 5;
const MAX_WHO = 200;

/** Area state: who → role. Undefined when the area was not observed. */
type AreaState = Map<string, string> | undefined;

/**
 * The access state of an observation, per history area: who holds which role. An area that was
 * not observed is undefined.
 *
 * @example
 * ```ts
 * accessState(observation.data).get("collaborator"); // Map { "alice" => "admin" }
 * ```
 */
export function accessState(data: AccessData | undefined): Map<Area, AreaState> {
  const out = new Map<Area, AreaState>(AREAS.map((a) => [a, undefined]));
  if (!data) return out;
  const put = (area: Area, entries: [string, string][] | undefined) => {
    if (entries) {
      out.set(area, new Map(entries.map(([k, v]) => [k.slice(0, MAX_WHO), v.slice(0, MAX_WHO)])));
    }
  };
  put("collaborator", data.collaborators?.map((c) => [c.login, c.level]));
  put("team", data.teams?.map((t) => [t.slug, t.level]));
  put("invitation", data.invitations?.map((i) => [i.invitee, i.level]));
  put(
    "deploy-key",
    data.deployKeys?.map((k) => [`${k.id}:${k.title}`, k.readOnly ? "read" : "write"]),
  );
  put("org-owner", data.orgOwners?.map((o) => [o, "owner"]));
  put(
    "org-2fa",
    data.org2fa && [[data.org2fa.org, data.org2fa.required ? "required" : "not-required"]],
  );
  if (data.pypi) {
    const roles = new Map<string, string>();
    for (const r of data.pypi.roles) {
      // One role per user; Owner wins if a user is listed twice.
      if (roles.get(r.user) !== "Owner") roles.set(r.user, r.role);
    }
    if (data.pypi.organization) roles.set(`organization:${data.pypi.organization}`, "Organization");
    put("pypi-role", [...roles]);
    put(EMAIL_AREA, data.pypi.emails.map((e) => [e, "listed"]));
  }
  return out;
}

function diffArea(
  area: Area,
  before: Map<string, string>,
  after: Map<string, string>,
): AccessChange[] {
  const out: AccessChange[] = [];
  for (const [who, to] of after) {
    const from = before.get(who);
    if (from === undefined) out.push({ kind: "added", area, who, to });
    else if (from !== to) out.push({ kind: "role-changed", area, who, from, to });
  }
  for (const [who, from] of before) {
    if (!after.has(who)) out.push({ kind: "removed", area, who, from });
  }
  return out;
}

/**
 * Pure: the `access.changed` events between two observations. An area observed now but not
 * before (first sweep, or after a gap) is stated in full (`full`, every holder `added`); an area
 * not observed now is left alone. Bounded: at most 1,000 changes in chunks of 200, the rest
 * counted in `truncated`.
 *
 * @example
 * ```ts
 * const events = accessChanges(undefined, observation); // first sweep: everything "added"
 * ```
 */
export function accessChanges(
  previous: Observation<AccessData> | undefined,
  next: Observation<AccessData>,
): LedgerEventInput[] {
  const before = accessState(previous?.data);
  const after = accessState(next.data);
  const full: Area[] = [];
  const changes: AccessChange[] = [];
  // Emails first: the first event of a full statement carries them all (the email baseline,
  // src/state/people.ts, is taken from it).
  for (const area of [EMAIL_AREA, ...AREAS.filter((a) => a !== EMAIL_AREA)] as Area[]) {
    const now = after.get(area);
    if (!now) continue;
    // No email baseline in the ledger yet (a ledger older than the pypi-email area): state the
    // emails in full once, so that the baseline can be taken from this event.
    const restate = area === EMAIL_AREA && next.data.emailBaseline === undefined;
    const then = restate ? undefined : before.get(area);
    if (!then) full.push(area);
    changes.push(...diffArea(area, then ?? new Map(), now));
  }
  if (changes.length === 0 && full.length === 0) return [];
  const kept = changes.slice(0, CHUNK * MAX_CHUNKS);
  const events: LedgerEventInput[] = [];
  for (let i = 0; i === 0 || i < kept.length; i += CHUNK) {
    const body: AccessChangedBody = { project: next.project, changes: kept.slice(i, i + CHUNK) };
    if (i === 0 && full.length > 0) body.full = full;
    const last = i + CHUNK >= kept.length;
    if (last && changes.length > kept.length) body.truncated = changes.length - kept.length;
    events.push(ledgerEvent("access.changed", { ...body }));
  }
  return events;
}

/** The access sweep. */
export const accessJob: Job<AccessData> = {
  name: "access",
  collect,
  evaluate,
  changes: accessChanges,
};
