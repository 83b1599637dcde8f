import { assert, assertEquals } from "../_assert.ts";
import { RULES } from "../../rules/catalog.ts";
import { SEVERITIES } from "../../rules/types.ts";
import { rulesMarkdown } from "../../src/cli/rules.ts";

Deno.test("rule ids are unique, well-formed and fully described", () => {
  const ids = RULES.map((r) => r.id);
  assertEquals(new Set(ids).size, ids.length, "duplicate rule id");
  for (const r of RULES) {
    assert(/^[a-z0-9-]+\/[a-z0-9-]+$/.test(r.id), `bad id ${r.id}`);
    assert((SEVERITIES as readonly string[]).includes(r.severity), r.id);
    assert(r.title.length > 0 && r.control.length > 0 && r.remediation.length > 0, r.id);
  }
});

Deno.test("docs/rules.md is the generated catalog", async () => {
  const doc = await Deno.readTextFile(new URL("../../docs/rules.md", import.meta.url));
  const expected = rulesMarkdown([...RULES].sort((a, b) => a.id.localeCompare(b.id)));
  assertEquals(
    doc.trim(),
    expected.trim(),
    "docs/rules.md is stale: run `deno task rules --format markdown > docs/rules.md`",
  );
});
