import { assertEquals, assertRejects, assertThrows } from "./_assert.ts";
import {
  generateSigningKey,
  openNote,
  parseSigningKey,
  parseVerifierKey,
  signNote,
} from "../../src/ledger/note.ts";
import { toHex } from "../../src/ledger/hash.ts";

// The example key and note from golang.org/x/mod/sumdb/note (package documentation and tests).
const VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const TEXT = "If you think cryptography is the answer to your problem,\n" +
  "then you don't know what your problem is.\n";
const NOTE = TEXT + "\n\u2014 PeterNeumann " +
  "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

Deno.test("Go's PeterNeumann example: keys, key id and signed note match byte for byte", async () => {
  const v = parseVerifierKey(VKEY);
  assertEquals(v.name, "PeterNeumann");
  assertEquals(toHex(v.keyId), "c74f20a3");
  const s = await parseSigningKey(SKEY);
  assertEquals(s.verifierKey, VKEY);
  assertEquals(await signNote(TEXT, s), NOTE);
  assertEquals(await openNote(NOTE, v), TEXT);
});

Deno.test("mangled keys and notes are rejected", async () => {
  for (let i = 0; i < VKEY.length; i++) {
    const bad = VKEY.slice(0, i) + String.fromCharCode(VKEY.charCodeAt(i) + 1) + VKEY.slice(i + 1);
    assertThrows(() => parseVerifierKey(bad));
  }
  assertThrows(() => parseVerifierKey(VKEY.slice(0, -1)));
  assertThrows(() =>
    parseVerifierKey("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
  );
  await assertRejects(() => parseSigningKey(SKEY.slice(0, -2) + "z="));
  await assertRejects(() => parseSigningKey(SKEY.replace("c74f20a3", "c74f20a4")));
  await assertRejects(() => parseSigningKey(SKEY.slice(12)));
  const v = parseVerifierKey(VKEY);
  await assertRejects(() => openNote(NOTE.replace("problem,", "problem;"), v), "does not verify");
  await assertRejects(() => openNote(NOTE.replace("x08go", "x09go"), v));
  await assertRejects(() => openNote(TEXT, v));
  const other = await generateSigningKey("PeterNeumann");
  await assertRejects(() => openNote(NOTE, parseVerifierKey(other.verifierKey)), "not signed by");
});

Deno.test("generated keys round-trip: sign with the private key, verify with the verifier key", async () => {
  const { privateKey, verifierKey } = await generateSigningKey("example.org/ledger");
  const signer = await parseSigningKey(privateKey);
  assertEquals(signer.verifierKey, verifierKey);
  const note = await signNote(
    "example.org/ledger\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
    signer,
  );
  assertEquals(
    await openNote(note, parseVerifierKey(verifierKey)),
    note.slice(0, note.indexOf("\n\n") + 1),
  );
  await assertRejects(() => generateSigningKey("bad name"));
});
