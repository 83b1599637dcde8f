import assert from "node:assert/strict";
import { detectMagic } from "../../src/inspect/magic.ts";

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
