/**
 * A two-sweep harness for control scenarios: the default sandbox scenario, a real file ledger
 * and KV, `runSweep` of one job, then a change to the sandbox, then another sweep. Shared by
 * the controls tests.
 */
import type { Scenario } from "../src/sandbox/scenario.ts";
import { runSweep } from "../src/audit.ts";
import { openSandboxRuntime } from "./_sandbox_runtime.ts";
import type { Job } from "../src/observations/job.ts";
import { listFindings, type OpenFinding } from "../src/state/findings.ts";

/** A running two-sweep harness. */
export interface SweepHarness {
  scenario: Scenario;
  githubUrl: string;
  /** Run the job over the named project; returns its open (and waived) findings afterwards. */
  sweep(job: Job<unknown>, project?: string): Promise<OpenFinding[]>;
  /** Add a waiver to a project of the running config (a maintainer's decision). */
  waive(project: string, rule: string, subject: string, reason: string): void;
  /** Ledger entries of a kind. */
  entries(kind: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/** Start the default scenario (optionally edited first) with a ledger in a temp folder. */
export async function sweepHarness(
  edit: (scenario: Scenario) => void | Promise<void> = () => {},
  configEdit: (toml: string) => string = (t) => t,
): Promise<SweepHarness> {
  const { scenario, sandbox, rt, close } = await openSandboxRuntime(
    "controls-test-",
    edit,
    configEdit,
  );
  return {
    scenario,
    githubUrl: sandbox.githubUrl,
    async sweep(job, project = "acme-hardened") {
      const projects = rt.config.project.filter((p) => p.name === project);
      await runSweep(job, projects, rt);
      return await listFindings(rt.kv, project);
    },
    waive(project, rule, subject, reason) {
      const p = rt.config.project.find((x) => x.name === project);
      if (!p) throw new Error(`no project ${project}`);
      p.waiver.push({ rule, subject, reason, expires: new Date("2099-01-01T00:00:00Z") });
    },
    async entries(kind) {
      const out: Record<string, unknown>[] = [];
      for await (const s of rt.ledger.entries()) {
        if (s.entry.kind === kind) out.push(s.entry.body as Record<string, unknown>);
      }
      return out;
    },
    close,
  };
}

/** Rule ids of findings, sorted and unique. */
export function ruleIds(findings: { rule: string }[]): string[] {
  return [...new Set(findings.map((f) => f.rule))].sort();
}
