import { assertEquals } from "../_assert.ts";
import { SOURCE_COMMIT_MISMATCH, TAG_MOVED, TAG_RULES, TAG_RULESET } from "../../rules/tags.ts";
import { runRules } from "../../rules/types.ts";
import { ruleTable } from "./_rule_table.ts";
import type { ReleasesData } from "../../src/observations/releases.ts";
import type { FileProvenance } from "../../src/sigstore/file_provenance.ts";

const A = "a".repeat(40);
const B = "b".repeat(40);

function data(tagSha: string, pinned?: string, attested?: string, problems = 0): ReleasesData {
  const provenance: FileProvenance[] = attested
    ? [{
      version: "1.0",
      filename: "x-1.0.tar.gz",
      sha256: "f".repeat(64),
      pep740: {
        filename: "x-1.0.tar.gz",
        sha256: "f".repeat(64),
        status: "verified",
        detail: "",
        problems: [],
        notes: [],
        attestations: [{
          signatureVerified: true,
          cached: false,
          notes: [],
          problems: Array.from(
            { length: problems },
            () => ({ kind: "wrong-identity", detail: "" }),
          ),
          identity: { sourceRepositoryDigest: attested },
        }],
      },
    }]
    : [];
  return {
    name: "x",
    defaultBranch: "main",
    files: [],
    provenance,
    versions: {
      "1.0": { version: "1.0", tag: "v1.0", source: {}, tagCommit: { sha: tagSha, treeSha: A } },
    },
    tagPins: pinned
      ? { "v1.0": { version: "1.0", tag: "v1.0", commit: pinned, index: 4, time: "t" } }
      : {},
  };
}

const ids = (d: ReleasesData) => runRules(TAG_RULESET, { data: d }).map((f) => f.rule);

Deno.test("tags: parity/tag-moved fires when the tag left its pinned commit, with before and after", () => {
  assertEquals(ids(data(A, A)), []);
  assertEquals(ids(data(A)), []);
  const [f] = runRules(TAG_RULESET, { data: data(B, A) });
  assertEquals(f.rule, TAG_MOVED.id);
  assertEquals(f.severity, "critical");
  assertEquals([f.evidence?.before, f.evidence?.after], [A, B]);
});

Deno.test("tags: provenance/source-commit-mismatch fires when a clean attestation names another commit", () => {
  assertEquals(ids(data(A, undefined, A)), []);
  assertEquals(ids(data(A, undefined, B)), [SOURCE_COMMIT_MISMATCH.id]);
  // An attestation with another problem (wrong signer) is judged by other rules.
  assertEquals(ids(data(A, undefined, B, 1)), []);
});

Deno.test("tags: both rules are sticky", () => {
  assertEquals(TAG_RULES.map((r) => [r.id, r.sticky]), [
    ["parity/tag-moved", true],
    ["provenance/source-commit-mismatch", true],
  ]);
});

ruleTable("tags", TAG_RULESET, {
  "parity/tag-moved": { fires: { data: data(B, A) }, clean: { data: data(A, A) } },
  "provenance/source-commit-mismatch": {
    fires: { data: data(A, undefined, B) },
    clean: { data: data(A, undefined, A) },
  },
});
