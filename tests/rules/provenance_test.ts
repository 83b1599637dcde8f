import { deepStrictEqual as assertEquals, ok as assert } from "node:assert";
import { realdata } from "../_realdata.ts";
import { ProjectSchema } from "../../src/config.ts";
import { FindingSchema } from "../../rules/types.ts";
import {
  evaluateProvenance,
  fileScope,
  PROVENANCE_RULES,
  PROVENANCE_RULESET,
  type ProvenanceInput,
  unobservableProvenance,
} from "../../rules/provenance.ts";
import { ruleTable } from "./_rule_table.ts";
import { verifyPep740 } from "../../src/sigstore/pep740.ts";
import { verifyGithubAttestations } from "../../src/sigstore/github_attestation.ts";
import { loadTrustRoot, publicGoodTrustRoot } from "../../src/sigstore/trusted_root.ts";
import { sha256Hex } from "../../src/sigstore/verify_bundle.ts";
import type { FileProvenance } from "../../src/sigstore/file_provenance.ts";

const SDIST = "pep740/pypi-attestations/pypi_attestations-0.0.19.tar.gz";
const json = async (p: string) => JSON.parse(await Deno.readTextFile(realdata(p)));
const project = (extra: Record<string, unknown> = {}) =>
  ProjectSchema.parse({
    name: "pypi-attestations",
    github: "trailofbits/pypi-attestations",
    publisher: { repository: "trailofbits/pypi-attestations", workflow: "release.yml" },
    ...extra,
  });

async function observed(publisher = project().publisher!): Promise<FileProvenance> {
  const bytes = await Deno.readFile(realdata(SDIST));
  const target = { filename: "pypi_attestations-0.0.19.tar.gz", sha256: await sha256Hex(bytes) };
  return {
    version: "0.0.19",
    ...target,
    url: "https://pypi.org/project/pypi-attestations/0.0.19/",
    pep740: await verifyPep740(target, await json(`${SDIST}.provenance`), { publisher }),
  };
}

Deno.test("rules: catalog metadata is complete and unique", () => {
  const ids = PROVENANCE_RULES.map((r) => r.id);
  assertEquals(new Set(ids).size, ids.length);
  for (const rule of PROVENANCE_RULES) {
    assertEquals(rule.job, "releases");
    assert(/^(provenance|attestation)\/[a-z-]+$/.test(rule.id));
    assert(rule.title && rule.control && rule.remediation);
  }
});

Deno.test("rules: the verified real release yields no finding", async () => {
  assertEquals(evaluateProvenance([await observed()], project()), []);
});

Deno.test("rules: missing provenance is high, unless the policy does not require it", async () => {
  const file = await observed();
  const missing: FileProvenance = {
    ...file,
    pep740: await verifyPep740(file, undefined, { publisher: project().publisher! }),
  };
  const [f] = evaluateProvenance([missing], project());
  assertEquals(f.rule, "provenance/missing");
  assertEquals(f.severity, "high");
  assertEquals(f.subject, "pypi_attestations-0.0.19.tar.gz");
  assertEquals(f.scope, fileScope(file.sha256));
  FindingSchema.parse(f);
  assertEquals(
    evaluateProvenance([missing], project({ policy: { require_provenance: false } })),
    [],
  );
});

Deno.test("rules: environment, workflow and identity problems map to their rules", async () => {
  const p = project({
    publisher: {
      repository: "trailofbits/pypi-attestations",
      workflow: "release.yml",
      environment: "pypi",
    },
  });
  const env = evaluateProvenance([await observed(p.publisher!)], p);
  assertEquals(env.map((f) => [f.rule, f.severity]), [[
    "provenance/missing-environment",
    "medium",
  ]]);
  assert(
    (env[0].evidence?.notes as string[]).some((n) => n.includes("publisher object")),
    "the evidence explains where the environment check came from",
  );
  const wf = { repository: "trailofbits/pypi-attestations", workflow: "publish.yml" };
  const wrong = evaluateProvenance([await observed(wf)], project({ publisher: wf }));
  assertEquals(wrong.map((f) => f.rule), ["provenance/wrong-workflow"]);
  assertEquals((wrong[0].evidence?.problems as string[]).length, 2);
  const other = { repository: "evil/pypi-attestations", workflow: "release.yml" };
  const identity = evaluateProvenance([await observed(other)], project({ publisher: other }));
  assertEquals(identity.map((f) => [f.rule, f.severity]), [[
    "provenance/wrong-identity",
    "critical",
  ]]);
});

Deno.test("rules: per-project overrides disable or re-grade a rule", async () => {
  const p = project({
    publisher: {
      repository: "trailofbits/pypi-attestations",
      workflow: "release.yml",
      environment: "pypi",
    },
    rules: { "provenance/missing-environment": { severity: "low" } },
  });
  assertEquals(evaluateProvenance([await observed(p.publisher!)], p)[0].severity, "low");
  const off = project({
    publisher: p.publisher,
    rules: { "provenance/missing-environment": { enabled: false } },
  });
  assertEquals(evaluateProvenance([await observed(p.publisher!)], off), []);
});

Deno.test("rules: GitHub attestation verdicts (missing, invalid, wrong signer)", async () => {
  const whl = "github-attestations/cli-cli/github_provenance_demo-0.0.12-py3-none-any.whl";
  const target = {
    filename: whl.split("/").at(-1)!,
    sha256: await sha256Hex(await Deno.readFile(realdata(whl))),
  };
  const roots = [
    publicGoodTrustRoot(),
    await loadTrustRoot(
      realdata("github-attestations/attestation-verify/trusted-root-github.json"),
      "github",
    ),
  ];
  const bundles = (await Deno.readTextFile(realdata(whl.replace(".whl", "-bundle.jsonl"))))
    .trim().split("\n").map((l) => JSON.parse(l));
  const p = project({ policy: { require_github_attestation: true, require_provenance: false } });
  const judge = (result: FileProvenance["githubAttestation"]) =>
    evaluateProvenance([{ ...target, githubAttestation: result }], p).map((
      f,
    ) => [f.rule, f.severity]);
  assertEquals(
    judge(verifyGithubAttestations(target, [], { repository: "actions/attest-demo", roots })),
    [[
      "attestation/missing",
      "medium",
    ]],
  );
  assertEquals(
    evaluateProvenance([{
      ...target,
      githubAttestation: verifyGithubAttestations(target, [], {
        repository: "actions/attest-demo",
        roots,
      }),
    }], project()),
    [],
    "not required by default",
  );
  assertEquals(
    judge(verifyGithubAttestations(target, bundles, { repository: "actions/attest-demo", roots })),
    [["attestation/wrong-signer", "high"]],
    "signed on refs/heads/main, not a tag",
  );
  assertEquals(
    judge(verifyGithubAttestations(target, bundles, {
      repository: "actions/attest-demo",
      roots: [publicGoodTrustRoot()],
    })),
    [["attestation/invalid", "high"]],
  );
  assertEquals(
    judge(verifyGithubAttestations(target, bundles, {
      repository: "actions/attest-demo",
      refPattern: /^refs\/heads\/main$/,
      roots,
    })),
    [],
  );
});

Deno.test("rules: errors are not judged but reported as not observable", async () => {
  const file = await observed();
  const broken: FileProvenance = {
    ...file,
    pep740: {
      ...file.pep740!,
      status: "error",
      problems: [{ kind: "error", detail: "verification failed: out of memory" }],
    },
  };
  assertEquals(evaluateProvenance([broken], project()), []);
  assertEquals(unobservableProvenance([broken]), [{
    scope: fileScope(file.sha256),
    reason: "pypi_attestations-0.0.19.tar.gz: verification failed: out of memory",
  }]);
  assertEquals(unobservableProvenance([file]), []);
});

type Publisher = NonNullable<ReturnType<typeof project>["publisher"]>;
const RELEASE_YML: Publisher = {
  repository: "trailofbits/pypi-attestations",
  workflow: "release.yml",
};

/** The parts of a PEP 740 provenance document the cases below edit. */
interface Provenance {
  attestation_bundles: {
    publisher: { environment: string | null };
    attestations: Record<string, unknown>[];
  }[];
}

/** The real sdist judged against its real provenance, edited by `edit` (a copy). */
async function pep740Case(
  publisher: Publisher,
  edit: (provenance: Provenance) => void = () => {},
  sha256?: string,
): Promise<ProvenanceInput> {
  const file = await observed(publisher);
  const provenance = await json(`${SDIST}.provenance`);
  edit(provenance);
  const target = { filename: file.filename, sha256: sha256 ?? file.sha256 };
  return {
    results: [{ ...file, pep740: await verifyPep740(target, provenance, { publisher }) }],
    project: project({ publisher }),
  };
}
const verified = () => pep740Case(RELEASE_YML);
const pep740Rule = (
  fires: () => Promise<ProvenanceInput>,
  clean: () => Promise<ProvenanceInput> = verified,
) =>
async () => ({ fires: await fires(), clean: await clean() });

/** The real GitHub attestation of a demo wheel (signed on refs/heads/main). */
async function attestationCase(
  bundles: "none" | "real",
  options: { refPattern?: RegExp; githubRoot?: boolean } = {},
): Promise<ProvenanceInput> {
  const whl = "github-attestations/cli-cli/github_provenance_demo-0.0.12-py3-none-any.whl";
  const target = {
    filename: whl.split("/").at(-1)!,
    sha256: await sha256Hex(await Deno.readFile(realdata(whl))),
  };
  const roots = [publicGoodTrustRoot()];
  if (options.githubRoot !== false) {
    roots.push(
      await loadTrustRoot(
        realdata("github-attestations/attestation-verify/trusted-root-github.json"),
        "github",
      ),
    );
  }
  const real = (await Deno.readTextFile(realdata(whl.replace(".whl", "-bundle.jsonl"))))
    .trim().split("\n").map((l) => JSON.parse(l));
  const result = verifyGithubAttestations(target, bundles === "none" ? [] : real, {
    repository: "actions/attest-demo",
    refPattern: options.refPattern,
    roots,
  });
  return {
    results: [{ ...target, githubAttestation: result }],
    project: project({ policy: { require_github_attestation: true, require_provenance: false } }),
  };
}
const attested = () => attestationCase("real", { refPattern: /^refs\/heads\/main$/ });

ruleTable("provenance", PROVENANCE_RULESET, {
  "provenance/missing": pep740Rule(async () => {
    const file = await observed();
    return {
      results: [{
        ...file,
        pep740: await verifyPep740(file, undefined, { publisher: RELEASE_YML }),
      }],
      project: project(),
    };
  }),
  // One byte of the DSSE envelope's signature changed: the signature no longer verifies.
  "provenance/invalid-signature": pep740Rule(() =>
    pep740Case(RELEASE_YML, (p) => {
      const envelope = p.attestation_bundles[0].attestations[0].envelope as { signature: string };
      const sig = atob(envelope.signature);
      envelope.signature = btoa(
        sig.slice(0, 10) + String.fromCharCode(sig.charCodeAt(10) ^ 1) + sig.slice(11),
      );
    })
  ),
  // The signed statement names the real sdist; the file judged has another digest.
  "provenance/subject-mismatch": pep740Rule(() =>
    pep740Case(RELEASE_YML, () => {}, "0".repeat(64))
  ),
  "provenance/wrong-identity": pep740Rule(() =>
    pep740Case({ repository: "evil/pypi-attestations", workflow: "release.yml" })
  ),
  "provenance/wrong-workflow": pep740Rule(() =>
    pep740Case({ repository: "trailofbits/pypi-attestations", workflow: "publish.yml" })
  ),
  // PyPI's publisher object (outside the signed statement) names another environment.
  "provenance/wrong-environment": pep740Rule(() =>
    pep740Case({ ...RELEASE_YML, environment: "pypi" }, (p) => {
      p.attestation_bundles[0].publisher.environment = "staging";
    })
  ),
  "provenance/missing-environment": pep740Rule(() =>
    pep740Case({ ...RELEASE_YML, environment: "pypi" })
  ),
  // An attestation that is not a PEP 740 attestation object cannot be verified at all.
  "provenance/unverifiable": pep740Rule(() =>
    pep740Case(RELEASE_YML, (p) => {
      p.attestation_bundles[0].attestations[0] = { version: 1, envelope: "not an envelope" };
    })
  ),
  "attestation/missing": async () => ({
    fires: await attestationCase("none"),
    clean: await attested(),
  }),
  // The GitHub trust root left out: GitHub's own Fulcio chain does not verify.
  "attestation/invalid": async () => ({
    fires: await attestationCase("real", { githubRoot: false, refPattern: /^refs\/heads\/main$/ }),
    clean: await attested(),
  }),
  // Signed on refs/heads/main, not a release tag.
  "attestation/wrong-signer": async () => ({
    fires: await attestationCase("real"),
    clean: await attested(),
  }),
});
