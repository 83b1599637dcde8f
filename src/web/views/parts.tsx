/**
 * Small view components shared by pages: severities, links, evidence and timelines.
 *
 * @module
 */
import type { Severity } from "../../../rules/types.ts";
import type { Evidence } from "../../../rules/types.ts";
import type { IndexRecord } from "../../state/ledger_index.ts";
import type { OpenFinding } from "../../state/findings.ts";
import { sortFindings } from "../releases.ts";
import {
  displayText,
  formatAge,
  formatUtc,
  jsonPreview,
  safeHttpUrl,
  truncate,
} from "../../display.ts";

/**
 * Upstream text, isolated (`<bdi>`, so right-to-left text cannot reorder what surrounds it)
 * with invisible and reordering characters shown as escapes, bounded to `max` characters.
 *
 * @example
 * ```tsx
 * <U text={finding.subject} max={200} />
 * ```
 */
export function U(props: { text: unknown; max: number }) {
  return <bdi>{displayText(props.text, props.max)}</bdi>;
}

/** Severity label with its color class. */
export function Sev(props: { severity: Severity | undefined }) {
  if (!props.severity) return <span class="muted">—</span>;
  return <span class={`sev ${props.severity}`}>{props.severity}</span>;
}

/** A link to an upstream resource, only when it is http(s); plain text otherwise. */
export function ExternalLink(props: { href: unknown; text?: string }) {
  const href = safeHttpUrl(props.href);
  const text = displayText(props.text ?? (typeof props.href === "string" ? props.href : ""), 300);
  if (!href) return <bdi>{text}</bdi>;
  return (
    <a href={href} rel="noopener noreferrer nofollow">
      <bdi>{text}</bdi>
    </a>
  );
}

/** `<time>` with the absolute UTC time and the age beside it: "2026-03-24 10:52 UTC (3 h ago)". */
export function Age(props: { time: string | undefined; now: Date }) {
  if (!props.time) return <span class="muted">never</span>;
  const t = truncate(props.time, 40);
  return (
    <time datetime={t} title={t}>
      {formatUtc(t)} <span class="muted">({formatAge(t, props.now)} ago)</span>
    </time>
  );
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
          <dt>
            <U text={k} max={60} />
          </dt>
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
                  ? (
                    <a href={`/projects/${encodeURIComponent(r.project)}`}>
                      <U text={r.project} max={200} />
                    </a>
                  )
                  : <span class="muted">—</span>}
              </td>
              <td>
                {r.id
                  ? (
                    <a href={`/findings/${encodeURIComponent(r.id)}`}>
                      <U text={r.rule ?? r.id} max={100} />
                    </a>
                  )
                  : null} {r.subject && (
                  <code>
                    <U text={r.subject} max={200} />
                  </code>
                )}{" "}
                <span>
                  <U text={r.summary} max={300} />
                </span>
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

/**
 * Findings, most severe first then newest, cut to `cap` only after sorting (a critical is never
 * hidden behind lesser findings); waived ones are marked.
 *
 * @example
 * ```tsx
 * <FindingTable findings={open} now={now} caption="Open findings" message cap={500} />
 * ```
 */
export function FindingTable(props: {
  findings: OpenFinding[];
  now: Date;
  caption?: string;
  /** Show a project column. */
  project?: boolean;
  /** Show a message column. */
  message?: boolean;
  cap: number;
}) {
  const sorted = sortFindings(props.findings);
  return (
    <div class="table">
      <table>
        {props.caption && <caption class="muted">{props.caption}</caption>}
        <thead>
          <tr>
            <th scope="col">Severity</th>
            {props.project && <th scope="col">Project</th>}
            <th scope="col">Rule</th>
            <th scope="col">Subject</th>
            {props.message && <th scope="col">Message</th>}
            <th scope="col">Opened</th>
          </tr>
        </thead>
        <tbody>
          {sorted.slice(0, props.cap).map((f) => (
            <tr>
              <td>
                <Sev severity={f.severity} />
                {f.status === "waived" && <span class="muted note">(waived)</span>}
              </td>
              {props.project && (
                <td>
                  <a href={`/projects/${encodeURIComponent(f.project)}`}>
                    <U text={f.project} max={200} />
                  </a>
                </td>
              )}
              <td>
                <a href={`/findings/${encodeURIComponent(f.id)}`}>
                  <U text={f.rule} max={100} />
                </a>
              </td>
              <td>
                <code>
                  <U text={f.subject} max={200} />
                </code>
              </td>
              {props.message && (
                <td>
                  <U text={f.message} max={300} />
                </td>
              )}
              <td>
                <Age time={f.sinceTime} now={props.now} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {sorted.length > props.cap && (
        <p class="muted">{sorted.length - props.cap} less severe finding(s) not shown.</p>
      )}
    </div>
  );
}
