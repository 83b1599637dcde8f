/**
 * Verify one Sigstore bundle (v0.1 to v0.3 JSON) against trust roots, offline: certificate
 * chain to a Fulcio CA at the time attested by the transparency log or a TSA, log inclusion
 * when the root has logs, SCTs when it has CT logs, and the signature itself.
 *
 * What the verifier does not check (the artifact named by an in-toto subject, the identity
 * policy) is left to the callers (`pep740.ts`, `github_attestation.ts`).
 *
 * @example
 * ```ts
 * const outcome = verifyBundleSignature(bundleJson, [publicGoodTrustRoot()]);
 * if (outcome.ok) console.log(outcome.identity.buildConfigUri);
 * ```
 * @module
 */
import "./crypto_shim.ts";
import { Buffer } from "node:buffer";
import { type Bundle, bundleFromJSON, envelopeFromJSON } from "@sigstore/bundle";
import { toSignedEntity, Verifier } from "@sigstore/verify";
import { X509Certificate } from "@sigstore/core";
import canonicalize from "canonicalize";
import { type CertificateIdentity, identityOf } from "./identity.ts";
import { oneLine, selectTrustRoot, type TrustRoot } from "./trusted_root.ts";
import { IN_TOTO_PAYLOAD_TYPE, parseStatement, type Statement } from "./intoto.ts";

/** Largest serialized bundle accepted. */
export const MAX_BUNDLE_BYTES = 8 * 1024 * 1024;

/** The signature-level outcome of verifying a bundle (what the KV cache stores). */
export type SignatureOutcome =
  | {
    ok: true;
    /** Name of the trust root the certificate chained to. */
    trustRoot: string;
    identity: CertificateIdentity;
  }
  | {
    ok: false;
    /** `malformed` bundles, `untrusted-ca`, `unsupported` key material, or a failed `verify`. */
    failure: "malformed" | "untrusted-ca" | "unsupported" | "verify";
    reason: string;
    identity?: CertificateIdentity;
  };

const verifiers = new WeakMap<TrustRoot, Verifier>();

function verifierFor(root: TrustRoot): Verifier {
  let verifier = verifiers.get(root);
  if (!verifier) {
    verifier = new Verifier(root.material, root.verifierOptions);
    verifiers.set(root, verifier);
  }
  return verifier;
}

/**
 * Parse bundle JSON into the library's type.
 *
 * @throws {Error} with a one-line message when the bundle is malformed.
 */
export function parseBundle(json: unknown): Bundle {
  return bundleFromJSON(json);
}

/** The leaf certificate (DER) of a bundle, if it carries one. */
export function leafCertificate(bundle: Bundle): Uint8Array | undefined {
  const content = bundle.verificationMaterial.content;
  switch (content.$case) {
    case "certificate":
      return new Uint8Array(content.certificate.rawBytes);
    case "x509CertificateChain":
      return content.x509CertificateChain.certificates[0]
        ? new Uint8Array(content.x509CertificateChain.certificates[0].rawBytes)
        : undefined;
    default:
      return undefined;
  }
}

/**
 * Verify a bundle's signature material. Never throws: malformed input is an outcome.
 * `artifact` is needed for message-signature bundles; DSSE bundles sign their payload.
 *
 * @example
 * ```ts
 * verifyBundleSignature(JSON.parse(text), [publicGoodTrustRoot()]).ok;
 * ```
 */
export function verifyBundleSignature(
  bundleJson: unknown,
  roots: readonly TrustRoot[],
  artifact?: Uint8Array,
): SignatureOutcome {
  let bundle: Bundle;
  try {
    bundle = parseBundle(bundleJson);
  } catch (e) {
    return { ok: false, failure: "malformed", reason: `malformed bundle: ${oneLine(e)}` };
  }
  const leaf = leafCertificate(bundle);
  if (!leaf) {
    return {
      ok: false,
      failure: "unsupported",
      reason: "bundle is signed by a bare public key, not a Fulcio certificate",
    };
  }
  let identity: CertificateIdentity;
  try {
    identity = identityOf(X509Certificate.parse(Buffer.from(leaf)));
  } catch (e) {
    return { ok: false, failure: "malformed", reason: `unparsable certificate: ${oneLine(e)}` };
  }
  const root = selectTrustRoot(roots, leaf);
  if (!root) {
    return {
      ok: false,
      failure: "untrusted-ca",
      reason: `certificate not issued by a configured trust root (${
        roots.map((r) => r.name).join(", ")
      })`,
      identity,
    };
  }
  if (bundle.content.$case === "messageSignature" && !artifact) {
    return {
      ok: false,
      failure: "unsupported",
      reason: "message-signature bundle needs the artifact",
      identity,
    };
  }
  try {
    verifierFor(root).verify(toSignedEntity(bundle, artifact ? Buffer.from(artifact) : undefined));
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    const prefix = typeof code === "string" ? `${code}: ` : "";
    return { ok: false, failure: "verify", reason: `${prefix}${oneLine(e)}`, identity };
  }
  return { ok: true, trustRoot: root.name, identity };
}

/**
 * The in-toto statement of a DSSE bundle (parsed, not verified: verify the bundle first).
 *
 * @example
 * ```ts
 * bundleStatement(bundleJson)?.predicateType;
 * ```
 * @throws {Error} when the DSSE payload is not an in-toto statement.
 */
export function bundleStatement(bundleJson: unknown): Statement | undefined {
  const dsse = (bundleJson as { dsseEnvelope?: unknown } | null)?.dsseEnvelope;
  if (dsse === undefined || dsse === null) return undefined;
  const envelope = envelopeFromJSON(dsse);
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw new Error(`unsupported DSSE payload type ${JSON.stringify(envelope.payloadType)}`);
  }
  return parseStatement(new Uint8Array(envelope.payload));
}

/**
 * Hex SHA-256 of the RFC 8785 canonical JSON of a bundle: the cache key part for it.
 *
 * @example
 * ```ts
 * await bundleDigest({ mediaType: "..." }); // "3f0a..."
 * ```
 */
export async function bundleDigest(bundleJson: unknown): Promise<string> {
  const text = canonicalize(bundleJson) ?? "null";
  return await sha256Hex(new TextEncoder().encode(text));
}

/**
 * Hex SHA-256 of bytes.
 *
 * @example
 * ```ts
 * await sha256Hex(new Uint8Array()); // "e3b0c442..."
 * ```
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
