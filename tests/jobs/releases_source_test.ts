import { assert, assertEquals } from "../_assert.ts";
import {
  compareWithTree,
  isPureWheel,
  type MemberListing,
  parseIni,
  setupCfgEquivalent,
  stripTop,
} from "../../jobs/releases_source.ts";
import { buildSdist } from "../../src/sandbox/artifacts.ts";
import { gitBlobSha1 } from "../../src/sandbox/artifacts.ts";
import { inspectArtifact, limitsFromPolicy } from "../../src/inspect/mod.ts";
import { PolicySchema } from "../../src/config.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const blob = (s: string) => gitBlobSha1(enc(s));
const file = { filename: "acme-1.0.tar.gz", sha256: "a".repeat(64) };

function tree(files: Record<string, string>, extra: Record<string, unknown>[] = []) {
  return {
    sha: "f".repeat(40),
    tree: [
      ...Object.entries(files).map(([path, content]) => ({
        path,
        mode: "100644",
        type: "blob" as const,
        sha: blob(content),
      })),
      ...extra as { path: string; mode: string; type: "blob" | "tree" | "commit"; sha: string }[],
    ],
  };
}

Deno.test("source: an sdist compared by path and blob id", () => {
  const listing: MemberListing = {
    kind: "sdist",
    truncated: false,
    members: [
      ["PKG-INFO", 10, blob("meta")],
      ["src/acme/__init__.py", 2, blob("x\n")],
      ["src/acme/core.py", 5, blob("new\n")],
      ["src/acme/extra.py", 5, blob("evil\n")],
      ["vendor/lib/a.py", 1, blob("a")],
      ["link.py", 1, blob("b")],
      ["big.bin", 9, null],
    ],
  };
  const t = tree({ "src/acme/__init__.py": "x\n", "src/acme/core.py": "old\n", "README.md": "r" }, [
    { path: "vendor/lib", mode: "160000", type: "commit", sha: "e".repeat(40) },
    { path: "link.py", mode: "120000", type: "blob", sha: "d".repeat(40) },
  ]);
  const c = compareWithTree(file, listing, t);
  assertEquals(c.compared, 6);
  assertEquals(c.matched, 1);
  assertEquals(c.notInTag.map((e) => e.path), ["PKG-INFO", "src/acme/extra.py"]);
  assertEquals(c.differs.map((e) => [e.path, e.tagSha1]), [["src/acme/core.py", blob("old\n")]]);
  assertEquals(c.uncomparable.map((e) => e.path).sort(), ["big.bin", "link.py", "vendor/lib/a.py"]);
});

Deno.test("source: a wheel's .py files must be blobs at the tag, wherever they live", () => {
  const listing: MemberListing = {
    kind: "wheel",
    truncated: false,
    members: [
      ["acme/__init__.py", 2, blob("x\n")],
      ["acme/utils/downloads.py", 5, blob("evil\n")],
      ["acme/core.py", 5, blob("changed\n")],
      ["acme-1.0.dist-info/RECORD", 5, blob("rec")],
    ],
  };
  const t = tree({
    "src/acme/__init__.py": "x\n",
    "src/acme/core.py": "orig\n",
    "src/acme/utils/other.py": "o",
  });
  const c = compareWithTree({ ...file, filename: "acme-1.0-py3-none-any.whl" }, listing, t);
  assertEquals(c.compared, 3);
  assertEquals(c.matched, 1);
  assertEquals(c.notInTag.map((e) => e.path), ["acme/utils/downloads.py"]);
  assertEquals(c.differs.map((e) => e.path), ["acme/core.py"]);
});

Deno.test("source: listed paths are capped, counts are not", () => {
  const members: MemberListing["members"] = Array.from(
    { length: 500 },
    (_, i) => [`f${i}.py`, 1, blob(String(i))],
  );
  const c = compareWithTree(file, { kind: "sdist", truncated: false, members }, tree({}));
  assertEquals(c.notInTagCount, 500);
  assertEquals(c.notInTag.length, 200);
});

Deno.test("source: helpers", () => {
  assertEquals(stripTop("acme-1.0/src/a.py"), "src/a.py");
  assertEquals(stripTop("./acme-1.0/PKG-INFO"), "PKG-INFO");
  assert(isPureWheel("acme-1.0-py3-none-any.whl"));
  assert(!isPureWheel("acme-1.0-cp312-cp312-manylinux_2_17_x86_64.whl"));
});

Deno.test("source: setup.cfg parsed as configparser does", () => {
  const doc = parseIni(
    "# c\n[metadata]\nname = acme\nclassifiers =\n  A\n  B\n[options]\nzip_safe: false\n",
  );
  assertEquals(doc?.get("metadata")?.get("classifiers"), "A\nB");
  assertEquals(doc?.get("options")?.get("zip_safe"), "false");
  assertEquals(parseIni("key = value outside a section\n"), undefined);
});

Deno.test("source: setuptools' egg_info options are the only accepted difference", () => {
  const sdist = "[metadata]\nname = acme\n\n[egg_info]\ntag_build = \ntag_date = 0\n\n";
  assert(setupCfgEquivalent(sdist, "; comment\n[metadata]\nname=acme\n"));
  assert(setupCfgEquivalent("[egg_info]\ntag_build = \ntag_date = 0\n\n", undefined));
  assert(!setupCfgEquivalent(sdist, "[metadata]\nname = other\n"));
  assert(
    !setupCfgEquivalent(sdist + "[options]\nscripts = evil.sh\n", "[metadata]\nname = acme\n"),
  );
  assert(!setupCfgEquivalent("[egg_info]\ntag_build = \negg_base = /tmp\n", undefined));
  assert(!setupCfgEquivalent("garbage", undefined));
});

Deno.test("source: the inspection captures an sdist's top-level setup.cfg (one archive reader)", async () => {
  const bytes = await buildSdist({
    name: "acme",
    version: "1.0",
    files: { "setup.cfg": "[metadata]\nname = acme\n", "sub/setup.cfg": "[x]\n" },
  });
  const path = await Deno.makeTempFile({ suffix: ".tar.gz" });
  try {
    await Deno.writeFile(path, bytes);
    const limits = limitsFromPolicy(PolicySchema.parse({}));
    const inspection = await inspectArtifact(path, "acme-1.0.tar.gz", limits);
    assertEquals(inspection.members.setupCfg?.text, "[metadata]\nname = acme\n");
    assertEquals(inspection.members.setupCfg?.path, "acme-1.0/setup.cfg");
    await Deno.writeFile(path, enc("not gzip"));
    const broken = await inspectArtifact(path, "acme-1.0.tar.gz", limits);
    assertEquals(broken.members.setupCfg, undefined);
  } finally {
    await Deno.remove(path);
  }
});
