/**
 * The first-run signing key: when `LEDGER_SIGNING_KEY` is not set, a file-store ledger keeps its
 * signing key in a file inside the ledger folder (`signing.key`, mode 0600), created once and
 * read on every later run. The key is never logged: callers print only its verifier key and
 * where it lives.
 *
 * The file is written to a temporary name and then hard-linked into place, so a second process
 * starting at the same moment either sees the whole key or creates none (and then reads the
 * winner's).
 *
 * @example
 * ```ts
 * const key = await loadOrCreateKeyFile("ledger/data", "example.org/ledger");
 * console.error(`verifier key ${key.verifierKey} (${key.created ? "created" : "read"} ${key.path})`);
 * ```
 * @module
 */
import { generateSigningKey, openNote, parseSigningKey, parseVerifierKey } from "./note.ts";

/** Name of the key file inside the ledger folder. */
export const KEY_FILE_NAME = "signing.key";

/** A key read from, or written to, the key file. */
export interface KeyFile {
  /** Path of the file. */
  path: string;
  /** `PRIVATE+KEY+...` (keep it secret). */
  privateKey: string;
  /** The C2SP verifier key to publish. */
  verifierKey: string;
  /** True when this call created the file. */
  created: boolean;
}

/** The key file is unusable (readable by others, malformed): one line, exit code 2. */
export class KeyFileError extends Error {
  override name = "KeyFileError";
}

/**
 * Path of the key file of a ledger folder.
 *
 * @example
 * ```ts
 * keyFilePath("ledger/data/"); // "ledger/data/signing.key"
 * ```
 */
export function keyFilePath(ledgerDir: string): string {
  return `${ledgerDir.replace(/\/+$/, "") || "."}/${KEY_FILE_NAME}`;
}

async function readKey(path: string): Promise<KeyFile | null> {
  let text: string;
  try {
    const info = await Deno.stat(path);
    if (info.mode !== null && (info.mode & 0o077) !== 0) {
      throw new KeyFileError(
        `${path} is readable by other users (mode ${(info.mode & 0o777).toString(8)}): ` +
          `run chmod 600 ${path}`,
      );
    }
    text = (await Deno.readTextFile(path)).trim();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
  try {
    const signer = await parseSigningKey(text);
    return { path, privateKey: text, verifierKey: signer.verifierKey, created: false };
  } catch (e) {
    throw new KeyFileError(`${path}: not a signing key (${(e as Error).message})`);
  }
}

async function writeFile(path: string, text: string): Promise<void> {
  using f = await Deno.open(path, { write: true, createNew: true, mode: 0o600 });
  await Deno.chmod(path, 0o600);
  const bytes = new TextEncoder().encode(text);
  let done = 0;
  while (done < bytes.length) done += await f.write(bytes.subarray(done));
  await f.sync();
}

/** Create `path` holding `text` unless it exists (false then); never half-written. */
async function writeNew(path: string, text: string): Promise<boolean> {
  const tmp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    await writeFile(tmp, text);
    try {
      await Deno.link(tmp, path);
    } catch (e) {
      if (e instanceof Deno.errors.AlreadyExists) throw e;
      // A file system without hard links: create the file in place (exclusively).
      await writeFile(path, text);
    }
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) return false;
    throw e;
  } finally {
    await Deno.remove(tmp).catch(() => {});
  }
}

/**
 * Read the key file of `ledgerDir`, or create it (folder too) with a fresh Ed25519 key named
 * `name` (the ledger origin).
 *
 * @throws {KeyFileError} when the file is readable by others or is not a signing key.
 * @example
 * ```ts
 * const { privateKey } = await loadOrCreateKeyFile("ledger/data", "localhost/release-auditor");
 * ```
 */
export async function loadOrCreateKeyFile(ledgerDir: string, name: string): Promise<KeyFile> {
  const path = keyFilePath(ledgerDir);
  const existing = await readKey(path);
  if (existing) return existing;
  await Deno.mkdir(ledgerDir, { recursive: true });
  const key = await generateSigningKey(name);
  if (await writeNew(path, key.privateKey + "\n")) {
    return { path, ...key, created: true };
  }
  const winner = await readKey(path);
  if (!winner) throw new KeyFileError(`${path}: vanished while it was being created`);
  return winner;
}

/** The signing key does not match the ledger's history: one line, exit code 2. */
export class KeyMismatchError extends Error {
  override name = "KeyMismatchError";
}

/** What a ledger says about the key that signed it. */
export interface SignedHistory {
  /** The verifier key stored beside the ledger, if any. */
  storedVerifierKey(): Promise<string | null>;
  /** The latest signed checkpoint, if any. */
  checkpoint(): Promise<string | null>;
}

/**
 * Check that `verifierKey` signed the ledger's latest checkpoint (and is the stored key), so a
 * wrong key is refused before anything runs, in one line.
 *
 * @throws {KeyMismatchError}
 * @example
 * ```ts
 * await checkKeyMatchesLedger(await openLedgerReader({ store: "file", path }), verifierKey, "the key in signing.key");
 * ```
 */
export async function checkKeyMatchesLedger(
  ledger: SignedHistory,
  verifierKey: string,
  keySource: string,
): Promise<void> {
  const stored = await ledger.storedVerifierKey();
  const note = await ledger.checkpoint();
  let signed = note === null;
  if (note !== null) {
    try {
      await openNote(note, parseVerifierKey(verifierKey));
      signed = true;
    } catch {
      signed = false;
    }
  }
  if (signed && (stored === null || stored.trim() === verifierKey)) return;
  const other = (stored?.trim() ?? "").split("+").slice(0, 2).join("+");
  throw new KeyMismatchError(
    `the signing key (${keySource}) does not match the ledger: its checkpoints were signed by ` +
      `${other ? `key ${JSON.stringify(other.slice(0, 300))}` : "another key"}; use that key, or ` +
      `point [ledger] path at a new folder`,
  );
}
