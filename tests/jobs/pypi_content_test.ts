import { assertEquals } from "../_assert.ts";
import { fileTypeSummary, isBinaryHead } from "../../jobs/pypi_content.ts";
import { inertElf, inertWav } from "../../src/sandbox/incidents.ts";

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
const text = (s: string) => hex(new TextEncoder().encode(s));

Deno.test("isBinaryHead: NUL bytes or invalid UTF-8 are binary; text, even cut mid-character, is not", () => {
  assertEquals(isBinaryHead(text("import os\n")), false);
  assertEquals(isBinaryHead(text("café")), false);
  assertEquals(isBinaryHead(text("café").slice(0, -2)), false, "cut inside é");
  assertEquals(isBinaryHead(hex(inertWav().slice(0, 64))), true);
  assertEquals(isBinaryHead("fffe41"), true);
  assertEquals(isBinaryHead("zz"), true);
  assertEquals(isBinaryHead(""), false);
});

Deno.test("fileTypeSummary: one key per extension, binary when any member is, sorted", () => {
  const summary = fileTypeSummary([
    { path: "acme/__init__.py", type: "file", head: text("x = 1\n") },
    { path: "acme/ring.WAV", type: "file", head: hex(inertWav().slice(0, 64)) },
    { path: "acme/data.wav", type: "file", head: text("not really audio") },
    { path: "acme/bin/tool", type: "file", head: hex(inertElf().slice(0, 64)), magic: "elf" },
    { path: "acme-1.0.dist-info/METADATA", type: "file", head: text("Name: acme") },
    { path: "acme/", type: "dir" },
    { path: "acme/odd.a b", type: "file", head: text("x") },
  ]);
  // METADATA (no extension, text) shares its key with the ELF tool (no extension, binary).
  assertEquals(summary, ["+binary", ".(other)", ".py", ".wav+binary"]);
});

Deno.test("fileTypeSummary: bounded for archives with many extensions", () => {
  const entries = Array.from({ length: 500 }, (_, i) => ({
    path: `acme/f.e${i}`,
    type: "file" as const,
    head: text("x"),
  }));
  assertEquals(fileTypeSummary(entries).length, 200);
});
