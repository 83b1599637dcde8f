/**
 * `main.ts init NAME…` end to end against the sandbox, in child processes: a new file, extending
 * a file without clobbering it, a project without provenance, and one without a repository.
 */
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { parseConfig } from "../../src/config.ts";
import {
  ATTESTED,
  NO_REPO,
  runMain,
  sandboxFlags,
  UNSIGNED,
  withCheckSandbox,
} from "./_check_scenario.ts";

const MINE = `# my own config: this comment stays
[ledger]
origin = "mine.example/ledger"

[[project]]
name = "Acme_Hardened"   # already watched, with my own settings
github = "acme/acme-hardened"
default_branch = "trunk"
`;

Deno.test("init: writes a new auditor.toml with inferred entries and review comments", async () => {
  await withCheckSandbox(async (sandbox, dir) => {
    const r = await runMain(["init", ATTESTED, UNSIGNED, ...sandboxFlags(sandbox)], dir);
    assertEquals(r.code, 0, r.stderr);
    assertStringIncludes(r.stderr, `init: wrote auditor.toml`);
    assertStringIncludes(
      r.stderr,
      `${UNSIGNED}: github acme/acme-hardened, publisher left to review`,
    );
    const text = await Deno.readTextFile(`${dir}/auditor.toml`);
    const config = parseConfig(text);
    assertEquals(config.upstream.pypi, sandbox.pypiUrl);
    assertEquals(config.upstream.github_api, sandbox.githubUrl);
    const [attested, unsigned] = config.project;
    assertEquals(attested.name, ATTESTED);
    assertEquals(attested.github, "trailofbits/pypi-attestations");
    assertEquals(attested.publisher, {
      repository: "trailofbits/pypi-attestations",
      workflow: "release.yml",
    });
    assertEquals(attested.allow.maintainers, ["woodruffw"]);
    assertEquals(unsigned.github, "acme/acme-hardened");
    assertEquals(unsigned.publisher, undefined);
    // What to review is said in comments: publisher, allow lists, policy.
    assertStringIncludes(text, "# No environment: PyPI accepts uploads from any job");
    assertStringIncludes(text, "has no PEP 740 provenance; review [project.publisher] by hand");
    assertStringIncludes(text, '# workflow = "release.yml"');
    assertStringIncludes(text, "# Review: the accounts expected to hold access");
    assertStringIncludes(text, "# Review: the policy");
    // The written file is what audit runs with: it audits the sandbox.
    const audit = await runMain(["audit", "--job", "pypi", "--format", "json"], dir);
    assert([0, 1].includes(audit.code), audit.stderr);
    assertEquals(JSON.parse(audit.stdout).sweeps[0].job, "pypi");
  });
});

Deno.test("init: extends an existing file, leaving its text and its projects as they are", async () => {
  await withCheckSandbox(async (sandbox, dir) => {
    await Deno.writeTextFile(`${dir}/mine.toml`, MINE);
    const r = await runMain(
      ["init", UNSIGNED, ATTESTED, "--config", "mine.toml", ...sandboxFlags(sandbox)],
      dir,
    );
    assertEquals(r.code, 0, r.stderr);
    assertStringIncludes(r.stderr, `init: ${UNSIGNED} is already in mine.toml; left as it is`);
    const text = await Deno.readTextFile(`${dir}/mine.toml`);
    assert(text.startsWith(MINE), text);
    const config = parseConfig(text);
    assertEquals(config.project.map((p) => p.name), ["Acme_Hardened", ATTESTED]);
    assertEquals(config.project[0].default_branch, "trunk");
    assertEquals(config.ledger.origin, "mine.example/ledger");
    // A second run changes nothing.
    const again = await runMain(
      ["init", ATTESTED, "--config", "mine.toml", ...sandboxFlags(sandbox)],
      dir,
    );
    assertEquals(again.code, 0, again.stderr);
    assertEquals(await Deno.readTextFile(`${dir}/mine.toml`), text);
  });
});

Deno.test("init: a project whose URLs name no repository writes nothing (one line, exit 2)", async () => {
  await withCheckSandbox(async (sandbox, dir) => {
    await Deno.writeTextFile(`${dir}/auditor.toml`, MINE);
    const r = await runMain(["init", ATTESTED, NO_REPO, ...sandboxFlags(sandbox)], dir);
    assertEquals(r.code, 2, r.stderr);
    const lines = r.stderr.trim().split("\n");
    assertEquals(lines.length, 2, r.stderr);
    assertStringIncludes(
      lines[0],
      `${NO_REPO}: its PyPI project URLs (project_urls, home_page) name no GitHub repository`,
    );
    assertEquals(lines[1], "init: auditor.toml not written");
    assertEquals(await Deno.readTextFile(`${dir}/auditor.toml`), MINE);
    // A broken config is never extended.
    await Deno.writeTextFile(`${dir}/broken.toml`, "[[project]]\nname = 3\n");
    const broken = await runMain([
      "init",
      ATTESTED,
      "--config",
      "broken.toml",
      ...sandboxFlags(sandbox),
    ], dir);
    assertEquals(broken.code, 2);
    assertStringIncludes(broken.stderr, "project[0].name");
  });
});
