import { assertEquals, assertThrows } from "./_assert.ts";
import { ConfigError, formatPath, normalizeName, parseConfig, readSecrets } from "../src/config.ts";

Deno.test("parseConfig fills defaults for a minimal project", () => {
  const config = parseConfig('[[project]]\nname = "sampleproject"\n');
  assertEquals(config.project[0].name, "sampleproject");
  assertEquals(config.project[0].policy.artifacts, "pure");
  assertEquals(config.upstream.pypi, "https://pypi.org");
  assertEquals(config.schedules.pypi, "*/10 * * * *");
  assertEquals(config.ledger.store, "file");
});

Deno.test("a wrong type is reported with its key path", () => {
  const text = [
    '[[project]]\nname = "a"',
    '[[project]]\nname = "b"',
    '[[project]]\nname = "c"\n[project.publisher]\nrepository = "o/r"\nworkflow = 3',
  ].join("\n");
  const e = assertThrows(() => parseConfig(text), ConfigError);
  assertEquals(e.problems.length, 1);
  assertEquals(e.problems[0].startsWith("project[2].publisher.workflow: "), true);
  assertEquals(e.problems[0].includes("expected string"), true);
});

Deno.test("every problem gets its own line", () => {
  const text = '[upstream]\npypi = "ftp://x"\n[[project]]\nname = "-bad-"\ngithub = "nope"\n';
  const e = assertThrows(() => parseConfig(text), ConfigError);
  const paths = e.problems.map((p) => p.split(":")[0]).sort();
  assertEquals(paths, ["project[0].github", "project[0].name", "upstream.pypi"]);
});

Deno.test("unknown keys are rejected, not ignored", () => {
  const e = assertThrows(
    () => parseConfig('[[project]]\nname = "a"\npublisher_typo = 1\n'),
    ConfigError,
  );
  assertEquals(e.problems[0].startsWith("project[0]: "), true);
  assertEquals(e.problems[0].includes("publisher_typo"), true);
});

Deno.test("invalid TOML is one line with its position", () => {
  const e = assertThrows(() => parseConfig("[[project]\nname = 1", "x.toml"), ConfigError);
  assertEquals(e.problems.length, 1);
  assertEquals(e.problems[0].startsWith("x.toml: invalid TOML (line 1"), true);
});

Deno.test("duplicate projects (after PEP 503 normalization) are rejected", () => {
  const e = assertThrows(
    () => parseConfig('[[project]]\nname = "Foo_Bar"\n[[project]]\nname = "foo-bar"\n'),
    ConfigError,
  );
  assertEquals(e.problems, ["project[1].name: duplicate project"]);
});

Deno.test("waivers need a reason and a real date", () => {
  const ok = parseConfig(
    '[[project]]\nname = "a"\n[[project.waiver]]\nrule = "release/yanked"\nreason = "known"\nexpires = 2027-01-01\n',
  );
  assertEquals(ok.project[0].waiver[0].expires.toISOString(), "2027-01-01T00:00:00.000Z");
  const e = assertThrows(
    () =>
      parseConfig(
        '[[project]]\nname = "a"\n[[project.waiver]]\nrule = "x"\nreason = "r"\nexpires = "soon"\n',
      ),
    ConfigError,
  );
  assertEquals(e.problems[0].startsWith("project[0].waiver[0].expires: "), true);
});

Deno.test("secrets come only from the environment", () => {
  const config = parseConfig(
    '[status]\n[[status.webhook]]\nurl = "https://hooks.example/x"\nsecret_env = "HOOK_SECRET"\n',
  );
  const env: Record<string, string> = { GITHUB_TOKEN: "t", HOOK_SECRET: "s" };
  const secrets = readSecrets(config, (n) => env[n]);
  assertEquals(secrets.githubToken, "t");
  assertEquals(secrets.ledgerSigningKey, undefined);
  assertEquals(secrets.webhookSecrets, { HOOK_SECRET: "s" });
});

Deno.test("helpers: normalizeName and formatPath", () => {
  assertEquals(normalizeName("Foo__Bar.baz"), "foo-bar-baz");
  assertEquals(
    formatPath(["project", 2, "publisher", "workflow"]),
    "project[2].publisher.workflow",
  );
  assertEquals(formatPath([]), "(root)");
});
