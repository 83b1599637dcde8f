import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  InlineHasher,
  type MemberDigest,
  workerAllowed,
  WorkerHasher,
} from "../../src/inspect/hasher.ts";
import { inspectArtifact, limitsFromPolicy } from "../../src/inspect/mod.ts";
import { buildZip } from "./_zip_writer.ts";
import { inspectBytes, POLICY } from "./_helpers.ts";
import { realdata } from "../_realdata.ts";

const limits = limitsFromPolicy(POLICY);

function expected(data: Uint8Array, declared = data.length): MemberDigest {
  return {
    sha256: createHash("sha256").update(data).digest("hex"),
    sha1: createHash("sha1").update(`blob ${declared}\0`).update(data).digest("hex"),
  };
}

Deno.test("hasher: worker and inline agree with node:crypto, across chunk sizes", async () => {
  const data = new Uint8Array(3 * 1024 * 1024 + 17).map((_, i) => (i * 2654435761) >>> 24);
  for (const hasher of [new InlineHasher(), new WorkerHasher()]) {
    try {
      const member = hasher.begin(data.length);
      for (let at = 0; at < data.length; at += 100_003) {
        member.update(data.subarray(at, at + 100_003));
      }
      const empty = hasher.begin(0);
      assert.deepEqual(await member.finish(), expected(data));
      assert.deepEqual(await empty.finish(), expected(new Uint8Array()));
    } finally {
      hasher.close();
    }
  }
});

Deno.test("hasher: the worker applies back-pressure and stays correct on a large member", async () => {
  const data = new Uint8Array(40 * 1024 * 1024).map((_, i) => (i * 40503) >>> 8);
  const hasher = new WorkerHasher();
  try {
    const member = hasher.begin(data.length);
    let waited = 0;
    for (let at = 0; at < data.length; at += 256 * 1024) {
      member.update(data.subarray(at, at + 256 * 1024));
      const wait = hasher.pressure();
      if (wait) {
        waited++;
        await wait;
      }
    }
    assert.deepEqual(await member.finish(), expected(data));
    assert.ok(waited > 0, "40 MiB pushed at once must hit the high-water mark");
  } finally {
    hasher.close();
  }
});

Deno.test("inspection: worker and inline hashing give the same entries (real pip wheel)", async () => {
  const path = realdata("wheels/ensurepip/pip-24.2-py3-none-any.whl");
  const name = "pip-24.2-py3-none-any.whl";
  assert.ok(workerAllowed(path));
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
