/**
 * File type by magic bytes: native code (ELF, Mach-O thin and fat, PE) and archives
 * (ZIP, gzip), from the first bytes of a member.
 *
 * @example
 * ```ts
 * detectMagic(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1])); // "elf"
 * ```
 * @module
 */

/** Magic classes the rules care about. */
export const MAGIC_KINDS = [
  "elf",
  "macho",
  "macho-fat",
  "pe-dll",
  "pe-exe",
  "zip",
  "gzip",
] as const;
/** One of {@link MAGIC_KINDS}. */
export type MagicKind = typeof MAGIC_KINDS[number];

/** How many leading bytes {@link detectMagic} looks at (a PE header usually sits below 0x200). */
export const MAGIC_WINDOW = 4096;

const be32 = (b: Uint8Array, o: number) =>
  ((b[o] << 24) >>> 0) + (b[o + 1] << 16) + (b[o + 2] << 8) + b[o + 3];
const le32 = (b: Uint8Array, o: number) =>
  (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 0x1000000;
const le16 = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);

/**
 * Classify the first bytes of a file; undefined when nothing of interest.
 *
 * @example
 * ```ts
 * detectMagic(new TextEncoder().encode("PK\x03\x04")); // "zip"
 * ```
 */
export function detectMagic(head: Uint8Array): MagicKind | undefined {
  if (head.length < 4) return undefined;
  const m = be32(head, 0);
  if (m === 0x7f454c46) return "elf";
  if (m === 0xfeedface || m === 0xfeedfacf || m === 0xcefaedfe || m === 0xcffaedfe) return "macho";
  if (m === 0xcafebabe || m === 0xcafebabf) {
    // Java class files share 0xCAFEBABE; a fat Mach-O header holds a small architecture count.
    const count = head.length >= 8 ? be32(head, 4) : 0;
    return count > 0 && count < 45 ? "macho-fat" : undefined;
  }
  if (m === 0xbebafeca && head.length >= 8 && le32(head, 4) > 0 && le32(head, 4) < 45) {
    return "macho-fat";
  }
  if (head[0] === 0x4d && head[1] === 0x5a) return peKind(head);
  if (m === 0x504b0304 || m === 0x504b0506 || m === 0x504b0708) return "zip";
  if (head[0] === 0x1f && head[1] === 0x8b) return "gzip";
  return undefined;
}

/** "MZ" is only native code when `e_lfanew` leads to a "PE\0\0" signature. */
function peKind(head: Uint8Array): MagicKind | undefined {
  if (head.length < 0x40) return undefined;
  const at = le32(head, 0x3c);
  if (at + 24 > head.length || be32(head, at) !== 0x50450000) return undefined;
  const characteristics = le16(head, at + 4 + 18);
  return characteristics & 0x2000 ? "pe-dll" : "pe-exe";
}

/**
 * True when the first bytes of a member are not text: a NUL, or not UTF-8 (a multi-byte
 * character cut at the end of `head` is still text).
 *
 * @example
 * ```ts
 * isBinaryBytes(new TextEncoder().encode("import os\n")); // false
 * ```
 */
export function isBinaryBytes(head: Uint8Array): boolean {
  if (head.includes(0)) return true;
  if (isAscii(head)) return false;
  // The head may end inside a multi-byte character: allow up to 3 cut bytes at the end (a
  // lead byte 0xc2-0xf4 and its continuations).
  for (let cut = 0; cut <= Math.min(3, head.length); cut++) {
    if (cut > 0) {
      const tail = head.subarray(head.length - cut);
      if (tail[0] < 0xc2 || tail[0] > 0xf4 || tail.subarray(1).some((b) => b < 0x80 || b > 0xbf)) {
        continue;
      }
    }
    try {
      STRICT_UTF8.decode(head.subarray(0, head.length - cut));
      return false;
    } catch {
      // try a shorter prefix
    }
  }
  return true;
}

const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

/** No byte has its high bit set (four bytes at a time where the view is aligned). */
function isAscii(bytes: Uint8Array): boolean {
  let i = 0;
  const lead = Math.min(bytes.length, (4 - (bytes.byteOffset & 3)) & 3);
  for (; i < lead; i++) if (bytes[i] & 0x80) return false;
  const words = (bytes.length - i) >> 2;
  if (words > 0) {
    const view = new Uint32Array(bytes.buffer, bytes.byteOffset + i, words);
    let any = 0;
    for (let w = 0; w < words; w++) any |= view[w];
    if (any & 0x80808080) return false;
    i += words * 4;
  }
  for (; i < bytes.length; i++) if (bytes[i] & 0x80) return false;
  return true;
}
