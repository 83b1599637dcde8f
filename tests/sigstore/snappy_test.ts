import { assertEquals, assertThrows } from "./_assert.ts";
import { realdata } from "../_realdata.ts";
import { snappyDecode, SnappyError } from "../../src/sigstore/snappy.ts";
import { snappyLiterals } from "./_fixtures.ts";

Deno.test("snappy: literals round-trip a real bundle", async () => {
  const bytes = await Deno.readFile(
    realdata("github-attestations/cli-cli/reusable-workflow-attestation.sigstore.json"),
  );
  assertEquals(snappyDecode(snappyLiterals(bytes)), bytes);
});

Deno.test("snappy: the three copy forms, overlapping copies included", () => {
  const ascii = (s: string) => new TextEncoder().encode(s);
  // "abcabcabcabc": literal "abc", copy-1 (len 9, offset 3).
  assertEquals(
    snappyDecode(new Uint8Array([12, 2 << 2, 97, 98, 99, 1 | (5 << 2), 3])),
    ascii("abcabcabcabc"),
  );
  // copy-2: len 3, offset 3.
  assertEquals(
    snappyDecode(new Uint8Array([6, 2 << 2, 97, 98, 99, 2 | (2 << 2), 3, 0])),
    ascii("abcabc"),
  );
  // copy-4: len 2, offset 1 (run).
  assertEquals(snappyDecode(new Uint8Array([3, 0, 120, 3 | (1 << 2), 1, 0, 0, 0])), ascii("xxx"));
});

Deno.test("snappy: malformed input and bombs are one-line errors", () => {
  assertThrows(() => snappyDecode(new Uint8Array([5, 0, 97])), SnappyError); // short
  assertThrows(() => snappyDecode(new Uint8Array([3, 1 | (0 << 2), 5])), SnappyError); // bad offset
  assertThrows(
    () => snappyDecode(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]), 1024),
    SnappyError,
  );
  assertThrows(
    () => snappyDecode(new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x80, 0x01])),
    SnappyError,
  );
  assertThrows(() => snappyDecode(new Uint8Array([2, 60 << 2])), SnappyError); // truncated length
});
