/**
 * Sandbox GitHub responses for the controls beyond posture (`jobs/repo_controls.ts`): Actions
 * secret lists (names only), the fork-contributor approval policy, artifact and log retention,
 * CodeQL default setup, the code security configuration (dependency graph), and the codebase
 * the contents API serves at any ref (root, `.github/` and `docs/` listings, the workflows,
 * pyproject.toml, pre-commit config, `.gitmodules`, and the default branch's git tree). Shapes
 * follow GitHub's documented examples (`testdata/github-api/rest-api-description`).
 *
 * `hardened: true` satisfies every control; `hardened: false` breaks each of them once (a stored
 * `PYPI_API_TOKEN`, approval only for first-time contributors, 7-day retention, no CodeQL, …).
 * Tests start from the hardened routes and apply {@link weakenControls} between two sweeps.
 *
 * @example
 * ```ts
 * for (const [path, body] of controlsRoutes({ owner: "acme", repo: "w", hardened: true })) {
 *   routes.set(path, body);
 * }
 * ```
 * @module
 */
import { createHash } from "node:crypto";
import type { Scenario } from "./scenario.ts";

/** Options of {@link controlsRoutes}. */
export interface ControlsRouteOptions {
  owner: string;
  repo: string;
  hardened: boolean;
  defaultBranch?: string;
  environment?: string;
  /** Text of a weak repository's release workflow (its posture scenario's own). */
  weakRelease?: string;
}

/** Commits the sandbox workflows pin (served as reachable by `github_actions.ts`). */
export const PIN = {
  checkout: "08c6903cd8c0fde910a37f88322edcfb5dd907a8",
  upload: "ea165f8d65b6e75b540449e92b4886f43607fa02",
  download: "634f93cb2916e3fdff6788551b99b062d0335ce0",
  publish: "76f52bc884231f62b9a034ebfe128415bbaabdfc",
  review: "da24556b548a50705dd671f47852072ea4c105d9",
  codeql: "4e94bd11f71e507f7f87df81788dff88d1dacbfb",
};

function sha1(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}

/** The release workflow with every step the plan asks for. */
export function releaseWorkflow(env: string, hardened = true): string {
  const check = hardened
    ? `      - run: git merge-base --is-ancestor "$GITHUB_SHA" origin/main
      - run: pipx run build
      - run: sha256sum dist/* > SHA256SUMS
`
    : `      - run: pipx run build
`;
  const publishExtra = hardened ? "" : `        with:
          attestations: false
`;
  return `name: release
on:
  release:
    types: [published]
permissions: {}
jobs:
  build:
    runs-on: ubuntu-latest
    permissions:
      contents: read
${hardened ? "" : "      id-token: write\n"}    steps:
      - uses: actions/checkout@${PIN.checkout} # v5.0.0
        with:
          persist-credentials: false
          fetch-depth: 0
${check}      - uses: actions/upload-artifact@${PIN.upload} # v4.6.2
        with:
          name: dist
          path: dist/
  publish:
    needs: [build]
    runs-on: ubuntu-latest
    environment:
      name: ${env}
    permissions:
      id-token: write
    steps:
      - uses: actions/download-artifact@${PIN.download} # v5.0.0
        with:
          name: dist
          path: dist/
${
    hardened
      ? ""
      : "      - run: ls dist/\n"
  }      - uses: pypa/gh-action-pypi-publish@${PIN.publish} # v1.12.4
${publishExtra}`;
}

/** A CI workflow that installs with (hardened) or without `--require-hashes`. */
export function ciWorkflow(hardened: boolean): string {
  const install = hardened
    ? "python -m pip install --require-hashes -r requirements.txt"
    : "python -m pip install -r requirements.txt";
  return `name: ci
on:
  pull_request:
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@${PIN.checkout} # v5.0.0
        with:
          persist-credentials: false
      - run: ${install}
      - run: python -m pytest
`;
}

const SIMPLE_WORKFLOWS: Record<string, string> = {
  "dependency-review.yml": `name: dependency review
on:
  pull_request:
permissions:
  contents: read
jobs:
  review:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/dependency-review-action@${PIN.review} # v4.7.1
`,
  "codeql.yml": `name: codeql
on:
  pull_request:
permissions:
  contents: read
jobs:
  analyze:
    runs-on: ubuntu-latest
    permissions:
      contents: read
      security-events: write
    steps:
      - uses: actions/checkout@${PIN.checkout} # v5.0.0
        with:
          persist-credentials: false
      - uses: github/codeql-action/init@${PIN.codeql} # v3.29.0
        with:
          languages: python
      - uses: github/codeql-action/analyze@${PIN.codeql} # v3.29.0
`,
  "package-content.yml": `name: package content
on:
  pull_request:
permissions:
  contents: read
jobs:
  content:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@${PIN.checkout} # v5.0.0
        with:
          persist-credentials: false
      - run: pipx run build && pipx run check-wheel-contents dist/*.whl
`,
};

const PRECOMMIT = (hardened: boolean) =>
  `repos:
  - repo: https://github.com/astral-sh/ruff-pre-commit
    rev: ${hardened ? "3d44372123ca5e8617fdb65d9f11facd159b9e95" : "v0.12.1"}
    hooks:
      - id: ruff
  - repo: local
    hooks:
      - id: pytest
        name: pytest
        entry: pytest
        language: system
`;

/** Base64 of a text's UTF-8 bytes (contents API bodies). */
export function b64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

function entry(path: string, text: string | undefined) {
  const name = path.split("/").pop();
  if (text === undefined) return { name, path, sha: sha1(`dir ${path}`), size: 0, type: "dir" };
  const size = new TextEncoder().encode(text).byteLength;
  return { name, path, sha: sha1(`blob ${text}`), size, type: "file" };
}

function file(path: string, text: string) {
  return { ...entry(path, text), encoding: "base64", content: b64(text) };
}

function secrets(names: string[]) {
  return {
    total_count: names.length,
    secrets: names.map((name) => ({
      name,
      created_at: "2019-08-10T14:59:22Z",
      updated_at: "2020-01-10T14:59:22Z",
    })),
  };
}

/**
 * The controls routes of one scenario repository (path → JSON body).
 */
export function controlsRoutes(opts: ControlsRouteOptions): Map<string, unknown> {
  const { owner, repo, hardened } = opts;
  const env = opts.environment ?? "pypi";
  const branch = opts.defaultBranch ?? "main";
  const base = `/repos/${owner}/${repo}`;
  const m = new Map<string, unknown>();

  m.set(`${base}/actions/secrets`, secrets(hardened ? ["CODECOV_TOKEN"] : ["PYPI_API_TOKEN"]));
  m.set(`${base}/actions/organization-secrets`, secrets([]));
  m.set(`${base}/environments/${env}/secrets`, secrets([]));
  m.set(`${base}/actions/permissions/fork-pr-contributor-approval`, {
    approval_policy: hardened ? "all_external_contributors" : "first_time_contributors",
  });
  m.set(`${base}/actions/permissions/artifact-and-log-retention`, {
    days: hardened ? 90 : 7,
    maximum_allowed_days: 90,
  });
  m.set(`${base}/code-scanning/default-setup`, {
    state: hardened ? "configured" : "not-configured",
    languages: hardened ? ["python"] : [],
    query_suite: "default",
    updated_at: "2026-01-19T10:40:28Z",
    schedule: "weekly",
  });
  m.set(`${base}/code-security-configuration`, {
    status: "enforced",
    configuration: {
      id: 1325,
      target_type: "organization",
      name: "octo-org recommended settings",
      dependency_graph: hardened ? "enabled" : "disabled",
      dependabot_alerts: "enabled",
      code_scanning_default_setup: hardened ? "enabled" : "disabled",
      secret_scanning: hardened ? "enabled" : "disabled",
      secret_scanning_push_protection: hardened ? "enabled" : "disabled",
      enforcement: "enforced",
    },
  });

  // The codebase, served at any ref (the routes carry no ref).
  const root: Record<string, string | undefined> = {
    ".github": undefined,
    "README.md": "# readme\n",
    "pyproject.toml": hardenedPyproject(repo, hardened),
    ".pre-commit-config.yaml": PRECOMMIT(hardened),
  };
  if (hardened) {
    root["MANIFEST.in"] = "include LICENSE\nprune tests\n";
    root["RELEASING.md"] = "# Releasing\n\nTag on main; the release workflow does the rest.\n";
  } else {
    root[".gitmodules"] =
      '[submodule "vendor/lib"]\n\tpath = vendor/lib\n\turl = https://example.invalid/lib.git\n';
  }
  m.set(`${base}/contents`, Object.entries(root).map(([p, t]) => entry(p, t)));
  for (const [path, text] of Object.entries(root)) {
    if (text !== undefined) m.set(`${base}/contents/${path}`, file(path, text));
  }
  // A weak repository keeps the posture scenario's own weak release workflow.
  const workflows: Record<string, string> = {
    "release.yml": opts.weakRelease ?? releaseWorkflow(env, hardened),
    "ci.yml": ciWorkflow(hardened),
    ...(hardened ? SIMPLE_WORKFLOWS : {}),
  };
  m.set(
    `${base}/contents/.github/workflows`,
    Object.entries(workflows).map(([n, t]) => entry(`.github/workflows/${n}`, t)),
  );
  for (const [name, text] of Object.entries(workflows)) {
    m.set(`${base}/contents/.github/workflows/${name}`, file(`.github/workflows/${name}`, text));
  }

  // The default branch's tree (binaries are found from it).
  const paths = [
    ...Object.keys(root).filter((p) => root[p] !== undefined),
    ...(hardened ? [] : ["vendor/libfast.so"]),
  ];
  const tree = {
    sha: sha1(`tree ${owner}/${repo} ${hardened}`),
    truncated: false,
    tree: paths.map((path) => ({
      path,
      mode: "100644",
      type: "blob",
      sha: sha1(`blob ${path}`),
      size: 10,
    })),
  };
  m.set(`${base}/git/trees/${tree.sha}`, tree);
  const commit = sha1(`commit ${owner}/${repo} ${branch}`);
  m.set(`${base}/commits/${branch}`, {
    sha: commit,
    commit: {
      message: "head",
      tree: { sha: tree.sha },
      committer: { date: "2026-11-01T00:00:00Z" },
    },
  });
  m.set(`${base}/releases`, []);
  return m;
}

/** A pyproject.toml following the plan (hardened) or breaking its rules. */
export function hardenedPyproject(name: string, hardened = true): string {
  if (!hardened) {
    return `[build-system]
requires = ["poetry-core>=1.0"]
build-backend = "poetry.core.masonry.api"

[project]
name = "${name}"
version = "0.1.0"

[tool.poetry]
name = "${name}"
version = "0.1.0"
description = "metadata declared twice"
`;
  }
  return `[build-system]
requires = ["setuptools==80.9.0"]
build-backend = "setuptools.build_meta"

[project]
name = "${name}"
version = "1.0.0"
requires-python = ">=3.9"
dependencies = []

[project.urls]
Source = "https://github.com/acme/${name}"
Issues = "https://github.com/acme/${name}/issues"
Changelog = "https://github.com/acme/${name}/releases"
Security = "https://github.com/acme/${name}/security/policy"
Documentation = "https://acme.example/${name}"
`;
}

/**
 * Replace a scenario repository's controls routes by their weak versions (the change between
 * two sweeps of a test): a stored PyPI token, weak Actions settings, a broken codebase.
 *
 * @example
 * ```ts
 * weakenControls(sandbox.scenario, "acme", "acme-hardened");
 * ```
 */
export function weakenControls(
  scenario: Scenario,
  owner: string,
  repo: string,
  opts: { environment?: string; keep?: (path: string) => boolean } = {},
): void {
  const weak = controlsRoutes({ owner, repo, hardened: false, environment: opts.environment });
  for (const [path, body] of weak) {
    if (path.endsWith("/releases") || opts.keep?.(path)) continue;
    scenario.github.set(path, body);
  }
  // Secret scanning and push protection off, in the repository's own settings.
  const key = `/repos/${owner}/${repo}`;
  const repository = scenario.github.get(key) as Record<string, unknown> | undefined;
  if (repository) {
    scenario.github.set(key, {
      ...repository,
      security_and_analysis: {
        secret_scanning: { status: "disabled" },
        secret_scanning_push_protection: { status: "disabled" },
      },
    });
  }
}
