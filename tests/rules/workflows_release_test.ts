import assert from "node:assert/strict";
import { cacheUse, tokenUpload } from "../../rules/workflows.ts";
import { CO, judge, only, wf } from "./_workflow_fixtures.ts";

const step = (uses: string, w: Record<string, string> = {}) => ({
  index: 0,
  uses,
  with: w,
  env: {},
});

Deno.test("cache providers: inputs, defaults by version, expressions", () => {
  assert.equal(cacheUse(step("actions/setup-python@v5")), undefined);
  assert.match(cacheUse(step("actions/setup-python@v5", { cache: "pip" })) ?? "", /cache: pip/);
  assert.match(cacheUse(step("actions/setup-node@v5")) ?? "", /package-manager-cache/);
  assert.equal(
    cacheUse(step("actions/setup-node@v5", { "package-manager-cache": "false" })),
    undefined,
  );
  assert.equal(cacheUse(step("actions/setup-node@v4")), undefined);
  assert.ok(cacheUse(step("actions/setup-go@v5")));
  assert.equal(cacheUse(step("actions/setup-go@v3")), undefined);
  assert.ok(cacheUse(step("astral-sh/setup-uv@v6")));
  assert.equal(cacheUse(step("astral-sh/setup-uv@v6", { "enable-cache": "false" })), undefined);
  assert.ok(cacheUse(step("astral-sh/setup-uv@v10", { "enable-cache": "true" })));
  assert.equal(cacheUse(step("astral-sh/setup-uv@v10")), undefined);
  assert.ok(cacheUse(step("PyO3/maturin-action@v1", { sccache: "true" })));
  assert.equal(cacheUse(step("PyO3/maturin-action@v1")), undefined);
  assert.ok(cacheUse(step("Mozilla-Actions/sccache-action@v0.0.9")));
  assert.ok(cacheUse(step("docker/build-push-action@v6", { "cache-from": "type=gha" })));
  assert.equal(
    cacheUse(step("docker/build-push-action@v6", { "cache-from": "type=registry" })),
    undefined,
  );
  assert.equal(cacheUse(step("actions/cache@v4", { "lookup-only": "true" })), undefined);
  assert.ok(cacheUse(step("actions/cache/restore@v4")));
  const guarded = "${{ !startsWith(github.ref, 'refs/tags/') }}";
  const tagsOnly = wf(`on:\n  push:\n    tags: ["v*"]\njobs: {}\n`);
  const tagsAndBranch = wf(`on:\n  push:\n    tags: ["v*"]\n    branches: [release]\njobs: {}\n`);
  const uv = step("astral-sh/setup-uv@v6", { "enable-cache": guarded });
  assert.equal(cacheUse(uv, tagsOnly), undefined);
  // A release branch also triggers the workflow: the guard no longer proves the cache off.
  assert.ok(cacheUse(uv, tagsAndBranch));
  // A SHA pin's version comment tells setup-node v5 apart.
  const sha = "a0853c24544627f65ddf259abe73b1d18a591444";
  const w = wf(
    `on: release\njobs:\n  b:\n    runs-on: x\n    steps:\n      - uses: actions/setup-node@${sha} # v5.0.0\n      - uses: actions/setup-node@${sha} # v4.4.0\n`,
  );
  assert.equal(w.jobs[0].steps[0].usesComment, "v5.0.0");
  assert.ok(cacheUse(w.jobs[0].steps[0]));
  assert.equal(cacheUse(w.jobs[0].steps[1]), undefined);
  assert.ok(cacheUse(step("astral-sh/setup-uv@v6", { "enable-cache": "${{ inputs.cache }}" })));
});

Deno.test("cache-in-release: release branches, GitHub releases, not plain CI", () => {
  const text = (on: string, last = "") =>
    `on:\n${on}\npermissions: {}\njobs:\n  b:\n    runs-on: x\n    steps:\n      - uses: actions/cache@5a3ec84eff668545956fd18022155c47e93e2684\n        with:\n          path: x\n          key: x\n${last}`;
  assert.equal(only("cache-in-release", text('  push:\n    branches: ["release/**"]')).length, 1);
  assert.equal(only("cache-in-release", text("  push:\n    branches: [main]")).length, 0);
  assert.equal(
    only("cache-in-release", text("  workflow_dispatch:", "      - run: gh release create v1\n"))
      .length,
    1,
  );
  // `cache-mode: none` at the top or in the job switches the cache off.
  const released = text("  release:");
  assert.equal(only("cache-in-release", released).length, 1);
  assert.equal(only("cache-in-release", `cache-mode: none\n${released}`).length, 0);
  const jobOff = released.replace("    runs-on: x\n", "    runs-on: x\n    cache-mode: none\n");
  assert.equal(only("cache-in-release", jobOff).length, 0);
});

Deno.test("token-upload: every publisher, continuations, trusted publishing exempt", () => {
  const job = (run: string, perms = "") =>
    wf(
      `on: push\npermissions: {}\njobs:\n  p:\n    runs-on: x\n${perms}    steps:\n      - run: ${
        JSON.stringify(run)
      }\n`,
    );
  const how = (run: string, perms = "") => {
    const w = job(run, perms);
    return tokenUpload(w, w.jobs[0], w.jobs[0].steps[0]);
  };
  const idToken = "    permissions:\n      id-token: write\n";
  assert.match(how("twine upload dist/*") ?? "", /twine upload/);
  assert.match(how("python -m \\\n  twine \\\n  upload dist/*") ?? "", /twine/);
  assert.match(how("pipx run twine==6.1.0 upload dist/*") ?? "", /twine/);
  assert.match(how("poetry publish --build") ?? "", /poetry/);
  assert.match(how("flit publish") ?? "", /flit/);
  assert.match(how("hatch publish") ?? "", /hatch/);
  assert.match(how("uv publish") ?? "", /without trusted publishing/);
  assert.equal(how("uv publish", idToken), undefined);
  assert.equal(how("uv publish --trusted-publishing always"), undefined);
  assert.equal(how("pdm publish", idToken), undefined);
  assert.equal(how("twine check dist/*"), undefined);
});

Deno.test("checkout-credentials-persisted: workspace uploads and untrusted code only", () => {
  const text = (persist: string, path: string) =>
    `on: push\npermissions: {}\njobs:\n  t:\n    runs-on: x\n    steps:\n      - uses: ${CO}\n${persist}      - uses: actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02\n        with:\n          path: ${path}\n`;
  assert.equal(only("checkout-credentials-persisted", text("", ".")).length, 1);
  assert.equal(
    only("checkout-credentials-persisted", text("", "${{ github.workspace }}")).length,
    1,
  );
  assert.equal(only("checkout-credentials-persisted", text("", "dist/")).length, 0);
  const off = "        with:\n          persist-credentials: false\n";
  assert.equal(only("checkout-credentials-persisted", text(off, ".")).length, 0);
});

Deno.test("dangerous-trigger: secrets or write tokens even without a head checkout", () => {
  const text = (perms: string, env = "") =>
    `on: pull_request_target\n${perms}jobs:\n  t:\n    runs-on: x\n    steps:\n      - ${env}run: echo hi\n`;
  assert.equal(only("dangerous-trigger", text("permissions: {}\n")).length, 0);
  assert.equal(only("dangerous-trigger", text("")).length, 1); // default token
  assert.equal(only("dangerous-trigger", text("permissions:\n  contents: write\n")).length, 1);
  assert.equal(
    only(
      "dangerous-trigger",
      text("permissions: {}\n", "env:\n          T: ${{ secrets.BOT }}\n        "),
    ).length,
    1,
  );
  assert.equal(
    only("dangerous-trigger", text("").replace("pull_request_target", "pull_request")).length,
    0,
  );
});

Deno.test("bot-condition, permissions-read-all, unpinned-image", () => {
  const bot = (cond: string, on = "pull_request_target") =>
    only(
      "bot-condition",
      `on: ${on}\npermissions: {}\njobs:\n  t:\n    runs-on: x\n    if: ${cond}\n    steps:\n      - run: echo\n`,
    );
  assert.equal(bot("github.actor == 'dependabot[bot]'")[0]?.severity, "high");
  assert.equal(bot("github['actor'] == 'renovate[bot]'").length, 1);
  assert.equal(bot("github.ACTOR == 'dependabot[bot]'", "push")[0]?.severity, "medium");
  assert.equal(bot("github.actor == 'octocat'").length, 0);
  assert.equal(bot("github.event.pull_request.user.login == 'dependabot[bot]'").length, 0);

  const perms = (p: string) =>
    only(
      "permissions-read-all",
      `on: push\npermissions: ${p}\njobs:\n  t:\n    runs-on: x\n    steps: []\n`,
    );
  assert.equal(perms("read-all").length, 1);
  assert.equal(perms("{}").length, 0);

  const digest = `@sha256:${"a".repeat(64)}`;
  const img = (container: string, uses: string) =>
    only(
      "unpinned-image",
      `on: push\npermissions: {}\njobs:\n  t:\n    runs-on: x\n    container: ${container}\n    services:\n      db:\n        image: postgres${digest}\n    steps:\n      - uses: ${uses}\n`,
    );
  assert.equal(img("python:3.12", "docker://alpine:3.20").length, 2);
  assert.equal(img(`python${digest}`, `docker://alpine${digest}`).length, 0);
  // Images are not reported as unpinned actions any more.
  assert.equal(
    judge(
      `on: push\npermissions: {}\njobs:\n  t:\n    runs-on: x\n    steps:\n      - uses: docker://alpine:3\n`,
    )
      .filter((f) => f.rule === "workflows/unpinned-action").length,
    0,
  );
});
