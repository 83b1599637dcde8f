/**
 * Sigstore trust roots: which Fulcio CAs, Rekor logs, CT logs and timestamp authorities a
 * bundle may chain to.
 *
 * Offline by default. The public-good root is the `trusted_root.json` embedded (base64) in the
 * TUF seeds of `@sigstore/tuf`; any other root (GitHub's own, for GitHub artifact attestations
 * signed by `fulcio.githubapp.com`) comes from a configured file. Refreshing through TUF needs
 * the network and is only done when the caller says so explicitly.
 *
 * @example
 * ```ts
 * const publicGood = publicGoodTrustRoot();
 * const github = await loadTrustRoot("/etc/auditor/trusted-root-github.json", "github");
 * const root = selectTrustRoot([publicGood, github], leafCertificateDer);
 * ```
 * @module
 */
import "./crypto_shim.ts";
import { Buffer } from "node:buffer";
import { z } from "zod";
import seeds from "@sigstore/tuf/seeds.json" with { type: "json" };
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { toTrustMaterial, type TrustMaterial, type VerifierOptions } from "@sigstore/verify";
import { X509Certificate } from "@sigstore/core";

/** Largest trusted root file accepted (real ones are ~10 KiB). */
export const MAX_TRUSTED_ROOT_BYTES = 1024 * 1024;

/** The TUF repository whose seed embeds the public-good root. */
export const PUBLIC_GOOD_TUF_MIRROR = "https://tuf-repo-cdn.sigstore.dev";

const rawBytes = z.object({ rawBytes: z.string().max(64 * 1024) }).passthrough();
const authority = z.object({
  certChain: z.object({ certificates: z.array(rawBytes).min(1).max(20) }).passthrough(),
}).passthrough();

/** Shape of a `trusted_root.json` (only what is needed to refuse nonsense; protobuf does the rest). */
export const TrustedRootJsonSchema = z.object({
  mediaType: z.string().regex(/^application\/vnd\.dev\.sigstore\.trustedroot/),
  tlogs: z.array(z.object({}).passthrough()).max(100).optional(),
  certificateAuthorities: z.array(authority).max(100).optional(),
  ctlogs: z.array(z.object({}).passthrough()).max(100).optional(),
  timestampAuthorities: z.array(authority).max(100).optional(),
}).passthrough();
/** A parsed `trusted_root.json`. */
export type TrustedRootJson = z.infer<typeof TrustedRootJsonSchema>;

/** Trust material ready for the verifier, with what is needed to pick it for a bundle. */
export interface TrustRoot {
  /** `public-good`, `github`, or the name given by the caller. */
  readonly name: string;
  readonly material: TrustMaterial;
  /** DER subjects of every CA certificate (a leaf's issuer is one of them). */
  readonly issuerSubjects: readonly Uint8Array[];
  /** Verifier thresholds: a root without Rekor logs (GitHub's) relies on TSA timestamps alone. */
  readonly verifierOptions: VerifierOptions;
}

/** A trust root could not be read or is malformed. */
export class TrustRootError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TrustRootError";
  }
}

/**
 * Build a {@link TrustRoot} from the JSON of a `trusted_root.json`.
 *
 * @example
 * ```ts
 * const root = trustRootFromJson(JSON.parse(text), "github");
 * ```
 * @throws {TrustRootError} when the JSON is not a trusted root.
 */
export function trustRootFromJson(json: unknown, name: string): TrustRoot {
  const parsed = TrustedRootJsonSchema.safeParse(json);
  if (!parsed.success) {
    throw new TrustRootError(
      `${name}: not a Sigstore trusted root (${parsed.error.issues[0]?.message})`,
    );
  }
  try {
    const proto = TrustedRoot.fromJSON(parsed.data);
    const material = toTrustMaterial(proto);
    const issuerSubjects = material.certificateAuthorities
      .flatMap((ca) => ca.certChain)
      .map((cert) => new Uint8Array(cert.subject));
    const hasTlogs = material.tlogs.length > 0;
    const hasCtlogs = material.ctlogs.length > 0;
    const verifierOptions: VerifierOptions = {
      tlogThreshold: hasTlogs ? 1 : 0,
      ctlogThreshold: hasCtlogs ? 1 : 0,
      timestampThreshold: 1,
    };
    return { name, material, issuerSubjects, verifierOptions };
  } catch (e) {
    throw new TrustRootError(`${name}: unusable trusted root: ${oneLine(e)}`);
  }
}

/**
 * The public-good trusted root JSON embedded in `@sigstore/tuf`'s seeds (no network).
 *
 * @example
 * ```ts
 * embeddedTrustedRootJson().mediaType; // "application/vnd.dev.sigstore.trustedroot+json;version=0.1"
 * ```
 */
export function embeddedTrustedRootJson(): TrustedRootJson {
  const repo = (seeds as Record<string, { targets?: Record<string, string> }>)[
    PUBLIC_GOOD_TUF_MIRROR
  ];
  const encoded = repo?.targets?.["trusted_root.json"];
  if (typeof encoded !== "string") {
    throw new TrustRootError("@sigstore/tuf seeds hold no trusted_root.json");
  }
  const json = JSON.parse(new TextDecoder().decode(Buffer.from(encoded, "base64")));
  return TrustedRootJsonSchema.parse(json);
}

let publicGood: TrustRoot | undefined;

/**
 * The public-good Sigstore trust root (Fulcio, Rekor, CT log, TSA), built once per process.
 *
 * @example
 * ```ts
 * const root = publicGoodTrustRoot();
 * ```
 */
export function publicGoodTrustRoot(): TrustRoot {
  publicGood ??= trustRootFromJson(embeddedTrustedRootJson(), "public-good");
  return publicGood;
}

/**
 * Read a `trusted_root.json` file (e.g. GitHub's root for GitHub artifact attestations).
 *
 * @example
 * ```ts
 * const github = await loadTrustRoot("trusted-root-github.json", "github");
 * ```
 * @throws {TrustRootError} when the file is missing, too large or malformed.
 */
export async function loadTrustRoot(path: string, name = path): Promise<TrustRoot> {
  let bytes: Uint8Array;
  try {
    const info = await Deno.stat(path);
    if (info.size > MAX_TRUSTED_ROOT_BYTES) {
      throw new TrustRootError(`${name}: trusted root larger than ${MAX_TRUSTED_ROOT_BYTES} bytes`);
    }
    bytes = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof TrustRootError) throw e;
    const why = e instanceof Deno.errors.NotFound ? "file not found" : (e as Error).name;
    throw new TrustRootError(`${name}: cannot read trusted root: ${why}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new TrustRootError(`${name}: trusted root is not JSON`);
  }
  return trustRootFromJson(json, name);
}

/** Options for {@link refreshTrustRoot}. */
export interface RefreshOptions {
  /** Must be true: refreshing contacts the TUF mirror. */
  allowNetwork: boolean;
  /** Folder for TUF metadata. */
  cachePath: string;
  mirrorURL?: string;
}

/**
 * Fetch the current public-good root through TUF. Never called implicitly: only when the
 * operator has allowed network access for it.
 *
 * @example
 * ```ts
 * const root = await refreshTrustRoot({ allowNetwork: true, cachePath: "/var/cache/tuf" });
 * ```
 * @throws {TrustRootError} when not allowed or when TUF fails.
 */
export async function refreshTrustRoot(options: RefreshOptions): Promise<TrustRoot> {
  if (!options.allowNetwork) {
    throw new TrustRootError("refreshing the trusted root through TUF needs allowNetwork: true");
  }
  const { getTrustedRoot } = await import("@sigstore/tuf");
  try {
    const proto = await getTrustedRoot({
      cachePath: options.cachePath,
      mirrorURL: options.mirrorURL ?? PUBLIC_GOOD_TUF_MIRROR,
    });
    return trustRootFromJson(TrustedRoot.toJSON(proto), "public-good (TUF)");
  } catch (e) {
    if (e instanceof TrustRootError) throw e;
    throw new TrustRootError(`TUF refresh failed: ${oneLine(e)}`);
  }
}

/**
 * The root whose Fulcio CA issued a leaf certificate, found by the leaf's issuer name.
 *
 * @example
 * ```ts
 * selectTrustRoot([publicGoodTrustRoot()], leafDer)?.name; // "public-good"
 * ```
 */
export function selectTrustRoot(
  roots: readonly TrustRoot[],
  leafDer: Uint8Array,
): TrustRoot | undefined {
  let issuer: Uint8Array;
  try {
    issuer = new Uint8Array(X509Certificate.parse(Buffer.from(leafDer)).issuer);
  } catch {
    return undefined;
  }
  return roots.find((root) => root.issuerSubjects.some((subject) => bytesEqual(subject, issuer)));
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** First line of an error message, bounded. */
export function oneLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return (text.split("\n")[0] ?? "").slice(0, 300);
}
