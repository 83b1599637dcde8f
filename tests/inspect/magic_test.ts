import assert from "node:assert/strict";
import { detectMagic, isBinaryBytes } from "../../src/inspect/magic.ts";

const bytes = (...b: number[]) => new Uint8Array(b);

Deno.test("magic: native formats", () => {
  assert.equal(detectMagic(bytes(0x7f, 0x45, 0x4c, 0x46, 2)), "elf");
  assert.equal(detectMagic(bytes(0xcf, 0xfa, 0xed, 0xfe)), "macho");
  assert.equal(detectMagic(bytes(0xfe, 0xed, 0xfa, 0xce)), "macho");
  assert.equal(detectMagic(bytes(0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2)), "macho-fat");
  assert.equal(detectMagic(bytes(0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 52)), undefined, "Java class");
});

Deno.test("magic: PE needs a PE header at e_lfanew", () => {
  const pe = new Uint8Array(0x100);
  pe.set([0x4d, 0x5a]);
  new DataView(pe.buffer).setUint32(0x3c, 0x40, true);
  pe.set([0x50, 0x45, 0, 0], 0x40);
  assert.equal(detectMagic(pe), "pe-exe");
  new DataView(pe.buffer).setUint16(0x40 + 22, 0x2000, true);
  assert.equal(detectMagic(pe), "pe-dll");
  new DataView(pe.buffer).setUint32(0x3c, 0xfff0, true);
  assert.equal(detectMagic(pe), undefined, "e_lfanew beyond the window");
  assert.equal(detectMagic(new TextEncoder().encode("MZ is also how this text starts")), undefined);
});

Deno.test("magic: archives and short input", () => {
  assert.equal(detectMagic(new TextEncoder().encode("PK\u0003\u0004rest")), "zip");
  assert.equal(detectMagic(bytes(0x1f, 0x8b, 8, 0)), "gzip");
  assert.equal(detectMagic(bytes(0x7f)), undefined);
});

Deno.test("isBinaryBytes: one high byte anywhere, at any alignment, is seen", () => {
  const base = new TextEncoder().encode("import os\n".repeat(110)); // 1,100 ASCII bytes
  for (const offset of [0, 1, 2, 3, 5]) {
    for (const length of [0, 1, 3, 4, 7, 64, 1024]) {
      const ascii = base.subarray(offset, offset + length);
      assert.equal(isBinaryBytes(ascii), false, `ascii at ${offset}+${length}`);
      for (let at = 0; at < length; at++) {
        const copy = new Uint8Array(base);
        copy[offset + at] = 0xff; // never valid UTF-8
        const view = copy.subarray(offset, offset + length);
        assert.equal(isBinaryBytes(view), true, `0xff at ${at} of ${offset}+${length}`);
      }
    }
  }
  // A valid multi-byte character is text wherever it sits.
  const utf8 = new TextEncoder().encode("x = 'é'\n".repeat(50));
  assert.equal(isBinaryBytes(utf8.subarray(1, 301)), false);
});
