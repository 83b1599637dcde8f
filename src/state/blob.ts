/**
 * JSON values of any size in Deno KV (observations, inspection results, baselines). KV values
 * are limited to 64 KiB, so a larger value is split into chunks under `[...key, "chunk", i]`,
 * with a manifest at `key` written in the same atomic commit (at most 800 KiB per commit, so
 * values up to ~700 KiB). HTTP bodies have their own store with integrity checks and
 * validators: `http_cache.ts`.
 *
 * @example
 * ```ts
 * await setJson(kv, ["observation", "pypi", "acme"], observation);
 * const v = await getJson<typeof observation>(kv, ["observation", "pypi", "acme"]);
 * ```
 * @module
 */

const CHUNK = 60 * 1024;
/** Largest value {@link setJson} stores; larger ones are skipped (returns false). */
export const MAX_BLOB_BYTES = 700 * 1024;

interface Manifest {
  chunks: number;
  bytes: number;
}

/** Store a JSON value; returns false (and stores nothing) when it is too large. */
export async function setJson(kv: Deno.Kv, key: Deno.KvKey, value: unknown): Promise<boolean> {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  if (bytes.byteLength > MAX_BLOB_BYTES) {
    await deleteJson(kv, key);
    return false;
  }
  const old = await kv.get<Manifest>(key);
  const chunks = Math.ceil(bytes.byteLength / CHUNK);
  const op = kv.atomic().set(key, { chunks, bytes: bytes.byteLength } satisfies Manifest);
  for (let i = 0; i < chunks; i++) {
    op.set([...key, "chunk", i], bytes.subarray(i * CHUNK, (i + 1) * CHUNK));
  }
  for (let i = chunks; i < (old.value?.chunks ?? 0); i++) op.delete([...key, "chunk", i]);
  const result = await op.commit();
  return result.ok;
}

/** Read a JSON value stored by {@link setJson}; undefined if absent or incomplete. */
export async function getJson<T>(kv: Deno.Kv, key: Deno.KvKey): Promise<T | undefined> {
  const manifest = await kv.get<Manifest>(key);
  if (!manifest.value || typeof manifest.value.chunks !== "number") return undefined;
  const out = new Uint8Array(manifest.value.bytes);
  let offset = 0;
  const keys = Array.from({ length: manifest.value.chunks }, (_, i) => [...key, "chunk", i]);
  for (let i = 0; i < keys.length; i += 10) {
    const parts = await kv.getMany<Uint8Array[]>(keys.slice(i, i + 10));
    for (const part of parts) {
      if (!(part.value instanceof Uint8Array)) return undefined;
      out.set(part.value, offset);
      offset += part.value.byteLength;
    }
  }
  return JSON.parse(new TextDecoder().decode(out)) as T;
}

/** Delete a value stored by {@link setJson}. */
export async function deleteJson(kv: Deno.Kv, key: Deno.KvKey): Promise<void> {
  const manifest = await kv.get<Manifest>(key);
  const op = kv.atomic().delete(key);
  for (let i = 0; i < (manifest.value?.chunks ?? 0); i++) op.delete([...key, "chunk", i]);
  await op.commit();
}
