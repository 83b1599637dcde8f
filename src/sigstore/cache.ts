/**
 * Deno KV cache of signature verifications, keyed by
 * `["provenance", fileSha256, bundleSha256]`. Only the signature-level outcome and the
 * extracted certificate identity are stored; policy checks (subject, publisher, workflow,
 * environment) are re-run on every sweep because the configuration may change.
 *
 * An entry also records which trust roots were in use: configuring another root is a miss.
 *
 * @example
 * ```ts
 * const kv = await Deno.openKv(":memory:");
 * const { outcome, cached } = await cachedVerification(kv, fileSha, bundleSha, roots, () =>
 *   verifyBundleSignature(bundle, roots)
 * );
 * ```
 * @module
 */
import { z } from "zod";
import type { SignatureOutcome } from "./verify_bundle.ts";
import type { TrustRoot } from "./trusted_root.ts";

/** KV key prefix owned by this module. */
export const PROVENANCE_KEY_PREFIX = "provenance";
/** Entries expire after 30 days (a bounded cache, re-verified afterwards). */
export const CACHE_TTL_MS = 30 * 24 * 3600 * 1000;

const identitySchema = z.record(z.string(), z.string().max(2000));
const CachedSchema = z.object({
  roots: z.string().max(2000),
  outcome: z.union([
    z.object({ ok: z.literal(true), trustRoot: z.string(), identity: identitySchema }),
    z.object({
      ok: z.literal(false),
      failure: z.enum(["malformed", "untrusted-ca", "unsupported", "verify"]),
      reason: z.string().max(1000),
      identity: identitySchema.optional(),
    }),
  ]),
});

const HEX64 = /^[0-9a-f]{64}$/;

function rootsKey(roots: readonly TrustRoot[]): string {
  return roots.map((r) => r.name).join("|");
}

/**
 * Return the cached outcome for (file, bundle) under the same trust roots, or compute it and
 * store it.
 *
 * @example
 * ```ts
 * (await cachedVerification(kv, a, b, roots, compute)).cached; // false, then true
 * ```
 */
export async function cachedVerification(
  kv: Deno.Kv,
  fileSha256: string,
  bundleSha256: string,
  roots: readonly TrustRoot[],
  compute: () => SignatureOutcome,
): Promise<{ outcome: SignatureOutcome; cached: boolean }> {
  if (!HEX64.test(fileSha256) || !HEX64.test(bundleSha256)) {
    return { outcome: compute(), cached: false };
  }
  const key = [PROVENANCE_KEY_PREFIX, fileSha256, bundleSha256];
  const names = rootsKey(roots);
  const entry = await kv.get(key);
  const parsed = CachedSchema.safeParse(entry.value);
  if (parsed.success && parsed.data.roots === names) {
    return { outcome: parsed.data.outcome as SignatureOutcome, cached: true };
  }
  const outcome = compute();
  await kv.set(key, { roots: names, outcome }, { expireIn: CACHE_TTL_MS });
  return { outcome, cached: false };
}
