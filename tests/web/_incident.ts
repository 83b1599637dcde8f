/**
 * An incident as the ledger records it, for the responder's pages and their screenshots: a
 * project whose two newest releases were published outside trusted publishing, one with a
 * `.pth` credential stealer in its wheel, with older resolved and waived findings and a
 * wheel member whose name hides behind U+202E.
 *
 * @module
 */
import { type Config, ConfigSchema } from "../../src/config.ts";
import type { LedgerEventInput, LedgerStore } from "../../src/ledger/types.ts";
import { RULES } from "../../rules/catalog.ts";
import type { RuleMeta } from "../../rules/types.ts";
import { appendAll, NOW, realLedger } from "./_fixtures.ts";

/** Finding ids of the incident. */
export const INCIDENT_IDS = {
  pth: "a1b2c3d4e5f60718",
  rlo: "b1b2c3d4e5f60718",
  prov7: "c1b2c3d4e5f60718",
  prov8: "d1b2c3d4e5f60718",
  tag7: "e1b2c3d4e5f60718",
  bypass: "f1b2c3d4e5f60718",
  forcePush: "0102c3d4e5f60718",
  waived: "1102c3d4e5f60718",
};

const DAY = 86_400_000;
const at = (msBeforeNow: number) => new Date(NOW.getTime() - msBeforeNow);
const sha = (c: string) => c.repeat(64).slice(0, 64);

/** The incident's config: one project with a trusted publisher and a GitHub repository. */
export function incidentConfig(): Config {
  return ConfigSchema.parse({
    status: { title: "Release audit", base_url: "https://audit.example.org" },
    project: [{
      name: "litellm",
      github: "BerriAI/litellm",
      publisher: { repository: "BerriAI/litellm", workflow: "publish.yml", environment: "pypi" },
    }],
  });
}

/** The rule catalog (the real one). */
export const INCIDENT_RULES: RuleMeta[] = [...RULES];

function release(version: string, uploaded: Date, files: [string, string, number][]) {
  return {
    kind: "release.observed",
    body: {
      project: "litellm",
      version,
      files: files.map(([filename, digest, size]) => ({
        filename,
        sha256: digest,
        size,
        uploadTime: uploaded.toISOString(),
      })),
    },
  };
}

function opened(
  id: string,
  rule: string,
  severity: string,
  subject: string,
  scope: string,
  message: string,
  evidence: Record<string, unknown> = {},
): LedgerEventInput {
  return {
    kind: "finding.opened",
    body: {
      project: "litellm",
      job: rule.startsWith("posture/") ? "repo" : rule.startsWith("parity/") ? "releases" : "pypi",
      id,
      rule,
      severity,
      subject,
      scope,
      message,
      evidence,
    },
  };
}

function sweeps(): LedgerEventInput[] {
  return ["pypi", "releases", "repo", "access"].map((job) => ({
    kind: "sweep.completed",
    body: {
      job,
      sweep: `${job}-last`,
      startedAt: at(5 * 60_000).toISOString(),
      durationMs: 4200,
      projects: 1,
      projectsTotal: 1,
      requests: 12,
      notModified: 9,
      errors: 0,
      opened: 0,
      resolved: 0,
      unobservable: 0,
    },
  }));
}

/** Steps of the incident: when, and what was appended. */
export function incidentSteps(): { at: Date; events: LedgerEventInput[] }[] {
  const whl7 = sha("7a");
  const whl8 = sha("8b");
  return [
    {
      at: at(40 * DAY),
      events: [release("1.82.5", at(40 * DAY), [
        ["litellm-1.82.5-py3-none-any.whl", sha("5a"), 9_412_118],
        ["litellm-1.82.5.tar.gz", sha("5b"), 8_120_554],
      ])],
    },
    {
      at: at(30 * DAY),
      events: [
        opened(
          INCIDENT_IDS.forcePush,
          "posture/branch-force-push-allowed",
          "high",
          "BerriAI/litellm:main",
          "repo:branch",
          "main accepts force pushes",
        ),
        opened(
          INCIDENT_IDS.waived,
          "posture/dependabot-alerts-off",
          "medium",
          "BerriAI/litellm",
          "repo:settings",
          "Dependabot alerts are off",
        ),
      ],
    },
    {
      at: at(29 * DAY),
      events: [{
        kind: "finding.waived",
        body: {
          project: "litellm",
          job: "repo",
          id: INCIDENT_IDS.waived,
          rule: "posture/dependabot-alerts-off",
          severity: "medium",
          subject: "BerriAI/litellm",
          scope: "repo:settings",
          message: "Dependabot alerts are off",
          waiver: { reason: "alerts come from another scanner", expires: "2027-03-01" },
        },
      }],
    },
    {
      at: at(20 * DAY),
      events: [{
        kind: "finding.resolved",
        body: {
          project: "litellm",
          job: "repo",
          id: INCIDENT_IDS.forcePush,
          rule: "posture/branch-force-push-allowed",
          subject: "BerriAI/litellm:main",
          reason: "no longer found",
        },
      }],
    },
    {
      at: at(12 * DAY),
      events: [
        release("1.82.6", at(12 * DAY), [
          ["litellm-1.82.6-py3-none-any.whl", sha("6a"), 9_418_002],
          ["litellm-1.82.6.tar.gz", sha("6b"), 8_126_310],
        ]),
        opened(
          INCIDENT_IDS.bypass,
          "posture/branch-bypass-actor",
          "high",
          "BerriAI/litellm:main",
          "repo:branch",
          "the app ci-bot may bypass the default branch rules",
        ),
      ],
    },
    {
      at: at(2 * DAY + 3 * 3_600_000),
      events: [
        release("1.82.7", at(2 * DAY + 3 * 3_600_000), [[
          "litellm-1.82.7-py3-none-any.whl",
          whl7,
          9_501_377,
        ]]),
        opened(
          INCIDENT_IDS.prov7,
          "provenance/missing",
          "high",
          "litellm-1.82.7-py3-none-any.whl",
          `file:${whl7}`,
          "litellm-1.82.7-py3-none-any.whl: no PEP 740 provenance (uploaded with an API token)",
        ),
        opened(
          INCIDENT_IDS.tag7,
          "parity/tag-missing",
          "high",
          "litellm==1.82.7",
          "release:1.82.7",
          "PyPI version 1.82.7 has no git tag in BerriAI/litellm",
        ),
      ],
    },
    {
      at: at(26 * 3_600_000),
      events: [
        release("1.82.8", at(26 * 3_600_000), [[
          "litellm-1.82.8-py3-none-any.whl",
          whl8,
          9_733_861,
        ]]),
        opened(
          INCIDENT_IDS.pth,
          "content/pth-file",
          "critical",
          "litellm-1.82.8-py3-none-any.whl!litellm_init.pth",
          `file:${whl8}`,
          "litellm_init.pth runs at every interpreter start-up: it imports base64 and exec()s a payload",
          {
            observed: { member: "litellm_init.pth", size: 34_628 },
            expected: "no .pth files",
            url: "https://pypi.org/project/litellm/1.82.8/#files",
          },
        ),
        opened(
          INCIDENT_IDS.rlo,
          "content/unsafe-path",
          "high",
          'litellm-1.82.8-py3-none-any.whl: "\u202EDROCER ni detsil ton si "yp.exe.png',
          `file:${whl8}`,
          'member name "\u202Egnp.exe.py" hides its real extension',
        ),
        opened(
          INCIDENT_IDS.prov8,
          "provenance/missing",
          "high",
          "litellm-1.82.8-py3-none-any.whl",
          `file:${whl8}`,
          "litellm-1.82.8-py3-none-any.whl: no PEP 740 provenance (uploaded with an API token)",
        ),
      ],
    },
    { at: at(5 * 60_000), events: sweeps() },
  ];
}

/** A KV store and a real ledger holding the incident, each step at its own time. */
export async function incidentWorld(): Promise<
  { config: Config; kv: Deno.Kv; ledger: LedgerStore; close(): void }
> {
  let clock = new Date(0);
  const kv = await Deno.openKv(":memory:");
  const { ledger, ledgerKv } = await realLedger(() => clock);
  for (const step of incidentSteps()) {
    clock = step.at;
    await appendAll(kv, ledger, step.events);
  }
  return {
    config: incidentConfig(),
    kv,
    ledger,
    close() {
      kv.close();
      ledgerKv.close();
    },
  };
}
