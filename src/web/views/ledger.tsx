/**
 * `/ledger`: paged, filtered browsing of ledger entries through the KV index.
 *
 * @module
 */
import type { IndexRecord } from "../../state/ledger_index.ts";
import { truncate } from "../../display.ts";
import { EntryTable } from "./parts.tsx";

/** Kinds offered in the filter. */
export const KNOWN_KINDS = [
  "finding.opened",
  "finding.resolved",
  "finding.waived",
  "coverage.changed",
  "sweep.completed",
  "sweep.incomplete",
  "release.observed",
  "posture.changed",
  "access.changed",
];

/** Props of {@link LedgerPage}. */
export interface LedgerPageProps {
  kind?: string;
  project?: string;
  records: IndexRecord[];
  olderBefore?: number;
  ledgerSize: number;
  treeSize: number;
  now: Date;
  /** The C2SP verifier key subscribers pin (also at `/ledger/key`). */
  verifierKey?: string;
}

function kindOption(kind: string, selected: boolean) {
  return <option value={kind} selected={selected}>{kind}</option>;
}

/** The ledger browsing page body. */
export function LedgerPage(props: LedgerPageProps) {
  const query = new URLSearchParams();
  if (props.kind) query.set("kind", props.kind);
  if (props.project) query.set("project", props.project);
  if (props.olderBefore !== undefined) query.set("before", String(props.olderBefore));
  return (
    <>
      <h1>Ledger</h1>
      <p>
        {props.ledgerSize} entries. Raw lines:{" "}
        <a href="/ledger/entries?from=0&to=100">
          /ledger/entries
        </a>; signed head: <a href="/ledger/checkpoint">/ledger/checkpoint</a>.
      </p>
      {props.verifierKey && (
        <p>
          Verifier key (<a href="/ledger/key">/ledger/key</a>): <code>{props.verifierKey}</code>
        </p>
      )}
      <form method="get" action="/ledger" role="search" aria-label="Filter ledger entries">
        <label>
          Kind
          <select name="kind">
            <option value="">any</option>
            {KNOWN_KINDS.map((k) => kindOption(k, k === props.kind))}
          </select>
        </label>
        <label>
          Project
          <input name="project" value={truncate(props.project ?? "", 200)} maxlength={200} />
        </label>
        <button type="submit">Filter</button>
      </form>
      <EntryTable
        records={props.records}
        treeSize={props.treeSize}
        now={props.now}
        caption="Newest first"
      />
      {props.olderBefore !== undefined && (
        <nav aria-label="Pages">
          <a href={`/ledger?${query}`}>Older entries</a>
        </nav>
      )}
    </>
  );
}
