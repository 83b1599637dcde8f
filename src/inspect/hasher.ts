/**
 * Content hashing for inspections: SHA-256 and git blob SHA-1 of each member (each only when
 * the member needs it), the SHA-256 of the whole artifact, and the zip.js second opinion, on
 * the calling thread. The ZIP member pool's workers each have their own {@link InlineHasher};
 * a two-thread `.tar.gz` reading hashes members here and the file on its gunzip worker.
 *
 * @example
 * ```ts
 * await InlineHasher.ready();
 * const member = new InlineHasher().begin(3);
 * member.update(new TextEncoder().encode("abc"));
 * console.log(member.finish());
 * ```
 * @module
 */
import { createHash } from "node:crypto";
import { createSHA1, createSHA256, type IHasher } from "hash-wasm";

/** Digests of one member (a digest the member does not need is absent). */
export interface MemberDigest {
  sha256?: string;
  /** Git blob id over the declared size (`blob <declared>\0` + content). */
  sha1?: string;
}

/** Which digests a member needs (each is computed once, only when needed). */
export interface DigestNeeds {
  sha256: boolean;
  sha1: boolean;
}

/** Both digests. */
export const ALL_DIGESTS: DigestNeeds = { sha256: true, sha1: true };

/** Hashing of one member. */
export interface MemberHash {
  update(chunk: Uint8Array): void;
  /** The digests (a promise where an implementation hashes elsewhere). */
  finish(): MemberDigest | Promise<MemberDigest>;
}

/** Where hashing happens. */
export interface Hasher {
  begin(declaredSize: number, needs?: DigestNeeds): MemberHash;
  /** SHA-256 and size of a whole file. */
  fileDigest(path: string): Promise<{ sha256: string; size: number }>;
  /** zip.js warnings for a ZIP file (`[]` when not enabled). */
  zipJs(path: string, enabled: boolean): Promise<string[]>;
  /** Resolves when few enough bytes are in flight; undefined when there is no need to wait. */
  pressure(): Promise<void> | undefined;
  /** Send whatever is buffered (call before awaiting digests). */
  flush(): void;
  close(): void;
}

/** SHA-256 and size of a file, read synchronously in 1 MiB chunks. */
export function hashFile(path: string): Promise<{ sha256: string; size: number }> {
  try {
    const hash = createHash("sha256");
    let size = 0;
    using file = Deno.openSync(path, { read: true });
    const buf = new Uint8Array(1024 * 1024);
    while (true) {
      const n = file.readSync(buf);
      if (n === null || n === 0) break;
      hash.update(buf.subarray(0, n));
      size += n;
    }
    return Promise.resolve({ sha256: hash.digest("hex"), size });
  } catch (e) {
    return Promise.reject(e);
  }
}

/**
 * Members up to this size are hashed by one reused WASM hasher per digest (hash-wasm): a
 * node:crypto hash allocates a native context per member that only a later GC frees, which
 * costs ~30 MB of RSS per 100,000 members and digest. Larger members use node:crypto, which
 * is ~10x faster per byte (SHA extensions), so only tiny members take the WASM path: at
 * 8 KiB, a 200 MB sdist of 2-18 KiB members spent 12% more time than at 2 KiB.
 */
export const WASM_HASH_MAX = 2 * 1024;

/** The shared WASM hashers, once compiled (no top-level await: the worker imports this). */
let wasm: { sha256: IHasher; sha1: IHasher } | undefined;
const wasmReady: Promise<void> = Promise.all([createSHA256(), createSHA1()])
  .then(([sha256, sha1]) => {
    wasm = { sha256, sha1 };
  })
  .catch(() => undefined);
/**
 * The inspection whose member holds the shared WASM hashers (one member at a time). A member
 * abandoned by a stop never finishes: its inspection's close() frees them.
 */
let wasmOwner: InlineHasher | undefined;

/**
 * Whether the shared WASM hashers are free (for tests: no inspection left them taken).
 *
 * @example
 * ```ts
 * console.assert(wasmHashersFree());
 * ```
 */
export function wasmHashersFree(): boolean {
  return wasmOwner === undefined;
}

/** Room for `blob <size>\0` with any safe integer size. */
const blobHeaderBytes = new Uint8Array(32);
blobHeaderBytes.set([0x62, 0x6c, 0x6f, 0x62, 0x20]); // "blob "

/**
 * The git blob header `blob <size>\0` as bytes, in a shared buffer (valid until the next
 * call): hash-wasm turns a string into a Buffer per call, a third of the hashing time of a
 * tiny member.
 */
function blobHeader(size: number): Uint8Array {
  const digits = String(size);
  let at = 5;
  for (let i = 0; i < digits.length; i++) blobHeaderBytes[at++] = digits.charCodeAt(i);
  blobHeaderBytes[at++] = 0;
  return blobHeaderBytes.subarray(0, at);
}

/** A member hash on the shared WASM hashers (one member at a time). */
function wasmMemberHash(owner: InlineHasher, declaredSize: number, needs: DigestNeeds): MemberHash {
  wasmOwner = owner;
  const sha256: IHasher | undefined = needs.sha256 ? wasm!.sha256.init() : undefined;
  const sha1: IHasher | undefined = needs.sha1
    ? wasm!.sha1.init().update(blobHeader(declaredSize))
    : undefined;
  return {
    update(chunk) {
      sha256?.update(chunk);
      sha1?.update(chunk);
    },
    finish: () => {
      const digest = { sha256: sha256?.digest("hex"), sha1: sha1?.digest("hex") };
      if (wasmOwner === owner) wasmOwner = undefined;
      return digest;
    },
  };
}

/** Hashing on the calling thread. */
export class InlineHasher implements Hasher {
  /** Resolves when the WASM hashers for small members are ready (before that: node:crypto). */
  static ready(): Promise<void> {
    return wasmReady;
  }

  begin(declaredSize: number, needs: DigestNeeds = ALL_DIGESTS): MemberHash {
    if (wasm && declaredSize <= WASM_HASH_MAX && wasmOwner === undefined) {
      return wasmMemberHash(this, declaredSize, needs);
    }
    const sha256 = needs.sha256 ? createHash("sha256") : undefined;
    // The header as bytes: a string goes through a UTF-8 conversion per member.
    const sha1 = needs.sha1 ? createHash("sha1").update(blobHeader(declaredSize)) : undefined;
    return {
      update(chunk) {
        sha256?.update(chunk);
        sha1?.update(chunk);
      },
      finish: () => ({ sha256: sha256?.digest("hex"), sha1: sha1?.digest("hex") }),
    };
  }
  fileDigest(path: string) {
    return hashFile(path);
  }
  async zipJs(path: string, enabled: boolean): Promise<string[]> {
    if (!enabled) return [];
    // Loaded on first use: the member worker imports this module and needs no zip.js.
    const { zipJsWarnings } = await import("./zipjs.ts");
    using file = await Deno.open(path, { read: true });
    return await zipJsWarnings(file, (await file.stat()).size, enabled);
  }
  pressure(): undefined {
    return undefined;
  }
  flush(): void {}
  /** End of the inspection: frees the shared WASM hashers if a stopped member still held them. */
  close(): void {
    if (wasmOwner === this) wasmOwner = undefined;
  }
}
