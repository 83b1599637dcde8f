import { assert, assertEquals } from "../_assert.ts";
import { CODEBASE_RULESET } from "../../rules/codebase.ts";
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
  "codebase/submodule-not-allowed": {
    fires: at({ submodules: [{ path: "vendor/lib", url: "https://example.invalid/lib.git" }] }),
    clean,
  },
});
