import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { realdata } from "../_realdata.ts";
import { ProjectSchema } from "../../src/config.ts";
import type { Project } from "../../src/config.ts";
import { ProjectJsonSchema } from "../../src/pypi/schemas.ts";
import {
  ACCESS_RULES,
  ACCESS_RULESET,
  type AccessInput,
  adminsOf,
  emailRules,
  evaluateAccess,
  INSECURE_2FA,
  NO_2FA,
  ORG_2FA_NOT_REQUIRED,
  OUTSIDE_ADMIN,
  PENDING_INVITATION,
  PYPI_PERSONAL_OWNER,
  PYPI_UNLISTED_ROLE,
  TOO_MANY_ADMINS,
  UNLISTED_GRANT,
  WRITE_DEPLOY_KEY,
} from "../../rules/access.ts";
import {
  type AccessData,
  CollaboratorSchema,
  DeployKeySchema,
  InvitationSchema,
  OrganizationSchema,
  SimpleUserSchema,
} from "../../src/observations/access.ts";
import {
  collaboratorsFrom,
  deployKeysFrom,
  invitationsFrom,
  pypiAccessFrom,
} from "../../jobs/access.ts";
import { githubAccessRoutes } from "../../src/sandbox/github_access.ts";
import type { z } from "zod";
import { ruleTable } from "./_rule_table.ts";

const OF = "github-api/octokit-fixtures";
const EX = "github-api/rest-api-description/examples";
const COLLAB = `${OF}/add-and-remove-repository-collaborator/responses`;

async function json(path: string): Promise<unknown> {
  return JSON.parse(await Deno.readTextFile(realdata(path)));
}
async function recorded(path: string): Promise<unknown> {
  return ((await json(path)) as { response: unknown }).response;
}
function parseList<T>(schema: z.ZodType<T>, raw: unknown): T[] {
  return (raw as unknown[]).map((x) => schema.parse(x));
}

const REPO = "octokit-fixture-org/add-and-remove-repository-collaborator";

function project(extra: Record<string, unknown> = {}): Project {
  return ProjectSchema.parse({ name: "setuptools", github: REPO, ...extra });
}

function base(extra: Partial<AccessData> = {}): AccessData {
  return {
    project: "setuptools",
    github: {
      owner: "octokit-fixture-org",
      repo: "add-and-remove-repository-collaborator",
      ownerType: "Organization",
    },
    notApplicable: [],
    ...extra,
  };
}

const rulesOf = (fs: { rule: string }[]) => fs.map((f) => f.rule).sort();

Deno.test("org 2FA: the real fixture org (false) fires, the documented org (true) does not", async () => {
  const fixture = OrganizationSchema.parse(
    await recorded(`${OF}/get-organization/responses/00_GET_orgs_octokit-fixture-org__200.json`),
  );
  const full = OrganizationSchema.parse(
    await json(`${EX}/GET_orgs_org__200__organization-full.json`),
  );
  assertEquals(fixture.two_factor_requirement_enabled, false);
  assertEquals(full.two_factor_requirement_enabled, true);
  const weak = evaluateAccess(base({ org2fa: { org: fixture.login, required: false } }), project());
  assertEquals(rulesOf(weak), [ORG_2FA_NOT_REQUIRED.id]);
  assertEquals(weak[0].scope, "access:org-2fa");
  assertEquals(weak[0].subject, "org:octokit-fixture-org");
  const strong = evaluateAccess(base({ org2fa: { org: full.login, required: true } }), project());
  assertEquals(strong, []);
});

Deno.test("2FA lists: disabled is high, insecure medium, a login in both is reported once", async () => {
  const members = parseList(
    SimpleUserSchema,
    await json(`${EX}/GET_orgs_org_members__200__simple-user-items.json`),
  );
  const outside = parseList(
    SimpleUserSchema,
    await json(`${EX}/GET_orgs_org_outside_collaborators__200__simple-user-items.json`),
  );
  const logins = members.map((m) => m.login);
  assertEquals(logins, ["octocat"]);
  const fs = evaluateAccess(
    base({
      members2fa: { disabled: logins, insecure: logins },
      outside2fa: { disabled: [], insecure: outside.map((o) => o.login) },
    }),
    project(),
  );
  assertEquals(fs.map((f) => [f.rule, f.severity, f.subject, f.scope]), [
    [NO_2FA.id, "high", "member:octocat", "access:members-2fa"],
    [INSECURE_2FA.id, "medium", "outside:octocat", "access:outside-2fa"],
  ]);
});

Deno.test("grants: a real write collaborator outside the allow list is high; allow lists are case-insensitive", async () => {
  const all = parseList(
    CollaboratorSchema,
    await recorded(
      `${COLLAB}/03_GET_repos_octokit-fixture-org_add-and-remove-repository-collaborator_collaborators__200.json`,
    ),
  );
  const collaborators = collaboratorsFrom(all, all, [], { owner: "octokit-fixture-org" });
  assertEquals(collaborators.map((c) => [c.login, c.level, c.roleName, c.via]), [
    ["octokit-fixture-user-a", "admin", "admin", "direct"],
    ["octokit-fixture-user-b", "write", "write", "direct"],
  ]);
  const data = base({ collaborators });
  const onlyAdmin = evaluateAccess(
    data,
    project({ allow: { admins: ["octokit-fixture-user-a"] } }),
  );
  assertEquals(onlyAdmin.map((f) => [f.rule, f.severity, f.subject]), [
    [UNLISTED_GRANT.id, "high", "collaborator:octokit-fixture-user-b:write"],
  ]);
  assertEquals(
    evaluateAccess(
      data,
      project({
        allow: { admins: ["Octokit-Fixture-User-A"], collaborators: ["OCTOKIT-FIXTURE-USER-B"] },
      }),
    ),
    [],
  );
  // Being a listed collaborator is not enough for admin.
  const adminAsWriter = evaluateAccess(
    data,
    project({
      allow: { collaborators: ["octokit-fixture-user-a", "octokit-fixture-user-b"] },
    }),
  );
  assertEquals(adminAsWriter.map((f) => f.subject), ["collaborator:octokit-fixture-user-a:admin"]);
  assertStringIncludes(adminAsWriter[0].message, "admins allow list");
});

Deno.test("admins: more than max_admins fires; counted from the collaborators list", async () => {
  const all = parseList(
    CollaboratorSchema,
    await recorded(
      `${COLLAB}/03_GET_repos_octokit-fixture-org_add-and-remove-repository-collaborator_collaborators__200.json`,
    ),
  );
  const promoted = all.map((c) =>
    c.login === "octokit-fixture-user-b"
      ? { ...c, permissions: { admin: true }, role_name: "admin" }
      : c
  );
  const data = base({
    collaborators: collaboratorsFrom(promoted, promoted, [], { owner: "octokit-fixture-org" }),
    // Owners are in the collaborators list on GitHub; the owner list does not add to the count.
    orgOwners: ["octokit-fixture-user-a"],
  });
  assertEquals(adminsOf(data), ["octokit-fixture-user-a", "octokit-fixture-user-b"]);
  const allow = { admins: ["octokit-fixture-user-a", "octokit-fixture-user-b"] };
  assertEquals(evaluateAccess(data, project({ allow, policy: { max_admins: 2 } })), []);
  const over = evaluateAccess(data, project({ allow, policy: { max_admins: 1 } }));
  assertEquals(rulesOf(over), [TOO_MANY_ADMINS.id]);
  assertEquals(over[0].evidence?.observed, ["octokit-fixture-user-a", "octokit-fixture-user-b"]);
});

Deno.test("outside collaborator with admin fires both the outside-admin and the grant rules", async () => {
  const all = parseList(
    CollaboratorSchema,
    await recorded(
      `${COLLAB}/05_GET_repos_octokit-fixture-org_add-and-remove-repository-collaborator_collaborators__200.json`,
    ),
  );
  const collaborators = collaboratorsFrom(all, all, all, { owner: "octokit-fixture-org" });
  assertEquals(collaborators.map((c) => c.via), ["outside"]);
  const fs = evaluateAccess(base({ collaborators }), project());
  assertEquals(rulesOf(fs), [OUTSIDE_ADMIN.id, UNLISTED_GRANT.id].sort());
  const allowed = evaluateAccess(
    base({ collaborators }),
    project({ allow: { admins: ["octokit-fixture-user-a"] } }),
  );
  assertEquals(rulesOf(allowed), [OUTSIDE_ADMIN.id]);
});

Deno.test("invitations: the real pending invitation is high for an unlisted invitee, medium for a listed one", async () => {
  const raw = await recorded(
    `${COLLAB}/01_GET_repos_octokit-fixture-org_add-and-remove-repository-collaborator_invitations__200.json`,
  );
  const invitations = invitationsFrom(parseList(InvitationSchema, raw));
  assertEquals(invitations.map((i) => [i.id, i.invitee, i.inviter, i.level, i.expired]), [
    [1000, "octokit-fixture-user-b", "octokit-fixture-user-a", "write", false],
  ]);
  const high = evaluateAccess(base({ invitations }), project());
  assertEquals(high.map((f) => [f.rule, f.severity, f.subject]), [
    [PENDING_INVITATION.id, "high", "invitation:1000:octokit-fixture-user-b"],
  ]);
  assertStringIncludes(high[0].message, "by octokit-fixture-user-a");
  const medium = evaluateAccess(
    base({ invitations }),
    project({ allow: { collaborators: ["octokit-fixture-user-b"] } }),
  );
  assertEquals(medium.map((f) => f.severity), ["medium"]);
  // The documented example: an invitation on a user-owned repository.
  const doc = invitationsFrom(
    parseList(
      InvitationSchema,
      await json(`${EX}/GET_repos_owner_repo_invitations__200__repository-invitation-items.json`),
    ),
  );
  assertEquals(doc.map((i) => [i.invitee, i.level]), [["octocat", "write"]]);
});

Deno.test("PyPI: setuptools 67.6.1 roles outside allow.maintainers, and personal owners by policy", async () => {
  const json67 = ProjectJsonSchema.parse(
    await json("pypi-json/poetry-fixtures/json/setuptools/67.6.1.json"),
  );
  const pypi = pypiAccessFrom(json67);
  assertEquals(pypi.organization, null);
  assertEquals(pypi.roles, [
    { role: "Owner", user: "jaraco" },
    { role: "Maintainer", user: "abravalheri" },
    { role: "Maintainer", user: "dstufft" },
  ]);
  assertEquals(pypi.emails, ["distutils-sig@python.org"]);
  const fs = evaluateAccess(base({ pypi }), project({ allow: { maintainers: ["Jaraco"] } }));
  assertEquals(fs.map((f) => [f.rule, f.subject, f.scope]), [
    [PYPI_UNLISTED_ROLE.id, "pypi:Maintainer:abravalheri", "access:pypi-owners"],
    [PYPI_UNLISTED_ROLE.id, "pypi:Maintainer:dstufft", "access:pypi-owners"],
  ]);
  const policy = evaluateAccess(
    base({ pypi }),
    project({
      allow: { maintainers: ["jaraco", "abravalheri", "dstufft"] },
      policy: { pypi_owner_must_be_organization: true },
    }),
  );
  assertEquals(policy.map((f) => [f.rule, f.subject]), [[
    PYPI_PERSONAL_OWNER.id,
    "pypi-owner:jaraco",
  ]]);
  assertStringIncludes(policy[0].message, "no PyPI organization");
});

Deno.test("PyPI: wheel 0.40.0 is owned by pypa; personal Owner roles beside it fire only by policy", async () => {
  const wheel = ProjectJsonSchema.parse(
    await json("pypi-json/poetry-fixtures/json/wheel/0.40.0.json"),
  );
  const pypi = pypiAccessFrom(wheel);
  assertEquals(pypi.organization, "pypa");
  const owners = pypi.roles.map((r) => r.user);
  assertEquals(evaluateAccess(base({ pypi }), project({ allow: { maintainers: owners } })), []);
  const fs = evaluateAccess(
    base({ pypi }),
    project({ allow: { maintainers: owners }, policy: { pypi_owner_must_be_organization: true } }),
  );
  assertEquals(fs.length, 3);
  assert(fs.every((f) => f.rule === PYPI_PERSONAL_OWNER.id && f.message.includes("pypa")));
});

Deno.test("deploy keys: a write key fires, a read-only key does not (sandbox bodies)", () => {
  const keys = (hardened: boolean) =>
    deployKeysFrom(parseList(
      DeployKeySchema,
      githubAccessRoutes({ owner: "acme", repo: "w", hardened }).get("/repos/acme/w/keys"),
    ));
  assertEquals(evaluateAccess(base({ deployKeys: keys(true) }), project()), []);
  const fs = evaluateAccess(base({ deployKeys: keys(false) }), project());
  assertEquals(fs.map((f) => [f.rule, f.subject, f.scope]), [
    [WRITE_DEPLOY_KEY.id, "deploy-key:1", "access:deploy-keys"],
  ]);
});

Deno.test("teams: a push team needs team:<slug> (or @org/slug) on the allow list", () => {
  const data = base({
    teams: [{ slug: "release", level: "maintain" }, { slug: "triage", level: "triage" }],
  });
  assertEquals(evaluateAccess(data, project()).map((f) => f.subject), ["team:release:maintain"]);
  assertEquals(evaluateAccess(data, project({ allow: { collaborators: ["team:release"] } })), []);
  assertEquals(
    evaluateAccess(data, project({ allow: { collaborators: ["@octokit-fixture-org/release"] } })),
    [],
  );
});

Deno.test("areas not observed produce no findings, and not-applicable org checks none either", () => {
  const userOwned: AccessData = {
    project: "setuptools",
    github: { owner: "someone", repo: "r", ownerType: "User" },
    notApplicable: [{ scope: "access:org-2fa", reason: "user-owned" }],
  };
  assertEquals(evaluateAccess(userOwned, project({ policy: { max_admins: 0 } })), []);
});

Deno.test("hostile upstream names are bounded and stripped of control characters", () => {
  const hostile = "a\u0000\u001b[31m".repeat(1200);
  const c = CollaboratorSchema.parse({
    login: hostile,
    permissions: { admin: true },
    role_name: hostile,
  });
  const collaborators = collaboratorsFrom([c], [c], [], { owner: "o" });
  const fs = evaluateAccess(base({ collaborators }), project());
  assert(fs.length > 0);
  for (const f of fs) {
    assert(f.subject.length <= 2000, "subject bounded");
    // deno-lint-ignore no-control-regex
    assert(!/[\u0000-\u001f]/.test(f.subject + f.message), "no control characters");
  }
});

Deno.test("catalog: unique ids, job access, every finding's rule is catalogued, scopes access:*", async () => {
  const ids = ACCESS_RULES.map((r) => r.id);
  assertEquals(new Set(ids).size, ids.length);
  // The email rules kept their ids from when the PyPI job judged them.
  assert(ACCESS_RULES.every((r) =>
    r.job === "access" &&
    (r.id.startsWith("access/") || r.id.startsWith("release/maintainer-email-"))
  ));
  const all = parseList(
    CollaboratorSchema,
    await recorded(
      `${COLLAB}/05_GET_repos_octokit-fixture-org_add-and-remove-repository-collaborator_collaborators__200.json`,
    ),
  );
  const weak = githubAccessRoutes({ owner: "acme", repo: "w", hardened: false });
  const fs = evaluateAccess(
    base({
      org2fa: { org: "o", required: false },
      members2fa: { disabled: ["x"], insecure: ["y"] },
      collaborators: collaboratorsFrom(all, all, all, { owner: "o" }),
      invitations: invitationsFrom(
        parseList(InvitationSchema, weak.get("/repos/acme/w/invitations")),
      ),
      deployKeys: deployKeysFrom(parseList(DeployKeySchema, weak.get("/repos/acme/w/keys"))),
      orgOwners: ["a"],
      pypi: {
        organization: null,
        roles: [{ role: "Owner", user: "z" }],
        emails: ["z@new.example"],
      },
      emailBaseline: ["z@old.example"],
    }),
    project({ policy: { pypi_owner_must_be_organization: true, max_admins: 0 } }),
  );
  // A change of the local part only (same domain) is the other email rule.
  fs.push(...evaluateAccess(base(emails(["b@x.org"], ["a@x.org"])), project()));
  assertEquals(new Set(fs.map((f) => f.rule)), new Set(ids));
  assert(fs.every((f) => f.scope.startsWith("access:")));
});

const accessCase = (
  data: Partial<AccessData>,
  extra: Record<string, unknown> = {},
): AccessInput => ({
  data: base(data),
  project: project(extra),
});
const allowAlice = {
  allow: { collaborators: ["alice"], admins: ["alice"], maintainers: ["alice"] },
};
const collaborator = (login: string, level: "admin" | "write", via: "direct" | "outside") => ({
  login,
  level,
  via,
});

const emails = (now: string[], baseline?: string[]): Partial<AccessData> => ({
  pypi: { organization: null, roles: [], emails: now },
  emailBaseline: baseline,
});

Deno.test("emails: a move to a new domain is high, a local change medium, against the ledger's baseline", () => {
  const domain = emailRules(base(emails(["dev@new-domain.example"], ["dev@figlief.com"])));
  assertEquals(domain.map((f) => [f.rule, f.severity, f.scope]), [[
    "release/maintainer-email-domain-changed",
    "high",
    "access:pypi-owners",
  ]]);
  assertEquals(domain[0].subject, "setuptools:emails:dev@new-domain.example");
  const local = emailRules(base(emails(["b@x.org"], ["a@x.org"])));
  assertEquals(local.map((f) => f.rule), ["release/maintainer-email-changed"]);
  assertEquals(emailRules(base(emails(["a@x.org"], ["a@x.org"]))), []);
  // No baseline yet (the first statement is being written): nothing to compare.
  assertEquals(emailRules(base(emails(["a@x.org"]))), []);
});

ruleTable("access", ACCESS_RULESET, {
  "release/maintainer-email-changed": {
    fires: accessCase(emails(["b@x.org"], ["a@x.org"])),
    clean: accessCase(emails(["a@x.org"], ["a@x.org"])),
  },
  "release/maintainer-email-domain-changed": {
    fires: accessCase(emails(["a@new.example"], ["a@x.org"])),
    clean: accessCase(emails(["b@x.org"], ["a@x.org"])),
  },
  "access/org-2fa-not-required": {
    fires: accessCase({ org2fa: { org: "acme", required: false } }),
    clean: accessCase({ org2fa: { org: "acme", required: true } }),
  },
  "access/no-2fa": {
    fires: accessCase({ members2fa: { disabled: ["bob"], insecure: [] } }),
    clean: accessCase({ members2fa: { disabled: [], insecure: ["bob"] } }),
  },
  "access/insecure-2fa": {
    fires: accessCase({ outside2fa: { disabled: [], insecure: ["bob"] } }),
    // A login with 2FA disabled is reported once, as no-2fa.
    clean: accessCase({ outside2fa: { disabled: ["bob"], insecure: ["bob"] } }),
  },
  "access/unlisted-write-grant": {
    fires: accessCase({ collaborators: [collaborator("mallory", "write", "direct")] }, allowAlice),
    clean: accessCase({ collaborators: [collaborator("Alice", "write", "direct")] }, allowAlice),
  },
  "access/too-many-admins": {
    fires: accessCase({
      collaborators: [
        collaborator("alice", "admin", "direct"),
        collaborator("carol", "admin", "direct"),
      ],
    }, { allow: { admins: ["alice", "carol"] }, policy: { max_admins: 1 } }),
    clean: accessCase({
      collaborators: [
        collaborator("alice", "admin", "direct"),
        collaborator("carol", "admin", "direct"),
      ],
    }, { allow: { admins: ["alice", "carol"] }, policy: { max_admins: 2 } }),
  },
  "access/outside-collaborator-admin": {
    fires: accessCase({ collaborators: [collaborator("alice", "admin", "outside")] }, allowAlice),
    clean: accessCase({ collaborators: [collaborator("alice", "admin", "direct")] }, allowAlice),
  },
  "access/pending-invitation": {
    fires: accessCase({
      invitations: [{ id: 7, invitee: "mallory", level: "write", expired: false }],
    }),
    clean: accessCase({ invitations: [] }),
    check: (fs) => assertEquals(fs.map((f) => f.severity), ["high"]),
  },
  "access/pypi-unlisted-role": {
    fires: accessCase({
      pypi: { organization: null, roles: [{ role: "Maintainer", user: "eve" }], emails: [] },
    }, allowAlice),
    clean: accessCase({
      pypi: { organization: null, roles: [{ role: "Maintainer", user: "ALICE" }], emails: [] },
    }, allowAlice),
  },
  "access/pypi-personal-owner": {
    fires: accessCase(
      { pypi: { organization: null, roles: [{ role: "Owner", user: "alice" }], emails: [] } },
      { ...allowAlice, policy: { pypi_owner_must_be_organization: true } },
    ),
    clean: accessCase(
      { pypi: { organization: null, roles: [{ role: "Maintainer", user: "alice" }], emails: [] } },
      { ...allowAlice, policy: { pypi_owner_must_be_organization: true } },
    ),
  },
  "access/write-deploy-key": {
    fires: accessCase({ deployKeys: [{ id: 3, title: "ci", readOnly: false }] }),
    clean: accessCase({ deployKeys: [{ id: 3, title: "ci", readOnly: true }] }),
  },
});
