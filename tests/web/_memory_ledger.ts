/**
 * TEST FIXTURE ONLY: an in-memory LedgerStore with real RFC 6962 leaf and node hashes,
 * inclusion and consistency proofs (RFC 9162 section 2.1), used until the real ledger store is
 * merged. Proofs are computed recursively (O(n)), which is fine for tests. The checkpoint is a
 * C2SP-shaped note whose "signature" line is NOT a real signature.
 *
 * @module
 */
import canonicalize from "canonicalize";
import type { LedgerEventInput, LedgerStore, StoredEntry } from "../../src/ledger/types.ts";
import { LEDGER_FORMAT_VERSION } from "../../src/ledger/types.ts";

const enc = new TextEncoder();

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
}

/** Hex of bytes. */
export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Bytes of hex. */
export function unhex(text: string): Uint8Array {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** RFC 6962 leaf hash SHA-256(0x00 || line). */
export async function leafHash(line: string): Promise<Uint8Array> {
  const bytes = enc.encode(line);
  const buf = new Uint8Array(bytes.length + 1);
  buf.set(bytes, 1);
  return await sha256(buf);
}

/** RFC 6962 node hash SHA-256(0x01 || left || right). */
export async function nodeHash(left: Uint8Array, right: Uint8Array): Promise<Uint8Array> {
  const buf = new Uint8Array(65);
  buf[0] = 1;
  buf.set(left, 1);
  buf.set(right, 33);
  return await sha256(buf);
}

function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** In-memory store; see the module doc. */
export class MemoryLedger implements LedgerStore {
  readonly #stored: StoredEntry[] = [];
  readonly #leaves: Uint8Array[] = [];
  #rootCache = new Map<string, Uint8Array>();
  #clock: () => Date;
  /** Set to make every read throw (for the 503 test). */
  broken = false;

  constructor(readonly origin = "test.example/ledger", clock: () => Date = () => new Date()) {
    this.#clock = clock;
  }

  async append(events: LedgerEventInput[]): Promise<StoredEntry[]> {
    const out: StoredEntry[] = [];
    for (const event of events) {
      const index = this.#stored.length;
      const prev = index === 0 ? "0".repeat(64) : this.#stored[index - 1].leafHash;
      const entry = {
        v: LEDGER_FORMAT_VERSION as 1,
        origin: this.origin,
        index,
        time: this.#clock().toISOString(),
        kind: event.kind,
        prev,
        body: event.body,
      };
      const line = canonicalize(entry)!;
      const leaf = await leafHash(line);
      const stored = { entry, line, leafHash: hex(leaf) };
      this.#stored.push(stored);
      this.#leaves.push(leaf);
      out.push(stored);
    }
    return out;
  }

  size(): Promise<number> {
    if (this.broken) return Promise.reject(new Error("ledger unreadable"));
    return Promise.resolve(this.#stored.length);
  }

  async *entries(from = 0, to = this.#stored.length): AsyncIterable<StoredEntry> {
    if (this.broken) throw new Error("ledger unreadable");
    for (let i = from; i < Math.min(to, this.#stored.length); i++) yield this.#stored[i];
  }

  async #root(lo: number, hi: number): Promise<Uint8Array> {
    const key = `${lo}:${hi}`;
    const hit = this.#rootCache.get(key);
    if (hit) return hit;
    let h: Uint8Array;
    if (hi - lo === 1) h = this.#leaves[lo];
    else {
      const k = split(hi - lo);
      h = await nodeHash(await this.#root(lo, lo + k), await this.#root(lo + k, hi));
    }
    if (hi - lo >= 64) this.#rootCache.set(key, h);
    return h;
  }

  async checkpoint(): Promise<string | null> {
    if (this.broken) throw new Error("ledger unreadable");
    const n = this.#stored.length;
    if (n === 0) return null;
    const root = btoa(String.fromCharCode(...await this.#root(0, n)));
    return `${this.origin}\n${n}\n${root}\n\n— test-fixture AAAAAHRlc3QtZml4dHVyZS1ub3Qtc2lnbmVk\n`;
  }

  /** RFC 9162 PATH(m, D[lo:hi]). */
  async #path(m: number, lo: number, hi: number): Promise<Uint8Array[]> {
    if (hi - lo <= 1) return [];
    const k = split(hi - lo);
    if (m < k) return [...await this.#path(m, lo, lo + k), await this.#root(lo + k, hi)];
    return [...await this.#path(m - k, lo + k, hi), await this.#root(lo, lo + k)];
  }

  /** RFC 9162 SUBPROOF(m, D[lo:hi], b). */
  async #subproof(m: number, lo: number, hi: number, b: boolean): Promise<Uint8Array[]> {
    const n = hi - lo;
    if (m === n) return b ? [] : [await this.#root(lo, hi)];
    const k = split(n);
    if (m <= k) return [...await this.#subproof(m, lo, lo + k, b), await this.#root(lo + k, hi)];
    return [...await this.#subproof(m - k, lo + k, hi, false), await this.#root(lo, lo + k)];
  }

  async inclusionProof(index: number, size = this.#stored.length): Promise<string[]> {
    if (index < 0 || index >= size || size > this.#stored.length) throw new RangeError("range");
    return (await this.#path(index, 0, size)).map(hex);
  }

  async consistencyProof(from: number, to = this.#stored.length): Promise<string[]> {
    if (from < 1 || from > to || to > this.#stored.length) throw new RangeError("range");
    return (await this.#subproof(from, 0, to, true)).map(hex);
  }

  async close(): Promise<void> {}
}
