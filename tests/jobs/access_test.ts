import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { realdata } from "../_realdata.ts";
import { type Config, ConfigSchema, type Secrets } from "../../src/config.ts";
import { runSweep } from "../../src/audit.ts";
import { openKvLedger } from "../../src/ledger/kv_store.ts";
import { generateSigningKey } from "../../src/ledger/note.ts";
import type { StoredEntry } from "../../src/ledger/types.ts";
import type { JobContext, Observation } from "../../src/observations/job.ts";
import { accessChanges, accessJob } from "../../jobs/access.ts";
import { accessAt } from "../../src/state/access_at.ts";
import type { AccessChangedBody, AccessData } from "../../src/observations/access.ts";
import {
  githubAccessAllow,
  githubAccessRoutes,
  githubAccessRoutesWithoutOwner,
  githubRouteKey,
} from "../../src/sandbox/github_access.ts";

// ---------------------------------------------------------------------------------------------
// A real local upstream: GitHub routes keyed by githubRouteKey, PyPI JSON by project name.
// ---------------------------------------------------------------------------------------------

interface Upstream {
  url: string;
  github: Map<string, unknown>;
  pypi: Map<string, unknown>;
  /** GitHub route keys requested, in order. */
  seen: string[];
  close(): Promise<void>;
}

function serveUpstream(): Upstream {
  const github = new Map<string, unknown>();
  const pypi = new Map<string, unknown>();
  const seen: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const url = new URL(req.url);
    if (url.pathname.startsWith("/github/")) {
      const path = url.pathname.slice("/github".length);
      const key = githubRouteKey(path, url.searchParams);
      seen.push(key);
      const body = github.has(key) ? github.get(key) : github.get(path);
      if (body === undefined) return Response.json({ message: "Not Found" }, { status: 404 });
      if (body && typeof body === "object" && "__status" in body) {
        const { __status, __body } = body as { __status: number; __body?: unknown };
        return Response.json(__body ?? { message: "Forbidden" }, { status: __status });
      }
      return Response.json(body);
    }
    const m = url.pathname.match(/^\/pypi\/([^/]+)\/json$/);
    const body = m ? pypi.get(m[1]) : undefined;
    return body === undefined
      ? Response.json({ message: "Not Found" }, { status: 404 })
      : Response.json(body);
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    github,
    pypi,
    seen,
    close: () => server.shutdown(),
  };
}

async function json(path: string): Promise<unknown> {
  return JSON.parse(await Deno.readTextFile(realdata(path)));
}
async function recorded(path: string): Promise<unknown> {
  return ((await json(path)) as { response: unknown }).response;
}
const clone = <T>(v: T): T => structuredClone(v);

const OF = "github-api/octokit-fixtures";
const EX = "github-api/rest-api-description/examples";
const COLLAB = `${OF}/add-and-remove-repository-collaborator/responses`;
const ORG = "octokit-fixture-org";
const REPO = "add-and-remove-repository-collaborator";
const BASE = `/repos/${ORG}/${REPO}`;
const A = "octokit-fixture-user-a";
const B = "octokit-fixture-user-b";

interface Real {
  org: Record<string, unknown>;
  members: unknown[];
  collaboratorsA: unknown[];
  collaboratorsAB: Record<string, unknown>[];
  invitations: unknown[];
  setuptools: { ownership: { roles: { role: string; user: string }[] } };
  wheel: unknown;
}

async function loadReal(): Promise<Real> {
  return {
    org: await recorded(
      `${OF}/get-organization/responses/00_GET_orgs_octokit-fixture-org__200.json`,
    ) as Record<
      string,
      unknown
    >,
    members: await json(`${EX}/GET_orgs_org_members__200__simple-user-items.json`) as unknown[],
    collaboratorsA: await recorded(
      `${COLLAB}/05_GET_repos_octokit-fixture-org_add-and-remove-repository-collaborator_collaborators__200.json`,
    ) as unknown[],
    collaboratorsAB: await recorded(
      `${COLLAB}/03_GET_repos_octokit-fixture-org_add-and-remove-repository-collaborator_collaborators__200.json`,
    ) as Record<string, unknown>[],
    invitations: await recorded(
      `${COLLAB}/01_GET_repos_octokit-fixture-org_add-and-remove-repository-collaborator_invitations__200.json`,
    ) as unknown[],
    setuptools: await json(
      "pypi-json/poetry-fixtures/json/setuptools/67.6.1.json",
    ) as Real["setuptools"],
    wheel: await json("pypi-json/poetry-fixtures/json/wheel/0.40.0.json"),
  };
}

/** The fixture organization as an owner sees it, with the given collaborators and invitations. */
function fixtureRoutes(up: Upstream, real: Real, collaborators: unknown[], invitations: unknown[]) {
  const key = githubRouteKey;
  const sandbox = githubAccessRoutes({ owner: ORG, repo: REPO, hardened: true });
  up.github.clear();
  up.github.set(`/users/${ORG}`, real.org);
  up.github.set(`/orgs/${ORG}`, real.org);
  for (const f of ["2fa_disabled", "2fa_insecure"]) {
    up.github.set(key(`/orgs/${ORG}/members`, `filter=${f}`), []);
    up.github.set(key(`/orgs/${ORG}/outside_collaborators`, `filter=${f}`), []);
  }
  up.github.set(key(`/orgs/${ORG}/members`, "role=admin"), real.members);
  up.github.set(key(`${BASE}/collaborators`, "affiliation=all"), collaborators);
  up.github.set(key(`${BASE}/collaborators`, "affiliation=direct"), collaborators);
  up.github.set(key(`${BASE}/collaborators`, "affiliation=outside"), []);
  // No documented or recorded example exists for these two: the sandbox's shapes.
  up.github.set(`${BASE}/teams`, sandbox.get(`${BASE}/teams`));
  up.github.set(`${BASE}/keys`, sandbox.get(`${BASE}/keys`));
  up.github.set(`${BASE}/invitations`, invitations);
}

function configFor(up: Upstream, project: Record<string, unknown>): Config {
  return ConfigSchema.parse({
    upstream: { pypi: up.url, github_api: `${up.url}/github`, timeout_ms: 5_000 },
    project: [project],
  });
}

const SECRETS: Secrets = { githubToken: "test-token-not-real", webhookSecrets: {} };

function ctxFor(config: Config, kv: Deno.Kv, secrets = SECRETS): JobContext {
  return {
    config,
    secrets,
    kv,
    signal: new AbortController().signal,
    log: () => {},
    now: () => new Date("2026-05-01T00:00:00Z"),
  };
}

function accessBodies(entries: StoredEntry[]): AccessChangedBody[] {
  return entries.filter((e) => e.entry.kind === "access.changed").map((e) =>
    e.entry.body as AccessChangedBody
  );
}

const sortChanges = (b: AccessChangedBody) =>
  b.changes.map((c) => `${c.kind} ${c.area} ${c.who} ${c.from ?? ""}>${c.to ?? ""}`).sort();

// ---------------------------------------------------------------------------------------------

Deno.test("sweeps over real bodies: invitation accepted, PyPI maintainer added, new admin; ledger replay", async () => {
  const real = await loadReal();
  const up = serveUpstream();
  const kv = await Deno.openKv(":memory:");
  let clock = new Date("2026-01-10T00:00:00Z");
  const now = () => clock;
  const origin = "test.example/access";
  const { privateKey } = await generateSigningKey(origin);
  const ledger = await openKvLedger({ kv, origin, signingKey: privateKey, now });
  try {
    const config = configFor(up, {
      name: "setuptools",
      github: `${ORG}/${REPO}`,
      allow: {
        admins: [A, "octocat"],
        collaborators: [],
        maintainers: ["jaraco", "abravalheri", "dstufft"],
      },
      policy: { max_admins: 1 },
    });
    const deps = { config, secrets: SECRETS, kv, ledger, now };
    const entries = async () => {
      const out: StoredEntry[] = [];
      for await (const e of ledger.entries()) out.push(e);
      return out;
    };
    const sweep = async () => {
      const before = (await entries()).length;
      const summary = await runSweep(accessJob, config.project, deps);
      return { summary, events: (await entries()).slice(before) };
    };

    // Sweep 1: user-a is admin, user-b has a pending write invitation; org 2FA not required.
    fixtureRoutes(up, real, real.collaboratorsA, real.invitations);
    up.pypi.set("setuptools", real.setuptools);
    const s1 = await sweep();
    assertEquals(s1.summary.projects[0].unobservable, []);
    assertEquals(
      s1.summary.projects[0].findings.map((f) => [f.rule, f.severity, f.subject]).sort(),
      [
        ["access/org-2fa-not-required", "high", `org:${ORG}`],
        ["access/pending-invitation", "high", `invitation:1000:${B}`],
      ],
    );
    const first = accessBodies(s1.events);
    assertEquals(first.length, 1);
    assertEquals(
      s1.events.find((e) => !e.entry.kind.startsWith("sweep."))?.entry.kind,
      "access.changed",
      "access.changed precedes the findings",
    );
    assertEquals(first[0].full?.slice().sort(), [
      "collaborator",
      "deploy-key",
      "invitation",
      "org-2fa",
      "org-owner",
      "pypi-email",
      "pypi-role",
      "team",
    ]);
    assertEquals(sortChanges(first[0]), [
      `added collaborator ${A} >admin`,
      "added deploy-key 1:ci-deploy >read",
      `added invitation ${B} >write`,
      `added org-2fa ${ORG} >not-required`,
      "added org-owner octocat >owner",
      "added pypi-email distutils-sig@python.org >listed",
      "added pypi-role abravalheri >Maintainer",
      "added pypi-role dstufft >Maintainer",
      "added pypi-role jaraco >Owner",
      "added team triage >triage",
    ]);

    // Sweep 2: the invitation was accepted; a PyPI maintainer was added.
    clock = new Date("2026-02-10T00:00:00Z");
    fixtureRoutes(up, real, real.collaboratorsAB, []);
    const setuptools2 = clone(real.setuptools);
    setuptools2.ownership.roles.push({ role: "Maintainer", user: "newcomer" });
    up.pypi.set("setuptools", setuptools2);
    const s2 = await sweep();
    const second = accessBodies(s2.events);
    assertEquals(second.length, 1);
    assertEquals(second[0].full, undefined);
    assertEquals(sortChanges(second[0]), [
      `added collaborator ${B} >write`,
      "added pypi-role newcomer >Maintainer",
      `removed invitation ${B} write>`,
    ]);
    const kinds2 = s2.events.map((e) => [e.entry.kind, (e.entry.body as { rule?: string }).rule]);
    assert(kinds2.some(([k, r]) => k === "finding.resolved" && r === "access/pending-invitation"));
    const opened2 = s2.events.filter((e) => e.entry.kind === "finding.opened").map((e) =>
      (e.entry.body as { subject: string }).subject
    ).sort();
    assertEquals(opened2, [`collaborator:${B}:write`, "pypi:Maintainer:newcomer"]);

    // Sweep 3: user-b becomes admin (a new admin appears): 2 admins > max_admins 1.
    clock = new Date("2026-03-10T00:00:00Z");
    const promoted = clone(real.collaboratorsAB);
    const b = promoted.find((c) => c.login === B)!;
    b.permissions = { admin: true, maintain: true, push: true, triage: true, pull: true };
    b.role_name = "admin";
    fixtureRoutes(up, real, promoted, []);
    const s3 = await sweep();
    assertEquals(sortChanges(accessBodies(s3.events)[0]), [
      `role-changed collaborator ${B} write>admin`,
    ]);
    const opened3 = s3.events.filter((e) => e.entry.kind === "finding.opened").map((e) =>
      (e.entry.body as { rule: string }).rule
    ).sort();
    assertEquals(opened3, ["access/too-many-admins", "access/unlisted-write-grant"]);

    // Sweep 4: the token is no longer an org owner: 2FA filters answer 403 → not observable.
    clock = new Date("2026-04-10T00:00:00Z");
    fixtureRoutes(up, real, promoted, []);
    const org = clone(real.org);
    delete org.two_factor_requirement_enabled;
    up.github.set(`/orgs/${ORG}`, org);
    // GitHub documents 422 for the members filter; the outside list answers 403 here.
    const forbidden = {
      __status: 403,
      __body: { message: "You must be an org owner to use this filter." },
    };
    const invalid = {
      __status: 422,
      __body: {
        message: "Only owners can use this filter.",
        documentation_url: "https://docs.github.com/rest",
      },
    };
    for (const f of ["2fa_disabled", "2fa_insecure"]) {
      up.github.set(githubRouteKey(`/orgs/${ORG}/members`, `filter=${f}`), invalid);
      up.github.set(githubRouteKey(`/orgs/${ORG}/outside_collaborators`, `filter=${f}`), forbidden);
    }
    const s4 = await sweep();
    const gaps = s4.summary.projects[0].unobservable;
    assertEquals(gaps.map((g) => g.scope).sort(), [
      "access:members-2fa",
      "access:org-2fa",
      "access:org-owners",
      "access:outside-2fa",
    ]);
    assert(
      gaps.every((g) => g.reason.startsWith("not observable with this token")),
      JSON.stringify(gaps),
    );
    assertStringIncludes(gaps.find((g) => g.scope === "access:members-2fa")!.reason, "HTTP 422");
    assertStringIncludes(gaps.find((g) => g.scope === "access:outside-2fa")!.reason, "HTTP 403");
    // Every project was swept, but checks could not be made: the sweep is incomplete (not
    // "completed" silently) and says how many; the gaps are per scope (coverage.changed).
    assertEquals(s4.summary.status, "incomplete");
    assertEquals(s4.summary.unobservable, 4);
    assert(
      !s4.events.some((e) => e.entry.kind === "finding.resolved"),
      "nothing is resolved on an unobservable scope",
    );
    assertEquals(accessBodies(s4.events), [], "areas not observed are left alone in the history");

    // Sweep 5: owner again: the org areas are restated in full.
    clock = new Date("2026-05-10T00:00:00Z");
    fixtureRoutes(up, real, promoted, []);
    const s5 = await sweep();
    const fifth = accessBodies(s5.events);
    assertEquals(fifth[0].full?.slice().sort(), ["org-2fa", "org-owner"]);

    // Replay: who could push or publish on a date.
    const all = (await entries()).map((e) => ({
      time: e.entry.time,
      kind: e.entry.kind,
      body: e.entry.body,
    }));
    const before = accessAt(all, new Date("2025-12-31T00:00:00Z"));
    assertEquals([before.events, before.push, before.publish, before.incomplete], [
      0,
      [],
      [],
      true,
    ]);
    const jan = accessAt(all, new Date("2026-01-20T00:00:00Z"), "setuptools");
    assertEquals(jan.push, [
      { who: "octocat", via: "org-owner", role: "owner" },
      { who: A, via: "collaborator", role: "admin" },
    ]);
    assertEquals(jan.invitations, [{ who: B, role: "write" }]);
    assertEquals(jan.publish.map((p) => p.who), ["abravalheri", "dstufft", "jaraco"]);
    assertEquals(jan.org2fa, { org: ORG, required: false });
    assertEquals(jan.incomplete, false);
    const feb = accessAt(all, new Date("2026-02-20T00:00:00Z"));
    assertEquals(feb.push.find((p) => p.who === B), { who: B, via: "collaborator", role: "write" });
    assertEquals(feb.invitations, []);
    assert(feb.publish.some((p) => p.who === "newcomer" && p.role === "Maintainer"));
    const apr = accessAt(all, new Date("2026-04-20T00:00:00Z"));
    assertEquals(apr.push.find((p) => p.who === B)?.role, "admin");
    assertEquals(apr.push.length, 3, "org owner kept through the unobservable sweep");
    assertEquals(accessAt(all, new Date("2026-04-20T00:00:00Z"), "other-project").events, 0);
  } finally {
    await ledger.close();
    kv.close();
    await up.close();
  }
});

Deno.test("no token: every GitHub area is not observable and no GitHub request is made", async () => {
  const real = await loadReal();
  const up = serveUpstream();
  const kv = await Deno.openKv(":memory:");
  try {
    fixtureRoutes(up, real, real.collaboratorsA, []);
    up.pypi.set("setuptools", real.setuptools);
    const config = configFor(up, { name: "setuptools", github: `${ORG}/${REPO}` });
    const obs = await accessJob.collect(
      config.project[0],
      ctxFor(config, kv, { webhookSecrets: {} }),
    );
    assertEquals(up.seen, []);
    assertEquals(obs.unobservable.length, 8);
    assert(obs.unobservable.every((u) => u.reason === "not observable without a GitHub token"));
    assertEquals(obs.data.pypi?.roles.length, 3, "PyPI needs no token");
    assertEquals(obs.data.collaborators, undefined);
  } finally {
    kv.close();
    await up.close();
  }
});

Deno.test("user-owned repository: org checks are not applicable, no /orgs request", async () => {
  const real = await loadReal();
  const up = serveUpstream();
  const kv = await Deno.openKv(":memory:");
  try {
    up.github.set("/users/octocat", { login: "octocat", id: 1, type: "User" });
    up.github.set(githubRouteKey("/repos/octocat/Hello-World/collaborators", "affiliation=all"), [
      ...(await json(
        `${EX}/GET_repos_owner_repo_collaborators__200__collaborator-items.json`,
      ) as unknown[]),
      real.collaboratorsA[0],
    ]);
    up.github.set(
      "/repos/octocat/Hello-World/invitations",
      await json(`${EX}/GET_repos_owner_repo_invitations__200__repository-invitation-items.json`),
    );
    up.github.set("/repos/octocat/Hello-World/keys", []);
    const config = configFor(up, { name: "hello", github: "octocat/Hello-World" });
    const obs = await accessJob.collect(config.project[0], ctxFor(config, kv));
    assert(!up.seen.some((s) => s.startsWith("/orgs/")), up.seen.join(","));
    assert(!up.seen.some((s) => s.endsWith("/teams")));
    assertEquals(obs.data.github?.ownerType, "User");
    assertEquals(obs.data.notApplicable.map((n) => n.scope).sort(), [
      "access:members-2fa",
      "access:org-2fa",
      "access:org-owners",
      "access:outside-2fa",
      "access:teams",
    ]);
    assertEquals(obs.unobservable.map((u) => u.scope), ["access:pypi-owners"]);
    assertEquals(obs.data.collaborators?.map((c) => [c.login, c.level, c.via]), [
      ["octocat", "write", "owner"],
      [A, "admin", "direct"],
    ]);
    const rules = accessJob.evaluate(obs, config.project[0], new Date()).map((f) => f.rule).sort();
    assertEquals(rules, [
      "access/pending-invitation",
      "access/unlisted-write-grant",
      "access/unlisted-write-grant",
    ]);
  } finally {
    kv.close();
    await up.close();
  }
});

Deno.test("sandbox routes: hardened raises nothing, weak raises 2FA, admin, invitation and key findings", async () => {
  const real = await loadReal();
  const up = serveUpstream();
  const kv = await Deno.openKv(":memory:");
  try {
    up.pypi.set("wheel", real.wheel);
    const maintainers = ["agronholm", "joeforker", "natefoo"];
    const results: Record<string, string[]> = {};
    for (const hardened of [true, false]) {
      const opts = { owner: "acme", repo: "widgets", hardened };
      up.github.clear();
      for (const [k, v] of githubAccessRoutes(opts)) up.github.set(k, v);
      const allow = { ...githubAccessAllow(opts), maintainers };
      const config = configFor(up, { name: "wheel", github: "acme/widgets", allow });
      const obs = await accessJob.collect(config.project[0], ctxFor(config, kv));
      assertEquals(obs.unobservable, []);
      results[String(hardened)] = accessJob.evaluate(obs, config.project[0], new Date())
        .map((f) => `${f.rule} ${f.severity}`).sort();
    }
    assertEquals(results.true, []);
    assertEquals(results.false, [
      "access/org-2fa-not-required high",
      "access/outside-collaborator-admin high",
      "access/pending-invitation high",
      "access/unlisted-write-grant high",
      "access/write-deploy-key medium",
    ]);
    // The same sandbox seen by a non-owner token.
    up.github.clear();
    for (
      const [k, v] of githubAccessRoutesWithoutOwner({
        owner: "acme",
        repo: "widgets",
        hardened: true,
      })
    ) {
      up.github.set(k, v);
    }
    const config = configFor(up, { name: "wheel", github: "acme/widgets", allow: { maintainers } });
    const obs = await accessJob.collect(config.project[0], ctxFor(config, kv));
    assertEquals(obs.unobservable.map((u) => u.scope).sort(), [
      "access:members-2fa",
      "access:org-2fa",
      "access:org-owners",
      "access:outside-2fa",
    ]);
    assertEquals(obs.data.org2fa, undefined);
    assertEquals(obs.data.members2fa, undefined);
  } finally {
    kv.close();
    await up.close();
  }
});

Deno.test("hostile upstream: an oversized login makes the area not observable, never a crash", async () => {
  const up = serveUpstream();
  const kv = await Deno.openKv(":memory:");
  try {
    for (const [k, v] of githubAccessRoutes({ owner: "acme", repo: "w", hardened: true })) {
      up.github.set(k, v);
    }
    up.github.set(githubRouteKey("/repos/acme/w/collaborators", "affiliation=all"), [
      { login: "x".repeat(20_000), permissions: { admin: true } },
    ]);
    const config = configFor(up, { name: "w", github: "acme/w" });
    const obs = await accessJob.collect(config.project[0], ctxFor(config, kv));
    const gap = obs.unobservable.find((u) => u.scope === "access:collaborators");
    assert(gap, "collaborators not observable");
    assert(gap.reason.length < 400 && !gap.reason.includes("\n"), gap.reason);
    assertEquals(obs.data.collaborators, undefined);

    // A list longer than the cap is not the whole state: not observable, not diffed.
    const many = Array.from({ length: 1001 }, (_, i) => ({ login: `u${i}`, role_name: "read" }));
    up.github.set(githubRouteKey("/repos/acme/w/collaborators", "affiliation=all"), many);
    const capped = await accessJob.collect(config.project[0], ctxFor(config, kv));
    assertEquals(
      capped.unobservable.find((u) => u.scope === "access:collaborators")?.reason,
      "more than 1000 entries: not read in full",
    );
    assertEquals(capped.data.collaborators, undefined);
  } finally {
    kv.close();
    await up.close();
  }
});

function observation(data: Partial<AccessData>): Observation<AccessData> {
  return {
    job: "access",
    project: "p",
    observedAt: "2026-01-01T00:00:00Z",
    data: { project: "p", notApplicable: [], ...data },
    unobservable: [],
    stats: { requests: 0, notModified: 0, errors: 0 },
  };
}

Deno.test("accessChanges: bounded chunks, truncation counted, replay marks it incomplete", () => {
  const collaborators = Array.from({ length: 1500 }, (_, i) => ({
    login: `user-${String(i).padStart(4, "0")}`,
    level: "write" as const,
    via: "direct" as const,
  }));
  const events = accessChanges(undefined, observation({ collaborators }));
  assertEquals(events.length, 5);
  const bodies = events.map((e) => e.body as AccessChangedBody);
  assert(bodies.every((b) => b.changes.length === 200 && b.project === "p"));
  assertEquals(bodies[0].full, ["collaborator"]);
  assertEquals(bodies.slice(1).map((b) => b.full), [undefined, undefined, undefined, undefined]);
  assertEquals(bodies[4].truncated, 500);
  assert(JSON.stringify(events).length < 5 * 64 * 1024);
  const snap = accessAt(
    events.map((e) => ({ time: "2026-01-01T00:00:00Z", body: e.body })),
    new Date("2026-01-02"),
  );
  assertEquals(snap.push.length, 1000);
  assertEquals(snap.incomplete, true);
  // Nothing changed: no event.
  assertEquals(accessChanges(observation({ collaborators }), observation({ collaborators })), []);
});

Deno.test("accessChanges: the emails are stated in full while the ledger holds no baseline", () => {
  const pypi = { organization: null, roles: [], emails: ["a@x.org"] };
  // A previous observation from before the pypi-email area: no baseline in the ledger yet.
  const [event] = accessChanges(observation({ pypi }), observation({ pypi }));
  assertEquals(event.body, {
    project: "p",
    changes: [{ kind: "added", area: "pypi-email", who: "a@x.org", to: "listed" }],
    full: ["pypi-email"],
  });
  // Once the baseline exists, an unchanged list is no change.
  assertEquals(
    accessChanges(observation({ pypi }), observation({ pypi, emailBaseline: ["a@x.org"] })),
    [],
  );
});

Deno.test("accessAt: ordered replay of a sequence, full restatement, malformed bodies skipped", () => {
  const ev = (time: string, body: unknown, kind = "access.changed") => ({ time, kind, body });
  const events = [
    // Given out of order on purpose: replay sorts by time.
    ev("2026-03-01T00:00:00Z", {
      project: "p",
      changes: [{ kind: "removed", area: "collaborator", who: "mallory", from: "admin" }],
    }),
    ev("2026-01-01T00:00:00Z", {
      project: "p",
      full: ["collaborator", "pypi-role", "team", "deploy-key"],
      changes: [
        { kind: "added", area: "collaborator", who: "alice", to: "admin" },
        { kind: "added", area: "collaborator", who: "bob", to: "read" },
        { kind: "added", area: "team", who: "core", to: "maintain" },
        { kind: "added", area: "deploy-key", who: "7:ci", to: "write" },
        { kind: "added", area: "pypi-role", who: "alice", to: "Owner" },
      ],
    }),
    ev("2026-02-01T00:00:00Z", {
      project: "p",
      changes: [
        { kind: "added", area: "collaborator", who: "mallory", to: "write" },
        { kind: "role-changed", area: "collaborator", who: "bob", from: "read", to: "write" },
        { kind: "added", area: "pypi-role", who: "mallory", to: "Maintainer" },
      ],
    }),
    ev("2026-02-15T00:00:00Z", { project: "p", changes: "not a list" }),
    ev("2026-02-16T00:00:00Z", { project: "p", changes: [] }, "finding.opened"),
    ev("not a date", {
      project: "p",
      changes: [{ kind: "added", area: "collaborator", who: "ghost", to: "admin" }],
    }),
    ev("2026-04-01T00:00:00Z", {
      project: "p",
      full: ["pypi-role"],
      changes: [{ kind: "added", area: "pypi-role", who: "organization:acme", to: "Organization" }],
    }),
  ];
  const jan = accessAt(events, new Date("2026-01-15T00:00:00Z"));
  assertEquals(jan.push.map((p) => `${p.via}:${p.who}:${p.role}`), [
    "deploy-key:7:ci:write",
    "collaborator:alice:admin",
    "team:core:maintain",
  ]);
  assertEquals(jan.publish, [{ who: "alice", role: "Owner" }]);
  const feb = accessAt(events, new Date("2026-02-20T00:00:00Z"));
  assertEquals(feb.events, 2);
  assertEquals(feb.asOf, "2026-02-01T00:00:00Z");
  assertEquals(feb.push.map((p) => p.who), ["7:ci", "alice", "bob", "core", "mallory"]);
  assertEquals(feb.publish.map((p) => p.who), ["alice", "mallory"]);
  const mar = accessAt(events, new Date("2026-03-01T00:00:00Z"));
  assert(!mar.push.some((p) => p.who === "mallory"), "removal applies at its own time");
  assert(mar.publish.some((p) => p.who === "mallory"));
  const apr = accessAt(events, new Date("2026-04-02T00:00:00Z"));
  assertEquals(
    apr.publish,
    [{ who: "organization:acme", role: "Organization" }],
    "full restatement forgets",
  );
  assertEquals(apr.known, ["collaborator", "team", "deploy-key", "pypi-role"]);
});

Deno.test("an old team object without slug keeps its place (slug from the name)", async () => {
  const { TeamSchema } = await import("../../src/observations/access.ts");
  const old = TeamSchema.safeParse({ id: 1, name: "Release Managers", permission: "push" });
  assert(old.success && old.data.slug === "release-managers", JSON.stringify(old));
  const current = TeamSchema.safeParse({ slug: "core", name: "Core", permission: "admin" });
  assert(current.success && current.data.slug === "core");
  assert(!TeamSchema.safeParse({ id: 2 }).success, "neither slug nor name: dropped by paginate");
});

Deno.test("emails: the baseline is the ledger's first statement, so losing KV resolves nothing", async () => {
  const real = await loadReal();
  const up = serveUpstream();
  const ledgerKv = await Deno.openKv(":memory:");
  let state = await Deno.openKv(":memory:");
  const origin = "test.example/access-emails";
  const { privateKey } = await generateSigningKey(origin);
  const ledger = await openKvLedger({ kv: ledgerKv, origin, signingKey: privateKey });
  const config = configFor(up, {
    name: "setuptools",
    allow: { maintainers: ["jaraco", "abravalheri", "dstufft"] },
  });
  const events = async (from: number) => {
    const out: StoredEntry[] = [];
    for await (const e of ledger.entries(from)) out.push(e);
    return out;
  };
  const sweep = async () => {
    const before = await ledger.size();
    const summary = await runSweep(accessJob, config.project, {
      config,
      secrets: SECRETS,
      kv: state,
      ledger,
    });
    return { rules: summary.projects[0].findings.map((f) => f.rule), events: await events(before) };
  };
  try {
    up.pypi.set("setuptools", real.setuptools);
    const first = await sweep();
    assertEquals(first.rules.filter((r) => r.startsWith("release/")), []);
    const moved = clone(real.setuptools) as Record<string, Record<string, unknown>>;
    moved.info.author_email = "distutils-sig@new-owner.example";
    up.pypi.set("setuptools", moved);
    const second = await sweep();
    assertEquals(second.rules, ["release/maintainer-email-domain-changed"]);
    // KV is lost: the projection (open findings, the email baseline) is rebuilt from the ledger.
    state.close();
    state = await Deno.openKv(":memory:");
    const third = await sweep();
    assertEquals(third.rules, ["release/maintainer-email-domain-changed"]);
    assertEquals(third.events.filter((e) => e.entry.kind === "finding.resolved"), []);
  } finally {
    await ledger.close();
    ledgerKv.close();
    state.close();
    await up.close();
  }
});
