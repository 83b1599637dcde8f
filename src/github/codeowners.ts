/**
 * CODEOWNERS: parse the file and find the owners of a path the way GitHub does
 * (gitignore-style patterns, the last matching line wins; no `!` negation and no `[...]`
 * ranges; `\#` escapes a leading `#`; a pattern without owners makes a path unowned).
 *
 * @example
 * ```ts
 * const rules = parseCodeowners("* @org/all\n/.github/workflows/ @org/release\n");
 * ownersOf(rules, ".github/workflows/release.yml"); // ["@org/release"]
 * ```
 * @module
 */

/** One meaningful CODEOWNERS line. */
export interface CodeownersRule {
  line: number;
  pattern: string;
  owners: string[];
  regex: RegExp;
}

const MAX_LINES = 10_000;
const MAX_PATTERN = 1000;

function escapeRegex(s: string): string {
  return s.replace(/[.+^${}()|[\]\\]/g, "\\$&");
}

/**
 * Compile a CODEOWNERS pattern to a regex over repository paths (no leading slash).
 *
 * @example
 * ```ts
 * patternToRegex("docs/*").test("docs/a.md"); // true
 * patternToRegex("docs/*").test("docs/sub/a.md"); // false
 * ```
 */
export function patternToRegex(pattern: string): RegExp {
  let p = pattern.replace(/\\#/g, "#");
  const dirOnly = p.endsWith("/");
  p = p.replace(/\/+$/, "");
  const anchored = p.startsWith("/") || p.includes("/");
  p = p.replace(/^\/+/, "");
  // `docs/*` matches direct children only (GitHub's documented exception to gitignore).
  const directChildrenOnly = /\/\*$/.test(p);
  let body = "";
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === "*" && p[i + 1] === "*") {
      const atStart = i === 0;
      const slashAfter = p[i + 2] === "/";
      if (slashAfter) {
        body += "(?:.*/)?";
        i += 2;
      } else if (atStart || p[i - 1] === "/") {
        body += ".*";
        i += 1;
      } else {
        body += "[^/]*";
        i += 1;
      }
    } else if (c === "*") body += "[^/]*";
    else if (c === "?") body += "[^/]";
    else body += escapeRegex(c);
  }
  const prefix = anchored ? "^" : "^(?:.*/)?";
  const suffix = dirOnly ? "/.*$" : directChildrenOnly ? "$" : "(?:/.*)?$";
  return new RegExp(prefix + body + suffix);
}

/**
 * Parse CODEOWNERS text into rules (comments, blank and invalid lines skipped).
 *
 * @example
 * ```ts
 * parseCodeowners("# c\n*.py @a @b\n").map((r) => r.owners); // [["@a", "@b"]]
 * ```
 */
export function parseCodeowners(text: string): CodeownersRule[] {
  const rules: CodeownersRule[] = [];
  const lines = text.split(/\r?\n/).slice(0, MAX_LINES);
  lines.forEach((raw, i) => {
    const line = raw.replace(/(^|\s)#.*$/, "").trim();
    if (!line) return;
    const parts = line.match(/(?:\\ |\S)+/g) ?? [];
    const pattern = parts[0];
    if (!pattern || pattern.length > MAX_PATTERN || pattern.startsWith("!")) return;
    if (/\[|\]/.test(pattern)) return; // character ranges are not supported by GitHub
    const owners = parts.slice(1).filter((o) => /^(@[\w.\-/]+|[^@\s]+@[^@\s]+)$/.test(o));
    rules.push({ line: i + 1, pattern, owners, regex: patternToRegex(pattern) });
  });
  return rules;
}

/**
 * Owners of a path: those of the last matching rule ([] when unowned or unmatched).
 *
 * @example
 * ```ts
 * ownersOf(parseCodeowners("* @a\nSECURITY.md @b"), "SECURITY.md"); // ["@b"]
 * ```
 */
export function ownersOf(rules: CodeownersRule[], path: string): string[] {
  const p = path.replace(/^\/+/, "");
  for (let i = rules.length - 1; i >= 0; i--) {
    if (rules[i].regex.test(p)) return rules[i].owners;
  }
  return [];
}

/**
 * The rule that decides a path, if any.
 *
 * @example
 * ```ts
 * matchingRule(rules, "setup.py")?.line; // line number of the deciding rule
 * ```
 */
export function matchingRule(rules: CodeownersRule[], path: string): CodeownersRule | undefined {
  const p = path.replace(/^\/+/, "");
  for (let i = rules.length - 1; i >= 0; i--) if (rules[i].regex.test(p)) return rules[i];
  return undefined;
}
