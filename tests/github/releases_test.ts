import { assert, assertEquals } from "../_assert.ts";
import { realdata } from "../_realdata.ts";
import {
  assetHosts,
  assetSha256,
  checksumFormat,
  ImmutableReleasesSchema,
  parseChecksumAsset,
  ReleaseSchema,
} from "../../src/github/releases.ts";

const A = "a".repeat(64);
const B = "B".repeat(64);
const EXAMPLES = "github-api/rest-api-description/examples";

Deno.test("releases: GitHub's documented release and immutable-releases examples validate", async () => {
  const release = ReleaseSchema.parse(
    JSON.parse(
      await Deno.readTextFile(
        realdata(`${EXAMPLES}/GET_repos_owner_repo_releases_tags_tag__200__release.json`),
      ),
    ),
  );
  assertEquals(release.tag_name, "v1.0.0");
  assertEquals(release.immutable, false);
  assertEquals(
    assetSha256(release.assets[0]),
    "2151b604e3429bff440b9fbc03eb3617bc2603cda96c95b9bb05277f9ddba255",
  );
  const setting = ImmutableReleasesSchema.parse(
    JSON.parse(
      await Deno.readTextFile(
        realdata(`${EXAMPLES}/GET_repos_owner_repo_immutable-releases__200__default.json`),
      ),
    ),
  );
  assertEquals(setting.enabled, true);
});

Deno.test("releases: asset digests other than sha256 are ignored", () => {
  assertEquals(assetSha256({ digest: `sha256:${B}` }), "b".repeat(64));
  assertEquals(assetSha256({ digest: `sha512:${A}` }), undefined);
  assertEquals(assetSha256({ digest: null }), undefined);
  assertEquals(assetSha256({ digest: "sha256:xyz" }), undefined);
});

Deno.test("releases: checksum asset names", () => {
  assertEquals(checksumFormat("SHA256SUMS"), "sha256sums");
  assertEquals(checksumFormat("sha256sums.txt"), "sha256sums");
  assertEquals(checksumFormat("acme-1.0-checksums.txt"), "sha256sums");
  assertEquals(checksumFormat("acme-1.0.tar.gz.sha256"), "sha256-file");
  assertEquals(checksumFormat("dist-manifest.json"), "dist-manifest");
  assertEquals(checksumFormat("acme-1.0.tar.gz"), undefined);
  assertEquals(checksumFormat("manifest.json"), undefined);
});

Deno.test("releases: SHA256SUMS in GNU, binary-mode and BSD forms; junk lines skipped", () => {
  const body = [
    `${A}  acme-1.0.tar.gz`,
    `${B} *dist/acme-1.0-py3-none-any.whl`,
    `SHA256 (acme-1.0.zip) = ${A}`,
    "not a checksum line",
    `${A.slice(1)}  short.tar.gz`,
    "",
  ].join("\r\n");
  assertEquals(parseChecksumAsset("SHA256SUMS", body), [
    { filename: "acme-1.0.tar.gz", sha256: A },
    { filename: "acme-1.0-py3-none-any.whl", sha256: "b".repeat(64) },
    { filename: "acme-1.0.zip", sha256: A },
  ]);
});

Deno.test("releases: a .sha256 file may hold the digest alone", () => {
  assertEquals(parseChecksumAsset("acme-1.0.tar.gz.sha256", `${A}\n`), [
    { filename: "acme-1.0.tar.gz", sha256: A },
  ]);
  assertEquals(parseChecksumAsset("acme-1.0.tar.gz.sha256", `${A}  other.tar.gz\n`), [
    { filename: "other.tar.gz", sha256: A },
  ]);
});

Deno.test("releases: dist-manifest.json (cargo-dist) checksums; malformed manifests yield nothing", () => {
  const manifest = {
    artifacts: {
      "acme-1.0.tar.gz": { name: "acme-1.0.tar.gz", kind: "source", checksums: { sha256: A } },
      "acme-installer.sh": { kind: "installer" },
      "bad": { checksums: { sha256: "nope" } },
    },
  };
  assertEquals(parseChecksumAsset("dist-manifest.json", JSON.stringify(manifest)), [
    { filename: "acme-1.0.tar.gz", sha256: A },
  ]);
  assertEquals(parseChecksumAsset("dist-manifest.json", "{not json"), []);
  assertEquals(parseChecksumAsset("dist-manifest.json", '{"artifacts": 3}'), []);
});

Deno.test("releases: a huge checksum file is bounded", () => {
  const line = `${A}  f.tar.gz\n`;
  const parsed = parseChecksumAsset("SHA256SUMS", line.repeat(50_000));
  assert(parsed.length <= 10_000, String(parsed.length));
});

Deno.test("releases: asset download hosts follow the API base URL", () => {
  assert(assetHosts("https://api.github.com").includes("objects.githubusercontent.com"));
  assertEquals(assetHosts("https://ghe.example.com/api/v3"), ["ghe.example.com"]);
  assertEquals(assetHosts("http://127.0.0.1:8123/github"), ["127.0.0.1:8123"]);
});

Deno.test("releases: a 404 from immutable-releases is 'off' only for an admin token, else not observable", async () => {
  const { createGitHubClient } = await import("../../src/github/client.ts");
  const { immutableReleasesSetting } = await import("../../src/github/releases.ts");
  let admin = true;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/repos/o/r") return Response.json({ id: 1, permissions: { admin } });
    if (path === "/repos/o/on/immutable-releases") return Response.json({ enabled: true });
    return Response.json({ message: "Not Found" }, { status: 404 });
  });
  const kv = await Deno.openKv(":memory:");
  try {
    const gh = createGitHubClient({
      baseUrl: `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}`,
      kv,
      userAgent: "test",
      timeoutMs: 2_000,
      maxResponseBytes: 1 << 20,
    });
    const off = await immutableReleasesSetting(gh, "o", "r");
    assert(off.ok && off.data.enabled === false, "an admin's 404 is the documented 'not enabled'");
    admin = false; // (the job passes what the repository said)
    const hidden = await immutableReleasesSetting(gh, "o", "r", false);
    assert(!hidden.ok && hidden.reason === "not-observable", "a non-admin's 404 proves nothing");
    const on = await immutableReleasesSetting(gh, "o", "on", false);
    assert(on.ok && on.data.enabled === true);
  } finally {
    kv.close();
    await server.shutdown();
  }
});
