/**
 * Bearer-token check in constant time: both sides are hashed with SHA-256 first, so the
 * comparison time depends neither on the token's length nor on where the first difference is.
 *
 * @module
 */

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/**
 * True when the `Authorization` header carries exactly `Bearer <expected>`.
 *
 * @example
 * ```ts
 * await bearerMatches("Bearer s3cret", "s3cret"); // true
 * ```
 */
export async function bearerMatches(
  header: string | undefined | null,
  expected: string,
): Promise<boolean> {
  const m = /^Bearer ([\x21-\x7e]{1,4096})$/.exec(header ?? "");
  const given = m ? m[1] : "";
  const [a, b] = await Promise.all([sha256(given), sha256(expected)]);
  let diff = m ? 0 : 1;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}
