/**
 * `/`: every project's state at a glance, jobs, open findings and the ledger head.
 *
 * @module
 */
import { SEVERITIES } from "../../../rules/types.ts";
import type { ProjectState, Snapshot } from "../snapshot.ts";
import { displayText, formatDuration } from "../../display.ts";
import { Age, FindingTable, U } from "./parts.tsx";

/** Most findings listed on the home page. */
export const HOME_FINDINGS_CAP = 100;
/** Most projects listed on the home page. */
export const HOME_PROJECTS_CAP = 1000;

const STATE_TEXT: Record<ProjectState, string> = {
  findings: "findings",
  "not-observable": "not observable",
  stale: "stale",
  ok: "ok",
};
const STATE_CLASS: Record<ProjectState, string> = {
  findings: "",
  "not-observable": "na",
  stale: "stale",
  ok: "ok",
};

function numHeader(text: string) {
  return <th scope="col" class="num">{text}</th>;
}

function numCell(n: number) {
  return <td class="num">{n}</td>;
}

/** Project state cell. */
export function StateCell(props: { state: ProjectState; worst?: string }) {
  const cls = props.state === "findings" ? props.worst ?? "" : STATE_CLASS[props.state];
  // "critical findings" and "high findings" read differently, not only in color.
  const text = props.state === "findings" && props.worst
    ? `${props.worst} findings`
    : STATE_TEXT[props.state];
  return <span class={`state ${cls}`}>{text}</span>;
}

/** The home page body. */
export function HomePage(props: { snap: Snapshot; title: string; treeSize: number }) {
  const { snap } = props;
  const projects = snap.projects.slice(0, HOME_PROJECTS_CAP);
  const findings = snap.findings.slice(0, HOME_FINDINGS_CAP);
  return (
    <>
      <h1>
        <U text={props.title} max={200} />
      </h1>
      <p class="muted">
        As of <time datetime={snap.now.toISOString()}>{snap.now.toISOString()}</time>.{" "}
        {snap.projects.length} project(s), {snap.findings.filter((f) => f.status === "open")
          .length} open finding(s), {snap.gaps.length} scope(s) not observable.
      </p>

      <section aria-labelledby="projects">
        <h2 id="projects">Projects</h2>
        <div class="table">
          <table>
            <thead>
              <tr>
                <th scope="col">Project</th>
                <th scope="col">State</th>
                {[...SEVERITIES].reverse().map(numHeader)}
                <th scope="col" class="num">Waived</th>
                <th scope="col" class="num">Not observable</th>
              </tr>
            </thead>
            <tbody>
              {projects.map((p) => (
                <tr>
                  <th scope="row">
                    <a href={`/projects/${encodeURIComponent(p.name)}`}>
                      <U text={p.name} max={200} />
                    </a>
                    {!p.configured && <span class="muted note">(not configured)</span>}
                  </th>
                  <td>
                    <StateCell state={p.state} worst={p.worst} />
                  </td>
                  {[...SEVERITIES].reverse().map((s) => numCell(p.counts[s]))}
                  <td class="num">{p.waived}</td>
                  <td class="num">{p.gaps}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {snap.projects.length > projects.length && (
          <p class="muted">{snap.projects.length - projects.length} more project(s) not shown.</p>
        )}
      </section>

      <section aria-labelledby="jobs">
        <h2 id="jobs">Sweeps</h2>
        <div class="table">
          <table>
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Last sweep</th>
                <th scope="col">Result</th>
                <th scope="col" class="num">Duration</th>
                <th scope="col">Last success</th>
                <th scope="col">Schedule</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {snap.jobs.map((j) => (
                <tr>
                  <th scope="row">{j.job}</th>
                  <td>
                    <Age time={j.last?.time} now={snap.now} />
                  </td>
                  <td>
                    {j.last
                      ? `${j.last.status}, ${j.last.projects}/${j.last.projectsTotal} projects, ${j.last.errors} errors`
                      : "—"}
                  </td>
                  <td class="num">{j.last ? formatDuration(j.last.durationMs) : "—"}</td>
                  <td>
                    <Age time={j.lastOk?.time} now={snap.now} />
                  </td>
                  <td>
                    <code>{j.schedule}</code>
                  </td>
                  <td>
                    {j.stale
                      ? <span class="state stale">{j.lastOk ? "stale" : "never succeeded"}</span>
                      : <span class="state ok">fresh</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section aria-labelledby="findings">
        <h2 id="findings">Open findings</h2>
        {findings.length === 0
          ? <p>No open findings.</p>
          : <FindingTable findings={findings} now={snap.now} project cap={HOME_FINDINGS_CAP} />}
        {snap.findings.length > findings.length && (
          <p class="muted">{snap.findings.length - findings.length} more finding(s) not shown.</p>
        )}
      </section>

      <section aria-labelledby="ledger">
        <h2 id="ledger">Ledger</h2>
        <p>
          <a href="/ledger">{snap.ledgerSize} entries</a>; checkpointed tree size {props.treeSize};
          {" "}
          {snap.indexed} indexed.
        </p>
        {snap.checkpoint
          ? (
            <pre aria-label="Latest signed checkpoint">{displayText(snap.checkpoint, 4000, { multiline: true })}</pre>
          )
          : <p class="muted">The ledger is empty: no checkpoint yet.</p>}
      </section>
    </>
  );
}
