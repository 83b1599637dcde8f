import { assertEquals } from "../_assert.ts";
import {
  dormancyRules,
  evaluateRelease,
  pinRules,
  RELEASE_RULESET,
  type ReleaseInput,
  shapeRules,
} from "../../rules/release.ts";
import { ruleTable } from "./_rule_table.ts";
import { parseConfig } from "../../src/config.ts";
import type { PypiData, PypiFile } from "../../src/observations/pypi.ts";

const policy = parseConfig('[[project]]\nname = "x"\n').project[0].policy;

function file(
  version: string,
  filename: string,
  sha: string,
  uploadTime: string,
  extra: Partial<PypiFile> = {},
): PypiFile {
  return {
    version,
    filename,
    packagetype: filename.endsWith(".whl") ? "wheel" : "sdist",
    sha256: sha.repeat(64 / sha.length),
    url: `https://files.example/${filename}`,
    uploadTime,
    yanked: false,
    ...extra,
  };
}

const files = [
  file("0.1.2", "ctx-0.1.2.tar.gz", "a", "2014-12-01T00:00:00Z"),
  file("0.1.2", "ctx-0.1.2-py3-none-any.whl", "b", "2014-12-01T00:00:00Z"),
  file("0.2.6", "ctx-0.2.6.tar.gz", "c", "2022-05-21T00:00:00Z"),
];
const data: PypiData = { name: "ctx", files, pins: {}, content: {}, pyproject: {} };

Deno.test("a release after years of dormancy is flagged (ctx 0.1.2 -> 0.2.6)", () => {
  const out = dormancyRules(data, policy);
  assertEquals(out.map((f) => [f.rule, f.severity, f.subject]), [[
    "release/after-dormancy",
    "high",
    "ctx==0.2.6",
  ]]);
  assertEquals(out[0].evidence?.observed, 2728);
  assertEquals(dormancyRules(data, { ...policy, dormancy_days: 3000 }), []);
});

Deno.test("missing wheel and yanked releases follow the policy", () => {
  const yanked = {
    ...data,
    files: [
      ...files,
      file("0.2.7", "ctx-0.2.7.tar.gz", "d", "2022-05-22T00:00:00Z", {
        yanked: true,
        yankedReason: "oops",
      }),
    ],
  };
  const out = shapeRules(yanked, policy).map((f) => `${f.rule} ${f.subject}`);
  assertEquals(out, [
    "release/missing-wheel ctx==0.2.6",
    "release/missing-wheel ctx==0.2.7",
    "release/yanked ctx==0.2.7",
  ]);
  assertEquals(shapeRules(yanked, { ...policy, require_wheel: false }).length, 1);
});

Deno.test("pins: changed digest is critical, removals and late files are reported", () => {
  const pins = {
    "ctx-0.1.2.tar.gz": {
      version: "0.1.2",
      filename: "ctx-0.1.2.tar.gz",
      sha256: "f".repeat(64),
      index: 1,
      late: false,
    },
    "ctx-0.1.1.tar.gz": {
      version: "0.1.1",
      filename: "ctx-0.1.1.tar.gz",
      sha256: "e".repeat(64),
      index: 0,
      late: false,
    },
    "ctx-0.2.6.tar.gz": {
      version: "0.2.6",
      filename: "ctx-0.2.6.tar.gz",
      sha256: "c".repeat(64),
      index: 2,
      late: true,
    },
  };
  const out = pinRules({ ...data, pins }).map((f) => [f.rule, f.severity, f.subject]);
  assertEquals(out, [
    ["release/digest-changed", "critical", "ctx-0.1.2.tar.gz"],
    ["release/file-added-later", "high", "ctx-0.2.6.tar.gz"],
    ["release/file-removed", "medium", "ctx-0.1.1.tar.gz"],
  ]);
});

Deno.test("a regular, complete release history raises nothing", () => {
  const clean: PypiData = {
    name: "acme",
    files: [
      file("1.0", "acme-1.0.tar.gz", "1", "2026-01-01T00:00:00Z"),
      file("1.0", "acme-1.0-py3-none-any.whl", "2", "2026-01-01T00:00:00Z"),
      file("1.1", "acme-1.1.tar.gz", "3", "2026-06-01T00:00:00Z"),
      file("1.1", "acme-1.1-py3-none-any.whl", "4", "2026-06-01T00:00:00Z"),
    ],
    pins: {},
    content: {},
    pyproject: {},
  };
  assertEquals(evaluateRelease(clean, policy), []);
});

/** A regular release history (sdist and wheel each, six months apart). */
const regular: PypiData = {
  name: "acme",
  files: [
    file("1.0", "acme-1.0.tar.gz", "1", "2026-01-01T00:00:00Z"),
    file("1.0", "acme-1.0-py3-none-any.whl", "2", "2026-01-01T00:00:00Z"),
    file("1.1", "acme-1.1.tar.gz", "3", "2026-06-01T00:00:00Z"),
    file("1.1", "acme-1.1-py3-none-any.whl", "4", "2026-06-01T00:00:00Z"),
  ],
  pins: {},
  content: {},
  pyproject: {},
};
const releaseCase = (over: Partial<PypiData> = {}, p = policy): ReleaseInput => ({
  data: { ...regular, ...over },
  policy: p,
});
const pin = (filename: string, sha: string, late = false) => ({
  [filename]: { version: "1.0", filename, sha256: sha.repeat(64), index: 1, late },
});

ruleTable("release", RELEASE_RULESET, {
  "release/digest-changed": {
    fires: releaseCase({ pins: pin("acme-1.0.tar.gz", "f") }),
    clean: releaseCase({ pins: pin("acme-1.0.tar.gz", "1") }),
  },
  "release/download-digest-mismatch": {
    fires: releaseCase({
      content: {
        ["1".repeat(64)]: {
          ok: false,
          filename: "acme-1.0.tar.gz",
          reason: "digest-mismatch",
          detail: "e".repeat(64),
        },
      },
    }),
    clean: releaseCase({
      content: {
        ["1".repeat(64)]: {
          ok: false,
          filename: "acme-1.0.tar.gz",
          reason: "too-large",
          detail: "over the size cap",
        },
      },
    }),
    check: (fs) => assertEquals(fs[0].scope, `file:${"1".repeat(64)}`),
  },
  "release/file-added-later": {
    fires: releaseCase({ pins: pin("acme-1.0.tar.gz", "1", true) }),
    clean: releaseCase({ pins: pin("acme-1.0.tar.gz", "1", false) }),
  },
  "release/file-removed": {
    fires: releaseCase({ pins: pin("acme-0.9.tar.gz", "9") }),
    clean: releaseCase({ pins: pin("acme-1.0.tar.gz", "1") }),
  },
  "release/missing-sdist": {
    fires: releaseCase({ files: regular.files.filter((f) => f.packagetype === "wheel") }),
    clean: releaseCase(),
  },
  "release/missing-wheel": {
    fires: releaseCase({ files: regular.files.filter((f) => f.packagetype === "sdist") }),
    clean: releaseCase({ files: regular.files.filter((f) => f.packagetype === "sdist") }, {
      ...policy,
      require_wheel: false,
    }),
  },
  "release/yanked": {
    fires: releaseCase({
      files: [
        ...regular.files,
        file("1.2", "acme-1.2.tar.gz", "5", "2026-07-01T00:00:00Z", {
          yanked: true,
        }),
      ],
    }),
    clean: releaseCase(),
  },
  "release/after-dormancy": {
    fires: releaseCase({ files: data.files, name: "ctx" }),
    clean: releaseCase(),
  },
});
