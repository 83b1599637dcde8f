import { assert, assertEquals, assertThrows } from "./_assert.ts";
import crypto from "node:crypto";
import { createRequire } from "node:module";
import { cryptoShimInstalled, originalVerify } from "../../src/sigstore/crypto_shim.ts";

const data = new TextEncoder().encode("release auditor");

Deno.test("upstream bug still present: unpatched verify(undefined) throws for EC keys", () => {
  const { privateKey, publicKey } = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
  const signature = crypto.sign("sha256", data, privateKey);
  let threw = false;
  try {
    originalVerify(undefined, data, publicKey, signature);
  } catch {
    threw = true;
  }
  assert(
    threw,
    "Deno fixed the bug: remove the shim (src/sigstore/crypto_shim.ts and its imports)",
  );
});

Deno.test("shim: verify(undefined) uses SHA-256 for EC keys, as Node does", () => {
  assert(cryptoShimInstalled());
  const { privateKey, publicKey } = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
  const signature = crypto.sign("sha256", data, privateKey);
  assertEquals(crypto.verify(undefined, data, publicKey, signature), true);
  assertEquals(
    crypto.verify(undefined, new TextEncoder().encode("other"), publicKey, signature),
    false,
  );
  // A SHA-384 signature does not verify under the SHA-256 default.
  const sig384 = crypto.sign("sha384", data, privateKey);
  assertEquals(crypto.verify(undefined, data, publicKey, sig384), false);
});

Deno.test("shim: reaches require('crypto') as used by @sigstore/core", () => {
  const required = createRequire(import.meta.url)("crypto") as typeof crypto;
  const { privateKey, publicKey } = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
  const pem = publicKey.export({ type: "spki", format: "pem" });
  const signature = crypto.sign("sha256", data, privateKey);
  assertEquals(required.verify(undefined, data, pem, signature), true);
});

Deno.test("shim: Ed25519 keys keep the undefined algorithm", () => {
  const { privateKey, publicKey } = crypto.generateKeyPairSync("ed25519");
  const signature = crypto.sign(undefined, data, privateKey);
  assertEquals(crypto.verify(undefined, data, publicKey, signature), true);
  assertEquals(crypto.verify(null, new TextEncoder().encode("x"), publicKey, signature), false);
});

Deno.test("shim: RSA keys default to SHA-256", () => {
  const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 1024 });
  const signature = crypto.sign("sha256", data, privateKey);
  assertEquals(crypto.verify(undefined, data, publicKey, signature), true);
  assertThrows(() => originalVerify(undefined, data, publicKey, signature));
});
