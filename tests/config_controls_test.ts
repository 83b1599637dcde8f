import { assert, assertEquals } from "./_assert.ts";
import { ConfigError, parseConfig } from "../src/config.ts";

Deno.test("[project.controls]: defaults from the plan, per-project names, unknown keys refused", () => {
  const [plain] = parseConfig(`[[project]]\nname = "x"\n`).project;
  assertEquals(plain.controls.workflows.ci, ["ci.yml"]);
  assertEquals(plain.controls.fork_approval, "all_external_contributors");
  assertEquals(plain.controls.required_files.includes("RELEASING.md"), true);
  const [custom] = parseConfig(`[[project]]
name = "x"
[project.controls]
submodule_url_prefixes = ["https://github.com/acme/"]
min_retention_days = 30
[project.controls.workflows]
ci = ["tests.yml", "ci.yml"]
`).project;
  assertEquals(custom.controls.workflows.ci, ["tests.yml", "ci.yml"]);
  assertEquals(custom.controls.min_retention_days, 30);
  let error: unknown;
  try {
    parseConfig(`[[project]]\nname = "x"\n[project.controls]\nworkflow = "ci.yml"\n`);
  } catch (e) {
    error = e;
  }
  assert(error instanceof ConfigError, String(error));
  assert(String((error as Error).message).includes("controls"), String(error));
});
