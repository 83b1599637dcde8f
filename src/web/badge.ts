/**
 * Shields-like status badges as SVG: "passing", "N critical", "not observable", "stale".
 *
 * @module
 */
import type { ProjectStatus } from "./snapshot.ts";
import { truncate, xmlEscape } from "../display.ts";

/** Message and color of a project's badge (pure). */
export function badgeFor(status: ProjectStatus | undefined): { message: string; color: string } {
  if (!status) return { message: "unknown", color: "#6c6c6c" };
  switch (status.state) {
    case "findings": {
      const sev = status.worst!;
      const colors = {
        critical: "#b0001e",
        high: "#b33a00",
        medium: "#8a5a00",
        low: "#36566b",
        info: "#4a4a4a",
      };
      return { message: `${status.counts[sev]} ${sev}`, color: colors[sev] };
    }
    case "not-observable":
      return { message: "not observable", color: "#5b5b5b" };
    case "stale":
      return { message: "stale", color: "#5b5b5b" };
    default:
      return { message: "passing", color: "#1b6e20" };
  }
}

/** Approximate width of Verdana 11px text. */
function textWidth(text: string): number {
  let w = 0;
  for (const ch of text) w += /[iljtf.,:;'| ]/.test(ch) ? 4 : /[mwMW]/.test(ch) ? 10 : 7;
  return w;
}

/**
 * An SVG badge with a label and a message.
 *
 * @example
 * ```ts
 * renderBadge("audit", "passing", "#1b6e20");
 * ```
 */
export function renderBadge(label: string, message: string, color: string): string {
  const l = truncate(label, 40);
  const m = truncate(message, 40);
  const lw = textWidth(l) + 10;
  const mw = textWidth(m) + 10;
  const w = lw + mw;
  const x = xmlEscape;
  const safeColor = /^#[0-9a-f]{6}$/i.test(color) ? color : "#6c6c6c";
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="20" role="img" aria-label="${
    x(`${l}: ${m}`)
  }"><title>${x(`${l}: ${m}`)}</title>` +
    `<rect width="${lw}" height="20" fill="#555"/>` +
    `<rect x="${lw}" width="${mw}" height="20" fill="${safeColor}"/>` +
    `<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">` +
    `<text x="${lw / 2}" y="14">${x(l)}</text>` +
    `<text x="${lw + mw / 2}" y="14">${x(m)}</text></g></svg>\n`;
}
