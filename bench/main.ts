/**
 * `deno task bench`: run every benchmark script, each in its own process (so peak RSS is its
 * own), and print their figures. `deno task bench ledger inspect` runs only those; other
 * arguments (`--entries 2000`) go to every benchmark that runs.
 *
 * Children are started with `Deno.execPath()` (the running Deno, however it was installed: a
 * `deno` from npx need not be on PATH), so the task has `--allow-run`.
 *
 * Benchmarks are not tests: they print numbers measured on this machine, with ratios against
 * a baseline measured in the same run (openssl, zlib) so the machine's noise cancels out.
 *
 * @module
 */

interface Bench {
  name: string;
  script: string;
  flags: string[];
  args?: string[];
}

const READ_WRITE = ["--allow-read", "--allow-write=out,/tmp", "--allow-env"];

/** The benchmarks, in the order they run. */
export const BENCHES: Bench[] = [
  { name: "ledger", script: "bench/ledger_bench.ts", flags: [...READ_WRITE, "--allow-run"] },
  { name: "inspect", script: "bench/inspect_bench.ts", flags: [...READ_WRITE, "--allow-run"] },
  {
    name: "provenance",
    script: "bench/provenance_bench.ts",
    flags: [...READ_WRITE, "--allow-run", "--allow-net=127.0.0.1"],
  },
  {
    name: "posture",
    script: "bench/posture_bench.ts",
    flags: [...READ_WRITE, "--allow-net=127.0.0.1"],
  },
  {
    name: "web",
    script: "bench/web_bench.ts",
    flags: [...READ_WRITE, "--allow-net=127.0.0.1", "--allow-run"],
  },
  {
    name: "sweep",
    script: "bench/sweep_bench.ts",
    flags: [...READ_WRITE, "--allow-net=127.0.0.1", "--allow-run"],
  },
];

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

if (import.meta.main) {
  const names = new Set(BENCHES.map((b) => b.name));
  const only = new Set(Deno.args.filter((a) => names.has(a)));
  const passThrough = Deno.args.filter((a) => !names.has(a));
  let failed = 0;
  for (const bench of BENCHES) {
    if (only.size && !only.has(bench.name)) continue;
    if (!(await exists(bench.script))) {
      console.log(`== ${bench.name}: not present (${bench.script})`);
      continue;
    }
    console.log(`== ${bench.name} (${bench.script})`);
    const status = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", ...bench.flags, bench.script, ...(bench.args ?? []), ...passThrough],
      stdout: "inherit",
      stderr: "inherit",
      stdin: "null",
    }).spawn().status;
    if (!status.success) {
      failed++;
      console.log(`== ${bench.name}: exited ${status.code}`);
    }
  }
  Deno.exit(failed ? 1 : 0);
}
