/**
 * `main.ts check NAME` end to end against the sandbox, in child processes: what it infers, that
 * every job runs, the report, and the exit codes; plus the URL normalisation it relies on.
 */
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { JOBS } from "../../rules/types.ts";
import { githubRepoOf, publisherFromProvenance, repositoryFromUrls } from "../../src/cli/infer.ts";
import {
  ATTESTED,
  NO_REPO,
  runMain,
  sandboxFlags,
  UNSIGNED,
  withCheckSandbox,
} from "./_check_scenario.ts";
import { realdata } from "../_realdata.ts";

Deno.test("githubRepoOf: github.com repository URLs normalised, everything else ignored", () => {
  const cases: [string, string | undefined][] = [
    ["https://github.com/pypa/sampleproject", "pypa/sampleproject"],
    ["https://www.github.com/pypa/sampleproject/", "pypa/sampleproject"],
    ["https://github.com/pypa/sampleproject.git", "pypa/sampleproject"],
    ["git+https://github.com/pypa/sampleproject.git@main", "pypa/sampleproject"],
    ["https://github.com/pypa/sampleproject/issues/12", "pypa/sampleproject"],
    ["http://GitHub.com/Pypa/Sample.Project#readme", "Pypa/Sample.Project"],
    ["https://github.com/pypa", undefined],
    ["https://github.com/sponsors/pypa", undefined],
    ["https://github.com/orgs/pypa/people", undefined],
    ["https://github.com/features/actions", undefined],
    ["https://gitlab.com/pypa/sampleproject", undefined],
    ["https://github.com.evil.example/pypa/sampleproject", undefined],
    ["https://pypa.github.io/sampleproject", undefined],
    ["javascript:alert(1)//github.com/a/b", undefined],
    ["not a url", undefined],
    ["https://github.com/-bad-/x", undefined],
  ];
  for (const [url, want] of cases) assertEquals(githubRepoOf(url), want, url);
});

Deno.test("repositoryFromUrls: source-like labels first, then others, then home_page", () => {
  const r = repositoryFromUrls({
    Homepage: "https://github.com/org/website",
    Funding: "https://github.com/sponsors/org",
    Source: "https://github.com/org/project",
  }, "https://github.com/org/old");
  assertEquals(r.hint?.repo, "org/project");
  assertEquals(r.hint?.from, 'project_urls "Source"');
  assertEquals(r.others, ["org/website", "org/old"]);
  assertEquals(repositoryFromUrls({}, "https://example.org").hint, undefined);
  assertEquals(repositoryFromUrls(null, "https://github.com/a/b").hint?.from, "home_page");
});

Deno.test("publisherFromProvenance: the GitHub publisher of a real Integrity API response", async () => {
  const json = JSON.parse(
    await Deno.readTextFile(
      realdata("pep740/pypi-attestations/pypi_attestations-0.0.19.tar.gz.provenance"),
    ),
  );
  assertEquals(publisherFromProvenance(json), {
    repository: "trailofbits/pypi-attestations",
    workflow: "release.yml",
  });
  const gitlab = {
    version: 1,
    attestation_bundles: [{ publisher: { kind: "GitLab", repository: "a/b" }, attestations: [] }],
  };
  assertEquals(publisherFromProvenance(gitlab), undefined);
  assertEquals(publisherFromProvenance({ nope: true }), undefined);
  const env = {
    version: 1,
    attestation_bundles: [{
      publisher: { kind: "GitHub", repository: "a/b", workflow: "pub.yml", environment: "pypi" },
      attestations: [],
    }],
  };
  assertEquals(publisherFromProvenance(env), {
    repository: "a/b",
    workflow: "pub.yml",
    environment: "pypi",
  });
});

Deno.test("check: infers repository and publisher from real provenance, runs every job, reports", async () => {
  await withCheckSandbox(async (sandbox, dir) => {
    const r = await runMain(
      ["check", ATTESTED, ...sandboxFlags(sandbox), "--format", "json", "--dir", `${dir}/w`],
      dir,
    );
    assert([0, 1].includes(r.code), `exit ${r.code}: ${r.stderr}`);
    assertStringIncludes(r.stderr, "repository trailofbits/pypi-attestations (from project_urls");
    assertStringIncludes(
      r.stderr,
      "publisher trailofbits/pypi-attestations release.yml (no environment) from the PEP 740 provenance of pypi_attestations-0.0.19.tar.gz",
    );
    const report = JSON.parse(r.stdout);
    assertEquals(report.sweeps.map((s: { job: string }) => s.job).sort(), [...JOBS].sort());
    assertEquals(report.inferred.repository.repo, "trailofbits/pypi-attestations");
    assertEquals(report.inferred.publisher, {
      repository: "trailofbits/pypi-attestations",
      workflow: "release.yml",
    });
    // The inferred publisher is what the provenance names: the real signature verifies against it.
    const provenance = report.findings.filter((f: { rule: string }) =>
      f.rule.startsWith("provenance/")
    );
    assertEquals(provenance, [], JSON.stringify(provenance));
    // The config it ran with is kept with --dir, and it is a config `audit` accepts.
    const toml = await Deno.readTextFile(`${dir}/w/auditor.toml`);
    assertStringIncludes(toml, 'github = "trailofbits/pypi-attestations"');
    assertStringIncludes(toml, 'workflow = "release.yml"');
    assert((await Deno.stat(`${dir}/w/ledger/entries.jsonl`)).size > 0);
  });
});

Deno.test("check: without provenance the publisher is left to review; sarif and a temporary folder", async () => {
  await withCheckSandbox(async (sandbox, dir) => {
    const r = await runMain(
      ["check", UNSIGNED, ...sandboxFlags(sandbox), "--format", "sarif"],
      dir,
    );
    assert([0, 1].includes(r.code), `exit ${r.code}: ${r.stderr}`);
    assertStringIncludes(r.stderr, "repository acme/acme-hardened");
    assertStringIncludes(
      r.stderr,
      "publisher not inferred: the newest release (1.1.0) has no PEP 740 provenance",
    );
    const sarif = JSON.parse(r.stdout);
    assertEquals(sarif.version, "2.1.0");
    const rules = sarif.runs[0].results.map((x: { ruleId: string }) => x.ruleId);
    assert(rules.includes("provenance/missing"), rules.join(", "));
    // The temporary working folder is gone.
    assertEquals([...Deno.readDirSync(`${dir}/out/check`)], []);
  });
});

Deno.test("check: no repository in the URLs, unknown project, missing --allow-net: one line, exit 2", async () => {
  await withCheckSandbox(async (sandbox, dir) => {
    const none = await runMain(["check", NO_REPO, ...sandboxFlags(sandbox)], dir);
    assertEquals(none.code, 2, none.stderr);
    assertEquals(none.stderr.trim().split("\n").length, 1, none.stderr);
    assertStringIncludes(
      none.stderr,
      `${NO_REPO}: its PyPI project URLs (project_urls, home_page) name no GitHub repository`,
    );
    assertEquals(none.stdout, "");
    const unknown = await runMain(["check", "no-such-project", ...sandboxFlags(sandbox)], dir);
    assertEquals(unknown.code, 2, unknown.stderr);
    assertStringIncludes(unknown.stderr, "no-such-project: no such project on");
    const denied = await runMain(["check", UNSIGNED], dir);
    assertEquals(denied.code, 2, denied.stderr);
    assertStringIncludes(
      denied.stderr,
      "network access to pypi.org, api.github.com, files.pythonhosted.org is not granted",
    );
    const outside = `${dir}-outside`;
    const noWrite = await runMain(
      ["check", UNSIGNED, ...sandboxFlags(sandbox), "--dir", outside],
      dir,
    );
    assertEquals(noWrite.code, 2, noWrite.stderr);
    assertEquals(
      noWrite.stderr.trim(),
      `error: --dir ${outside}: write access is not granted; run with --allow-write=${outside}`,
    );
    const usage = await runMain(["check"], dir);
    assertEquals(usage.code, 2);
    const bad = await runMain(["check", "../etc"], dir);
    assertEquals(bad.code, 2);
  });
});
