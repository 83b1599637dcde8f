import { assert, assertEquals } from "../_assert.ts";
import { controlsMarkdown, PLAN, unknownPlanRules } from "../../rules/plan.ts";
import { RULES } from "../../rules/catalog.ts";

Deno.test("docs/controls.md is generated from the plan and the rule catalog", async () => {
  const doc = await Deno.readTextFile(new URL("../../docs/controls.md", import.meta.url));
  assertEquals(
    doc.trim(),
    controlsMarkdown(PLAN, RULES).trim(),
    "docs/controls.md is stale: run `deno task rules --format controls > docs/controls.md`",
  );
});

Deno.test("plan: every rule id it names exists", () => {
  assertEquals(unknownPlanRules(PLAN, RULES), []);
  assertEquals(unknownPlanRules(PLAN, RULES.filter((r) => r.id !== "parity/tag-moved")), [
    "parity/tag-moved",
  ]);
});

Deno.test("plan: covers the plan's areas, and says why a control is not observable", () => {
  const areas = PLAN.map((a) => a.area);
  for (
    const area of [
      "Trusted publishing",
      "Artifact content",
      "Codebase files",
      "Branch and tag protection",
      "CODEOWNERS",
      "Actions settings",
      "Environments",
      "Security features",
      "Access",
      "PyPI ownership",
      "Release process",
    ]
  ) assert(areas.includes(area), area);
  const md = controlsMarkdown(PLAN, RULES);
  assert(md.includes("not observable, because PyPI does not publish which 2FA methods"), md);
  // A rule the plan does not name is still listed.
  const extra = { ...RULES[0], id: "x/unnamed", control: "something new" };
  assert(controlsMarkdown(PLAN, [...RULES, extra]).includes("| `x/unnamed` |"));
});
