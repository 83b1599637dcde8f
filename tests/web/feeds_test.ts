import { XMLParser, XMLValidator } from "fast-xml-parser";
import { z } from "zod";
import { assert, assertEquals, assertStringIncludes } from "./_assert.ts";
import { createApp } from "../../src/web/app.tsx";
import {
  appendAll,
  HOSTILE_SHOWN,
  hostileFinding,
  IDS,
  INVISIBLE_RE,
  NOW,
  RULES,
  seededWorld,
  XSS,
} from "./_fixtures.ts";

/** JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/), the parts a reader relies on. */
const Author = z.object({
  name: z.string().optional(),
  url: z.string().url().optional(),
  avatar: z.string().url().optional(),
}).refine((a) => a.name || a.url || a.avatar, "an author needs a name, url or avatar");
const JsonFeedItem = z.object({
  id: z.string().min(1),
  url: z.string().url().optional(),
  external_url: z.string().url().optional(),
  title: z.string().optional(),
  content_html: z.string().optional(),
  content_text: z.string().optional(),
  summary: z.string().optional(),
  image: z.string().url().optional(),
  date_published: z.iso.datetime().optional(),
  date_modified: z.iso.datetime().optional(),
  authors: z.array(Author).optional(),
  tags: z.array(z.string()).optional(),
  language: z.string().optional(),
}).catchall(z.unknown()).refine(
  (i) => i.content_html !== undefined || i.content_text !== undefined,
  "an item needs content_html or content_text",
).refine(
  (i) => Object.keys(i).every((k) => JSON_FEED_ITEM_KEYS.has(k) || k.startsWith("_")),
  "unknown item keys must start with _",
);
const JSON_FEED_ITEM_KEYS = new Set([
  "id",
  "url",
  "external_url",
  "title",
  "content_html",
  "content_text",
  "summary",
  "image",
  "banner_image",
  "date_published",
  "date_modified",
  "authors",
  "tags",
  "language",
  "attachments",
]);
const JsonFeed = z.object({
  version: z.literal("https://jsonfeed.org/version/1.1"),
  title: z.string().min(1),
  home_page_url: z.string().url().optional(),
  feed_url: z.string().url().optional(),
  description: z.string().optional(),
  authors: z.array(Author).optional(),
  language: z.string().optional(),
  expired: z.boolean().optional(),
  items: z.array(JsonFeedItem),
}).catchall(z.unknown());

const ATOM_NS = "http://www.w3.org/2005/Atom";
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function text(node: unknown): string {
  if (typeof node === "string" || typeof node === "number") return String(node);
  if (node && typeof node === "object" && "#text" in node) return String(node["#text"]);
  return "";
}

function asArray<T>(x: T | T[] | undefined): T[] {
  return x === undefined ? [] : Array.isArray(x) ? x : [x];
}

/** Parse an Atom document and check RFC 4287's required elements; returns the entries. */
function checkAtom(xml: string) {
  assertEquals(XMLValidator.validate(xml), true, "well-formed XML");
  const doc = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "@",
    parseTagValue: false,
    isArray: (name) => ["entry", "link", "category"].includes(name),
  }).parse(xml);
  const feed = doc.feed;
  assert(feed, "root element is feed");
  assertEquals(feed["@xmlns"], ATOM_NS);
  assert(text(feed.id).length > 0, "feed id");
  assert(text(feed.title).length > 0, "feed title");
  assert(RFC3339.test(text(feed.updated)), "feed updated is RFC 3339");
  assert(asArray(feed.link).some((l: Record<string, string>) => l["@rel"] === "self"));
  const entries = asArray(feed.entry) as Record<string, unknown>[];
  for (const e of entries) {
    assert(text(e.id).length > 0, "entry id");
    assert(text(e.title).length > 0, "entry title");
    assert(RFC3339.test(text(e.updated)), "entry updated");
    const links = asArray(e.link) as Record<string, string>[];
    assert(links.length > 0 && links.every((l) => /^https?:\/\//.test(l["@href"])), "entry link");
    assert(feed.author || e.author, "author on feed or entry");
  }
  return { feed, entries };
}

async function setup() {
  const w = await seededWorld();
  const app = createApp({
    config: w.config,
    kv: w.kv,
    ledger: w.ledger,
    rules: RULES,
    now: () => NOW,
    cacheMs: 0,
  });
  return { ...w, app };
}

Deno.test("global Atom feed: valid structure, interesting kinds, ledger index and leaf hash", async () => {
  const w = await setup();
  const res = await w.app.request("/feed.atom");
  assertEquals(res.status, 200);
  assertEquals(res.headers.get("content-type"), "application/atom+xml; charset=utf-8");
  const xml = await res.text();
  const { feed, entries } = checkAtom(xml);
  assertEquals(text(feed.id), "https://audit.example.org/feed.atom");
  // release, 2 opened, resolved, waived, posture; no sweeps, no coverage.
  assertEquals(entries.map((e) => Number(text(e["ledger:index"]))), [10, 8, 7, 6, 5, 4]);
  const evil = entries.find((e) => text(e["ledger:index"]) === "5")!;
  assertEquals(text(evil["ledger:leafHash"]), w.stored[5].leafHash);
  assertEquals(
    (evil.link as Record<string, string>[])[0]["@href"],
    `https://audit.example.org/findings/${IDS.evil}`,
  );
  assert(!xml.includes("<script"), "payloads are escaped in XML");
  assert(!xml.includes("<img"), "payloads are escaped in XML");
  assertStringIncludes(text(evil.content), "Ledger index: 5");
  assertStringIncludes(text(evil.title), "[critical] finding.opened evilpkg");
  w.close();
});

Deno.test("JSON Feed 1.1 validates against the schema and carries ledger data", async () => {
  const w = await setup();
  const res = await w.app.request("/feed.json");
  assertEquals(res.headers.get("content-type"), "application/feed+json; charset=utf-8");
  const feed = JsonFeed.parse(await res.json());
  assertEquals(feed.items.length, 6);
  const item = feed.items.find((i) => (i._ledger as { index: number }).index === 7)!;
  assertEquals(item._ledger, {
    index: 7,
    leaf_hash: w.stored[7].leafHash,
    kind: "finding.resolved",
  });
  assertEquals(item.url, `https://audit.example.org/findings/${IDS.resolved}`);
  const release = feed.items.find((i) => (i._ledger as { index: number }).index === 4)!;
  assertStringIncludes(release.content_text!, XSS.script.slice(0, 20)); // raw text in JSON
  w.close();
});

Deno.test("per-project feeds only carry that project's events; unknown project is 404", async () => {
  const w = await setup();
  const atom = checkAtom(await (await w.app.request("/projects/goodpkg/feed.atom")).text());
  assertEquals(atom.entries.map((e) => Number(text(e["ledger:index"]))), [8, 7, 6]);
  assertEquals(text(atom.feed.id), "https://audit.example.org/projects/goodpkg/feed.atom");
  const json = JsonFeed.parse(await (await w.app.request("/projects/evilpkg/feed.json")).json());
  assertEquals(json.items.map((i) => (i._ledger as { index: number }).index), [10, 5, 4]);
  const dark = JsonFeed.parse(await (await w.app.request("/projects/darkpkg/feed.json")).json());
  assertEquals(dark.items, []);
  assertEquals((await w.app.request("/projects/nope/feed.atom")).status, 404);
  w.close();
});

Deno.test("feeds: ETag and Cache-Control; 304 on a matching conditional GET; new entry changes ETag", async () => {
  const w = await setup();
  const first = await w.app.request("/feed.atom");
  const etag = first.headers.get("etag")!;
  assert(/^"\d+-[0-9a-f]+"$/.test(etag), etag);
  assertStringIncludes(first.headers.get("cache-control")!, "max-age=");
  const again = await w.app.request("/feed.atom", { headers: { "If-None-Match": etag } });
  assertEquals(again.status, 304);
  assertEquals(await again.text(), "");
  const weak = await w.app.request("/feed.atom", { headers: { "If-None-Match": `W/${etag}` } });
  assertEquals(weak.status, 304);
  const jsonTag = (await w.app.request("/feed.json")).headers.get("etag");
  assert(jsonTag !== etag, "formats have different tags");
  const projectTag = (await w.app.request("/projects/goodpkg/feed.atom")).headers.get("etag");
  assert(projectTag !== etag, "filters have different tags");
  await appendAll(w.kv, w.ledger, [{
    kind: "access.changed",
    body: { project: "goodpkg", changes: [{ added: "mallory" }] },
  }]);
  const changed = await w.app.request("/feed.atom", { headers: { "If-None-Match": etag } });
  assertEquals(changed.status, 200);
  assert(changed.headers.get("etag") !== etag);
  const { entries } = checkAtom(await changed.text());
  assertEquals(text(entries[0]["ledger:index"]), "11");
  w.close();
});

Deno.test("feeds cap the number of items", async () => {
  const w = await setup();
  await appendAll(
    w.kv,
    w.ledger,
    Array.from({ length: 80 }, (_, i) => ({
      kind: "posture.changed",
      body: { project: "goodpkg", changes: [{ i }] },
    })),
  );
  const feed = JsonFeed.parse(await (await w.app.request("/feed.json")).json());
  assertEquals(feed.items.length, 50);
  assertEquals((feed.items[0]._ledger as { index: number }).index, 90);
  w.close();
});

Deno.test("feeds show hostile upstream text as escapes, quoted", async () => {
  const w = await setup();
  await appendAll(w.kv, w.ledger, [hostileFinding()]);
  for (const path of ["/feed.atom", "/feed.json"]) {
    const body = await (await w.app.request(path)).text();
    const decoded = path.endsWith(".json") ? JSON.stringify(JSON.parse(body).items) : body;
    assert(!INVISIBLE_RE.test(JSON.parse(JSON.stringify(decoded))), `${path}: no raw invisible`);
    if (path.endsWith(".json")) {
      const items = JSON.parse(body).items as { content_text: string }[];
      assert(items.some((i) => i.content_text.includes(HOSTILE_SHOWN.rlo)), path);
      assert(!items.some((i) => INVISIBLE_RE.test(i.content_text)), path);
    } else {
      assertStringIncludes(body, HOSTILE_SHOWN.rlo.replace(/"/g, "&quot;"));
    }
  }
  w.close();
});
