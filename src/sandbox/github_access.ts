/**
 * Sandbox scenario data for the access job: the GitHub responses that say who can reach a
 * repository (owner kind, organization 2FA requirement, 2FA-filtered member lists, owners,
 * collaborators, teams, invitations, deploy keys), in the shapes of GitHub's documented
 * examples (rest-api-description) and octokit's recorded fixtures, with scenario values.
 *
 * Several routes differ only by their query (`/orgs/o/members?filter=2fa_disabled` and
 * `?role=admin`): those keys carry the query, built by {@link githubRouteKey}. A server looks up
 * `githubRouteKey(pathname, searchParams)` first, then the bare path. A route missing from the
 * map answers 404, which the access job reports as "not observable", never as compliant.
 *
 * @example
 * ```ts
 * const routes = githubAccessRoutes({ owner: "acme", repo: "widgets", hardened: false });
 * routes.get("/repos/acme/widgets/invitations"); // one pending invitation
 * const allow = githubAccessAllow({ owner: "acme", repo: "widgets", hardened: false });
 * ```
 * @module
 */

/** Options of {@link githubAccessRoutes}. */
export interface GithubAccessOptions {
  owner: string;
  repo: string;
  /** Hardened: 2FA required, no 2FA-less members, two allowed admins, no invitations, no write keys. */
  hardened: boolean;
}

const API = "https://api.github.com";
/** Query parameters that do not select a different resource. */
const PAGING = new Set(["per_page", "page"]);

/**
 * The map key of a request: the percent-decoded path, plus its selecting query parameters
 * (sorted; paging parameters left out).
 *
 * @example
 * ```ts
 * githubRouteKey("/orgs/acme/members", "per_page=100&filter=2fa_disabled");
 * // "/orgs/acme/members?filter=2fa_disabled"
 * ```
 */
export function githubRouteKey(pathname: string, search: URLSearchParams | string): string {
  const params = typeof search === "string" ? new URLSearchParams(search) : search;
  const kept = [...params].filter(([k]) => !PAGING.has(k)).sort(([a, x], [b, y]) =>
    a === b ? x.localeCompare(y) : a.localeCompare(b)
  );
  let path = pathname;
  try {
    path = decodeURIComponent(pathname);
  } catch {
    // keep the raw path
  }
  return kept.length === 0 ? path : `${path}?${new URLSearchParams(kept).toString()}`;
}

function nodeId(kind: string, id: number): string {
  return btoa(`04:${kind}${id}`);
}

/** A simple user, in the shape of `simple-user` (org members, outside collaborators). */
function simpleUser(login: string, id: number, type = "User") {
  const url = `${API}/users/${login}`;
  return {
    login,
    id,
    node_id: nodeId(type, id),
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    gravatar_id: "",
    url,
    html_url: `https://github.com/${login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type,
    site_admin: false,
  };
}

type Role = "admin" | "maintain" | "write" | "triage" | "read";

/** A collaborator, in the shape of `collaborator` (permissions booleans and role_name). */
function collaborator(login: string, id: number, role: Role) {
  const rank = ["read", "triage", "write", "maintain", "admin"].indexOf(role);
  return {
    ...simpleUser(login, id),
    permissions: {
      pull: rank >= 0,
      triage: rank >= 1,
      push: rank >= 2,
      maintain: rank >= 3,
      admin: rank >= 4,
    },
    role_name: role,
  };
}

/** The organization, in the shape of `organization-full` (owner view). */
function organization(owner: string, hardened: boolean) {
  const url = `${API}/orgs/${owner}`;
  return {
    login: owner,
    id: 9000,
    node_id: nodeId("Organization", 9000),
    url,
    repos_url: `${url}/repos`,
    events_url: `${url}/events`,
    hooks_url: `${url}/hooks`,
    issues_url: `${url}/issues`,
    members_url: `${url}/members{/member}`,
    public_members_url: `${url}/public_members{/member}`,
    avatar_url: "https://avatars.githubusercontent.com/u/9000?v=4",
    description: "Sandbox organization",
    name: owner,
    company: null,
    blog: "",
    location: null,
    email: null,
    is_verified: false,
    has_organization_projects: true,
    has_repository_projects: true,
    public_repos: 2,
    public_gists: 0,
    followers: 0,
    following: 0,
    html_url: `https://github.com/${owner}`,
    created_at: "2020-01-14T04:33:35Z",
    updated_at: "2026-03-03T18:58:10Z",
    type: "Organization",
    total_private_repos: 0,
    owned_private_repos: 0,
    private_gists: 0,
    disk_usage: 1000,
    collaborators: hardened ? 0 : 1,
    billing_email: `billing@${owner}.example`,
    plan: { name: "team", space: 976562499, private_repos: 999999, filled_seats: 3, seats: 5 },
    default_repository_permission: "read",
    members_can_create_repositories: false,
    two_factor_requirement_enabled: hardened,
    members_allowed_repository_creation_type: "none",
    members_can_create_public_repositories: false,
    members_can_create_private_repositories: false,
    members_can_create_internal_repositories: false,
    members_can_create_pages: false,
    members_can_fork_private_repositories: false,
    web_commit_signoff_required: false,
    deploy_keys_enabled_for_repositories: true,
  };
}

/** A minimal `repository` object embedded in invitations. */
function repository(owner: string, repo: string) {
  return {
    id: 1296269,
    node_id: nodeId("Repository", 1296269),
    name: repo,
    full_name: `${owner}/${repo}`,
    owner: simpleUser(owner, 9000, "Organization"),
    private: false,
    html_url: `https://github.com/${owner}/${repo}`,
    description: "Sandbox repository",
    fork: false,
    url: `${API}/repos/${owner}/${repo}`,
  };
}

/** A team, in the shape of `team` (repository teams list). */
function team(owner: string, slug: string, id: number, permission: string) {
  const url = `${API}/organizations/9000/team/${id}`;
  const rank = ["pull", "triage", "push", "maintain", "admin"].indexOf(permission);
  return {
    id,
    node_id: nodeId("Team", id),
    url,
    html_url: `https://github.com/orgs/${owner}/teams/${slug}`,
    name: slug,
    slug,
    description: `The ${slug} team`,
    privacy: "closed",
    notification_setting: "notifications_enabled",
    permission,
    permissions: {
      pull: rank >= 0,
      triage: rank >= 1,
      push: rank >= 2,
      maintain: rank >= 3,
      admin: rank >= 4,
    },
    members_url: `${url}/members{/member}`,
    repositories_url: `${url}/repos`,
    parent: null,
  };
}

/** The accounts of a scenario. */
function people(owner: string) {
  return {
    lead: `${owner}-lead`,
    security: `${owner}-security`,
    developer: `${owner}-dev`,
    /** The weak scenario's unexpected admin (an outside collaborator). */
    stranger: "helpful-contributor-42",
    /** The weak scenario's pending invitee. */
    invitee: "new-maintainer-2026",
  };
}

/**
 * The allow lists a scenario's project should be configured with (`[project.allow]`): the
 * hardened routes raise no access finding with them.
 */
export function githubAccessAllow(
  opts: GithubAccessOptions,
): { admins: string[]; collaborators: string[] } {
  const p = people(opts.owner);
  return { admins: [p.lead, p.security], collaborators: [p.developer] };
}

/**
 * The GitHub responses of the access job for one repository. Hardened: 2FA required, no
 * member without 2FA, two owners who are the two (allowed) admins, one allowed writer, a triage
 * team, no invitation, a read-only deploy key. Weak: 2FA not required, an outside collaborator
 * with admin, a pending invitation, a deploy key with write access.
 */
export function githubAccessRoutes(opts: GithubAccessOptions): Map<string, unknown> {
  const { owner, repo, hardened } = opts;
  const p = people(owner);
  const m = new Map<string, unknown>();
  const base = `/repos/${owner}/${repo}`;
  const key = githubRouteKey;

  m.set(`/users/${owner}`, { ...simpleUser(owner, 9000, "Organization"), name: owner });
  m.set(`/orgs/${owner}`, organization(owner, hardened));
  for (const filter of ["2fa_disabled", "2fa_insecure"]) {
    m.set(key(`/orgs/${owner}/members`, `filter=${filter}`), []);
    m.set(key(`/orgs/${owner}/outside_collaborators`, `filter=${filter}`), []);
  }
  const lead = collaborator(p.lead, 1001, "admin");
  const security = collaborator(p.security, 1002, "admin");
  const developer = collaborator(p.developer, 1003, "write");
  const stranger = collaborator(p.stranger, 4242, "admin");
  m.set(key(`/orgs/${owner}/members`, "role=admin"), [
    simpleUser(p.lead, 1001),
    simpleUser(p.security, 1002),
  ]);
  m.set(
    key(`${base}/collaborators`, "affiliation=all"),
    hardened ? [lead, security, developer] : [lead, security, developer, stranger],
  );
  m.set(
    key(`${base}/collaborators`, "affiliation=direct"),
    hardened ? [developer] : [developer, stranger],
  );
  m.set(key(`${base}/collaborators`, "affiliation=outside"), hardened ? [] : [stranger]);
  m.set(`${base}/teams`, [team(owner, "triage", 77, "triage")]);
  m.set(
    `${base}/invitations`,
    hardened ? [] : [{
      id: 1000,
      node_id: nodeId("RepositoryInvitation", 1000),
      repository: repository(owner, repo),
      invitee: simpleUser(p.invitee, 5150),
      inviter: simpleUser(p.lead, 1001),
      permissions: "maintain",
      created_at: "2026-11-20T09:00:00Z",
      expired: false,
      url: `${API}/user/repository_invitations/1000`,
      html_url: `https://github.com/${owner}/${repo}/invitations`,
    }],
  );
  // Same key as the posture sandbox (src/sandbox/github_posture.ts) so merged maps agree.
  m.set(`${base}/keys`, [{
    id: 1,
    key: "ssh-rsa AAA...",
    url: `${API}${base}/keys/1`,
    title: "ci-deploy",
    verified: true,
    created_at: "2014-12-10T15:53:42Z",
    read_only: hardened,
  }]);
  return m;
}

/**
 * The same routes as seen by a token that is not an organization owner: the 2FA filters answer
 * 403 (GitHub answers 403 or 422), and the organization hides its 2FA requirement.
 */
export function githubAccessRoutesWithoutOwner(opts: GithubAccessOptions): Map<string, unknown> {
  const m = githubAccessRoutes(opts);
  const forbidden = {
    __status: 403,
    __body: {
      message: "You must be an org owner to use this filter.",
      documentation_url: "https://docs.github.com/rest/orgs/members",
    },
  };
  for (const filter of ["2fa_disabled", "2fa_insecure"]) {
    m.set(githubRouteKey(`/orgs/${opts.owner}/members`, `filter=${filter}`), forbidden);
    m.set(
      githubRouteKey(`/orgs/${opts.owner}/outside_collaborators`, `filter=${filter}`),
      forbidden,
    );
  }
  const org = { ...(m.get(`/orgs/${opts.owner}`) as Record<string, unknown>) };
  delete org.two_factor_requirement_enabled;
  delete org.billing_email;
  delete org.plan;
  m.set(`/orgs/${opts.owner}`, org);
  return m;
}
