import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { InlineHasher, type MemberDigest, wasmHashersFree } from "../../src/inspect/hasher.ts";
import { inspectArtifact, limitsFromPolicy } from "../../src/inspect/mod.ts";
import { buildZip, text } from "./_zip_writer.ts";
import { buildTarGz, type TarMember } from "./_tar_writer.ts";
import { inspectBytes, POLICY } from "./_helpers.ts";
import { realdata } from "../_realdata.ts";

const limits = limitsFromPolicy(POLICY);

function expected(data: Uint8Array, declared = data.length): MemberDigest {
  return {
    sha256: createHash("sha256").update(data).digest("hex"),
    sha1: createHash("sha1").update(`blob ${declared}\0`).update(data).digest("hex"),
  };
}

Deno.test("hasher: inline hashing agrees with node:crypto, across chunk and member sizes", async () => {
  await InlineHasher.ready();
  const data = new Uint8Array(3 * 1024 * 1024 + 17).map((_, i) => (i * 2654435761) >>> 24);
  const hasher = new InlineHasher();
  const member = hasher.begin(data.length);
  for (let at = 0; at < data.length; at += 100_003) member.update(data.subarray(at, at + 100_003));
  assert.deepEqual(await member.finish(), expected(data));
  assert.deepEqual(await hasher.begin(0).finish(), expected(new Uint8Array()));
  // Small members take the shared WASM hashers; one still open makes the next use node:crypto.
  const small = data.subarray(0, 1500);
  const first = hasher.begin(small.length);
  const second = hasher.begin(small.length);
  first.update(small);
  second.update(small);
  assert.deepEqual(await second.finish(), expected(small));
  assert.deepEqual(await first.finish(), expected(small));
});

Deno.test("inspection: worker and inline hashing give the same entries (real pip wheel)", async () => {
  const path = realdata("wheels/ensurepip/pip-24.2-py3-none-any.whl");
  const name = "pip-24.2-py3-none-any.whl";
  const a = await inspectArtifact(path, name, { ...limits, hashInWorker: false });
  const b = await inspectArtifact(path, name, { ...limits, hashInWorker: true });
  assert.deepEqual(b.entries, a.entries);
  assert.equal(b.sha256, a.sha256);
  assert.deepEqual(b.members, a.members);
});

Deno.test("inspection: a large member through the worker path has the right digests", async () => {
  const data = new Uint8Array(12 * 1024 * 1024).map((_, i) => ((i * 2654435761) >>> 20) & 0x7f);
  const inspection = await inspectBytes(
    buildZip([{ name: "big/blob.py", data }]),
    "big-1.0-py3-none-any.whl",
    {
      hashInWorker: true,
    },
  );
  assert.deepEqual(inspection.anomalies, []);
  const e = inspection.entries[0];
  assert.deepEqual({ sha256: e.sha256, sha1: e.gitSha1 }, expected(data));
});

Deno.test("hasher: a stop inside a small member leaves the shared WASM hashers free", async () => {
  const members: TarMember[] = [];
  for (let i = 0; i < 20; i++) {
    members.push({ name: `p-1.0/m${i}.py`, data: text("x".repeat(1500)) });
  }
  const bytes = await buildTarGz(members);
  // The byte cap falls inside the third member (1,500 bytes each): it is never finished.
  const stopped = await inspectBytes(bytes, "p-1.0.tar.gz", {
    maxUncompressedBytes: 3500,
    hashInWorker: false,
  });
  assert.ok(stopped.anomalies.some((a) => a.kind === "decompression-bomb"));
  assert.ok(wasmHashersFree(), "the stopped inspection gave the hashers back");
});
