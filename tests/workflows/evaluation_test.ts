/**
 * Reproductions of the rule gaps found by the blind evaluation of tests/workflows/EVALUATION.md
 * (real public workflows, labelled before the rules ran). Each case is written for this suite,
 * with a near miss that must stay clean.
 */
import assert from "node:assert/strict";
import { only } from "../rules/_workflow_fixtures.ts";

const CO = "actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8";
const PUB = "pypa/gh-action-pypi-publish@76f52bc884231f62b9a034ebfe128415bbaabdfc";

Deno.test("id-token-outside-publish: a build job inheriting the workflow's id-token: write", () => {
  const text = (buildPermissions: string) =>
    `on:
  push:
    tags: ["v*"]
permissions:
  contents: read
  id-token: write
jobs:
  build:
    runs-on: ubuntu-latest
${buildPermissions}    steps:
      - uses: ${CO}
        with:
          persist-credentials: false
      - run: python -m build
  publish:
    needs: build
    runs-on: ubuntu-latest
    environment: pypi
    steps:
      - uses: ${PUB}
`;
  const inherited = only("id-token-outside-publish", text(""));
  assert.deepEqual(inherited.map((f) => f.subject), ["t.yml#build#id-token"]);
  assert.match(inherited[0].message, /inherited from the workflow's permissions/);
  // A job with its own permissions does not inherit the workflow's (GitHub does not merge them).
  assert.deepEqual(
    only("id-token-outside-publish", text("    permissions:\n      contents: read\n")),
    [],
  );
});

Deno.test("id-token-outside-publish: an inherited write-all is left to permissions-write", () => {
  const text = `on: push
permissions: write-all
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      - run: make lint
`;
  assert.deepEqual(only("id-token-outside-publish", text), []);
  assert.equal(only("permissions-write", text).length, 1);
});

const scriptRelease = (env: string, run = "./scripts/release") =>
  `on:
  push:
    tags: ["*"]
permissions: {}
jobs:
  release:
    runs-on: ubuntu-latest
    environment: pypi
    steps:
      - uses: ${CO}
        with:
          persist-credentials: false
      - name: Build and upload
        run: ${run}
        env:
${env}`;

Deno.test("token-upload: an upload credential from secrets handed to a release script", () => {
  const hit = only(
    "token-upload",
    scriptRelease(
      "          TWINE_USERNAME: __token__\n          TWINE_PASSWORD: ${{ secrets.PYPI }}\n",
    ),
  );
  assert.deepEqual(hit.map((f) => f.subject), ["t.yml#release/steps[1]#token-upload"]);
  assert.match(hit[0].message, /TWINE_PASSWORD from secrets handed to a script/);
  assert.equal(
    only("token-upload", scriptRelease("          UV_PUBLISH_TOKEN: ${{ secrets.UV }}\n")).length,
    1,
  );
  // Not a credential, or not from secrets: no finding.
  assert.deepEqual(
    only("token-upload", scriptRelease("          GH_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n")),
    [],
  );
  assert.deepEqual(
    only("token-upload", scriptRelease("          TWINE_USERNAME: __token__\n")),
    [],
  );
});

Deno.test("token-upload: a job-level credential is reported once, where it is visibly used", () => {
  const jobEnv = (second: string) =>
    `on: release
permissions: {}
jobs:
  release:
    runs-on: ubuntu-latest
    env:
      TWINE_PASSWORD: \${{ secrets.PYPI }}
    steps:
      - run: python -m build
      - run: ${second}
`;
  // No visible upload: the first script that receives the credential.
  assert.deepEqual(
    only("token-upload", jobEnv("./scripts/upload")).map((f) => f.subject),
    ["t.yml#release/steps[0]#token-upload"],
  );
  // A visible `twine upload`: that step only.
  assert.deepEqual(
    only("token-upload", jobEnv("twine upload dist/*")).map((f) => f.subject),
    ["t.yml#release/steps[1]#token-upload"],
  );
});

Deno.test("unsecure-commands: switched on through a matrix entry spread into env", () => {
  const text = (value: string) =>
    `on: pull_request
permissions: {}
jobs:
  legacy:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        env:
          - ACTIONS_ALLOW_UNSECURE_COMMANDS: ${value}
    steps:
      - run: echo "::add-path::/opt/tool"
        env: \${{ matrix.env }}
`;
  assert.deepEqual(
    only("unsecure-commands", text("true")).map((f) => f.subject),
    ["t.yml#legacy#unsecure-commands"],
  );
  assert.equal(only("unsecure-commands", text('"true"')).length, 1);
  assert.deepEqual(only("unsecure-commands", text("false")), []);
});

Deno.test("publish-without-environment: not judged in a composite action (the caller's job has it)", () => {
  const action = `name: upload
description: upload dists
runs:
  using: composite
  steps:
    - uses: ${PUB}
      with:
        password: \${{ inputs.token }}
`;
  assert.deepEqual(only("publish-without-environment", action), []);
  // The token upload inside the action is still reported.
  assert.equal(only("token-upload", action).length, 1);
  // The same publishing step in a workflow job without environment is.
  const workflow = `on: release
permissions: {}
jobs:
  upload:
    runs-on: ubuntu-latest
    steps:
      - uses: ${PUB}
`;
  assert.equal(only("publish-without-environment", workflow).length, 1);
});

Deno.test("cache-in-release: setup-buildx-action caches a downloaded buildx", () => {
  const BUILDX = "docker/setup-buildx-action@e468171a9de216ec08956ac3ada2f0791b6bd435";
  const release = (withBlock: string) =>
    `on:
  release:
    types: [published]
permissions: {}
jobs:
  image:
    runs-on: ubuntu-latest
    steps:
      - uses: ${BUILDX}
${withBlock}`;
  const hit = only("cache-in-release", release("        with:\n          version: v0.19.3\n"));
  assert.equal(hit.length, 1);
  assert.match(hit[0].message, /setup-buildx-action/);
  // Switched off, or no download (the runner's own buildx): nothing restored.
  assert.deepEqual(
    only(
      "cache-in-release",
      release("        with:\n          version: v0.19.3\n          cache-binary: false\n"),
    ),
    [],
  );
  assert.deepEqual(only("cache-in-release", release("")), []);
});

const UV = "astral-sh/setup-uv@20cfd1bf945f4377ade1205e4dbc17946fc9a30d";

Deno.test("cache-in-release: setup-uv's default cache depends on its major version and the event", () => {
  const wf = (on: string, comment: string, withBlock = "") =>
    `on:
${on}
permissions: {}
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: ${UV} # ${comment}
${withBlock}      - run: uv build
`;
  const tags = '  push:\n    tags: ["v*"]';
  const release = "  release:\n    types: [published]";
  const count = (text: string) => only("cache-in-release", text).length;
  assert.equal(count(wf(tags, "v3.2.0")), 0, "before v5 the cache is opt-in");
  assert.equal(count(wf(tags, "v6.0.0")), 1, "v5 to v9: on by default");
  assert.equal(count(wf(tags, "v10.0.1")), 1, "v10: still on for tag pushes");
  assert.equal(count(wf(release, "v10.0.1")), 0, "v10: off on release events");
  assert.equal(
    count(wf(`${release}\n  workflow_dispatch:`, "v10.0.1")),
    1,
    "v10: on again when another trigger can run the release",
  );
  // `auto` is the default, whatever it means for that version.
  const auto = "        with:\n          enable-cache: auto\n";
  assert.equal(count(wf(release, "v10.0.1", auto)), 0);
  assert.equal(count(wf(tags, "v6.0.0", auto)), 1);
  assert.equal(count(wf(tags, "v3.2.0", "        with:\n          enable-cache: true\n")), 1);
});

Deno.test("publish job: a release script handed TWINE_PASSWORD is one, even off a tag trigger", () => {
  const text = (environment: string) =>
    `on: [push, workflow_dispatch]
jobs:
  release:
    if: startsWith(github.ref, 'refs/tags/')
    runs-on: ubuntu-latest
${environment}    steps:
      - run: python -m pip install tox
      - run: tox -e release
        env:
          TWINE_PASSWORD: \${{ secrets.PYPI_TOKEN }}
`;
  assert.equal(only("publish-without-environment", text("")).length, 1);
  // Publishing makes it a release workflow, whose secrets belong in an environment.
  assert.equal(only("secrets-outside-environment", text("")).length, 1);
  const protectedJob = text("    environment: pypi\n");
  assert.deepEqual(only("publish-without-environment", protectedJob), []);
  assert.deepEqual(only("secrets-outside-environment", protectedJob), []);
});

Deno.test("bot-condition: not when the pull request's author and head repository are checked too", () => {
  const text = (cond: string) =>
    `on: pull_request_target
permissions: {}
jobs:
  merge:
    if: ${cond}
    runs-on: ubuntu-latest
    steps:
      - run: echo ok
`;
  const author =
    "github.event.pull_request.user.login == 'dependabot[bot]' && github.repository == github.event.pull_request.head.repo.full_name";
  assert.deepEqual(
    only("bot-condition", text(`github.actor == 'dependabot[bot]' && ${author}`)),
    [],
  );
  // An `||` lets the spoofable actor test pass on its own.
  assert.equal(
    only(
      "bot-condition",
      text(
        "github.actor == 'dependabot[bot]' || github.event.pull_request.user.login == 'dependabot[bot]'",
      ),
    ).length,
    1,
  );
  assert.equal(only("bot-condition", text("github.actor == 'dependabot[bot]'")).length, 1);
});

Deno.test("script-injection: string inputs of a reusable workflow are a sink, typed ones are not", () => {
  const text = (trigger: string, type: string) =>
    `on:
  ${trigger}:
    inputs:
      label:
        type: ${type}
permissions: {}
jobs:
  tag:
    runs-on: ubuntu-latest
    steps:
      - run: echo "labelling \${{ inputs.label }}"
`;
  const hit = only("script-injection", text("workflow_call", "string"));
  assert.equal(hit.length, 1);
  assert.equal(hit[0].severity, "high");
  assert.match(hit[0].message, /reusable-workflow string input/);
  assert.deepEqual(only("script-injection", text("workflow_call", "boolean")), []);
  // workflow_dispatch inputs come from people with write access.
  assert.deepEqual(only("script-injection", text("workflow_dispatch", "string")), []);
});

Deno.test("script-injection: event data next to a composite input keeps the finding critical", () => {
  const action = (extra: string) =>
    `name: notes
description: write notes
runs:
  using: composite
  steps:
    - uses: actions/github-script@60a0d83039c74a4aee543508d2ffcb1c3799cdea
      with:
        script: |
          const target = "\${{ inputs.target }}";${extra}
`;
  assert.equal(only("script-injection", action(""))[0].severity, "high");
  const both = only(
    "script-injection",
    action('\n          const t = "${{ github.event.issue.title }}";'),
  );
  assert.equal(both[0].severity, "critical");
  assert.match(both[0].message, /github\.event\.issue\.title/);
});

Deno.test("checkout-credentials-persisted: the pull request fetched by `gh pr checkout` in a script", () => {
  const text = (on: string, persist: string) =>
    `on: ${on}
permissions:
  contents: write
jobs:
  refresh:
    runs-on: ubuntu-latest
    steps:
      - uses: ${CO}
${persist}      - run: gh pr checkout \${{ github.event.pull_request.number }}
        env:
          GH_TOKEN: \${{ github.token }}
      - run: make lock
`;
  assert.deepEqual(
    only("checkout-credentials-persisted", text("pull_request_target", "")).map((f) => f.subject),
    ["t.yml#refresh/steps[0]#persist-credentials"],
  );
  const off = "        with:\n          persist-credentials: false\n";
  assert.deepEqual(only("checkout-credentials-persisted", text("pull_request_target", off)), []);
  // On `pull_request` the token is read-only and holds no secrets: not judged here.
  assert.deepEqual(only("checkout-credentials-persisted", text("pull_request", "")), []);
});
