/**
 * C2SP signed notes (c2sp.org/signed-note) with Ed25519 keys, compatible with Go's
 * golang.org/x/mod/sumdb/note: key ids, verifier-key and private-key strings, signing and
 * verification through WebCrypto.
 *
 * @module
 */
import { bytesEqual, fromBase64, fromHex, sha256, toBase64, toHex } from "./hash.ts";

const ALG_ED25519 = 0x01;
const PKCS8_ED25519_PREFIX = fromHex("302e020100300506032b657004220420");
const encoder = new TextEncoder();
const SIG_PREFIX = "\u2014 ";
const MAX_NOTE_BYTES = 1 << 20;

/** A parsed verifier key. */
export interface NoteVerifier {
  name: string;
  /** 4-byte key id. */
  keyId: Uint8Array;
  /** 32-byte Ed25519 public key. */
  publicKey: Uint8Array;
  /** The verifier-key string it was parsed from. */
  text: string;
}

/** A parsed signing key. */
export interface NoteSigner {
  name: string;
  keyId: Uint8Array;
  publicKey: Uint8Array;
  /** The verifier-key string for this key. */
  verifierKey: string;
  sign(message: Uint8Array): Promise<Uint8Array>;
}

/**
 * True when `text` has a C0 control character or DEL (LF allowed when `allowLf`).
 *
 * @example
 * ```ts
 * hasControlChars("a\tb"); // true
 * ```
 */
export function hasControlChars(text: string, allowLf = false): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && !(allowLf && c === 0x0a)) || c === 0x7f) return true;
  }
  return false;
}

/** Split on the first `count - 1` plus signs (base64 may itself contain `+`). */
function splitKey(text: string, count: number): string[] | null {
  const parts: string[] = [];
  let rest = text;
  for (let i = 0; i < count - 1; i++) {
    const at = rest.indexOf("+");
    if (at < 0) return null;
    parts.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  parts.push(rest);
  return parts;
}

/** A key name: non-empty, printable, no `+`, no whitespace. */
function checkName(name: string): void {
  if (name.length === 0 || /[+\s]/.test(name) || hasControlChars(name) || !name.isWellFormed()) {
    throw new Error("invalid key name");
  }
}

/**
 * Key id: the first 4 bytes of SHA-256(name || 0x0A || 0x01 || publicKey).
 *
 * @example
 * ```ts
 * toHex(keyId("PeterNeumann", pub)); // "c74f20a3"
 * ```
 */
export function keyId(name: string, publicKey: Uint8Array): Uint8Array {
  return sha256(encoder.encode(name + "\n"), new Uint8Array([ALG_ED25519]), publicKey).slice(0, 4);
}

/**
 * Parse a verifier key `name+hexkeyid+base64(0x01||pubkey)`; throws on any mismatch.
 *
 * @example
 * ```ts
 * parseVerifierKey("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
 * ```
 */
export function parseVerifierKey(text: string): NoteVerifier {
  const parts = splitKey(text, 3);
  if (!parts) throw new Error("malformed verifier key");
  const [name, hexId, b64] = parts;
  checkName(name);
  if (!/^[0-9a-f]{8}$/.test(hexId)) throw new Error("malformed verifier key id");
  let key: Uint8Array;
  try {
    key = fromBase64(b64);
  } catch {
    throw new Error("malformed verifier key encoding");
  }
  if (key.length !== 33 || key[0] !== ALG_ED25519) throw new Error("unsupported verifier key type");
  const publicKey = key.slice(1);
  const id = keyId(name, publicKey);
  if (toHex(id) !== hexId) throw new Error("verifier key id does not match the key");
  return { name, keyId: id, publicKey, text };
}

/**
 * Parse a private key `PRIVATE+KEY+name+hexkeyid+base64(0x01||seed)` into a signer.
 *
 * @example
 * ```ts
 * const signer = await parseSigningKey(Deno.env.get("LEDGER_SIGNING_KEY")!);
 * ```
 */
export async function parseSigningKey(text: string): Promise<NoteSigner> {
  const parts = splitKey(text, 5);
  if (!parts || parts[0] !== "PRIVATE" || parts[1] !== "KEY") {
    throw new Error("malformed signing key");
  }
  const [, , name, hexId, b64] = parts;
  checkName(name);
  if (!/^[0-9a-f]{8}$/.test(hexId)) throw new Error("malformed signing key id");
  let key: Uint8Array;
  try {
    key = fromBase64(b64);
  } catch {
    throw new Error("malformed signing key encoding");
  }
  if (key.length !== 33 || key[0] !== ALG_ED25519) throw new Error("unsupported signing key type");
  const pkcs8 = new Uint8Array([...PKCS8_ED25519_PREFIX, ...key.slice(1)]);
  let privateKey: CryptoKey;
  let publicKey: Uint8Array;
  try {
    privateKey = await crypto.subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, true, ["sign"]);
    const jwk = await crypto.subtle.exportKey("jwk", privateKey);
    publicKey = fromBase64Url(jwk.x ?? "");
  } catch {
    throw new Error("signing key is not a valid Ed25519 seed");
  }
  const id = keyId(name, publicKey);
  if (toHex(id) !== hexId) throw new Error("signing key id does not match the key");
  return {
    name,
    keyId: id,
    publicKey,
    verifierKey: verifierKeyString(name, publicKey),
    sign: async (message) =>
      new Uint8Array(await crypto.subtle.sign("Ed25519", privateKey, message as BufferSource)),
  };
}

function fromBase64Url(text: string): Uint8Array {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  return fromBase64(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
}

function verifierKeyString(name: string, publicKey: Uint8Array): string {
  const key = new Uint8Array([ALG_ED25519, ...publicKey]);
  return `${name}+${toHex(keyId(name, publicKey))}+${toBase64(key)}`;
}

/**
 * A fresh Ed25519 key pair as a private-key string and its verifier-key string.
 *
 * @example
 * ```ts
 * const { privateKey, verifierKey } = await generateSigningKey("example.org/ledger");
 * ```
 */
export async function generateSigningKey(
  name: string,
): Promise<{ privateKey: string; verifierKey: string }> {
  checkName(name);
  const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  const seed = pkcs8.slice(pkcs8.length - 32);
  const publicKey = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  const id = toHex(keyId(name, publicKey));
  return {
    privateKey: `PRIVATE+KEY+${name}+${id}+${toBase64(new Uint8Array([ALG_ED25519, ...seed]))}`,
    verifierKey: verifierKeyString(name, publicKey),
  };
}

function checkText(text: string): void {
  if (!text.endsWith("\n")) throw new Error("note text must end with a newline");
  if (hasControlChars(text, true) || !text.isWellFormed()) {
    throw new Error("note text has control characters");
  }
  if (text.includes("\n\n") || text.startsWith("\n")) {
    throw new Error("note text has an empty line");
  }
}

/**
 * Sign note text (ending in LF) and return the signed note.
 *
 * @example
 * ```ts
 * const note = await signNote("example.org/ledger\n1\nabc=\n", signer);
 * ```
 */
export async function signNote(text: string, signer: NoteSigner): Promise<string> {
  checkText(text);
  const sig = await signer.sign(encoder.encode(text));
  return `${text}\n${SIG_PREFIX}${signer.name} ${
    toBase64(new Uint8Array([...signer.keyId, ...sig]))
  }\n`;
}

/**
 * Imported Web Crypto keys of the verifiers seen (verify opens hundreds of notes with one), with
 * the public key they were imported from: a verifier whose key bytes changed is imported again.
 */
const importedKeys = new WeakMap<NoteVerifier, { raw: Uint8Array; key: Promise<CryptoKey> }>();

function verifyKey(verifier: NoteVerifier): Promise<CryptoKey> {
  const cached = importedKeys.get(verifier);
  if (cached && bytesEqual(cached.raw, verifier.publicKey)) return cached.key;
  const raw = verifier.publicKey.slice();
  const key = crypto.subtle.importKey("raw", raw as BufferSource, { name: "Ed25519" }, false, [
    "verify",
  ]);
  importedKeys.set(verifier, { raw, key });
  key.catch(() => importedKeys.delete(verifier));
  return key;
}

/**
 * Verify a signed note against a verifier: returns the note text when at least one signature
 * line by that key verifies; throws otherwise. Signatures by other keys are ignored.
 *
 * @example
 * ```ts
 * const text = await openNote(note, parseVerifierKey(vkey));
 * ```
 */
export async function openNote(note: string, verifier: NoteVerifier): Promise<string> {
  if (note.length > MAX_NOTE_BYTES) throw new Error("note is too large");
  const split = note.lastIndexOf("\n\n");
  if (split < 0 || !note.endsWith("\n")) throw new Error("malformed note");
  const text = note.slice(0, split + 1);
  checkText(text);
  const sigLines = note.slice(split + 2, -1).split("\n");
  const key = await verifyKey(verifier);
  let sawKey = false;
  for (const line of sigLines) {
    if (!line.startsWith(SIG_PREFIX)) throw new Error("malformed note signature line");
    const [name, b64, extra] = line.slice(SIG_PREFIX.length).split(" ");
    if (!name || !b64 || extra !== undefined) throw new Error("malformed note signature line");
    let sig: Uint8Array;
    try {
      sig = fromBase64(b64);
    } catch {
      throw new Error("malformed note signature encoding");
    }
    if (sig.length < 5) throw new Error("malformed note signature");
    if (name !== verifier.name || !bytesEqual(sig.slice(0, 4), verifier.keyId)) continue;
    sawKey = true;
    const ok = await crypto.subtle.verify(
      "Ed25519",
      key,
      sig.slice(4) as BufferSource,
      encoder.encode(text),
    );
    if (ok) return text;
  }
  throw new Error(
    sawKey ? "note signature does not verify" : `note is not signed by ${verifier.name}`,
  );
}
