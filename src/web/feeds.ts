/**
 * Atom (RFC 4287) and JSON Feed 1.1 documents of ledger events. Each item carries its ledger
 * index and leaf hash. Pure functions of index records.
 *
 * @module
 */
import type { IndexRecord } from "../state/ledger_index.ts";
import { displayText, quoteText, safeHttpUrl, xmlEscape } from "../display.ts";

/** What a feed is about. */
export interface FeedInfo {
  /** Absolute base URL without a trailing slash, e.g. `https://audit.example.org`. */
  base: string;
  title: string;
  /** `undefined` for the global feed. */
  project?: string;
  /** Time used when there are no items. */
  now: Date;
}

/** Atom namespace for the ledger extension elements. */
export const LEDGER_NS = "urn:release-auditor:ledger:1";

function projectPath(project: string): string {
  return `/projects/${encodeURIComponent(project)}`;
}

/**
 * Title of an item, e.g. `[critical] finding.opened litellm: content/pth-file`; upstream text
 * is shown safely (invisible and reordering characters as escapes, see `displayText`).
 */
export function itemTitle(r: IndexRecord): string {
  const sev = r.severity ? `[${r.severity}] ` : "";
  const project = r.project ? ` ${displayText(r.project, 200)}` : " ";
  const what = r.rule ? displayText(r.rule, 100) : r.summary ? quoteText(r.summary, 200) : "";
  return `${sev}${r.kind}${project}${what ? `: ${what}` : ""}`;
}

/** Page a subscriber should open for an item. */
export function itemPath(r: IndexRecord): string {
  if (r.id) return `/findings/${encodeURIComponent(r.id)}`;
  if (r.project) return projectPath(r.project);
  return `/ledger?before=${r.index + 1}`;
}

/** Stable item id: the URL of the exact ledger line. */
export function itemId(base: string, r: IndexRecord): string {
  return `${base}/ledger/entries?from=${r.index}&to=${r.index + 1}`;
}

function itemText(r: IndexRecord): string {
  const lines = [
    r.subject ? `Subject: ${quoteText(r.subject, 300)}` : "",
    r.summary ? quoteText(r.summary, 300) : "",
    `Ledger index: ${r.index}`,
    `Leaf hash: ${r.leafHash}`,
  ];
  return lines.filter((l) => l !== "").join("\n");
}

function feedPaths(info: FeedInfo) {
  const prefix = info.project === undefined ? "" : projectPath(info.project);
  return { home: `${info.base}${prefix || "/"}`, prefix };
}

function feedTitle(info: FeedInfo): string {
  const t = displayText(info.title, 200);
  return info.project === undefined ? t : `${t}: ${displayText(info.project, 200)}`;
}

/**
 * An Atom feed document.
 *
 * @example
 * ```ts
 * const xml = atomFeed({ base: "https://a.example", title: "Audit", now: new Date() }, records);
 * ```
 */
export function atomFeed(info: FeedInfo, records: IndexRecord[]): string {
  const { home, prefix } = feedPaths(info);
  const self = `${info.base}${prefix}/feed.atom`;
  const updated = records[0]?.time ?? info.now.toISOString();
  const x = xmlEscape;
  const out: string[] = [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<feed xmlns="http://www.w3.org/2005/Atom" xmlns:ledger="${LEDGER_NS}">`,
    `<id>${x(self)}</id>`,
    `<title>${x(feedTitle(info))}</title>`,
    `<updated>${x(updated)}</updated>`,
    `<link rel="self" type="application/atom+xml" href="${x(self)}"/>`,
    `<link rel="alternate" type="text/html" href="${x(home)}"/>`,
    `<author><name>${x(displayText(info.title, 200))}</name></author>`,
    `<generator>release-auditor</generator>`,
  ];
  for (const r of records) {
    out.push(
      "<entry>",
      `<id>${x(itemId(info.base, r))}</id>`,
      `<title>${x(itemTitle(r))}</title>`,
      `<updated>${x(r.time)}</updated>`,
      `<published>${x(r.time)}</published>`,
      `<link rel="alternate" type="text/html" href="${x(info.base + itemPath(r))}"/>`,
      `<category term="${x(r.kind)}"/>`,
      ...(r.severity ? [`<category term="severity:${x(r.severity)}"/>`] : []),
      `<content type="text">${x(itemText(r))}</content>`,
      `<ledger:index>${r.index}</ledger:index>`,
      `<ledger:leafHash>${x(r.leafHash)}</ledger:leafHash>`,
      "</entry>",
    );
  }
  out.push("</feed>", "");
  return out.join("\n");
}

/**
 * A JSON Feed 1.1 document; items carry `_ledger: { index, leaf_hash, kind }`.
 *
 * @example
 * ```ts
 * const feed = jsonFeed({ base: "https://a.example", title: "Audit", now: new Date() }, records);
 * ```
 */
export function jsonFeed(info: FeedInfo, records: IndexRecord[]): Record<string, unknown> {
  const { home, prefix } = feedPaths(info);
  return {
    version: "https://jsonfeed.org/version/1.1",
    title: feedTitle(info),
    home_page_url: safeHttpUrl(home) ?? undefined,
    feed_url: safeHttpUrl(`${info.base}${prefix}/feed.json`) ?? undefined,
    description: "Findings, releases, posture and access changes recorded in the signed ledger.",
    authors: [{ name: displayText(info.title, 200) }],
    language: "en",
    items: records.map((r) => ({
      id: itemId(info.base, r),
      url: info.base + itemPath(r),
      title: itemTitle(r),
      content_text: itemText(r),
      date_published: r.time,
      tags: r.severity ? [r.kind, `severity:${r.severity}`] : [r.kind],
      _ledger: { index: r.index, leaf_hash: r.leafHash, kind: r.kind },
    })),
  };
}
