import { assertEquals } from "../_assert.ts";
import { isPypiSecretName, SECRET_RULESET } from "../../rules/secrets.ts";
import { runRules } from "../../rules/types.ts";
import { ruleTable } from "./_rule_table.ts";
import { input } from "./_controls.ts";
import { ProjectSchema } from "../../src/config.ts";
import type { RepoPosture } from "../../src/observations/repo.ts";

const withPublisher = ProjectSchema.parse({
  name: "x",
  github: "o/x",
  publisher: { repository: "o/x", workflow: "release.yml", environment: "pypi" },
});
const withoutPublisher = ProjectSchema.parse({ name: "x", github: "o/x" });

function data(secrets: NonNullable<RepoPosture["controls"]>["secrets"], reviewers = true) {
  return {
    repository: "o/x",
    defaultBranch: "main",
    environments: [{
      id: 1,
      name: "pypi",
      protection_rules: reviewers
        ? [{ id: 2, type: "required_reviewers", reviewers: [{ type: "User" }] }]
        : [],
    }],
    controls: { secrets },
  } as unknown as RepoPosture;
}

const ids = (d: RepoPosture, project = withPublisher) =>
  runRules(SECRET_RULESET, { data: d, project, workflows: [] }).map((f) => f.rule).sort();

Deno.test("secrets: PyPI-like names", () => {
  for (const n of ["PYPI_API_TOKEN", "pypi_token", "TEST_PYPI_PASSWORD", "TWINE_PASSWORD"]) {
    assertEquals(isPypiSecretName(n), true, n);
  }
  for (const n of ["CODECOV_TOKEN", "GITHUB_TOKEN", "NPM_TOKEN"]) {
    assertEquals(isPypiSecretName(n), false, n);
  }
});

Deno.test("secrets: a stored PyPI token is a finding where trusted publishing is expected", () => {
  assertEquals(ids(data({ repository: ["CODECOV_TOKEN"], environments: {} })), []);
  assertEquals(ids(data({ repository: ["PYPI_API_TOKEN"] })), [
    "secrets/publishing-secret-unprotected",
    "secrets/pypi-token-stored",
  ]);
  // Without a trusted publisher, only where it is stored matters.
  assertEquals(ids(data({ environments: { pypi: ["PYPI_API_TOKEN"] } }), withoutPublisher), []);
  assertEquals(
    ids(data({ environments: { pypi: ["PYPI_API_TOKEN"] } }, false), withoutPublisher),
    ["secrets/publishing-secret-unprotected"],
  );
  assertEquals(ids(data({ organization: ["TWINE_PASSWORD"] }), withoutPublisher), [
    "secrets/publishing-secret-unprotected",
  ]);
  // Not observed: nothing is said.
  assertEquals(ids(data(undefined)), []);
});

ruleTable("secrets", SECRET_RULESET, {
  "secrets/pypi-token-stored": {
    fires: input({ controls: { secrets: { environments: { pypi: ["PYPI_API_TOKEN"] } } } }),
    clean: input({ controls: { secrets: { repository: ["CODECOV_TOKEN"] } } }),
  },
  "secrets/publishing-secret-unprotected": {
    fires: input({ controls: { secrets: { repository: ["TWINE_PASSWORD"] } } }),
    clean: input({ controls: { secrets: { environments: { pypi: ["CODECOV_TOKEN"] } } } }),
  },
});
