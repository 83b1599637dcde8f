import { assert, assertEquals } from "../_assert.ts";
import { CODEBASE_RULESET } from "../../rules/codebase.ts";
import { runRules } from "../../rules/types.ts";
import { ruleTable } from "./_rule_table.ts";
import { input, project, snapshot, workflow } from "./_controls.ts";
import { ciWorkflow, releaseWorkflow } from "../../src/sandbox/github_controls.ts";

const clean = input();
const at = (over: Parameters<typeof snapshot>[0]) =>
  input({ controls: { codebase: [snapshot(over)] } });
const pyproject = snapshot().pyproject!;
const weakRelease = workflow("release.yml", releaseWorkflow("pypi", false));
const withRelease = (text: string) =>
  input({ workflows: [workflow("release.yml", text), workflow("ci.yml", ciWorkflow(true))] });
const good = releaseWorkflow("pypi");
const goodRelease = workflow("release.yml", good);
const file = (wf: ReturnType<typeof workflow>) => ({ path: wf.path, workflow: wf });
/** A tag whose workflows were read, and the default branch (its workflows given apart). */
const twoRefs = (
  tag: ReturnType<typeof workflow>[],
  head: ReturnType<typeof workflow>[],
  over: { tag?: Parameters<typeof snapshot>[0]; head?: Parameters<typeof snapshot>[0] } = {},
) =>
  input({
    controls: {
      codebase: [
        snapshot({ workflowFiles: tag.map(file), ...over.tag }),
        snapshot({ kind: "default", ref: "main", ...over.head }),
      ],
    },
    workflows: head,
  });

ruleTable("codebase", CODEBASE_RULESET, {
  "codebase/file-missing": {
    fires: at({ files: ["MANIFEST.in", ".github/SECURITY.md", "CODEOWNERS"] }),
    // At the default branch, SECURITY.md and CODEOWNERS are the posture rules' business.
    clean: at({ kind: "default", files: ["MANIFEST.in", "RELEASING.md"] }),
    check: (f) => {
      assertEquals(f.map((x) => x.subject), ["o/x@tag:RELEASING.md"]);
      assertEquals(f[0].severity, "low");
    },
  },
  "codebase/pyproject-missing": {
    fires: at({ pyproject: null }),
    clean,
  },
  "codebase/duplicate-poetry-metadata": {
    fires: at({ pyproject: { ...pyproject, poetryMetadata: ["name", "version"] } }),
    clean,
  },
  "codebase/requires-python-missing": {
    fires: at({ pyproject: { ...pyproject, requiresPython: undefined } }),
    clean,
  },
  "codebase/project-urls-incomplete": {
    fires: at({ pyproject: { ...pyproject, urls: ["Homepage"] } }),
    // Common aliases count.
    clean: at({
      pyproject: {
        ...pyproject,
        urls: ["Repository", "Bug Tracker", "Changes", "Security Policy", "Docs"],
      },
    }),
  },
  "codebase/build-requires-unpinned": {
    fires: at({ pyproject: { ...pyproject, buildRequires: ["setuptools>=68", "wheel"] } }),
    clean: at({ pyproject: { ...pyproject, buildRequires: ["setuptools[core]==80.9.0"] } }),
  },
  "codebase/workflow-missing": {
    fires: at({ workflows: ["release.yml"] }),
    clean: input({
      controls: {
        codebase: [
          snapshot({
            workflows: ["tests.yml", "deps.yml", "codeql.yml", "content.yml", "release.yml"],
          }),
        ],
      },
      project: project({
        controls: {
          workflows: {
            ci: ["tests.yml"],
            dependency_review: ["deps.yml"],
            package_content: ["content.yml"],
          },
        },
      }),
    }),
    check: (f) => assert(f.every((x) => x.severity === "medium"), "release present"),
  },
  "codebase/release-build-has-id-token": {
    fires: input({ workflows: [weakRelease] }),
    clean,
  },
  "codebase/release-publish-job-not-minimal": {
    fires: input({ workflows: [weakRelease] }),
    clean,
  },
  "codebase/release-tag-check-missing": {
    fires: withRelease(good.replace(/ +- run: git merge-base[^\n]*\n/, "")),
    clean,
  },
  "codebase/release-checksums-missing": {
    fires: withRelease(good.replace(/ +- run: sha256sum[^\n]*\n/, "")),
    clean,
  },
  "codebase/release-attestations-missing": {
    fires: input({ workflows: [weakRelease] }),
    clean,
  },
  "codebase/ci-pip-without-require-hashes": {
    fires: input({
      workflows: [workflow("release.yml", good), workflow("ci.yml", ciWorkflow(false))],
    }),
    clean,
  },
  "codebase/precommit-hook-unpinned": {
    fires: at({ precommit: [{ repo: "https://github.com/psf/black", rev: "24.1.0" }] }),
    clean,
  },
  "codebase/binary-committed": {
    fires: at({ binaries: ["vendor/libfast.so"], binariesCount: 1 }),
    clean: input({
      controls: { codebase: [snapshot({ binaries: ["tests/data/x.so"], binariesCount: 1 })] },
      project: project({ controls: { binaries_allowed: ["tests/data/*.so"] } }),
    }),
  },
  "codebase/release-files-drift": {
    // The release workflow passes at the tag and mints OIDC tokens in its build on main.
    fires: twoRefs([goodRelease], [weakRelease]),
    // Weak at both refs: no regression (the shape rules report it at each ref).
    clean: twoRefs([weakRelease], [weakRelease]),
    check: (f) => {
      const ids = f.map((x) => x.subject).sort();
      assert(ids.includes("o/x@default:drift:codebase/release-build-has-id-token"), ids.join());
      assert(f.every((x) => x.scope === "repo:workflows:drift"), f.map((x) => x.scope).join());
      const e = f[0].evidence as Record<string, { ref: string; state: string }>;
      assertEquals([e.before.ref, e.before.state, e.after.ref], ["v1.0.0", "passes", "main"]);
    },
  },
  "codebase/submodule-not-allowed": {
    fires: at({ submodules: [{ path: "vendor/lib", url: "https://example.invalid/lib.git" }] }),
    clean,
  },
});

Deno.test("codebase: the release workflow's shape is judged at the tag, with its own subject", () => {
  const f = runRules(CODEBASE_RULESET, twoRefs([weakRelease], [goodRelease]));
  const shape = f.filter((x) => x.rule === "codebase/release-build-has-id-token");
  assertEquals(shape.map((x) => [x.subject, x.scope]), [
    ["o/x@tag:.github/workflows/release.yml", "repo:codebase:tag:workflows"],
  ]);
  // Weak at the tag and fixed on main: an improvement, not drift.
  assertEquals(f.filter((x) => x.rule === "codebase/release-files-drift"), []);
  // And the default branch's keeps `@default:`.
  const head = runRules(CODEBASE_RULESET, twoRefs([goodRelease], [weakRelease]));
  assert(
    head.some((x) => x.subject === "o/x@default:.github/workflows/release.yml"),
    head.map((x) => x.subject).join(),
  );
});

Deno.test("codebase: CI installs without hashes at the tag are their own finding", () => {
  const f = runRules(
    CODEBASE_RULESET,
    twoRefs([goodRelease, workflow("ci.yml", ciWorkflow(false))], [
      goodRelease,
      workflow("ci.yml", ciWorkflow(true)),
    ]),
  ).filter((x) => x.rule === "codebase/ci-pip-without-require-hashes");
  assertEquals(f.map((x) => x.subject), ["o/x@tag:.github/workflows/ci.yml:pip"]);
});

Deno.test("codebase: drift needs a control that passed at the tag", () => {
  const drift = (i: ReturnType<typeof input>) =>
    runRules(CODEBASE_RULESET, i).filter((x) => x.rule === "codebase/release-files-drift")
      .map((x) => x.subject);
  const ok = [goodRelease];
  // Build requirements unpinned on main, pinned at the tag: drift, with both sides' facts.
  const loosened = twoRefs(ok, ok, {
    head: { pyproject: { ...pyproject, buildRequires: ["hatchling>=1"] } },
  });
  assertEquals(drift(loosened), ["o/x@default:drift:codebase/build-requires-unpinned"]);
  const e = runRules(CODEBASE_RULESET, loosened).find((x) =>
    x.rule === "codebase/release-files-drift"
  )!.evidence as Record<string, { facts: { buildRequires: string[] } }>;
  assertEquals(e.before.facts.buildRequires, ["hatchling==1.27.0"]);
  assertEquals(e.after.facts.buildRequires, ["hatchling>=1"]);
  // A plain edit (another pinned version, a new URL) is not drift.
  assertEquals(
    drift(twoRefs(ok, ok, {
      head: {
        pyproject: {
          ...pyproject,
          buildRequires: ["hatchling==1.28.0"],
          urls: [...pyproject.urls, "Funding"],
        },
      },
    })),
    [],
  );
  // CODEOWNERS and MANIFEST.in removed on main.
  assertEquals(drift(twoRefs(ok, ok, { head: { files: ["RELEASING.md"] } })), [
    "o/x@default:drift:file:CODEOWNERS",
    "o/x@default:drift:file:MANIFEST.in",
  ]);
  // No release workflow at the tag: a new one on main is not drift.
  assertEquals(drift(twoRefs([], [weakRelease])), []);
  // The tag's workflows were not read (not observable): no judgement.
  assertEquals(
    drift(twoRefs([], [weakRelease], { tag: { workflowFiles: undefined } })),
    [],
  );
});
