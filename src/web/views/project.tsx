/**
 * `/projects/:name`: one project's state, open findings, gaps and ledger timeline.
 *
 * @module
 */
import type { Project } from "../../config.ts";
import type { CoverageGap, OpenFinding } from "../../state/findings.ts";
import type { IndexRecord } from "../../state/ledger_index.ts";
import type { ProjectStatus } from "../snapshot.ts";
import { StateCell } from "./home.tsx";
import { displayText } from "../../display.ts";
import type { CheckState, ProjectVerdict, ReleaseRow } from "../releases.ts";
import { Timeline, type TimelineData } from "./timeline.tsx";
import { Age, EntryTable, EvidenceView, ExternalLink, FindingTable, Sev, U } from "./parts.tsx";

/** Most findings and gaps listed on a project page (after sorting: criticals first). */
export const PROJECT_LIST_CAP = 500;
/** Most releases listed on a project page (newest first). */
export const PROJECT_RELEASES_CAP = 100;

/** Props of {@link ProjectPage}. */
export interface ProjectPageProps {
  name: string;
  project?: Project;
  pypiBase: string;
  status: ProjectStatus;
  findings: OpenFinding[];
  gaps: CoverageGap[];
  releases: ReleaseRow[];
  verdict: ProjectVerdict;
  timelineData: TimelineData;
  timeline: IndexRecord[];
  /** `before` cursor of the next (older) timeline page, if any. */
  olderBefore?: number;
  treeSize: number;
  now: Date;
}

function CheckCell(props: { check: CheckState }) {
  const c = props.check;
  if (c.state === "finding") {
    return (
      <>
        <Sev severity={c.severity} /> {c.rules.map((r) => <code key={r} class="note">{r}</code>)}
      </>
    );
  }
  if (c.state === "not-checked") return <span class="muted">not checked: {c.reason}</span>;
  if (c.state === "not-observable") {
    return (
      <span class="state na">
        not observable: <U text={c.reason} max={120} />
      </span>
    );
  }
  return <span class="muted">no open finding</span>;
}

const VERDICT_TEXT: Record<ReleaseRow["verdict"], string> = {
  "do-not-install": "do not install",
  review: "review",
  "no-open-finding": "no open finding",
};

/** Each release with its files, digests, provenance, parity and open findings. */
function ReleaseTable(props: { rows: ReleaseRow[]; now: Date }) {
  if (props.rows.length === 0) return <p class="muted">No release observed yet.</p>;
  return (
    <div class="table">
      <table>
        <caption class="muted">
          Releases newest first, from the ledger's release.observed entries and open findings
        </caption>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Verdict</th>
            <th scope="col">Uploaded</th>
            <th scope="col">Files (SHA-256)</th>
            <th scope="col">Provenance</th>
            <th scope="col">Parity</th>
            <th scope="col">Open findings</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.slice(0, PROJECT_RELEASES_CAP).map((r) => (
            <tr>
              <th scope="row">
                <U text={r.version} max={100} />
              </th>
              <td>
                <span class={`state ${r.worst ?? "ok"}`}>{VERDICT_TEXT[r.verdict]}</span>
              </td>
              <td>
                <Age time={r.uploaded} now={props.now} />
              </td>
              <td>
                <ul class="files">
                  {r.files.slice(0, 20).map((f) => (
                    <li>
                      <U text={f.filename} max={200} />{" "}
                      <code class="muted" title={f.sha256}>
                        {displayText(f.sha256, 64).slice(0, 12)}
                      </code>{" "}
                      <span class="muted">{f.size.toLocaleString("en")} B</span>
                    </li>
                  ))}
                  {r.files.length > 20 && <li class="muted">{r.files.length - 20} more</li>}
                </ul>
              </td>
              <td>
                <CheckCell check={r.provenance} />
              </td>
              <td>
                <CheckCell check={r.parity} />
              </td>
              <td>
                {r.findings.length === 0
                  ? <span class="muted">none{r.waived ? ` (${r.waived} waived)` : ""}</span>
                  : (
                    <ul class="files">
                      {r.findings.slice(0, 10).map((f) => (
                        <li>
                          <Sev severity={f.severity} />{" "}
                          <a href={`/findings/${encodeURIComponent(f.id)}`}>
                            <U text={f.rule} max={100} />
                          </a>
                        </li>
                      ))}
                      {r.findings.length > 10 && (
                        <li class="muted">{r.findings.length - 10} more</li>
                      )}
                    </ul>
                  )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.rows.length > PROJECT_RELEASES_CAP && (
        <p class="muted">{props.rows.length - PROJECT_RELEASES_CAP} older release(s) not shown.</p>
      )}
    </div>
  );
}

/** The project page body. */
export function ProjectPage(props: ProjectPageProps) {
  const { name, project, now } = props;
  const enc = encodeURIComponent(name);
  const open = props.findings.filter((f) => f.status !== "waived");
  const waived = props.findings.filter((f) => f.status === "waived");
  return (
    <>
      <h1>
        <U text={name} max={200} />
      </h1>
      <p class={`verdict ${props.verdict.level}`} role="status">
        {displayText(props.verdict.text, 600)}
      </p>
      <p>
        State: <StateCell state={props.status.state} worst={props.status.worst} />{" "}
        <img src={`/badge/${enc}.svg`} alt="" height="20" />
      </p>

      <section aria-labelledby="releases">
        <h2 id="releases">Releases</h2>
        <ReleaseTable rows={props.releases} now={now} />
      </section>

      <section aria-labelledby="findings">
        <h2 id="findings">Open findings</h2>
        {open.length === 0 ? <p>No open findings.</p> : (
          <FindingTable
            findings={open}
            now={now}
            caption="Most severe first, then newest"
            message
            cap={PROJECT_LIST_CAP}
          />
        )}
      </section>

      <section aria-labelledby="picture">
        <h2 id="picture">Timeline</h2>
        <div class="tlwrap">
          <Timeline data={props.timelineData} project={name} />
        </div>
        {props.timelineData.hidden > 0 && (
          <p class="muted">{props.timelineData.hidden} less severe finding(s) not drawn.</p>
        )}
      </section>

      {waived.length > 0 && (
        <section aria-labelledby="waived">
          <h2 id="waived">Waived findings</h2>
          <FindingTable
            findings={waived}
            now={now}
            caption="Accepted by a waiver in the config"
            message
            cap={PROJECT_LIST_CAP}
          />
        </section>
      )}

      <section aria-labelledby="gaps">
        <h2 id="gaps">Not observable</h2>
        {props.gaps.length === 0 ? <p>Every scope was observed.</p> : (
          <div class="table">
            <table>
              <thead>
                <tr>
                  <th scope="col">Job</th>
                  <th scope="col">Scope</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Since</th>
                </tr>
              </thead>
              <tbody>
                {props.gaps.slice(0, PROJECT_LIST_CAP).map((g) => (
                  <tr>
                    <td>{g.job}</td>
                    <td>
                      <code>
                        <U text={g.scope} max={200} />
                      </code>
                    </td>
                    <td>
                      <U text={g.reason} max={300} />
                    </td>
                    <td>
                      <Age time={g.sinceTime} now={now} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section aria-labelledby="about">
        <h2 id="about">About</h2>
        <dl>
          <dt>PyPI</dt>
          <dd>
            <ExternalLink href={`${props.pypiBase}/project/${enc}/`} />
          </dd>
          {project?.github && (
            <>
              <dt>GitHub</dt>
              <dd>
                <ExternalLink href={`https://github.com/${project.github}`} />
              </dd>
            </>
          )}
          {project?.publisher && (
            <>
              <dt>Trusted publisher</dt>
              <dd>
                <code>
                  {project.publisher.repository} / {project.publisher.workflow}
                  {project.publisher.environment ? ` / ${project.publisher.environment}` : ""}
                </code>
              </dd>
            </>
          )}
          <dt>Access</dt>
          <dd>
            <a href={`/projects/${enc}/access`}>Who could push or publish, on any date</a>
          </dd>
          <dt>Feeds</dt>
          <dd>
            <a href={`/projects/${enc}/feed.atom`}>Atom</a> ·{" "}
            <a href={`/projects/${enc}/feed.json`}>JSON Feed</a>
          </dd>
        </dl>
      </section>

      <section aria-labelledby="timeline">
        <h2 id="timeline">Ledger entries</h2>
        <EntryTable
          records={props.timeline}
          treeSize={props.treeSize}
          now={now}
          caption="Ledger entries about this project, newest first"
        />
        {props.olderBefore !== undefined && (
          <p>
            <a href={`/ledger?project=${enc}&before=${props.olderBefore}`}>Older entries</a>
          </p>
        )}
      </section>
    </>
  );
}

/** Props of {@link FindingPage}. */
export interface FindingPageProps {
  id: string;
  /** Latest opened/waived body (from KV when open, else from the ledger). */
  detail?: OpenFinding | {
    project: string;
    rule: string;
    severity: OpenFinding["severity"];
    subject: string;
    message: string;
    evidence?: OpenFinding["evidence"];
  };
  status: "open" | "waived" | "resolved";
  rule?: { title: string; control: string; remediation: string };
  timeline: IndexRecord[];
  treeSize: number;
  now: Date;
}

/** The finding page body. */
export function FindingPage(props: FindingPageProps) {
  const d = props.detail;
  return (
    <>
      <h1>
        Finding <code>{props.id}</code>
      </h1>
      {d && (
        <p class={`verdict ${props.status === "resolved" ? "ok" : d.severity}`} role="status">
          {props.status === "resolved" ? "Resolved" : `${d.severity}, ${props.status}`}:{" "}
          {props.rule?.title ?? <U text={d.rule} max={100} />}
        </p>
      )}
      {d && props.rule && props.status !== "resolved" && (
        <section aria-labelledby="todo">
          <h2 id="todo">What to do</h2>
          <p>{props.rule.remediation}</p>
        </section>
      )}
      {d && (
        <dl>
          <dt>Project</dt>
          <dd>
            <a href={`/projects/${encodeURIComponent(d.project)}`}>
              <U text={d.project} max={200} />
            </a>
          </dd>
          <dt>Status</dt>
          <dd>
            <span class={`state ${props.status === "resolved" ? "ok" : d.severity}`}>
              {props.status}
            </span>
          </dd>
          <dt>Severity</dt>
          <dd>
            <Sev severity={d.severity} />
          </dd>
          {"sinceTime" in d && (
            <>
              <dt>Opened</dt>
              <dd>
                <Age time={d.sinceTime} now={props.now} />
              </dd>
            </>
          )}
          <dt>Rule</dt>
          <dd>
            <code>
              <U text={d.rule} max={100} />
            </code>
            {props.rule && <>: {props.rule.title}</>}
          </dd>
          <dt>Subject</dt>
          <dd>
            <code>
              <U text={d.subject} max={2000} />
            </code>
          </dd>
          <dt>Message</dt>
          <dd>
            <U text={d.message} max={4000} />
          </dd>
          {props.rule && (
            <>
              <dt>Control</dt>
              <dd>{props.rule.control}</dd>
              {props.status === "resolved" && (
                <>
                  <dt>Remediation</dt>
                  <dd>{props.rule.remediation}</dd>
                </>
              )}
            </>
          )}
          {d && "waiver" in d && d.waiver && (
            <>
              <dt>Waiver</dt>
              <dd>
                <U text={d.waiver.reason} max={1000} /> (expires{" "}
                <U text={d.waiver.expires} max={40} />)
              </dd>
            </>
          )}
        </dl>
      )}
      <section aria-labelledby="evidence">
        <h2 id="evidence">Evidence</h2>
        <EvidenceView evidence={d?.evidence} />
      </section>
      <section aria-labelledby="timeline">
        <h2 id="timeline">Timeline</h2>
        <EntryTable
          records={props.timeline}
          treeSize={props.treeSize}
          now={props.now}
          caption="Ledger entries about this finding, newest first, each with its inclusion proof"
        />
      </section>
    </>
  );
}
