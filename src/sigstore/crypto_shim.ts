/**
 * Deno 2.9.6 compatibility shim for `node:crypto.verify`.
 *
 * Node picks SHA-256 when `verify(undefined, data, key, sig)` is called with an EC or RSA key;
 * Deno 2.9.6 throws "no default digest" instead. `@sigstore/core` calls
 * `require("crypto").verify(undefined, ...)` for DSSE signatures, signed entry timestamps and
 * checkpoints, so every real bundle would fail. The shim replaces the `verify` property of the
 * shared `node:crypto` module object (the same object `require("crypto")` returns inside npm
 * packages) with a wrapper that supplies `"sha256"` for EC and RSA keys and passes everything
 * else through unchanged (Ed25519 keys keep `undefined`, as they must).
 *
 * Importing this module installs the shim once. `tests/sigstore/crypto_shim_test.ts` fails
 * when Deno fixes the bug, so that the shim gets removed.
 *
 * @example
 * ```ts
 * import "./crypto_shim.ts"; // before verifying any bundle
 * ```
 * @module
 */
import crypto from "node:crypto";

type VerifyFn = typeof crypto.verify;

/** The untouched `node:crypto.verify`, kept for the upstream-bug test. */
export const originalVerify: VerifyFn = crypto.verify;

const SHIM_MARK = Symbol.for("release-auditor.crypto-shim");

/** Key types for which Node's default digest is SHA-256. */
const DEFAULT_SHA256_KEY_TYPES = new Set(["ec", "rsa", "rsa-pss"]);

function asymmetricKeyType(key: unknown): string | undefined {
  if (key instanceof crypto.KeyObject) return key.asymmetricKeyType;
  try {
    return crypto.createPublicKey(key as crypto.KeyLike).asymmetricKeyType;
  } catch {
    return undefined;
  }
}

/** `verify` with Node's default digest for EC and RSA keys. */
const shimmedVerify = function (
  this: unknown,
  algorithm: string | null | undefined,
  ...rest: unknown[]
): unknown {
  let chosen = algorithm;
  if (chosen === undefined || chosen === null) {
    const keyType = asymmetricKeyType(rest[1]);
    if (keyType !== undefined && DEFAULT_SHA256_KEY_TYPES.has(keyType)) chosen = "sha256";
  }
  return (originalVerify as (...args: unknown[]) => unknown).call(this, chosen, ...rest);
} as unknown as VerifyFn;
Object.defineProperty(shimmedVerify, SHIM_MARK, { value: true });

/**
 * Install the shim (idempotent). Called on import of this module.
 *
 * @example
 * ```ts
 * installCryptoShim();
 * ```
 */
export function installCryptoShim(): void {
  if ((crypto.verify as unknown as Record<symbol, unknown>)[SHIM_MARK]) return;
  crypto.verify = shimmedVerify;
}

/** True when `node:crypto.verify` is the shimmed function. */
export function cryptoShimInstalled(): boolean {
  return Boolean((crypto.verify as unknown as Record<symbol, unknown>)[SHIM_MARK]);
}

installCryptoShim();
