import assert from "node:assert/strict";
import {
  matchingRule,
  ownersOf,
  parseCodeowners,
  patternToRegex,
} from "../../src/github/codeowners.ts";

// Cases from GitHub's CODEOWNERS documentation ("Example of a CODEOWNERS file").
const DOC_EXAMPLE = `
# These owners will be the default owners for everything in the repo.
*       @global-owner1 @global-owner2
*.js    @js-owner #This is an inline comment.
*.go docs@example.com
*.txt @octo-org/octocats
/build/logs/ @doctocat
docs/*  docs@example.com
apps/ @octocat
/docs/ @doctocat
/scripts/ @doctocat @octocat
**/logs @octocat
/apps/ @octocat
/apps/github
/.github/workflows/ @release-team
\\#notacomment @hash-owner
`;

Deno.test("GitHub's documented CODEOWNERS example", () => {
  const rules = parseCodeowners(DOC_EXAMPLE);
  const o = (p: string) => ownersOf(rules, p);
  assert.deepEqual(o("README.md"), ["@global-owner1", "@global-owner2"]);
  assert.deepEqual(o("src/app.js"), ["@js-owner"]);
  assert.deepEqual(o("main.go"), ["docs@example.com"]);
  // `/build/logs/` matches, but the later `**/logs` line matches too, and the last match wins.
  assert.deepEqual(o("build/logs/x/y.log"), ["@octocat"]);
  assert.deepEqual(matchingRule(rules.slice(0, 6), "build/logs/x/y.log")?.owners, ["@doctocat"]);
  assert.deepEqual(o("deep/logs/z.txt"), ["@octocat"]); // **/logs, later than *.txt
  assert.deepEqual(o("docs/getting-started.md"), ["@doctocat"]); // /docs/ is later
  assert.deepEqual(o("apps/github/x.md"), []); // ownerless line: unowned
  assert.deepEqual(o("apps/other/x.md"), ["@octocat"]);
  assert.deepEqual(o(".github/workflows/release.yml"), ["@release-team"]);
  assert.deepEqual(o("#notacomment"), ["@hash-owner"]);
  assert.equal(matchingRule(rules, "x.js")?.pattern, "*.js");
});

Deno.test("pattern semantics: anchoring, directories, single and double stars", () => {
  assert.ok(patternToRegex("docs/*").test("docs/a.md"));
  assert.ok(!patternToRegex("docs/*").test("docs/build-app/troubleshooting.md"));
  assert.ok(patternToRegex("apps/").test("x/apps/y.md")); // unanchored directory
  assert.ok(!patternToRegex("/apps/").test("x/apps/y.md"));
  assert.ok(patternToRegex("pyproject.toml").test("sub/pyproject.toml"));
  assert.ok(patternToRegex("/pyproject.toml").test("pyproject.toml"));
  assert.ok(!patternToRegex("/pyproject.toml").test("sub/pyproject.toml"));
  assert.ok(patternToRegex("a/**/b").test("a/b"));
  assert.ok(patternToRegex("a/**/b").test("a/x/y/b"));
  assert.ok(patternToRegex(".github/**").test(".github/workflows/x.yml"));
  assert.ok(!patternToRegex("*.py").test("a.pyc"));
  assert.ok(patternToRegex("setup.?y").test("setup.py"));
  assert.ok(!patternToRegex("a+b(c)").test("aab(c)")); // regex characters are literal
});

Deno.test("hostile input: negation, ranges, huge files are bounded", () => {
  const rules = parseCodeowners("!*.md @x\n[ab].py @y\n*.py @z\n");
  assert.deepEqual(rules.map((r) => r.pattern), ["*.py"]);
  const big = "* @a\n".repeat(50_000);
  assert.equal(parseCodeowners(big).length, 10_000);
  assert.deepEqual(ownersOf([], "x"), []);
});
