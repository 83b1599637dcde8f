/**
 * A server-rendered SVG timeline of one project: releases as marks on the top lane, each
 * finding as a bar from when it was opened to when it was resolved (or now), colored by
 * severity. No script; every label is upstream text shown through `displayText` and escaped
 * by JSX.
 *
 * @module
 */
import type { IndexRecord } from "../../state/ledger_index.ts";
import { type Severity, severityRank } from "../../../rules/types.ts";
import { displayText, formatUtc } from "../../display.ts";

/** Most finding lanes drawn (most severe, then newest, first). */
export const TIMELINE_LANES_CAP = 30;
/** Most release marks drawn (newest kept). */
export const TIMELINE_RELEASES_CAP = 200;

/** One finding lane. */
export interface Lane {
  id: string;
  rule: string;
  severity: Severity;
  opened: number;
  /** When it was resolved; undefined while open. */
  resolved?: number;
  waived: boolean;
}

/** What the timeline draws. */
export interface TimelineData {
  releases: { version: string; time: number; index: number }[];
  lanes: Lane[];
  /** Lanes not drawn because of {@link TIMELINE_LANES_CAP}. */
  hidden: number;
  start: number;
  end: number;
}

/**
 * Timeline data from a project's index records (`finding.*` and `release.observed`), pure.
 *
 * @example
 * ```ts
 * const data = timelineData(records, new Date());
 * ```
 */
export function timelineData(records: IndexRecord[], now: Date): TimelineData {
  const lanes = new Map<string, Lane>();
  const releases: TimelineData["releases"] = [];
  for (const r of [...records].sort((a, b) => a.index - b.index)) {
    const t = Date.parse(r.time);
    if (!Number.isFinite(t)) continue;
    if (r.kind === "release.observed") {
      const version = /^version (.*) \(\d+ files?\)$/.exec(r.summary)?.[1] ?? r.summary;
      releases.push({ version, time: t, index: r.index });
      continue;
    }
    if (!r.id) continue;
    const lane = lanes.get(r.id);
    if (r.kind === "finding.opened" || r.kind === "finding.waived") {
      if (!lane || lane.resolved !== undefined) {
        lanes.set(r.id, {
          id: r.id,
          rule: r.rule ?? r.id,
          severity: r.severity ?? "info",
          opened: t,
          waived: r.kind === "finding.waived",
        });
      } else {
        lane.waived = r.kind === "finding.waived";
        if (r.severity) lane.severity = r.severity;
      }
    } else if (r.kind === "finding.resolved" && lane) lane.resolved = t;
  }
  const all = [...lanes.values()].sort((a, b) =>
    Number(a.resolved !== undefined) - Number(b.resolved !== undefined) ||
    severityRank(b.severity) - severityRank(a.severity) || b.opened - a.opened
  );
  const shown = all.slice(0, TIMELINE_LANES_CAP);
  const kept = releases.slice(-TIMELINE_RELEASES_CAP);
  const times = [...kept.map((r) => r.time), ...shown.map((l) => l.opened)];
  const start = times.length ? Math.min(...times) : now.getTime() - 86_400_000;
  const end = Math.max(now.getTime(), start + 60_000);
  return { releases: kept, lanes: shown, hidden: all.length - shown.length, start, end };
}

/** Geometry of one layout: wide (labels left of the bars) or narrow (labels above them). */
interface Layout {
  name: "wide" | "narrow";
  width: number;
  labelW: number;
  laneH: number;
  top: number;
  maxTicks: number;
  labelChars: number;
}

const WIDE: Layout = {
  name: "wide",
  width: 960,
  labelW: 230,
  laneH: 22,
  top: 64,
  maxTicks: 6,
  labelChars: 30,
};
const NARROW: Layout = {
  name: "narrow",
  width: 360,
  labelW: 8,
  laneH: 32,
  top: 64,
  maxTicks: 3,
  labelChars: 44,
};

const STEPS = [
  60_000,
  300_000,
  900_000,
  3_600_000,
  6 * 3_600_000,
  86_400_000,
  7 * 86_400_000,
  14 * 86_400_000,
  30 * 86_400_000,
  365 * 86_400_000,
];

/** Tick marks at whole minutes, hours, days or weeks, at most `max`. */
function ticks(start: number, end: number, max: number): number[] {
  const span = end - start;
  const step = STEPS.find((s) => span / s <= max) ?? STEPS[STEPS.length - 1];
  const out: number[] = [];
  for (let t = Math.ceil(start / step) * step; t <= end && out.length < 12; t += step) out.push(t);
  return out;
}

function tickLabel(t: number, span: number, short: boolean): string {
  const iso = new Date(t).toISOString();
  if (span > 2 * 86_400_000) return short ? iso.slice(5, 10) : iso.slice(0, 10);
  return `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}

/**
 * The timeline as two inline SVG elements (a wide and a narrow layout; the stylesheet shows
 * one by the screen's width), each with a text title and description.
 *
 * @example
 * ```tsx
 * <Timeline data={timelineData(records, now)} project="litellm" />
 * ```
 */
export function Timeline(props: { data: TimelineData; project: string }) {
  return (
    <>
      <TimelineSvg data={props.data} project={props.project} layout={WIDE} />
      <TimelineSvg data={props.data} project={props.project} layout={NARROW} />
    </>
  );
}

function TimelineSvg(props: { data: TimelineData; project: string; layout: Layout }) {
  const { data, layout: L } = props;
  const height = L.top + Math.max(1, data.lanes.length) * L.laneH + 28;
  const plotW = L.width - L.labelW - 16;
  const x = (t: number) =>
    L.labelW + Math.round(((t - data.start) / (data.end - data.start)) * plotW * 10) / 10;
  const span = data.end - data.start;
  const name = displayText(props.project, 100);
  const id = `tl-${L.name}`;
  // Version labels, newest first, each only where it does not overlap the one after it.
  const labelled = new Set<number>();
  let nextLabel = Infinity;
  for (const r of [...data.releases].reverse()) {
    if (nextLabel - x(r.time) > 60) {
      labelled.add(r.index);
      nextLabel = x(r.time);
    }
  }
  return (
    <svg
      class={`tl ${L.name}`}
      viewBox={`0 0 ${L.width} ${height}`}
      width={L.width}
      role="img"
      aria-labelledby={`${id}-title ${id}-desc`}
      xmlns="http://www.w3.org/2000/svg"
    >
      <title id={`${id}-title`}>{`Timeline of ${name}`}</title>
      <desc id={`${id}-desc`}>
        {`${data.releases.length} release(s) and ${data.lanes.length} finding(s) from ${
          formatUtc(new Date(data.start))
        } to ${formatUtc(new Date(data.end))}`}
      </desc>
      {ticks(data.start, data.end, L.maxTicks).map((t) => (
        <g>
          <line class="grid" x1={x(t)} x2={x(t)} y1={L.top - 20} y2={height - 24} />
          <text class="tick" x={x(t)} y={height - 8} text-anchor="middle">
            {tickLabel(t, span, L.name === "narrow")}
          </text>
        </g>
      ))}
      <text class="lbl" x="4" y="14">releases</text>
      {data.releases.map((r) => {
        const rx = x(r.time);
        return (
          <g>
            <title>
              {`${displayText(r.version, 100)} observed ${formatUtc(new Date(r.time))}`}
            </title>
            <path class="rel" d={`M${rx} ${L.top - 34}l5 6l-5 6l-5-6z`} />
            {labelled.has(r.index) && (
              <text
                class="tick"
                x={rx}
                y={L.top - 40}
                text-anchor={rx < 40 ? "start" : rx > L.width - 40 ? "end" : "middle"}
              >
                {displayText(r.version, 14)}
              </text>
            )}
          </g>
        );
      })}
      {data.lanes.length === 0 && <text class="lbl" x="4" y={L.top + 14}>no findings</text>}
      {data.lanes.map((l, i) => {
        const y = L.top + i * L.laneH;
        const x1 = x(l.opened);
        const x2 = Math.max(x1 + 3, x(l.resolved ?? data.end));
        const state = l.resolved !== undefined ? "resolved" : l.waived ? "waived" : "open";
        const barY = L.name === "narrow" ? y + 16 : y + 4;
        return (
          <g>
            <title>
              {`${l.severity} ${displayText(l.rule, 100)} (${state}): opened ${
                formatUtc(new Date(l.opened))
              }${l.resolved !== undefined ? `, resolved ${formatUtc(new Date(l.resolved))}` : ""}`}
            </title>
            <text class="lbl" x="4" y={y + 13}>
              {displayText(l.rule, L.labelChars)}
              {L.name === "narrow" && state !== "open" ? ` (${state})` : ""}
            </text>
            <rect
              class={`bar ${l.severity} ${state}`}
              x={x1}
              y={barY}
              width={Math.round((x2 - x1) * 10) / 10}
              height={L.name === "narrow" ? 12 : L.laneH - 8}
              rx="3"
            />
          </g>
        );
      })}
    </svg>
  );
}
