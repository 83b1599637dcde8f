/**
 * The controls across two sweeps of the sandbox: the hardened project raises nothing, then its
 * repository is weakened (a stored PyPI token, weak Actions settings, a broken codebase) and
 * the next repo sweep raises each controls rule.
 */
import { assert, assertEquals } from "../_assert.ts";
import { SandboxResponse } from "../../src/sandbox/github_posture.ts";
import { ruleIds, sweepHarness } from "../_controls_sweeps.ts";
import { repoJob } from "../../jobs/repo.ts";
import type { Job } from "../../src/observations/job.ts";
import { b64, releaseWorkflow, weakenControls } from "../../src/sandbox/github_controls.ts";
import { SECRET_RULES } from "../../rules/secrets.ts";
import { SETTINGS_RULES } from "../../rules/settings.ts";
import { CODEBASE_RULES } from "../../rules/codebase.ts";

const job = repoJob as Job<unknown>;

Deno.test("sandbox: a PyPI token stored in repository secrets is caught in one sweep", async () => {
  const h = await sweepHarness();
  try {
    assertEquals(ruleIds(await h.sweep(job)), []);
    h.scenario.github.set("/repos/acme/acme-hardened/actions/secrets", {
      total_count: 1,
      secrets: [{ name: "PYPI_API_TOKEN", created_at: "2026-11-30T10:00:00Z" }],
    });
    const after = await h.sweep(job);
    assertEquals(ruleIds(after), [
      "secrets/publishing-secret-unprotected",
      "secrets/pypi-token-stored",
    ]);
    const stored = after.find((f) => f.rule === "secrets/pypi-token-stored")!;
    assertEquals(stored.subject, "acme/acme-hardened:secret:repository:PYPI_API_TOKEN");

    // The token loses Secrets: read: not observable, and the finding stays open.
    h.scenario.github.set(
      "/repos/acme/acme-hardened/actions/secrets",
      new SandboxResponse(403, { message: "Resource not accessible by personal access token" }),
    );
    const blind = await h.sweep(job);
    assertEquals(ruleIds(blind), ruleIds(after));
    const gaps = await h.entries("coverage.changed");
    const gap = gaps.find((g) => g.scope === "repo:secrets:repository");
    assert(
      String(gap?.reason).startsWith("not observable with this token (403"),
      String(gap?.reason),
    );
  } finally {
    await h.close();
  }
});

Deno.test("sandbox: every controls rule fires once the repository is weakened", async () => {
  const h = await sweepHarness();
  try {
    assertEquals(ruleIds(await h.sweep(job)), []);
    weakenControls(h.scenario, "acme", "acme-hardened");
    // The release workflow loses its checks and attestations; the environment's reviewers go
    // and a PyPI token is stored in the environment.
    const release = releaseWorkflow("pypi", false);
    h.scenario.github.set("/repos/acme/acme-hardened/contents/.github/workflows/release.yml", {
      type: "file",
      name: "release.yml",
      path: ".github/workflows/release.yml",
      sha: "9".repeat(40),
      size: release.length,
      encoding: "base64",
      content: b64(release),
    });
    // At the release tag, pyproject.toml is gone.
    const root = h.scenario.github.get("/repos/acme/acme-hardened/contents") as { name: string }[];
    h.scenario.github.set(
      "/repos/acme/acme-hardened/contents?ref=v1.1.0",
      root.filter((e) => e.name !== "pyproject.toml"),
    );
    const after = ruleIds(await h.sweep(job));
    const expected = [...SECRET_RULES, ...SETTINGS_RULES, ...CODEBASE_RULES].map((r) => r.id);
    assertEquals(expected.filter((id) => !after.includes(id)), []);
  } finally {
    await h.close();
  }
});

function contentsFile(path: string, text: string) {
  return {
    type: "file",
    name: path.split("/").pop(),
    path,
    sha: "8".repeat(40),
    size: new TextEncoder().encode(text).byteLength,
    encoding: "base64",
    content: b64(text),
  };
}

const RELEASE_PATH = ".github/workflows/release.yml";

Deno.test("sandbox: a weak release workflow at the release tag is judged at the tag", async () => {
  const h = await sweepHarness();
  try {
    assertEquals(ruleIds(await h.sweep(job)), []);
    // The tag v1.1.0 shipped a release workflow without checks; main is still hardened.
    h.scenario.github.set(
      `/repos/acme/acme-hardened/contents/${RELEASE_PATH}?ref=v1.1.0`,
      contentsFile(RELEASE_PATH, releaseWorkflow("pypi", false)),
    );
    const after = await h.sweep(job);
    const shape = after.filter((f) => f.rule.startsWith("codebase/release-"));
    assertEquals(ruleIds(shape), [
      "codebase/release-attestations-missing",
      "codebase/release-build-has-id-token",
      "codebase/release-checksums-missing",
      "codebase/release-publish-job-not-minimal",
      "codebase/release-tag-check-missing",
    ]);
    assertEquals([...new Set(shape.map((f) => f.subject))], [
      `acme/acme-hardened@tag:${RELEASE_PATH}`,
    ]);

    // The tag's workflow becomes unreadable: not observable, the findings stay open.
    h.scenario.github.set(
      `/repos/acme/acme-hardened/contents/${RELEASE_PATH}?ref=v1.1.0`,
      new SandboxResponse(403, { message: "Resource not accessible by personal access token" }),
    );
    const blind = await h.sweep(job);
    assertEquals(ruleIds(blind), ruleIds(after));
    const gaps = await h.entries("coverage.changed");
    assert(gaps.some((g) => g.scope === "repo:codebase:tag:workflows"), JSON.stringify(gaps));

    // Readable again but with more files than the bound: still not observable, nothing read.
    h.scenario.github.set(
      `/repos/acme/acme-hardened/contents/${RELEASE_PATH}?ref=v1.1.0`,
      contentsFile(RELEASE_PATH, releaseWorkflow("pypi", false)),
    );
    const listed = h.scenario.github.get(
      "/repos/acme/acme-hardened/contents/.github/workflows",
    ) as unknown[];
    const many = [
      ...listed,
      ...Array.from({ length: 51 - listed.length }, (_, i) => {
        const path = `.github/workflows/w${i}.yml`;
        const { content: _c, encoding: _e, ...entry } = contentsFile(path, "on: push\n");
        return entry;
      }),
    ];
    h.scenario.github.set("/repos/acme/acme-hardened/contents/.github/workflows?ref=v1.1.0", many);
    assertEquals(ruleIds(await h.sweep(job)), ruleIds(after));
    const reasons = (await h.entries("coverage.changed")).map((g) => String(g.reason));
    assert(reasons.some((r) => r.includes("more than 50 workflow files")), reasons.join("; "));
  } finally {
    await h.close();
  }
});

Deno.test("sandbox: a release control weakened on main since the tag is drift", async () => {
  const h = await sweepHarness();
  try {
    assertEquals(ruleIds(await h.sweep(job)), []);
    // The tag keeps the hardened workflow; main's build job gains id-token: write.
    const good = releaseWorkflow("pypi");
    h.scenario.github.set(
      `/repos/acme/acme-hardened/contents/${RELEASE_PATH}?ref=v1.1.0`,
      contentsFile(RELEASE_PATH, good),
    );
    const weak = good.replace(
      "      contents: read\n    steps:",
      "      contents: read\n      id-token: write\n    steps:",
    );
    assert(weak !== good, "the workflow was changed");
    h.scenario.github.set(
      `/repos/acme/acme-hardened/contents/${RELEASE_PATH}`,
      contentsFile(RELEASE_PATH, weak),
    );
    const after = await h.sweep(job);
    // The workflow rules see main's workflow too.
    assertEquals(ruleIds(after), [
      "codebase/release-build-has-id-token",
      "codebase/release-files-drift",
      "workflows/id-token-outside-publish",
    ]);
    const drift = after.find((f) => f.rule === "codebase/release-files-drift")!;
    assertEquals(
      drift.subject,
      "acme/acme-hardened@default:drift:codebase/release-build-has-id-token",
    );
    assertEquals(drift.severity, "medium");
    const shape = after.find((f) => f.rule === "codebase/release-build-has-id-token")!;
    assertEquals(shape.subject, `acme/acme-hardened@default:${RELEASE_PATH}`);
  } finally {
    await h.close();
  }
});
