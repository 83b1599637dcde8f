/**
 * The signing identity a Fulcio certificate carries: subject alternative name and the Fulcio
 * extensions (OIDs under 1.3.6.1.4.1.57264.1) that describe the CI run which signed.
 *
 * Extensions .1.8 and later hold a DER UTF8String; the deprecated .1.1 to .1.6 hold raw bytes.
 * Every value is bounded; an unparsable certificate yields an empty identity.
 *
 * @example
 * ```ts
 * const id = certificateIdentity(leafDer);
 * id.buildConfigUri; // "https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1"
 * ```
 * @module
 */
import { Buffer } from "node:buffer";
import { X509Certificate } from "@sigstore/core";

/** Identity fields of a Fulcio leaf certificate (all optional: issuers differ). */
export interface CertificateIdentity {
  /** SAN URI or email: for GitHub, the workflow that signed (`job_workflow_ref`). */
  subjectAlternativeName?: string;
  /** OIDC issuer (.1.8, legacy .1.1). */
  issuer?: string;
  /** Build Signer URI (.1.9): the reusable workflow when one is used. */
  buildSignerUri?: string;
  /** Runner Environment (.1.11): `github-hosted` or `self-hosted`. */
  runnerEnvironment?: string;
  /** Source Repository URI (.1.12). */
  sourceRepositoryUri?: string;
  /** Source Repository Digest (.1.13): the commit. */
  sourceRepositoryDigest?: string;
  /** Source Repository Ref (.1.14), e.g. `refs/tags/v1.0`. */
  sourceRepositoryRef?: string;
  /** Source Repository Owner URI (.1.16). */
  sourceRepositoryOwnerUri?: string;
  /** Build Config URI (.1.18): the top-level (caller) workflow with its ref. */
  buildConfigUri?: string;
  /** Build Trigger (.1.20), e.g. `push`, `release`. */
  buildTrigger?: string;
  /** Run Invocation URI (.1.21). */
  runInvocationUri?: string;
}

const FULCIO = "1.3.6.1.4.1.57264.1";
const MAX_VALUE = 2000;

/** Fulcio extension OIDs, by the field they fill. */
export const FULCIO_OIDS = {
  issuerLegacy: `${FULCIO}.1`,
  issuer: `${FULCIO}.8`,
  buildSignerUri: `${FULCIO}.9`,
  runnerEnvironment: `${FULCIO}.11`,
  sourceRepositoryUri: `${FULCIO}.12`,
  sourceRepositoryDigest: `${FULCIO}.13`,
  sourceRepositoryRef: `${FULCIO}.14`,
  sourceRepositoryOwnerUri: `${FULCIO}.16`,
  buildConfigUri: `${FULCIO}.18`,
  buildTrigger: `${FULCIO}.20`,
  runInvocationUri: `${FULCIO}.21`,
} as const;

/**
 * Decode a DER UTF8String (tag 0x0c) held in an extension value; undefined if it is not one.
 */
function derUtf8(bytes: Uint8Array): string | undefined {
  if (bytes.length < 2 || bytes[0] !== 0x0c) return undefined;
  let length = bytes[1];
  let offset = 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 2 || bytes.length < 2 + count) return undefined;
    length = 0;
    for (let i = 0; i < count; i++) length = (length << 8) | bytes[2 + i];
    offset = 2 + count;
  }
  if (offset + length !== bytes.length) return undefined;
  return new TextDecoder("utf-8", { fatal: false }).decode(bytes.subarray(offset));
}

function bounded(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  // deno-lint-ignore no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]/g, "").slice(0, MAX_VALUE);
}

function extensionText(cert: X509Certificate, oid: string, legacy: boolean): string | undefined {
  const ext = cert.extension(oid);
  if (!ext) return undefined;
  const raw = new Uint8Array(ext.value);
  if (legacy) return bounded(new TextDecoder().decode(raw));
  return bounded(derUtf8(raw));
}

/**
 * Parse a leaf certificate (DER bytes or base64 DER) and extract its identity fields.
 *
 * @example
 * ```ts
 * certificateIdentity(der).issuer; // "https://token.actions.githubusercontent.com"
 * ```
 */
export function certificateIdentity(der: Uint8Array | string): CertificateIdentity {
  let cert: X509Certificate;
  try {
    cert = X509Certificate.parse(typeof der === "string" ? der : Buffer.from(der));
  } catch {
    return {};
  }
  return identityOf(cert);
}

/** Identity fields of an already parsed certificate. */
export function identityOf(cert: X509Certificate): CertificateIdentity {
  const get = (oid: string) => {
    try {
      return extensionText(cert, oid, false);
    } catch {
      return undefined;
    }
  };
  let san: string | undefined;
  try {
    san = bounded(cert.subjectAltName);
  } catch {
    san = undefined;
  }
  let legacyIssuer: string | undefined;
  try {
    legacyIssuer = extensionText(cert, FULCIO_OIDS.issuerLegacy, true);
  } catch {
    legacyIssuer = undefined;
  }
  const identity: CertificateIdentity = {
    subjectAlternativeName: san,
    issuer: get(FULCIO_OIDS.issuer) ?? legacyIssuer,
    buildSignerUri: get(FULCIO_OIDS.buildSignerUri),
    runnerEnvironment: get(FULCIO_OIDS.runnerEnvironment),
    sourceRepositoryUri: get(FULCIO_OIDS.sourceRepositoryUri),
    sourceRepositoryDigest: get(FULCIO_OIDS.sourceRepositoryDigest),
    sourceRepositoryRef: get(FULCIO_OIDS.sourceRepositoryRef),
    sourceRepositoryOwnerUri: get(FULCIO_OIDS.sourceRepositoryOwnerUri),
    buildConfigUri: get(FULCIO_OIDS.buildConfigUri),
    buildTrigger: get(FULCIO_OIDS.buildTrigger),
    runInvocationUri: get(FULCIO_OIDS.runInvocationUri),
  };
  for (const key of Object.keys(identity) as (keyof CertificateIdentity)[]) {
    if (identity[key] === undefined) delete identity[key];
  }
  return identity;
}

/** A GitHub workflow reference parsed from a Build Config / Build Signer URI. */
export interface WorkflowRef {
  /** `owner/repo`. */
  repository: string;
  /** Path inside the repository, e.g. `.github/workflows/release.yml`. */
  path: string;
  /** File name, e.g. `release.yml`. */
  file: string;
  /** What follows `@`: a ref (`refs/tags/v1`) or a commit. */
  ref: string;
}

/**
 * Parse `https://github.com/OWNER/REPO/PATH@REF` (Build Config URI, Build Signer URI, SAN).
 *
 * @example
 * ```ts
 * parseWorkflowUri("https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1")?.file;
 * // "release.yml"
 * ```
 */
export function parseWorkflowUri(uri: string | undefined): WorkflowRef | undefined {
  if (!uri) return undefined;
  const match = /^https:\/\/github\.com\/([^/]+)\/([^/]+)\/(.+?)@(.+)$/.exec(uri);
  if (!match) return undefined;
  const [, owner, repo, path, ref] = match;
  const file = path.split("/").at(-1) ?? path;
  return { repository: `${owner}/${repo}`, path, file, ref };
}
