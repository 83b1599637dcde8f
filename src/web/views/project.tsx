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
import { Age, EntryTable, EvidenceView, ExternalLink, Sev, U } from "./parts.tsx";

/** Most findings and gaps listed on a project page. */
export const PROJECT_LIST_CAP = 500;

/** Props of {@link ProjectPage}. */
export interface ProjectPageProps {
  name: string;
  project?: Project;
  pypiBase: string;
  status: ProjectStatus;
  findings: OpenFinding[];
  gaps: CoverageGap[];
  timeline: IndexRecord[];
  /** `before` cursor of the next (older) timeline page, if any. */
  olderBefore?: number;
  treeSize: number;
  now: Date;
}

/** The project page body. */
export function ProjectPage(props: ProjectPageProps) {
  const { name, project, now } = props;
  const enc = encodeURIComponent(name);
  return (
    <>
      <h1>
        <U text={name} max={200} />
      </h1>
      <p>
        State: <StateCell state={props.status.state} worst={props.status.worst} />{" "}
        <img src={`/badge/${enc}.svg`} alt="" height="20" />
      </p>
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

      <section aria-labelledby="findings">
        <h2 id="findings">Open findings</h2>
        {props.findings.length === 0 ? <p>No open findings.</p> : (
          <div class="table">
            <table>
              <thead>
                <tr>
                  <th scope="col">Severity</th>
                  <th scope="col">Rule</th>
                  <th scope="col">Subject</th>
                  <th scope="col">Message</th>
                  <th scope="col">Since</th>
                </tr>
              </thead>
              <tbody>
                {props.findings.slice(0, PROJECT_LIST_CAP).map((f) => (
                  <tr>
                    <td>
                      <Sev severity={f.severity} />
                      {f.status === "waived" && <span class="muted note">(waived)</span>}
                    </td>
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
                    <td>
                      <U text={f.message} max={300} />
                    </td>
                    <td>
                      <Age time={f.sinceTime} now={now} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      {props.findings.length > PROJECT_LIST_CAP && (
        <p class="muted">{props.findings.length - PROJECT_LIST_CAP} more finding(s) not shown.</p>
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

      <section aria-labelledby="timeline">
        <h2 id="timeline">Timeline</h2>
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
              <dt>Remediation</dt>
              <dd>{props.rule.remediation}</dd>
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
