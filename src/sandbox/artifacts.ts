/**
 * Build real, installable-shaped Python artifacts in memory for the sandbox: wheels (ZIP,
 * written with zip.js) with a correct RECORD, and sdists (`.tar.gz`, tar-stream + node:zlib).
 * Output is deterministic (fixed timestamps), so digests are stable across runs.
 *
 * @example
 * ```ts
 * const wheel = await buildWheel({ name: "acme", version: "1.0.0", files: { "acme/__init__.py": "" } });
 * ```
 * @module
 */
import { BlobWriter, configure, Uint8ArrayReader, ZipWriter } from "@zip.js/zip.js";
import tar from "tar-stream";
import { gzipSync } from "node:zlib";
import { createHash } from "node:crypto";
import { concatBytes } from "../bytes.ts";

configure({ useWebWorkers: false });

const FIXED_DATE = new Date("2024-01-01T00:00:00Z");

/** A member: text or bytes, with an optional Unix mode. */
export type MemberContent = string | Uint8Array | { content: string | Uint8Array; mode: number };

/** What to put in an artifact. */
export interface ArtifactSpec {
  /** Distribution name as written in file names (`acme_tools`). */
  name: string;
  version: string;
  /** Package files (paths inside the wheel / inside the sdist's top folder). */
  files: Record<string, MemberContent>;
  /** Extra METADATA header lines (`Requires-Dist: x`), wheel and PKG-INFO. */
  metadata?: string[];
  /** `entry_points.txt` content for wheels. */
  entryPoints?: string;
  /** Wheel tag, default `py3-none-any`. */
  tag?: string;
  /** Files left out of RECORD (to build RECORD mismatches). */
  unrecorded?: string[];
}

function bytesOf(c: MemberContent): Uint8Array {
  const v = typeof c === "object" && "content" in c ? c.content : c;
  return typeof v === "string" ? new TextEncoder().encode(v) : v;
}

function modeOf(c: MemberContent): number {
  return typeof c === "object" && "mode" in c ? c.mode : 0o644;
}

function recordHash(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("base64url");
}

/** Distribution name normalized for file names (PEP 427). */
export function distName(name: string): string {
  return name.replace(/[-_.]+/g, "_");
}

function metadataText(spec: ArtifactSpec): string {
  return [
    "Metadata-Version: 2.1",
    `Name: ${spec.name}`,
    `Version: ${spec.version}`,
    ...(spec.metadata ?? []),
    "",
    "",
  ].join("\n");
}

/** Wheel file name for a spec. */
export function wheelName(spec: ArtifactSpec): string {
  return `${distName(spec.name)}-${spec.version}-${spec.tag ?? "py3-none-any"}.whl`;
}

/** Sdist file name for a spec. */
export function sdistName(spec: ArtifactSpec): string {
  return `${distName(spec.name).toLowerCase()}-${spec.version}.tar.gz`;
}

/** Build a wheel with METADATA, WHEEL, optional entry_points.txt and a correct RECORD. */
export async function buildWheel(spec: ArtifactSpec): Promise<Uint8Array> {
  const distInfo = `${distName(spec.name)}-${spec.version}.dist-info`;
  const members: [string, Uint8Array, number][] = Object.entries(spec.files).map((
    [path, c],
  ) => [path, bytesOf(c), modeOf(c)]);
  const tag = spec.tag ?? "py3-none-any";
  const pure = tag.endsWith("-none-any");
  members.push([`${distInfo}/METADATA`, new TextEncoder().encode(metadataText(spec)), 0o644]);
  members.push([
    `${distInfo}/WHEEL`,
    new TextEncoder().encode(
      `Wheel-Version: 1.0\nGenerator: release-auditor-sandbox\nRoot-Is-Purelib: ${pure}\nTag: ${tag}\n\n`,
    ),
    0o644,
  ]);
  if (spec.entryPoints) {
    members.push([
      `${distInfo}/entry_points.txt`,
      new TextEncoder().encode(spec.entryPoints),
      0o644,
    ]);
  }
  const skip = new Set(spec.unrecorded ?? []);
  const record = members
    .filter(([path]) => !skip.has(path))
    .map(([path, bytes]) => `${path},sha256=${recordHash(bytes)},${bytes.byteLength}`)
    .concat(`${distInfo}/RECORD,,`, "")
    .join("\n");
  members.push([`${distInfo}/RECORD`, new TextEncoder().encode(record), 0o644]);

  const writer = new ZipWriter(new BlobWriter("application/zip"), {
    extendedTimestamp: false,
    lastModDate: FIXED_DATE,
  });
  for (const [path, bytes, mode] of members) {
    await writer.add(path, new Uint8ArrayReader(bytes), {
      lastModDate: FIXED_DATE,
      externalFileAttributes: ((0o100000 | mode) << 16) >>> 0,
      versionMadeBy: 0x031e,
      level: 6,
    });
  }
  const blob = await writer.close();
  return new Uint8Array(await blob.arrayBuffer());
}

/** Build an sdist `.tar.gz` with PKG-INFO and the given files under `<name>-<version>/`. */
export async function buildSdist(spec: ArtifactSpec): Promise<Uint8Array> {
  const top = `${distName(spec.name).toLowerCase()}-${spec.version}`;
  const pack = tar.pack();
  const chunks: Uint8Array[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on("data", (c: unknown) => chunks.push(c as Uint8Array));
    pack.on("end", () => resolve());
    pack.on("error", reject);
  });
  const entries: [string, Uint8Array, number][] = [
    [`${top}/PKG-INFO`, new TextEncoder().encode(metadataText(spec)), 0o644],
    ...Object.entries(spec.files).map(([p, c]) =>
      [`${top}/${p}`, bytesOf(c), modeOf(c)] as [
        string,
        Uint8Array,
        number,
      ]
    ),
  ];
  for (const [name, bytes, mode] of entries) {
    await new Promise<void>((resolve, reject) => {
      pack.entry(
        { name, size: bytes.byteLength, mode, mtime: FIXED_DATE, uid: 0, gid: 0 },
        // deno-lint-ignore no-explicit-any
        bytes as any,
        (err?: Error | null) => err ? reject(err) : resolve(),
      );
    });
  }
  pack.finalize();
  await done;
  const gz = gzipSync(concatBytes(chunks), { level: 6 });
  // Zero the gzip header's mtime and OS bytes for determinism.
  const out = new Uint8Array(gz.buffer, gz.byteOffset, gz.byteLength);
  out.fill(0, 4, 8);
  out[9] = 255;
  return out;
}

/**
 * Git blob id of some bytes: `sha1("blob <size>\0" + bytes)`.
 *
 * @example
 * ```ts
 * gitBlobSha1(new Uint8Array()); // "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
 * ```
 */
export function gitBlobSha1(bytes: Uint8Array): string {
  return createHash("sha1").update(`blob ${bytes.byteLength}\0`).update(bytes).digest("hex");
}

/** Lowercase hex SHA-256. */
export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}
