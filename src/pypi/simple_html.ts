/**
 * PEP 503 HTML Simple API pages (devpi, Artifactory, older mirrors), turned into the same
 * shape as a PEP 691 JSON page. Only anchors are read; the parser is a bounded scan, not a
 * browser, and never executes anything.
 *
 * @module
 */
import type { SimpleProject } from "./schemas.ts";

const ANCHOR = /<a\s([^>]*)>([^<]*)<\/a>/gi;
const ATTR = /([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=\s*("([^"]*)"|'([^']*)'|([^\s"'>]+))/g;

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|amp|lt|gt|quot|#39|apos);/gi, (_, e: string) => {
    const lower = e.toLowerCase();
    if (lower.startsWith("#x")) {
      return String.fromCodePoint(parseInt(lower.slice(2), 16) % 0x110000);
    }
    if (lower.startsWith("#")) return String.fromCodePoint(parseInt(lower.slice(1), 10) % 0x110000);
    return { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" }[lower] ?? "&";
  });
}

/**
 * Parse a PEP 503 project page.
 *
 * @example
 * ```ts
 * parseSimpleHtml('<a href="../f/x-1.tar.gz#sha256=ab..">x-1.tar.gz</a>', "x", "https://i/simple/x/");
 * ```
 */
export function parseSimpleHtml(html: string, name: string, pageUrl: string): SimpleProject {
  const files: SimpleProject["files"] = [];
  for (const match of html.slice(0, 16 * 1024 * 1024).matchAll(ANCHOR)) {
    if (files.length >= 100_000) break;
    const attrs: Record<string, string> = {};
    for (const a of match[1].matchAll(ATTR)) {
      attrs[a[1].toLowerCase()] = decodeEntities(a[3] ?? a[4] ?? a[5] ?? "");
    }
    if (!attrs.href) continue;
    let url: URL;
    try {
      url = new URL(attrs.href, pageUrl);
    } catch {
      continue;
    }
    const hashes: Record<string, string> = {};
    const fragment = url.hash.slice(1);
    const eq = fragment.indexOf("=");
    if (eq > 0) hashes[fragment.slice(0, eq)] = fragment.slice(eq + 1);
    url.hash = "";
    const yanked = "data-yanked" in attrs ? (attrs["data-yanked"] || true) : false;
    files.push({
      filename: decodeEntities(match[2]).trim(),
      url: url.toString(),
      hashes,
      "requires-python": attrs["data-requires-python"] ?? null,
      yanked,
      provenance: attrs["data-provenance"] ?? null,
    });
  }
  return { name, files };
}
