/**
 * The sandbox that `check` and `init` are tested against: a project with real PEP 740
 * provenance (the pypi-attestations 0.0.19 sdist and its Integrity API response), one without
 * provenance, and one whose project URLs name no repository. Plus a child-process runner.
 *
 * @module
 */
import { DENO } from "../_deno.ts";
import { realdata } from "../_realdata.ts";
import { hardenedProject, scenarioOf } from "../../src/sandbox/scenarios.ts";
import type { SandboxProject, Scenario } from "../../src/sandbox/scenario.ts";
import { type Sandbox, startSandbox } from "../../src/sandbox/server.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** The project with real provenance (trailofbits/pypi-attestations, release.yml, no environment). */
export const ATTESTED = "pypi-attestations";
/** A project without provenance (acme/acme-hardened). */
export const UNSIGNED = "acme-hardened";
/** A project whose URLs name no repository. */
export const NO_REPO = "acme-nourls";

async function attestedProject(): Promise<SandboxProject> {
  const dir = realdata("pep740/pypi-attestations");
  const filename = "pypi_attestations-0.0.19.tar.gz";
  return {
    name: ATTESTED,
    summary: "PEP 740 attestations (real release)",
    ownership: { organization: "trailofbits", roles: [{ role: "Owner", user: "woodruffw" }] },
    github: "trailofbits/pypi-attestations",
    // The commit the real provenance names, so the tag and the provenance agree.
    tagCommits: { "0.0.19": "08802efe1f8e5fec4ad842d6b8ce97656092ee72" },
    releases: [{
      version: "0.0.19",
      files: [{
        filename,
        bytes: await Deno.readFile(`${dir}/${filename}`),
        uploadTime: "2024-12-05T18:00:00Z",
        provenance: JSON.parse(await Deno.readTextFile(`${dir}/${filename}.provenance`)),
      }],
    }],
    config: {},
  };
}

/** The scenario of the `check` and `init` tests. */
export async function checkScenario(): Promise<Scenario> {
  const noRepo = await hardenedProject(NO_REPO);
  delete noRepo.github;
  return scenarioOf("check", "check and init", [
    { project: await attestedProject(), hardened: true },
    { project: await hardenedProject(UNSIGNED), hardened: true },
    { project: noRepo, hardened: true },
  ]);
}

/** Start the sandbox of {@link checkScenario}. */
export async function startCheckSandbox(): Promise<Sandbox> {
  return await startSandbox(await checkScenario());
}

/** Run `fn` with the check sandbox and a temporary folder, both cleaned up afterwards. */
export async function withCheckSandbox(
  fn: (sandbox: Sandbox, dir: string) => Promise<void>,
): Promise<void> {
  const sandbox = await startCheckSandbox();
  const dir = await Deno.makeTempDir({ prefix: "check-init-test-" });
  try {
    await fn(sandbox, dir);
  } finally {
    await sandbox.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** The result of a child `main.ts` run. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a child command to its end and decode its output. */
export async function outputOf(command: Deno.Command): Promise<Run> {
  const out = await command.output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

/** Run `main.ts ARGS` in a child with narrow flags: net 127.0.0.1, writes only under `dir`. */
export function runMain(args: string[], dir: string, net = "127.0.0.1"): Promise<Run> {
  return outputOf(
    new Deno.Command(DENO, {
      args: [
        "run",
        "--quiet",
        "--no-prompt",
        `--allow-net=${net}`,
        "--allow-read",
        `--allow-write=${dir}`,
        "--allow-env=GITHUB_TOKEN,LEDGER_SIGNING_KEY",
        "--ignore-env=LOG_TOKENS,LOG_STREAM",
        MAIN,
        ...args,
      ],
      cwd: dir,
      env: { NO_COLOR: "1", GITHUB_TOKEN: "sandbox-token" },
      stdin: "null",
    }),
  );
}

/** `--pypi` and `--github-api` pointing at a sandbox. */
export function sandboxFlags(sandbox: Sandbox): string[] {
  return ["--pypi", sandbox.pypiUrl, "--github-api", sandbox.githubUrl];
}
