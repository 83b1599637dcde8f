/**
 * `main.ts permissions`: the flags derived from a config, and a child audit that runs with
 * exactly those flags (and fails without one of them).
 */
import { DENO } from "../_deno.ts";
import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { parseConfig } from "../../src/config.ts";
import { permissionFlags, permissionsFor } from "../../src/cli/permissions.ts";
import { startSandbox } from "../../src/sandbox/server.ts";
import { defaultScenario } from "../../src/sandbox/scenarios.ts";
import { demoConfigToml } from "../../src/cli/demo.ts";
import { generateSigningKey } from "../../src/ledger/mod.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

Deno.test("permissions follow the config: hosts, paths, variables", () => {
  const config = parseConfig(`
[upstream]
pypi = "https://pypi.internal.example:8443/"
file_hosts = ["files.internal.example"]
[state]
path = "var/state.kv"
work_dir = "var/work"
[[status.webhook]]
url = "https://hooks.example.com/x"
secret_env = "HOOK_SECRET"
`);
  const audit = permissionsFor(config, "audit", "auditor.toml");
  // The public GitHub API brings its release-asset and attestation-bundle hosts.
  assertEquals(audit.net, [
    "api.github.com",
    "files.internal.example",
    "github.com",
    "objects.githubusercontent.com",
    "pypi.internal.example:8443",
    "release-assets.githubusercontent.com",
    "tmaproduction.blob.core.windows.net",
  ]);
  assertEquals(audit.read, ["auditor.toml", "ledger/data", "var"]);
  // The task form reads the project folder (a config anywhere under it); writes stay narrow.
  const task = permissionsFor(config, "audit", "../elsewhere/a.toml", { task: true });
  assertEquals(task.read, [".", "../elsewhere/a.toml"]);
  assertEquals(task.write, ["ledger/data", "var"]);
  assertEquals(audit.write, ["ledger/data", "var"]);
  assertEquals(audit.env, ["GITHUB_TOKEN", "LEDGER_SIGNING_KEY"]);
  const serve = permissionsFor(config, "serve", "auditor.toml");
  assert(serve.net.includes("127.0.0.1:8000") && serve.net.includes("hooks.example.com"));
  assertEquals(serve.env, [
    "AUDITOR_SWEEP_TOKEN",
    "GITHUB_TOKEN",
    "HOOK_SECRET",
    "LEDGER_SIGNING_KEY",
  ]);

  const deploy = parseConfig(`
[ledger]
store = "kv"
[state]
path = "https://api.deno.com/databases/0000/connect"
work_dir = ":none:"
`);
  const d = permissionsFor(deploy, "audit", "auditor.toml");
  assertEquals(d.write, []);
  assertEquals(d.read, ["auditor.toml"]);
  assert(d.net.includes("api.deno.com") && d.env.includes("DENO_KV_ACCESS_TOKEN"));
  assert(!permissionFlags(d).some((f) => f.startsWith("--allow-write")));
});

Deno.test("an audit runs with exactly the printed flags, and fails without one", async () => {
  const dir = await Deno.makeTempDir({ prefix: "perm-test-" });
  const scenario = await defaultScenario();
  const sandbox = await startSandbox(scenario);
  try {
    const toml = demoConfigToml(
      scenario,
      sandbox,
      `${dir}/run`,
      0,
    );
    await Deno.writeTextFile(`${dir}/auditor.toml`, toml);
    const key = await generateSigningKey("perm.localhost/auditor");
    const printed = await new Deno.Command(DENO, {
      args: [
        "run",
        "--quiet",
        `--allow-read=${dir}`,
        MAIN,
        "permissions",
        "--config",
        `${dir}/auditor.toml`,
      ],
      stdin: "null",
    }).output();
    assertEquals(printed.code, 0, new TextDecoder().decode(printed.stderr));
    const flags = new TextDecoder().decode(printed.stdout).trim().split(" ");
    assertStringIncludes(flags[0], `--allow-net=127.0.0.1:`);
    const audit = (f: string[]) =>
      new Deno.Command(DENO, {
        args: ["run", "--quiet", ...f, MAIN, "audit", "--config", `${dir}/auditor.toml`],
        env: { LEDGER_SIGNING_KEY: key.privateKey, NO_COLOR: "1" },
        stdin: "null",
      }).output();
    const ok = await audit(flags);
    const stderr = new TextDecoder().decode(ok.stderr);
    assert(ok.code === 0 || ok.code === 1 || ok.code === 3, stderr);
    assert(!/permission denied|NotCapable|Requires/i.test(stderr), stderr);
    assertStringIncludes(new TextDecoder().decode(ok.stdout), "content/pth-file");

    const noWrite = await audit(flags.filter((f) => !f.startsWith("--allow-write")));
    assertEquals(noWrite.code, 2);
    assertStringIncludes(new TextDecoder().decode(noWrite.stderr), "permission denied");
  } finally {
    await sandbox.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno.json's audit and serve tasks carry the flags printed for auditor.toml; no -A", async () => {
  const root = new URL("../../", import.meta.url).pathname;
  const tasks = JSON.parse(await Deno.readTextFile(`${root}deno.json`)).tasks as Record<
    string,
    string
  >;
  const config = parseConfig(await Deno.readTextFile(`${root}auditor.toml`));
  const listOf = (flags: string[], name: string) =>
    (flags.find((f) => f.startsWith(`--${name}=`)) ?? "").split("=")[1]?.split(",").sort();
  for (const command of ["audit", "serve"] as const) {
    const task = tasks[command].split(" ");
    const expected = permissionFlags(
      permissionsFor(config, command, "auditor.toml", { task: true }),
    );
    for (const name of ["allow-net", "allow-read", "allow-write", "allow-env"]) {
      assertEquals(listOf(task, name), listOf(expected, name), `${command} --${name}`);
    }
    assert(task.includes("--no-prompt"));
  }
  for (const [name, task] of Object.entries(tasks)) {
    if (name === "test" || name === "bench") continue;
    const flags = task.split(" ");
    assert(!flags.includes("-A") && !flags.includes("--allow-all"), name);
    assert(!flags.includes("--allow-net") && !flags.includes("--allow-write"), name);
  }
});
