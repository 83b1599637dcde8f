/**
 * Every registered rule is asserted by a test: its id appears, quoted, in a test source (the
 * rule tables of `tests/rules/*_test.ts` list every id of their module), and every module
 * converted to rule values has its table test. A rule added without a test fails here.
 */
import { assert, assertEquals } from "../_assert.ts";
import { registeredRules, REGISTRY, RULESETS, rulesOfJob } from "../../rules/registry.ts";
import { JOBS } from "../../rules/types.ts";
import { RULES } from "../../rules/catalog.ts";

const TESTS = new URL("../", import.meta.url);
const SELF = new URL(import.meta.url).pathname;

/**
 * Rule ids no test asserts yet, in modules other branches own. Each must go as soon as a test
 * asserts it (the last test below fails when an id here is asserted, so the list only shrinks).
 */
const NOT_YET_ASSERTED = new Set<string>([]);

async function testSources(dir: URL = TESTS): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const entry of Deno.readDir(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) {
      for (const [k, v] of await testSources(url)) out.set(k, v);
    } else if (/\.tsx?$/.test(entry.name) && url.pathname !== SELF) {
      out.set(url.pathname, await Deno.readTextFile(url));
    }
  }
  return out;
}

/** True when `text` holds `id` as a string literal. */
export function mentions(text: string, id: string): boolean {
  return [`"${id}"`, `'${id}'`, `\`${id}\``].some((q) => text.includes(q));
}

/** Registered ids no source asserts. */
export function unasserted(ids: readonly string[], sources: readonly string[]): string[] {
  return ids.filter((id) => !sources.some((text) => mentions(text, id)));
}

Deno.test("coverage: the check itself tells asserted ids from others", () => {
  assertEquals(unasserted(["a/b", "a/c"], ['assertEquals(f.rule, "a/b");']), ["a/c"]);
  assert(!mentions("a/bc", "a/b"));
});

Deno.test("coverage: the registry is the catalog, ids are unique and carry their module's job", () => {
  const ids = registeredRules().map((r) => r.id);
  assertEquals(RULES.map((r) => r.id), ids);
  assertEquals(new Set(ids).size, ids.length);
  for (const entry of REGISTRY) {
    assert(entry.rules.length > 0, entry.module);
    for (const rule of entry.rules) assertEquals(rule.job, entry.job, rule.id);
  }
  // Each job's rule list is the registry's, and the jobs' lists partition the catalog.
  for (const job of JOBS) {
    assertEquals(rulesOfJob(job), registeredRules().filter((r) => r.job === job), job);
  }
  assertEquals(JOBS.flatMap((j) => rulesOfJob(j)).length, ids.length);
});

Deno.test("coverage: every registered rule id is asserted by a test", async () => {
  const sources = [...(await testSources()).values()];
  const missing = unasserted(registeredRules().map((r) => r.id), sources)
    .filter((id) => !NOT_YET_ASSERTED.has(id));
  assertEquals(missing, [], "rule ids no test asserts");
});

Deno.test("coverage: every module converted to rule values has its table test", async () => {
  const sources = await testSources();
  for (const module of Object.keys(RULESETS)) {
    const path = new URL(`rules/${module}_test.ts`, TESTS).pathname;
    const text = sources.get(path) ?? "";
    assert(text.includes(`ruleTable("${module}"`), `${path} has no ruleTable("${module}", ...)`);
  }
});

Deno.test("coverage: the not-yet-asserted list only shrinks", async () => {
  const sources = [...(await testSources()).values()];
  const known = new Set(registeredRules().map((r) => r.id));
  for (const id of NOT_YET_ASSERTED) {
    assert(known.has(id), `${id} is not registered`);
    assertEquals(unasserted([id], sources), [id], `${id} is asserted now: remove it from the list`);
  }
});
