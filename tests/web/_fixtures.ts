/**
 * Shared test data for the web tests: a config, a KV store and a ledger seeded with realistic
 * events, some of which carry script and attribute-injection payloads.
 *
 * @module
 */
import { type Config, ConfigSchema } from "../../src/config.ts";
import type { LedgerEventInput, LedgerStore, StoredEntry } from "../../src/ledger/types.ts";
import { applyEntry } from "../../src/state/findings.ts";
import { indexEntry } from "../../src/state/ledger_index.ts";
import type { RuleMeta } from "../../rules/types.ts";
import { generateSigningKey, openLedger } from "../../src/ledger/mod.ts";

/** Payloads that must never execute or break out of their context. */
export const XSS = {
  script: "<script>window.__pwned=1;document.title='PWNED'</script>",
  attr: `"><img src=x onerror="window.__pwned=2;document.title='PWNED'">`,
  js: "javascript:window.__pwned=3;document.title='PWNED'",
  single: `'><svg onload=window.__pwned=4>`,
};

/**
 * Upstream strings that reorder or hide text: a member name with U+202E (RIGHT-TO-LEFT
 * OVERRIDE) that reads as `…whl: "DROCER ni detsil ton si "yp.exe.png`, and one with zero-width,
 * isolate, mark and control characters.
 */
export const HOSTILE = {
  rlo: 'evilpkg-1.0-py3-none-any.whl: "\u202EDROCER ni detsil ton si "yp.exe.png',
  invisible: "pay\u200Bload\u2066x\u2069\u200E\u200F\u061C\uFEFF\u0007\u001B[31m\u2028end",
};

/** The escapes {@link HOSTILE} must be shown with. */
export const HOSTILE_SHOWN = {
  rlo: "\\u{202E}DROCER",
  invisible:
    "pay\\u{200B}load\\u{2066}x\\u{2069}\\u{200E}\\u{200F}\\u{061C}\\u{FEFF}\\u{0007}\\u{001B}[31m\\u{2028}end",
};

/** Raw characters that must appear on no surface. */
export const INVISIBLE_RE =
  // deno-lint-ignore no-control-regex -- the test looks for raw control characters
  /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u061C\u200B-\u200F\u2028-\u202E\u2060-\u2069\uFEFF]/;

/** A finding whose subject and message carry {@link HOSTILE} strings. */
export function hostileFinding(id = "0123456789abcdef"): LedgerEventInput {
  return {
    kind: "finding.opened",
    body: {
      project: "evilpkg",
      job: "pypi",
      id,
      rule: "content/pth-file",
      severity: "critical",
      subject: HOSTILE.rlo,
      scope: "release:1.0",
      message: `member ${HOSTILE.invisible}`,
      evidence: { observed: { member: HOSTILE.rlo }, expected: "no such member" },
    },
  };
}

/** A fixed clock. */
export const NOW = new Date("2026-11-22T12:00:00.000Z");

/** When the seed events are recorded. */
export const SEEDED_AT = new Date(NOW.getTime() - 10 * 60_000);

/** Config of the tests. */
export function testConfig(extra: Record<string, unknown> = {}): Config {
  return ConfigSchema.parse({
    status: { title: "Test auditor", base_url: "https://audit.example.org" },
    project: [
      { name: "goodpkg", github: "good/goodpkg" },
      { name: "evilpkg", github: "evil/evilpkg" },
      { name: "darkpkg" },
    ],
    ...extra,
  });
}

/** Rule catalog of the tests. */
export const RULES: RuleMeta[] = [
  {
    id: "content/pth-file",
    job: "pypi",
    severity: "critical",
    title: "A .pth file ships in a wheel",
    control: "No .pth files in artifacts",
    remediation: "Remove the .pth file and yank the release.",
  },
  {
    id: "repo/branch-protection",
    job: "repo",
    severity: "high",
    title: "Default branch is not protected",
    control: "Protected default branch",
    remediation: "Add a ruleset.",
  },
];

/** Ids used by the seed. */
export const IDS = {
  evil: "00112233aabbccdd",
  resolved: "4455667788990011",
  waived: "aaaabbbbccccdddd",
};

function sweep(job: string, kind: "sweep.completed" | "sweep.incomplete", at: string) {
  return {
    kind,
    body: {
      job,
      sweep: `${job}-${at}`,
      startedAt: at,
      durationMs: 1234,
      projects: 3,
      projectsTotal: 3,
      requests: 10,
      notModified: 2,
      errors: kind === "sweep.completed" ? 0 : 1,
      opened: 1,
      resolved: 0,
      unobservable: 0,
    },
  };
}

/** The seed events, in order. */
export function seedEvents(): LedgerEventInput[] {
  return [
    ...["pypi", "releases", "repo", "access"].map((j) =>
      sweep(j, "sweep.completed", "2026-11-22T11:50:00.000Z")
    ),
    {
      kind: "release.observed",
      body: {
        project: "evilpkg",
        version: `1.0${XSS.script}`,
        files: [{ filename: `evil-1.0.whl${XSS.attr}`, sha256: "ab".repeat(32), size: 10 }],
      },
    },
    {
      kind: "finding.opened",
      body: {
        project: "evilpkg",
        job: "pypi",
        id: IDS.evil,
        rule: "content/pth-file",
        severity: "critical",
        subject: `evilpkg==1.0/evil-1.0.whl!${XSS.attr}.pth`,
        scope: "release:1.0",
        message: `Summary says ${XSS.script} and ${XSS.single}`,
        evidence: {
          observed: { file: `${XSS.attr}.pth`, ruleset: XSS.script },
          expected: "no .pth files",
          url: XSS.js,
          [`${XSS.attr}`]: XSS.script,
        },
      },
    },
    {
      kind: "finding.opened",
      body: {
        project: "goodpkg",
        job: "repo",
        id: IDS.resolved,
        rule: "repo/branch-protection",
        severity: "high",
        subject: "good/goodpkg:main",
        scope: "repo:branch",
        message: "main is not protected",
        evidence: {
          observed: { protected: false },
          expected: { protected: true },
          url: "https://github.com/good/goodpkg/settings/branches",
        },
      },
    },
    {
      kind: "finding.resolved",
      body: {
        project: "goodpkg",
        job: "repo",
        id: IDS.resolved,
        rule: "repo/branch-protection",
        subject: "good/goodpkg:main",
        reason: "no longer found",
      },
    },
    {
      kind: "finding.waived",
      body: {
        project: "goodpkg",
        job: "repo",
        id: IDS.waived,
        rule: "repo/branch-protection",
        severity: "high",
        subject: "good/goodpkg:dev",
        scope: "repo:branch",
        message: "dev is not protected",
        waiver: { reason: "accepted until migration", expires: "2027-01-01" },
      },
    },
    {
      kind: "coverage.changed",
      body: {
        project: "darkpkg",
        job: "repo",
        scope: "repo:*",
        observable: false,
        reason: "token lacks administration:read",
      },
    },
    {
      kind: "posture.changed",
      body: { project: "evilpkg", changes: [{ ruleset: XSS.script }] },
    },
  ];
}

/** A seeded world. */
export interface World {
  config: Config;
  kv: Deno.Kv;
  ledger: LedgerStore;
  stored: StoredEntry[];
}

/**
 * Append events to a ledger and apply them to the state projection and the web index.
 */
export async function appendAll(
  kv: Deno.Kv,
  ledger: LedgerStore,
  events: LedgerEventInput[],
): Promise<StoredEntry[]> {
  const stored = await ledger.append(events);
  for (const s of stored) {
    await applyEntry(kv, s);
    await indexEntry(kv, s);
  }
  return stored;
}

/** Origin of the test ledgers. */
export const ORIGIN = "test.example/ledger";
/** A signing key for the test ledgers. */
export const KEYS = await generateSigningKey(ORIGIN);

/**
 * A real (KV store) ledger in its own in-memory KV, so that closing `ledgerKv` makes the ledger
 * unreadable while the state KV still works.
 */
export async function realLedger(
  now: () => Date = () => SEEDED_AT,
): Promise<{ ledger: LedgerStore; ledgerKv: Deno.Kv }> {
  const ledgerKv = await Deno.openKv(":memory:");
  const ledger = await openLedger({
    store: "kv",
    kv: ledgerKv,
    origin: ORIGIN,
    signingKey: KEYS.privateKey,
    now,
  });
  return { ledger, ledgerKv };
}

/** A fresh state KV, a real ledger and the seed events (recorded ten minutes before NOW). */
export async function seededWorld(): Promise<World & { ledgerKv: Deno.Kv; close(): void }> {
  const kv = await Deno.openKv(":memory:");
  const { ledger, ledgerKv } = await realLedger();
  const stored = await appendAll(kv, ledger, seedEvents());
  const close = () => {
    kv.close();
    try {
      ledgerKv.close();
    } catch { /* already closed */ }
  };
  return { config: testConfig(), kv, ledger, ledgerKv, stored, close };
}

/** Serve an app on an ephemeral loopback port. */
export function serve(fetch: (req: Request) => Response | Promise<Response>) {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, fetch);
  const base = `http://127.0.0.1:${server.addr.port}`;
  return { base, server, close: () => server.shutdown() };
}
