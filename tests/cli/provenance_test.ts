import { deepStrictEqual as assertEquals, ok as assert } from "node:assert";
import { realdata } from "../_realdata.ts";
import { runProvenance } from "../../src/cli/provenance.ts";

const PA = "pep740/pypi-attestations";
const SDIST = realdata(`${PA}/pypi_attestations-0.0.19.tar.gz`);
const TOB = ["--repository", "trailofbits/pypi-attestations", "--workflow", "release.yml"];

/** Run the command, capturing what it prints. */
async function run(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => void out.push(a.join(" "));
  console.error = (...a: unknown[]) => void err.push(a.join(" "));
  try {
    return { code: await runProvenance(args), out, err };
  } finally {
    console.log = log;
    console.error = error;
  }
}

Deno.test("cli: the real 0.0.19 sdist verifies from the Integrity API response", async () => {
  const r = await run([SDIST, "--provenance", `${SDIST}.provenance`, ...TOB]);
  assertEquals(r.code, 0, r.out.join("\n") + r.err.join("\n"));
  assertEquals(r.out.length, 1);
  assert(r.out[0].includes("verified") && r.out[0].includes("refs/tags/v0.0.19"), r.out[0]);
});

Deno.test("cli: a single attestation and a Sigstore bundle are detected", async () => {
  const att = await run([SDIST, "--provenance", `${SDIST}.slsa.attestation`, ...TOB]);
  assertEquals(att.code, 0, att.out.join());
  const models = realdata(`${PA}/pypi_attestation_models-0.0.4a2.tar.gz`);
  const bundle = await run([
    models,
    "--provenance",
    `${models}.sigstore`,
    "--repository",
    "trailofbits/pypi-attestation-models",
    "--workflow",
    "release.yml",
  ]);
  assertEquals(bundle.code, 0, bundle.out.join());
  // A message-signature bundle (sigstore-python's production bundle for a wheel).
  const whl = realdata("pep740/sigstore-python/bundle_v3_github.whl");
  const msg = await run([
    whl,
    "--provenance",
    `${whl}.sigstore`,
    "--repository",
    "trailofbits/rfc8785.py",
    "--workflow",
    "release.yml",
    "--json",
  ]);
  assertEquals(msg.code, 0, msg.out.join());
  assertEquals(JSON.parse(msg.out.join("\n")).status, "verified");
});

Deno.test("cli: not verified exits 1 with the reason on one line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "provenance-cli-" });
  try {
    const bytes = await Deno.readFile(SDIST);
    bytes[1000] ^= 0xff;
    const copy = `${dir}/pypi_attestations-0.0.19.tar.gz`;
    await Deno.writeFile(copy, bytes);
    const tampered = await run([copy, "--provenance", `${SDIST}.provenance`, ...TOB]);
    assertEquals(tampered.code, 1);
    assertEquals(tampered.out.length, 1);
    assert(tampered.out[0].includes("subject-mismatch"), tampered.out[0]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const repo = await run([
    SDIST,
    "--provenance",
    `${SDIST}.provenance`,
    "--repository",
    "someone/else",
    "--workflow",
    "release.yml",
  ]);
  assertEquals(repo.code, 1);
  assert(repo.out[0].includes("wrong-identity"));
  const env = await run([
    SDIST,
    "--provenance",
    `${SDIST}.provenance`,
    ...TOB,
    "--environment",
    "pypi",
  ]);
  assertEquals(env.code, 1);
  assert(env.out[0].includes("missing-environment"));
  const gitlab = realdata(`${PA}/gitlab_oidc_project-0.0.3.tar.gz`);
  const gl = await run([
    gitlab,
    "--provenance",
    `${gitlab}.publish.attestation`,
    "--repository",
    "facutuesca/gitlab-oidc-project",
    "--workflow",
    "release.yml",
  ]);
  assertEquals(gl.code, 1);
  assert(gl.out[0].includes("wrong-identity"));
});

Deno.test("cli: usage errors exit 2 with one line on stderr", async () => {
  const cases: string[][] = [
    [],
    [SDIST, ...TOB],
    [
      SDIST,
      "--provenance",
      `${SDIST}.provenance`,
      "--repository",
      "not a repo",
      "--workflow",
      "release.yml",
    ],
    [SDIST, "--provenance", `${SDIST}.provenance`, ...TOB, "--bogus"],
    [SDIST, "--provenance", `${SDIST}.provenance`, ...TOB, "--ref-pattern", "(("],
    ["/nonexistent/file.tar.gz", "--provenance", `${SDIST}.provenance`, ...TOB],
    [SDIST, "--provenance", SDIST, ...TOB], // not JSON
    [SDIST, "--provenance", `${SDIST}.provenance`, ...TOB, "--trusted-root", "/nonexistent.json"],
  ];
  for (const args of cases) {
    const r = await run(args);
    assertEquals(r.code, 2, args.join(" "));
    assertEquals(r.err.length, 1, args.join(" "));
    assert(!r.err[0].includes("\n") && !r.err[0].includes("    at "), r.err[0]);
  }
  const help = await run(["--help"]);
  assertEquals(help.code, 0);
  assert(help.out[0].includes("--provenance"));
});

Deno.test("cli: a configured trusted root replaces the embedded one", async () => {
  const staging = realdata("pep740/sigstore-python/staging_trusted_root.json");
  const r = await run([
    SDIST,
    "--provenance",
    `${SDIST}.provenance`,
    ...TOB,
    "--trusted-root",
    staging,
  ]);
  assertEquals(r.code, 1);
  assert(r.out[0].includes("invalid-signature"), r.out[0]);
  const prod = realdata("pep740/sigstore-python/prod_trusted_root.json");
  assertEquals(
    (await run([SDIST, "--provenance", `${SDIST}.provenance`, ...TOB, "--trusted-root", prod]))
      .code,
    0,
  );
});
