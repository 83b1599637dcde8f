/**
 * Incident replay: the observable signals of real compromised or malicious PyPI releases
 * (facts from realdata `incidents/INCIDENTS.md`), rebuilt as sandbox scenarios with inert
 * content in place of every payload: a `.pth` that does nothing, a comment where code was
 * injected, an ELF header followed by zeros, a WAV file of silence.
 *
 * Every incident lists its facts, the rules it must raise, what the sandbox cannot show, and
 * its projects with their auditor configuration. Projects follow the hardening plan
 * (publisher, allow lists, hardened GitHub posture) unless the incident says otherwise, so the
 * findings are the incident's own.
 *
 * A sandbox cannot produce Sigstore signatures. Clean releases that stand for releases
 * published through trusted publishing carry a subject-scoped waiver of `provenance/missing`
 * saying so (visible as `finding.waived` in the ledger); the incident's own files carry none,
 * so a token upload raises `provenance/missing`. The control is the real pypi-attestations
 * 0.0.19 sdist with its real PEP 740 provenance, which verifies.
 *
 * Two incidents need a baseline sweep before the incident (`baseline`): the first sweep sees
 * the project before the incident, {@link IncidentScenario.advance} then publishes it.
 *
 * @example
 * ```ts
 * const scenario = await incidentScenario("litellm");
 * const sandbox = await startSandbox(scenario);
 * // sweep, then:
 * await scenario.advance();
 * ```
 * @module
 */
import type { SandboxFile, SandboxProject, SandboxRelease, Scenario } from "./scenario.ts";
import { listedDigest, sandboxTag } from "./scenario.ts";
import { githubRoutes, hardenedProject, releaseFromTree, sourceTree } from "./scenarios.ts";
import { githubAccessAllow } from "./github_access.ts";
import { githubReleaseRoutes } from "./github_releases.ts";
import { readableTestdataDir } from "./testdata.ts";

/** Facts of a real incident, from realdata `incidents/INCIDENTS.md`. */
export interface IncidentFacts {
  /** When it happened (as the sources date it). */
  when: string;
  /** What happened, in one or two sentences. */
  what: string;
  /** How long the bad release stayed available, as the sources tell it. */
  exposure: string;
  /** Primary source. */
  source: string;
}

/** How a project's GitHub side deviates from a hardened repository that matches PyPI. */
export interface GithubSide {
  /** Versions uploaded without a tag or a GitHub release (token uploads). */
  untagged?: string[];
  /** Edit a version's tagged tree (path → bytes) before it is served. */
  editSources?: (version: string, files: Map<string, Uint8Array>) => void;
  /** Release asset digests (hex sha256) that differ from the PyPI file, by file name. */
  assetDigests?: Record<string, string>;
}

/** One project of an incident. */
export interface IncidentProject {
  /** The project once the incident's releases are out. */
  project: SandboxProject;
  /** The project as the baseline sweep sees it (before the incident), when one is needed. */
  baseline?: SandboxProject;
  /** The GitHub side (when `project.github` is set); hardened and matching by default. */
  github?: GithubSide;
}

/** One replayed incident. */
export interface Incident {
  /** Scenario name (`deno task demo --scenario NAME`). */
  name: string;
  /** Short title: project and versions. */
  title: string;
  facts: IncidentFacts;
  /** Rule ids that must fire (the signature); empty for the control. */
  expected: string[];
  /** What the scenario cannot show, said plainly. */
  limits: string;
  projects: IncidentProject[];
  /** The control: must raise nothing at all. */
  control?: boolean;
}

/** A scenario of incidents, with the step from the baseline to the incident. */
export interface IncidentScenario extends Scenario {
  incidents: Incident[];
  /** True once {@link IncidentScenario.advance} ran. */
  advanced: boolean;
  /** Publish the incidents' releases (swap baselines for the incident state); idempotent. */
  advance(): Promise<void>;
}

const INERT_PTH = "# inert stand-in for a start-up hook: does nothing\n";
const INERT_INJECTION = "\n# inert stand-in for code that was injected here: does nothing\n";
const NO_EXPIRY = "2099-12-31";
/** Why clean releases' provenance/missing findings are waived. */
export const SANDBOX_CANNOT_SIGN =
  "sandbox: this clean release stands for one published through trusted publishing; the sandbox cannot produce Sigstore signatures";

/** An ELF header (64-bit, little-endian, x86-64 executable) followed by zeros: inert. */
export function inertElf(size = 256): Uint8Array {
  const bytes = new Uint8Array(size);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
  bytes.set([2, 0, 0x3e, 0], 16);
  return bytes;
}

/** A RIFF/WAVE file of silence (8 kHz, 8-bit mono): inert. */
export function inertWav(samples = 800): Uint8Array {
  const bytes = new Uint8Array(44 + samples);
  const view = new DataView(bytes.buffer);
  const ascii = (at: number, text: string) =>
    [...text].forEach((c, i) => bytes[at + i] = c.charCodeAt(0));
  ascii(0, "RIFF");
  view.setUint32(4, 36 + samples, true);
  ascii(8, "WAVEfmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, 8000, true);
  view.setUint32(28, 8000, true);
  view.setUint16(32, 1, true);
  view.setUint16(34, 8, true);
  ascii(36, "data");
  view.setUint32(40, samples, true);
  bytes.fill(0x80, 44);
  return bytes;
}

function waivers(releases: SandboxRelease[], reason = SANDBOX_CANNOT_SIGN) {
  return releases.flatMap((r) =>
    r.files.map((f) => ({
      rule: "provenance/missing",
      subject: f.filename,
      reason,
      expires: NO_EXPIRY,
    }))
  );
}

/** Config of a project that follows the hardening plan (hardened GitHub side). */
function planConfig(github: string, maintainer: string, extra: Record<string, unknown> = {}) {
  const [owner, repo] = github.split("/");
  return {
    github,
    publisher: { repository: github, workflow: "release.yml", environment: "pypi" },
    allow: { maintainers: [maintainer], ...githubAccessAllow({ owner, repo, hardened: true }) },
    ...extra,
  };
}

/** A release built from a source tree (sdist = tree, wheel = package files + `wheelFiles`). */
async function release(
  name: string,
  version: string,
  at: string,
  tree: Record<string, string>,
  wheelFiles: Record<string, string | Uint8Array> = {},
): Promise<SandboxRelease> {
  return { version, files: await releaseFromTree(name, version, tree, at, { files: wheelFiles }) };
}

function withReleases(project: SandboxProject, releases: SandboxRelease[]): SandboxProject {
  return { ...project, releases };
}

/** litellm 1.82.7 / 1.82.8: token uploads, the second with a `.pth` listed in RECORD. */
async function litellm(): Promise<Incident> {
  const name = "litellm";
  const github = "BerriAI/litellm";
  const clean = await release(name, "1.82.6", "2026-03-20T12:00:00Z", sourceTree(name, "1.82.6"));
  const v7 = await release(name, "1.82.7", "2026-03-24T10:39:00Z", sourceTree(name, "1.82.7"));
  const v8 = await release(name, "1.82.8", "2026-03-24T10:52:00Z", sourceTree(name, "1.82.8"), {
    "litellm_init.pth": INERT_PTH,
  });
  const project: SandboxProject = {
    name,
    summary: "sandbox replay of litellm 1.82.7 / 1.82.8 (inert)",
    authorEmail: "maintainers@litellm.example",
    ownership: { organization: "berriai", roles: [{ role: "Owner", user: "litellm-release" }] },
    github,
    sources: { "1.82.6": sourceTree(name, "1.82.6") },
    releases: [clean, v7, v8],
    config: planConfig(github, "litellm-release", { waiver: waivers([clean]) }),
  };
  return {
    name,
    title: "litellm 1.82.7 / 1.82.8",
    facts: {
      when: "2026-03-24",
      what:
        "A PyPI API token leaked from CI through the compromised Trivy action; the attacker uploaded 1.82.7 and 1.82.8 with it (no GitHub tag). 1.82.8's wheel carried `litellm_init.pth`, listed in RECORD, which ran at every interpreter start and stole credentials.",
      exposure: "2 h 32 min (upload to quarantine)",
      source:
        "https://blog.pypi.org/posts/2026-04-02-incident-report-litellm-telnyx-supply-chain-attack/",
    },
    expected: [
      "content/pth-file",
      "parity/no-github-release",
      "parity/tag-missing",
      "provenance/missing",
    ],
    limits:
      "The payload inside the `.pth` is not reproduced (an inert line stands for it); its presence is the finding. litellm did not publish through trusted publishing before the incident, so with the hardening plan `provenance/missing` would have been open on every release: the new signals were the `.pth` and the missing tag and release.",
    projects: [{
      project,
      baseline: withReleases(project, [clean]),
      github: { untagged: ["1.82.7", "1.82.8"] },
    }],
  };
}

/** num2words 0.5.15: uploaded with a token created after a phishing attack. */
async function num2words(): Promise<Incident> {
  const name = "num2words";
  const github = "savoirfairelinux/num2words";
  const clean = await release(name, "0.5.14", "2024-12-17T12:00:00Z", sourceTree(name, "0.5.14"));
  const bad = await release(name, "0.5.15", "2025-07-28T14:00:00Z", sourceTree(name, "0.5.15"));
  return {
    name,
    title: "num2words 0.5.15",
    facts: {
      when: "2025-07-28",
      what:
        "A maintainer was phished through an adversary-in-the-middle proxy on `pypj.org`; the attacker created an API token and uploaded 0.5.15 and 0.5.16 with it, not through trusted publishing.",
      exposure:
        "at least 39 min (flagged 15:59 UTC, removed 16:38 UTC; the upload time is not published)",
      source: "https://blog.pypi.org/posts/2025-07-31-incident-report-phishing-attack/",
    },
    expected: ["parity/no-github-release", "parity/tag-missing", "provenance/missing"],
    limits:
      "The payload is not described by the sources and not reproduced; only the upload route (no tag, no GitHub release, no provenance) is observable. The phishing itself and the new API token are not visible through PyPI's public APIs.",
    projects: [{
      project: {
        name,
        summary: "sandbox replay of num2words 0.5.15 (inert)",
        authorEmail: "maintainers@num2words.example",
        ownership: { organization: null, roles: [{ role: "Owner", user: "num2words-owner" }] },
        github,
        sources: { "0.5.14": sourceTree(name, "0.5.14") },
        releases: [clean, bad],
        config: planConfig(github, "num2words-owner", { waiver: waivers([clean]) }),
      },
      github: { untagged: ["0.5.15"] },
    }],
  };
}

/** ultralytics 8.3.41 (real workflow, code not at the tag) and 8.3.45 (leftover token). */
async function ultralytics(): Promise<Incident> {
  const name = "ultralytics";
  const github = "ultralytics/ultralytics";
  const downloads = "ultralytics/utils/downloads.py";
  const tree = (version: string) => ({
    ...sourceTree(name, version),
    [downloads]:
      'def safe_download(url, file=None):\n    """Download a file."""\n    return file\n',
  });
  const injected = (version: string) => ({
    [downloads]: tree(version)[downloads] + INERT_INJECTION,
  });
  const clean = await release(name, "8.3.40", "2024-12-03T12:00:00Z", tree("8.3.40"));
  const v41 = await release(
    name,
    "8.3.41",
    "2024-12-04T20:51:00Z",
    tree("8.3.41"),
    injected("8.3.41"),
  );
  const v45 = await release(
    name,
    "8.3.45",
    "2024-12-07T12:00:00Z",
    tree("8.3.45"),
    injected("8.3.45"),
  );
  const reason41 =
    "sandbox: 8.3.41 went out through the real trusted-publishing workflow with valid PEP 740 provenance; the sandbox cannot produce Sigstore signatures";
  return {
    name,
    title: "ultralytics 8.3.41 / 8.3.45",
    facts: {
      when: "2024-12-04 to 2024-12-07",
      what:
        "Script injection through branch names poisoned the GitHub Actions cache: 8.3.41 went out through the real trusted-publishing workflow (valid PEP 740 provenance) with a miner downloader in `ultralytics/utils/downloads.py` that the tag did not have. 8.3.45 was uploaded with a leftover API token: no provenance, no matching repository activity.",
      exposure: "8.3.41: about 12 h (2024-12-04 20:51 to 12-05 09:15 UTC)",
      source: "https://blog.pypi.org/posts/2024-12-11-ultralytics-attack-analysis/",
    },
    expected: [
      "parity/no-github-release",
      "parity/tag-missing",
      "provenance/missing",
      "source/file-differs-from-tag",
    ],
    limits:
      "The sandbox cannot sign: 8.3.41's valid provenance is modelled by a waiver of `provenance/missing` for its files, so only 8.3.45 raises it. The cache poisoning itself happened inside GitHub Actions and is not observable; what is observable is the wheel's `downloads.py` differing from the tag (8.3.41, whose sdist matched the tag) and the token upload (8.3.45).",
    projects: [{
      project: {
        name,
        summary: "sandbox replay of ultralytics 8.3.41 / 8.3.45 (inert)",
        authorEmail: "hello@ultralytics.example",
        ownership: {
          organization: "ultralytics",
          roles: [{ role: "Owner", user: "ultralytics-release" }],
        },
        github,
        sources: { "8.3.40": tree("8.3.40"), "8.3.41": tree("8.3.41") },
        releases: [clean, v41, v45],
        config: planConfig(github, "ultralytics-release", {
          waiver: [...waivers([clean]), ...waivers([v41], reason41)],
        }),
      },
      github: { untagged: ["8.3.45"] },
    }],
  };
}

/** telnyx 4.87.1: a token upload that ships a WAV file hiding the payload. */
async function telnyx(): Promise<Incident> {
  const name = "telnyx";
  const github = "team-telnyx/telnyx-python";
  const clean = await release(name, "4.87.0", "2026-03-20T12:00:00Z", sourceTree(name, "4.87.0"));
  const bad = await release(name, "4.87.1", "2026-03-27T00:30:00Z", sourceTree(name, "4.87.1"), {
    "telnyx/_assets/ring.wav": inertWav(),
  });
  return {
    name,
    title: "telnyx 4.87.1",
    facts: {
      when: "2026-03-27",
      what:
        "The same Trivy token leak as litellm: 4.87.1 and 4.87.2 hid a credential stealer in a WAV file by steganography.",
      exposure: "3 h 42 min (upload to quarantine)",
      source:
        "https://blog.pypi.org/posts/2026-04-02-incident-report-litellm-telnyx-supply-chain-attack/",
    },
    expected: [
      "content/new-binary-file-type",
      "parity/no-github-release",
      "parity/tag-missing",
      "provenance/missing",
    ],
    limits:
      "Steganography is invisible to the auditor: the WAV here is silence, and a real one would look the same from outside. Only the new binary file type is observable (`content/new-binary-file-type`), plus the token route. The sources do not say whether a tag existed; like litellm's, the release is modelled as a token upload without one. telnyx did not publish through trusted publishing before the incident.",
    projects: [{
      project: {
        name,
        summary: "sandbox replay of telnyx 4.87.1 (inert)",
        authorEmail: "support@telnyx.example",
        ownership: { organization: "telnyx", roles: [{ role: "Owner", user: "telnyx-release" }] },
        github,
        sources: { "4.87.0": sourceTree(name, "4.87.0") },
        releases: [clean, bad],
        config: planConfig(github, "telnyx-release", { waiver: waivers([clean]) }),
      },
      github: { untagged: ["4.87.1"] },
    }],
  };
}

/** aiocpa 0.1.13: code that is only in the PyPI distribution. */
async function aiocpa(): Promise<Incident> {
  const name = "aiocpa";
  const github = "sandbox-aiocpa/aiocpa";
  const extra = "aiocpa/_pypi_only.py";
  const clean = await release(name, "0.1.12", "2024-11-20T00:46:20Z", sourceTree(name, "0.1.12"));
  const bad = await release(name, "0.1.13", "2024-11-20T18:04:41Z", {
    ...sourceTree(name, "0.1.13"),
    [extra]:
      `# inert stand-in for obfuscated code shipped only to PyPI: does nothing${INERT_INJECTION}`,
  });
  return {
    name,
    title: "aiocpa 0.1.13",
    facts: {
      when: "2024-11-20",
      what:
        "The maintainer published 0.1.13 and 0.1.14 with obfuscated code that sent Crypto Pay tokens to a Telegram bot; the code was only in the PyPI distribution, the GitHub source was clean.",
      exposure: "about 24 h (uploaded 2024-11-20 18:04, quarantined 2024-11-21 18:29 UTC)",
      source: "https://blog.pypi.org/posts/2024-11-25-aiocpa-attack-analysis/",
    },
    expected: ["source/file-not-in-tag"],
    limits:
      "The malicious maintainer held every credential, so nothing about the upload route is unusual; how 0.1.13 was uploaded is not in the sources, so provenance is not required here. The repository name is a sandbox stand-in. In the real release the code was added to an existing module; a new file stands for it (a changed file raises `source/file-differs-from-tag` instead).",
    projects: [{
      project: {
        name,
        summary: "sandbox replay of aiocpa 0.1.13 (inert)",
        authorEmail: "maintainer@aiocpa.example",
        ownership: { organization: null, roles: [{ role: "Owner", user: "aiocpa-maintainer" }] },
        github,
        sources: { "0.1.12": sourceTree(name, "0.1.12"), "0.1.13": sourceTree(name, "0.1.13") },
        releases: [clean, bad],
        config: planConfig(github, "aiocpa-maintainer", {
          policy: { require_provenance: false },
        }),
      },
      github: {
        editSources: (version, files) => {
          if (version === "0.1.13") files.delete(extra);
        },
      },
    }],
  };
}

/** torchtriton 3.0.0: dependency confusion, a native binary in the wheel. */
async function torchtriton(): Promise<Incident> {
  const name = "torchtriton";
  const tree = {
    ...sourceTree(name, "3.0.0"),
    "triton/__init__.py": "# inert stand-in: the real one ran the binary on import\n",
  };
  const bad = await release(name, "3.0.0", "2022-12-25T12:00:00Z", tree, {
    "triton/runtime/triton": inertElf(),
  });
  return {
    name,
    title: "torchtriton 3.0.0",
    facts: {
      when: "2022-12-25 to 2022-12-30",
      what:
        "Dependency confusion: an attacker registered `torchtriton` on public PyPI with a higher version than PyTorch's nightly-index package. It shipped a binary, run on `import triton`, that exfiltrated host data, SSH keys and files from `$HOME`.",
      exposure: "about 5 days (2022-12-25 to 2022-12-30)",
      source: "https://www.sonatype.com/blog/pytorch-namespace-dependency-confusion-attack",
    },
    expected: ["access/pypi-unlisted-role", "content/native-binary"],
    limits:
      "The name is watched on public PyPI by its rightful owner, with no GitHub repository (the attacker's project has none), so repository and parity checks are not observable. The real triton ships native code, so a `pure` policy is this scenario's assumption; the signal that holds regardless is that the name on PyPI belongs to an account not on the allow list. Predates PEP 740: provenance is not required. Version precedence across indexes is not something the auditor sees.",
    projects: [{
      project: {
        name,
        summary: "sandbox replay of torchtriton 3.0.0 (inert)",
        authorEmail: "uploader@torchtriton.example",
        ownership: { organization: null, roles: [{ role: "Owner", user: "torchtriton-uploader" }] },
        releases: [bad],
        config: {
          allow: { maintainers: ["pytorch-release"] },
          policy: { require_provenance: false, require_github_release: false },
        },
      },
    }],
  };
}

/** ctx 0.2.6: a release after 7½ years of dormancy by the account's new owner. */
async function ctx(): Promise<Incident> {
  const name = "ctx";
  const old = await release(name, "0.1.2", "2014-12-21T12:00:00Z", sourceTree(name, "0.1.2"));
  const bad = await release(name, "0.2.6", "2022-05-21T12:00:00Z", {
    ...sourceTree(name, "0.2.6"),
    "ctx/__init__.py": `__version__ = "0.2.6"\n${INERT_INJECTION}`,
  });
  const project: SandboxProject = {
    name,
    summary: "sandbox replay of ctx 0.2.6 (inert)",
    authorEmail: "author@ctx-maintainer.example",
    ownership: { organization: null, roles: [{ role: "Owner", user: "ctx-author" }] },
    releases: [old, bad],
    config: {
      allow: { maintainers: ["ctx-author"] },
      policy: { require_provenance: false, require_github_release: false },
    },
  };
  return {
    name,
    title: "ctx 0.2.6",
    facts: {
      when: "2022-05-21",
      what:
        "Dormant since 0.1.2 (Dec 2014). The attacker re-registered the maintainer's expired email domain, reset the password and uploaded new releases whose dict code sent AWS keys to a remote endpoint.",
      exposure: "days (0.2.6 uploaded 2022-05-21, publicly reported 2022-05-24)",
      source:
        "https://venafi.com/blog/popular-python-package-compromised-dont-blindly-trust-open-source",
    },
    expected: ["release/after-dormancy"],
    limits:
      "The maintainer's email address did not change: its domain changed hands, which PyPI's metadata cannot show (registration dates need WHOIS), so `release/maintainer-email-domain-changed` does not fire here; it fires when a project's email moves to a new domain (tested separately). The account and its role stayed the same. No GitHub repository is watched; predates PEP 740. Two sweeps: the first sees 0.1.2 only.",
    projects: [{ project, baseline: withReleases(project, [old]) }],
  };
}

/** requests 2.32.5: a benign hash divergence. */
async function requests(): Promise<Incident> {
  const name = "requests";
  const github = "psf/requests";
  const v4 = await release(name, "2.32.4", "2025-06-09T12:00:00Z", sourceTree(name, "2.32.4"));
  const v5 = await release(name, "2.32.5", "2025-08-18T12:00:00Z", sourceTree(name, "2.32.5"));
  const wheel = v5.files.find((f) => f.filename.endsWith(".whl"))!;
  return {
    name,
    title: "requests 2.32.5 (benign)",
    facts: {
      when: "2025-08",
      what:
        "Benign: the trusted-publishing job failed, so the maintainers built locally and uploaded by hand. The PyPI wheel (sha256 2462f946…) differs from the CI build artifact (sha256 0f39b052…).",
      exposure: "not malicious: the release stays",
      source: "https://github.com/psf/requests/issues/7013",
    },
    expected: ["parity/asset-digest-mismatch", "provenance/missing"],
    limits:
      "Correct, not malicious: a hash mismatch is not malware. The findings say what differs, never why; a person decides. The CI artifact's real digest is served as the release asset's digest; the wheel bytes are the sandbox's. A hand upload carries no PEP 740 provenance, so `provenance/missing` is right too.",
    projects: [{
      project: {
        name,
        summary: "sandbox replay of requests 2.32.5 (benign divergence)",
        authorEmail: "me@requests.example",
        ownership: { organization: "psf", roles: [{ role: "Owner", user: "requests-release" }] },
        github,
        sources: { "2.32.4": sourceTree(name, "2.32.4"), "2.32.5": sourceTree(name, "2.32.5") },
        releases: [v4, v5],
        config: planConfig(github, "requests-release", { waiver: waivers([v4]) }),
      },
      github: {
        assetDigests: {
          [wheel.filename]: "0f39b052d7ba3d55645a49019311390fc576ea7c2a594f56eb9b67a5388a6e84",
        },
      },
    }],
  };
}

const PA = "pep740/pypi-attestations";

/**
 * The control without testdata/ (a binary run without the repository beside it): the sandbox's hardened
 * project, provenance not required since the sandbox cannot sign.
 */
async function sandboxControl(): Promise<Incident> {
  const project = await hardenedProject("acme-control");
  project.config.policy = { require_provenance: false };
  return {
    name: "control",
    title: "control: acme-control (sandbox)",
    facts: {
      when: "-",
      what: "A well-hardened project built by the sandbox (testdata/ was not readable).",
      exposure: "clean",
      source: "-",
    },
    expected: [],
    limits: "Provenance is not required: the sandbox cannot sign.",
    control: true,
    projects: [{ project }],
  };
}

/**
 * The control: the real pypi_attestations 0.0.19 sdist with its real Integrity API response,
 * published from trailofbits/pypi-attestations' release.yml; hardened GitHub side.
 */
async function control(): Promise<Incident> {
  const dir = readableTestdataDir();
  if (!dir) return await sandboxControl();
  const name = "pypi-attestations";
  const github = "trailofbits/pypi-attestations";
  const bytes = await Deno.readFile(`${dir}/${PA}/pypi_attestations-0.0.19.tar.gz`);
  const provenance = JSON.parse(
    await Deno.readTextFile(`${dir}/${PA}/pypi_attestations-0.0.19.tar.gz.provenance`),
  );
  const file: SandboxFile = {
    filename: "pypi_attestations-0.0.19.tar.gz",
    bytes,
    uploadTime: "2024-12-05T18:00:00Z",
    provenance,
  };
  const [owner, repo] = github.split("/");
  return {
    name: "control",
    title: "control: pypi-attestations 0.0.19",
    facts: {
      when: "2024-12-05",
      what:
        "A well-hardened release: the real pypi_attestations 0.0.19 sdist with its real PEP 740 provenance (trailofbits/pypi-attestations, release.yml, tag v0.0.19), matching GitHub release and tag.",
      exposure: "clean",
      source: "https://pypi.org/project/pypi-attestations/0.0.19/",
    },
    expected: [],
    limits:
      "Only the sdist is real material (its wheel is not in testdata/), so wheels are not required. The GitHub side is the sandbox's hardened repository, its tree built from the sdist.",
    control: true,
    projects: [{
      project: {
        name,
        summary: "real PEP 740 material (the control)",
        authorEmail: "Trail of Bits <opensource@trailofbits.example>",
        ownership: { organization: "trailofbits", roles: [{ role: "Owner", user: "tob-release" }] },
        github,
        releases: [{ version: "0.0.19", files: [file] }],
        // The commit the real provenance names (Fulcio Source Repository Digest).
        tagCommits: { "0.0.19": "08802efe1f8e5fec4ad842d6b8ce97656092ee72" },
        config: {
          github,
          publisher: { repository: github, workflow: "release.yml" },
          allow: {
            maintainers: ["tob-release"],
            ...githubAccessAllow({ owner, repo, hardened: true }),
          },
          policy: { require_wheel: false },
        },
      },
    }],
  };
}

/** Every incident builder, in table order. */
export const INCIDENT_BUILDERS: Record<string, () => Promise<Incident>> = {
  litellm,
  num2words,
  ultralytics,
  telnyx,
  aiocpa,
  torchtriton,
  ctx,
  requests,
  control,
};

/** Names of the incidents (and the control), in table order. */
export const INCIDENT_NAMES = Object.keys(INCIDENT_BUILDERS);

/** GitHub release routes of a project: hardened and matching PyPI, then the incident's deviations. */
async function releaseRoutes(
  project: SandboxProject,
  side: GithubSide,
  urls: { pypiUrl: string; githubUrl: string },
): Promise<Map<string, unknown>> {
  const untagged = new Set(side.untagged ?? []);
  const tagged = { ...project, releases: project.releases.filter((r) => !untagged.has(r.version)) };
  const routes = await githubReleaseRoutes(tagged, {
    hardened: true,
    ...urls,
    editSources: side.editSources,
  });
  const repoPath = `/repos/${project.github}`;
  for (const r of tagged.releases) {
    const body = routes.get(`${repoPath}/releases/tags/${sandboxTag(project, r.version)}`) as
      | { assets: { name: string; digest: string | null }[] }
      | undefined;
    for (const asset of body?.assets ?? []) {
      const digest = side.assetDigests?.[asset.name];
      if (digest) asset.digest = `sha256:${digest}`;
    }
  }
  // Every file has an (empty) attestation listing, token uploads included.
  for (const r of project.releases) {
    for (const f of r.files) {
      routes.set(`${repoPath}/attestations/sha256%3A${listedDigest(f)}`, { attestations: [] });
    }
  }
  return routes;
}

/**
 * A scenario of incidents, in its baseline state (projects with a `baseline` show it until
 * {@link IncidentScenario.advance}). All GitHub sides are hardened.
 *
 * @example
 * ```ts
 * const scenario = await incidentsScenario("incidents", "all", await buildIncidents());
 * ```
 */
export function incidentsScenario(
  name: string,
  description: string,
  incidents: Incident[],
): IncidentScenario {
  const entries = incidents.flatMap((i) => i.projects);
  let urls: { pypiUrl: string; githubUrl: string } | undefined;
  const install = async () => {
    if (!urls) return;
    for (const entry of entries) {
      const current = scenario.projects.find((p) => p.name === entry.project.name);
      if (!current?.github) continue;
      for (const [path, body] of await releaseRoutes(current, entry.github ?? {}, urls)) {
        scenario.github.set(path, body);
      }
    }
  };
  const scenario: IncidentScenario = {
    name,
    description,
    incidents,
    advanced: false,
    projects: entries.map((e) => e.baseline ?? e.project),
    github: githubRoutes(entries.map((e) => ({ project: e.project, hardened: true }))),
    onListen: async (listening) => {
      urls = listening;
      await install();
    },
    advance: async () => {
      if (scenario.advanced) return;
      scenario.advanced = true;
      scenario.projects.splice(0, scenario.projects.length, ...entries.map((e) => e.project));
      await install();
    },
  };
  return scenario;
}

/**
 * Build incidents by name (all, in table order, when none are given).
 *
 * @throws {Error} for an unknown name.
 */
export async function buildIncidents(names: string[] = INCIDENT_NAMES): Promise<Incident[]> {
  const out: Incident[] = [];
  for (const name of names) {
    const build = INCIDENT_BUILDERS[name];
    if (!build) throw new Error(`unknown incident: ${name}`);
    out.push(await build());
  }
  return out;
}

/**
 * The demo's scenario for one incident (or `incidents`: all of them plus the control), already
 * advanced: the demo sweeps once, so baselines are skipped (ctx's dormancy still shows).
 */
export async function demoIncidentScenario(name: string): Promise<Scenario> {
  const incidents = await buildIncidents(name === "incidents" ? INCIDENT_NAMES : [name]);
  const description = name === "incidents"
    ? "Real PyPI incidents replayed with inert content, and a clean control (docs/incidents.md)"
    : `${incidents[0].title}: ${incidents[0].facts.what}`;
  const scenario = incidentsScenario(name, description, incidents);
  await scenario.advance();
  return scenario;
}
