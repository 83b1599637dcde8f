/**
 * `main.ts access`: who could push to the default branch or publish to PyPI on a given date,
 * answered from the ledger alone (the `access.changed` history the access job records).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { openLedgerReader } from "../ledger/mod.ts";
import { accessAt, type AccessSnapshot, type TimedEvent } from "../state/access_at.ts";
import { UsageError } from "../runtime.ts";
import { safeText } from "../http.ts";

const HELP = `Usage: main.ts access --project NAME [--at DATE] [--ledger PATH] [--json]

Who could push to the default branch or publish to PyPI at DATE (default: now), replayed
from the ledger's access.changed events.

Options:
  --project NAME  the project (as configured)
  --at DATE       an RFC 3339 date or time (2026-03-24 or 2026-03-24T10:52:00Z)
  --ledger PATH   the ledger folder (default: ledger/data)
  --json          print the snapshot as JSON`;

/** Render a snapshot for a terminal; upstream names are sanitized. */
export function renderSnapshot(project: string, snap: AccessSnapshot): string {
  const lines = [
    `${safeText(project, 100)} at ${snap.at} (${snap.events} access.changed event(s)${
      snap.asOf ? `, last ${snap.asOf}` : ""
    })`,
  ];
  if (snap.events === 0) lines.push("  no access history recorded before this date");
  if (snap.incomplete) {
    lines.push("  incomplete: some areas were never stated in full before this date");
  }
  lines.push("  could push to the default branch:");
  for (const p of snap.push) lines.push(`    ${safeText(p.who, 100)} (${p.via}, ${p.role})`);
  if (snap.push.length === 0) lines.push("    (none recorded)");
  lines.push("  could publish to PyPI:");
  for (const p of snap.publish) lines.push(`    ${safeText(p.who, 100)} (${p.role})`);
  if (snap.publish.length === 0) lines.push("    (none recorded)");
  if (snap.invitations.length) {
    lines.push("  pending invitations:");
    for (const p of snap.invitations) lines.push(`    ${safeText(p.who, 100)} (${p.role})`);
  }
  if (snap.org2fa) {
    lines.push(
      `  organization ${safeText(snap.org2fa.org, 100)} requires 2FA: ${snap.org2fa.required}`,
    );
  }
  return lines.join("\n");
}

/** Entry point of `main.ts access`. */
export async function runAccess(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      project: { type: "string" },
      at: { type: "string" },
      ledger: { type: "string", default: "ledger/data" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!values.project) throw new UsageError("--project is required");
  const at = values.at === undefined ? new Date() : new Date(values.at);
  if (Number.isNaN(at.getTime())) throw new UsageError("--at: expected a date such as 2026-03-24");
  const reader = await openLedgerReader({ store: "file", path: values.ledger });
  const events: TimedEvent[] = [];
  try {
    for await (const { entry } of reader.entries()) {
      if (Date.parse(entry.time) > at.getTime()) break;
      if (entry.kind === "access.changed" && entry.body.project === values.project) {
        events.push({ time: entry.time, kind: entry.kind, body: entry.body });
      }
    }
  } finally {
    await reader.close();
  }
  const snap = accessAt(events, at, values.project);
  console.log(values.json ? JSON.stringify(snap, null, 2) : renderSnapshot(values.project, snap));
  return 0;
}
