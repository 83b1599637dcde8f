/**
 * Parsers for the text members rules read: core metadata (`METADATA`, `PKG-INFO`, RFC 822
 * style headers with multi-valued fields) and `entry_points.txt` (INI groups). Bounded: long
 * inputs are cut, never rejected with an exception.
 *
 * @example
 * ```ts
 * const md = parseCoreMetadata("Name: pip\nRequires-Dist: a\nRequires-Dist: b\n");
 * md.getAll("requires-dist"); // ["a", "b"]
 * ```
 * @module
 */

const MAX_FIELDS = 5_000;
const MAX_VALUE = 64 * 1024;
const MAX_INPUT = 4 * 1024 * 1024;

/** Parsed core metadata. Field names are case-insensitive. */
export interface CoreMetadata {
  /** Lowercased field name -> values in order of appearance. */
  fields: Record<string, string[]>;
  /** The message body (long description), if any. */
  body?: string;
  /** True when a bound was hit. */
  truncated: boolean;
  /** First value of a field. */
  get(name: string): string | undefined;
  /** All values of a field. */
  getAll(name: string): string[];
}

/**
 * Parse RFC 822-style core metadata headers. Continuation lines (starting with whitespace)
 * extend the previous value; the first empty line ends the headers.
 *
 * @example
 * ```ts
 * parseCoreMetadata("Metadata-Version: 2.1\nName: x\n\nbody").body; // "body"
 * ```
 */
export function parseCoreMetadata(text: string): CoreMetadata {
  let truncated = text.length > MAX_INPUT;
  const lines = (truncated ? text.slice(0, MAX_INPUT) : text).split(/\r?\n/);
  const fields: Record<string, string[]> = Object.create(null);
  let count = 0;
  let last: { key: string; index: number } | undefined;
  let i = 0;
  for (; i < lines.length; i++) {
    const line = lines[i];
    if (line === "") break;
    if (/^[ \t]/.test(line) && last) {
      const values = fields[last.key];
      if (values[last.index].length < MAX_VALUE) {
        values[last.index] = (values[last.index] + "\n" + line.replace(/^( {8}|\t|\s*\|)/, ""))
          .slice(0, MAX_VALUE);
      } else truncated = true;
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    if (count >= MAX_FIELDS) {
      truncated = true;
      break;
    }
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim().slice(0, MAX_VALUE);
    (fields[key] ??= []).push(value);
    last = { key, index: fields[key].length - 1 };
    count++;
  }
  const rest = lines.slice(i + 1).join("\n");
  return {
    fields,
    body: rest.length > 0 ? rest : undefined,
    truncated,
    get: (name) => fields[name.toLowerCase()]?.[0],
    getAll: (name) => [...(fields[name.toLowerCase()] ?? [])],
  };
}

/** Entry points: group -> name -> object reference (`module:attr [extras]`). */
export type EntryPoints = Record<string, Record<string, string>>;

/**
 * Parse `entry_points.txt` (INI: `[group]` then `name = value`; `#`/`;` comments).
 *
 * @example
 * ```ts
 * parseEntryPoints("[console_scripts]\npip = pip._internal.cli.main:main\n");
 * ```
 */
export function parseEntryPoints(text: string): EntryPoints {
  const out: EntryPoints = Object.create(null);
  let group: string | undefined;
  let count = 0;
  for (const raw of text.slice(0, MAX_INPUT).split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      group = section[1].trim();
      out[group] ??= Object.create(null);
      continue;
    }
    const eq = line.indexOf("=");
    if (!group || eq <= 0 || ++count > MAX_FIELDS) continue;
    out[group][line.slice(0, eq).trim()] = line.slice(eq + 1).trim().slice(0, MAX_VALUE);
  }
  return out;
}
