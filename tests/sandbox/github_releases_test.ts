import { assert, assertEquals } from "../_assert.ts";
import { realdata } from "../_realdata.ts";
import { githubReleaseRoutes } from "../../src/sandbox/github_releases.ts";
import { gitBlobSha1 } from "../../src/sandbox/artifacts.ts";
import { compromisedProject, hardenedProject } from "../../src/sandbox/scenarios.ts";
import {
  CommitSchema,
  CompareSchema,
  ImmutableReleasesSchema,
  ReleaseSchema,
  TreeSchema,
} from "../../src/github/releases.ts";

const URLS = { githubUrl: "http://127.0.0.1:9/github", pypiUrl: "http://127.0.0.1:9" };

Deno.test("sandbox releases: git blob ids are git's", () => {
  assertEquals(gitBlobSha1(new Uint8Array()), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
  assertEquals(
    gitBlobSha1(new TextEncoder().encode("hello\n")),
    "ce013625030ba8dba906f756967f9e9ca394464a",
  );
});

Deno.test("sandbox releases: responses have GitHub's documented shapes", async () => {
  const example = JSON.parse(
    await Deno.readTextFile(
      realdata(
        "github-api/rest-api-description/examples/GET_repos_owner_repo_releases_tags_tag__200__release.json",
      ),
    ),
  );
  const routes = await githubReleaseRoutes(await hardenedProject(), { hardened: true, ...URLS });
  const repo = "/repos/acme/acme-hardened";
  const release = routes.get(`${repo}/releases/tags/v1.1.0`) as Record<string, unknown>;
  ReleaseSchema.parse(release);
  const keys = (o: object) => Object.keys(o).sort();
  for (const key of keys(example)) {
    if (key === "discussion_url") continue;
    assert(key in release, `release lacks ${key}`);
  }
  const asset = (release.assets as Record<string, unknown>[])[0];
  for (const key of keys(example.assets[0])) assert(key in asset, `asset lacks ${key}`);
  ImmutableReleasesSchema.parse(routes.get(`${repo}/immutable-releases`));
  const commit = CommitSchema.parse(routes.get(`${repo}/commits/v1.1.0`));
  const tree = TreeSchema.parse(routes.get(`${repo}/git/trees/${commit.commit.tree.sha}`));
  assert(tree.tree.some((e) => e.path === "acme_hardened/__init__.py" && e.type === "blob"));
  assert(!tree.tree.some((e) => e.path === "PKG-INFO"), "generated files are not in the tree");
  assertEquals(CompareSchema.parse(routes.get(`${repo}/compare/main...v1.0.0`)).status, "behind");
  assertEquals(
    CompareSchema.parse(routes.get(`${repo}/compare/main...v1.1.0`)).status,
    "identical",
  );
});

Deno.test("sandbox releases: the hijacked variant has no tag for its newest version", async () => {
  const routes = await githubReleaseRoutes(await compromisedProject(), {
    hardened: false,
    ...URLS,
  });
  const repo = "/repos/acme-labs/acme-compromised";
  assert(!routes.has(`${repo}/commits/v2.0.1`));
  assert(!routes.has(`${repo}/releases/tags/v2.0.1`));
  assertEquals((routes.get(`${repo}/immutable-releases`) as { enabled: boolean }).enabled, false);
  const release = ReleaseSchema.parse(routes.get(`${repo}/releases/tags/v2.0.0`));
  assertEquals(release.immutable, false);
  assert(release.assets.some((a) => a.name === "install.sh"));
});
