/**
 * Secret redaction: the one place that knows what a secret looks like. Every text taken from
 * an upstream response (headers, error bodies, URLs, error messages), every log line and every
 * ledger entry passes through it, so a token that an upstream echoes back (a 403 whose message
 * carries the `Authorization` value, a redirect URL with `?token=`) never reaches the signed,
 * unremovable ledger, KV, the logs or the pages.
 *
 * Two kinds of secret are replaced with `[redacted]`:
 * - configured secrets (GitHub token, ledger signing key, webhook secrets, sweep token), registered
 *   with {@link registerSecrets} when they are read from the environment; also their URL-encoded
 *   form;
 * - credential-shaped strings, whoever's they are: GitHub tokens (`ghp_`, `gho_`, `ghu_`, `ghs_`,
 *   `ghr_`, `github_pat_`), PyPI API tokens (`pypi-AgE…`) and ledger private keys
 *   (`PRIVATE+KEY+…`).
 *
 * Each replacement is counted ({@link redactionCount}); the sweep record carries the count so that
 * an upstream that echoes credentials is visible, not silently cleaned.
 *
 * @example
 * ```ts
 * registerSecrets(["s3cret-value-1234"]);
 * redact("GitHub asks for token s3cret-value-1234"); // "GitHub asks for token [redacted]"
 * redact("x ghp_0123456789abcdefghij0123"); // "x [redacted]"
 * ```
 * @module
 */

/** What a secret is replaced with. */
export const REDACTED = "[redacted]";

/** Shorter values are not registered (they would redact ordinary words). */
export const MIN_SECRET_LENGTH = 8;

/** Credential-shaped strings, whoever they belong to. */
const CREDENTIAL =
  /(?:gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{16,}|pypi-AgE[A-Za-z0-9_-]{16,}|PRIVATE\+KEY\+[A-Za-z0-9+/=._-]+)/g;

const secrets = new Set<string>();
let count = 0;

/**
 * Register configured secrets (their raw and URL-encoded forms); empty or short values are
 * ignored. Called where secrets are read from the environment (`readSecrets`, `openLedger`).
 *
 * @example
 * ```ts
 * registerSecrets([Deno.env.get("GITHUB_TOKEN")]);
 * ```
 */
export function registerSecrets(values: Iterable<string | undefined>): void {
  for (const value of values) {
    if (typeof value !== "string" || value.length < MIN_SECRET_LENGTH) continue;
    secrets.add(value);
    const encoded = encodeURIComponent(value);
    if (encoded !== value) secrets.add(encoded);
    // A signing key's base64 part alone is as secret as the whole string.
    // PRIVATE+KEY+<name>+<id>+<base64>; the base64 part may itself hold "+".
    const tail = value.startsWith("PRIVATE+KEY+") ? value.split("+").slice(4).join("+") : undefined;
    if (tail && tail.length >= MIN_SECRET_LENGTH) secrets.add(tail);
  }
}

/** Forget every registered secret (tests). */
export function clearSecrets(): void {
  secrets.clear();
}

/** Replacements made by this process so far. */
export function redactionCount(): number {
  return count;
}

/**
 * Whether `text` holds a registered secret or a credential-shaped string.
 *
 * @example
 * ```ts
 * containsSecret("token ghp_0123456789abcdefghij0123"); // true
 * ```
 */
export function containsSecret(text: string): boolean {
  for (const s of secrets) if (text.includes(s)) return true;
  CREDENTIAL.lastIndex = 0;
  return CREDENTIAL.test(text);
}

/**
 * `text` with every registered secret and credential-shaped string replaced by `[redacted]`.
 *
 * @example
 * ```ts
 * redact("https://x/?t=ghp_0123456789abcdefghij0123"); // "https://x/?t=[redacted]"
 * ```
 */
export function redact(text: string): string {
  return redactConfigured(text).replace(CREDENTIAL, () => {
    count++;
    return REDACTED;
  });
}

/**
 * Only the registered secrets (no patterns): for bodies whose bytes matter, such as signed
 * documents, where a credential-shaped run inside base64url must not be rewritten.
 *
 * @example
 * ```ts
 * redactConfigured('{"message":"bad token s3cret-value-1234"}');
 * ```
 */
export function redactConfigured(text: string): string {
  let out = text;
  // Longest first, so that a secret containing another is replaced whole.
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
    if (!out.includes(s)) continue;
    const parts = out.split(s);
    count += parts.length - 1;
    out = parts.join(REDACTED);
  }
  return out;
}

/**
 * A copy of a JSON-like value with {@link redact} applied to every string (keys included).
 * Values without secrets are returned as they are (no copy).
 *
 * @example
 * ```ts
 * redactValue({ reason: "403; token ghp_0123456789abcdefghij0123" });
 * // { reason: "403; token [redacted]" }
 * ```
 */
export function redactValue<T>(value: T): T {
  return walk(value, 0) as T;
}

function walk(value: unknown, depth: number): unknown {
  if (typeof value === "string") return containsSecret(value) ? redact(value) : value;
  if (value === null || typeof value !== "object" || depth > 64) return value;
  if (value instanceof Uint8Array || value instanceof Date) return value;
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((v) => {
      const r = walk(v, depth + 1);
      if (r !== v) changed = true;
      return r;
    });
    return changed ? out : value;
  }
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const key = containsSecret(k) ? redact(k) : k;
    const r = walk(v, depth + 1);
    if (r !== v || key !== k) changed = true;
    out[key] = r;
  }
  return changed ? out : value;
}

/**
 * Headers with every value redacted (a new object; the input is not changed).
 *
 * @example
 * ```ts
 * redactHeaders(new Headers({ "x-accepted-github-permissions": "token=ghp_0123456789abcdefghij" }));
 * ```
 */
export function redactHeaders(headers: Headers): Headers {
  const out = new Headers();
  for (const [k, v] of headers) out.append(k, containsSecret(v) ? redact(v) : v);
  return out;
}
