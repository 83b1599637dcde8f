/**
 * Small view components shared by pages: severities, links, evidence and timelines.
 *
 * @module
 */
import type { Severity } from "../../../rules/types.ts";
import type { Evidence } from "../../../rules/types.ts";
import type { IndexRecord } from "../../state/ledger_index.ts";
import { formatAge, jsonPreview, safeHttpUrl, truncate } from "../text.ts";

/** Severity label with its color class. */
export function Sev(props: { severity: Severity | undefined }) {
  if (!props.severity) return <span class="muted">—</span>;
  return <span class={`sev ${props.severity}`}>{props.severity}</span>;
}

/** A link to an upstream resource, only when it is http(s); plain text otherwise. */
export function ExternalLink(props: { href: unknown; text?: string }) {
  const href = safeHttpUrl(props.href);
  const text = truncate(props.text ?? (typeof props.href === "string" ? props.href : ""), 300);
  if (!href) return <span>{text}</span>;
  return <a href={href} rel="noopener noreferrer nofollow">{text}</a>;
}

/** `<time>` with an absolute datetime and a relative age. */
export function Age(props: { time: string | undefined; now: Date }) {
  if (!props.time) return <span class="muted">never</span>;
  const t = truncate(props.time, 40);
  return <time datetime={t} title={t}>{formatAge(t, props.now)} ago</time>;
}

/** Evidence: observed vs expected, the upstream link and any other recorded facts. */
export function EvidenceView(props: { evidence: Evidence | undefined }) {
  const ev = props.evidence;
  if (!ev) return <p class="muted">No evidence recorded.</p>;
  const others = Object.entries(ev).filter(([k]) =>
    k !== "observed" && k !== "expected" && k !== "url"
  ).slice(0, 20);
  return (
    <dl>
      <dt>Observed</dt>
      <dd>
        <pre>{ev.observed === undefined ? "(not recorded)" : jsonPreview(ev.observed, 4000)}</pre>
      </dd>
      <dt>Expected</dt>
      <dd>
        <pre>{ev.expected === undefined ? "(not recorded)" : jsonPreview(ev.expected, 4000)}</pre>
      </dd>
      {ev.url !== undefined && (
        <>
          <dt>Upstream</dt>
          <dd>
            <ExternalLink href={ev.url} />
          </dd>
        </>
      )}
      {others.map(([k, v]) => (
        <>
          <dt>{truncate(k, 60)}</dt>
          <dd>
            <pre>{jsonPreview(v, 2000)}</pre>
          </dd>
        </>
      ))}
    </dl>
  );
}

/** Link to the inclusion proof of a ledger entry in the tree of `size`. */
export function proofHref(index: number, size: number): string {
  return `/ledger/proof/inclusion?index=${index}&size=${size}`;
}

/** Link to the exact stored line of a ledger entry. */
export function entryHref(index: number): string {
  return `/ledger/entries?from=${index}&to=${index + 1}`;
}

/** Table of ledger entries (index records), newest first. */
export function EntryTable(
  props: { records: IndexRecord[]; treeSize: number; now: Date; caption: string },
) {
  if (props.records.length === 0) return <p class="muted">No ledger entries.</p>;
  return (
    <div class="table">
      <table>
        <caption class="muted">{props.caption}</caption>
        <thead>
          <tr>
            <th scope="col" class="num">Index</th>
            <th scope="col">Time</th>
            <th scope="col">Event</th>
            <th scope="col">Project</th>
            <th scope="col">Details</th>
            <th scope="col">Proof</th>
          </tr>
        </thead>
        <tbody>
          {props.records.map((r) => (
            <tr>
              <td class="num">
                <a href={entryHref(r.index)}>{r.index}</a>
              </td>
              <td>
                <Age time={r.time} now={props.now} />
              </td>
              <td>
                {r.kind} {r.severity && <Sev severity={r.severity} />}
              </td>
              <td>
                {r.project
                  ? <a href={`/projects/${encodeURIComponent(r.project)}`}>{r.project}</a>
                  : <span class="muted">—</span>}
              </td>
              <td>
                {r.id
                  ? <a href={`/findings/${encodeURIComponent(r.id)}`}>{r.rule ?? r.id}</a>
                  : null} {r.subject && <code>{truncate(r.subject, 200)}</code>}{" "}
                <span>{truncate(r.summary, 300)}</span>
              </td>
              <td>
                {r.index < props.treeSize
                  ? (
                    <a
                      href={proofHref(r.index, props.treeSize)}
                      aria-label={`Inclusion proof of entry ${r.index}`}
                    >
                      proof
                    </a>
                  )
                  : <span class="muted">pending</span>}
                <br />
                <code class="muted" title={r.leafHash}>{r.leafHash.slice(0, 12)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
