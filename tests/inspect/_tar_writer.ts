/**
 * Build `.tar.gz` archives for tests with tar-stream and node:zlib, including entries a
 * build backend would never write (symlinks out of the tree, device files, huge members).
 *
 * @example
 * ```ts
 * const bytes = await buildTarGz([{ name: "p-1/PKG-INFO", data: text("Name: p") }]);
 * ```
 * @module
 */
import { createGzip } from "node:zlib";
import tar from "tar-stream";

/** One tar member. */
export interface TarMember {
  name: string;
  data?: Uint8Array;
  type?: "file" | "directory" | "symlink" | "link" | "character-device" | "block-device" | "fifo";
  linkname?: string;
  mode?: number;
  /** Content of this many zero bytes, streamed (for bombs); overrides `data`. */
  zeros?: number;
}

/** Build a gzip-compressed tar archive in memory (the compressed output only). */
export async function buildTarGz(members: TarMember[]): Promise<Uint8Array> {
  const pack = tar.pack();
  const gzip = createGzip({ level: 6 });
  const chunks: Uint8Array[] = [];
  gzip.on("data", (c: Uint8Array) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    gzip.on("end", resolve);
    gzip.on("error", reject);
  });
  pack.pipe(gzip);
  for (const m of members) {
    const type = m.type ?? "file";
    if (m.zeros !== undefined) {
      const sink = pack.entry({ name: m.name, size: m.zeros, mode: m.mode ?? 0o644 });
      const block = new Uint8Array(1024 * 1024);
      for (let left = m.zeros; left > 0; left -= block.length) {
        const part = left >= block.length ? block : block.subarray(0, left);
        if (!sink.write(part)) await new Promise<void>((r) => sink.once("drain", () => r()));
      }
      await new Promise<void>((resolve, reject) =>
        sink.end((e?: Error | null) => e ? reject(e) : resolve())
      );
      continue;
    }
    const header = {
      name: m.name,
      type,
      linkname: m.linkname,
      mode: m.mode ?? 0o644,
      devmajor: 1,
      devminor: 3,
    };
    await new Promise<void>((resolve, reject) => {
      const cb = (e?: Error | null) => e ? reject(e) : resolve();
      if (type === "file") pack.entry(header, m.data ?? new Uint8Array(), cb);
      else pack.entry(header, cb);
    });
  }
  pack.finalize();
  await done;
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
