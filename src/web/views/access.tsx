/**
 * "Who could push or publish on date X" for one project, replayed from the ledger's
 * `access.changed` history. Every name is upstream text and rendered escaped.
 *
 * @module
 */
import { U } from "./parts.tsx";
import type { AccessSnapshot } from "../../state/access_at.ts";

/** Props of {@link AccessPage}. */
export interface AccessPageProps {
  name: string;
  snapshot: AccessSnapshot;
  /** Ledger indexes of the events replayed (for links). */
  indexes: number[];
  /** The history was longer than the page replays. */
  capped: boolean;
}

function People(props: { rows: { who: string; detail: string }[]; empty: string }) {
  if (props.rows.length === 0) return <p>{props.empty}</p>;
  return (
    <ul>
      {props.rows.slice(0, 500).map((r) => (
        <li>
          <code>
            <U text={r.who} max={100} />
          </code>{" "}
          (<U text={r.detail} max={60} />)
        </li>
      ))}
    </ul>
  );
}

/** The page. */
export function AccessPage(props: AccessPageProps) {
  const { snapshot: s, name } = props;
  const enc = encodeURIComponent(name);
  return (
    <>
      <h1>
        Access to{" "}
        <a href={`/projects/${enc}`}>
          <U text={name} max={200} />
        </a>
      </h1>
      <form method="get" action={`/projects/${enc}/access`}>
        <label>
          As of <input type="date" name="at" value={s.at.slice(0, 10)} />
        </label>{" "}
        <button type="submit">Show</button>
      </form>
      <p>
        State at <time datetime={s.at}>{s.at}</time>, from {s.events} <code>access.changed</code>
        {" "}
        ledger event(s){s.asOf ? `, the last at ${s.asOf}` : ""}.
        {s.incomplete && " Incomplete: some areas were never stated in full before this date."}
        {props.capped && " Only the newest events were replayed."}
      </p>
      <section aria-labelledby="push">
        <h2 id="push">Could push to the default branch</h2>
        <People
          rows={s.push.map((p) => ({ who: p.who, detail: `${p.via}, ${p.role}` }))}
          empty="Nobody recorded."
        />
      </section>
      <section aria-labelledby="publish">
        <h2 id="publish">Could publish to PyPI</h2>
        <People
          rows={s.publish.map((p) => ({ who: p.who, detail: p.role }))}
          empty="Nobody recorded."
        />
      </section>
      {s.invitations.length > 0 && (
        <section aria-labelledby="invitations">
          <h2 id="invitations">Pending invitations</h2>
          <People rows={s.invitations.map((p) => ({ who: p.who, detail: p.role }))} empty="" />
        </section>
      )}
      {s.org2fa && (
        <p>
          Organization{" "}
          <code>
            <U text={s.org2fa.org} max={100} />
          </code>{" "}
          {s.org2fa.required ? "requires" : "does not require"} two-factor authentication.
        </p>
      )}
      <p>
        Replayed events:{" "}
        {props.indexes.slice(0, 50).map((i) => (
          <a href={`/ledger/proof/inclusion?index=${i}`}>#{i}</a>
        ))
          .reduce<unknown[]>((acc, a) => acc.length ? [...acc, " ", a] : [a], [])}
      </p>
    </>
  );
}
