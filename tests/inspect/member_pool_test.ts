import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { deflateRawSync } from "node:zlib";
import { Collector } from "../../src/inspect/collector.ts";
import { InlineHasher } from "../../src/inspect/hasher.ts";
import { MemberPool, MIN_OFFLOAD_BYTES } from "../../src/inspect/member_pool.ts";
import {
  type ArchiveInspection,
  digestNeeds,
  limitsFromPolicy,
  memberRole,
} from "../../src/inspect/mod.ts";
import { readZip } from "../../src/inspect/zip.ts";
import { buildZip, text, type ZipMember } from "./_zip_writer.ts";
import { inspectBytes, POLICY } from "./_helpers.ts";

const WHEEL = "pooled-1.0-cp312-cp312-linux_x86_64.whl";
const limits = limitsFromPolicy(POLICY);

function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed | 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = 0x61 + ((x >>> 0) % 6); // compressible text
  }
  return out;
}

/** A wheel of members large enough to be handed over, some of them wrong on purpose. */
function pooledWheel(): Uint8Array {
  const members: ZipMember[] = [];
  for (let i = 0; i < 120; i++) {
    const data = bytes(MIN_OFFLOAD_BYTES + (i * 977) % 40_000, i + 1);
    if (i % 10 === 3) data.set([0x7f, 0x45, 0x4c, 0x46], 0); // ELF head
    const member: ZipMember = { name: `pooled/m${i}.${i % 10 === 3 ? "so" : "py"}`, data };
    if (i === 17) member.centralCrc = 0x1234; // crc-mismatch on a large member
    if (i === 41) member.centralSize = data.length - 5; // content exceeds the declared size
    members.push(member);
  }
  // A nested zip holding a wheel's metadata (sniffed inside).
  const inner = buildZip([{ name: "x-1.0.dist-info/METADATA", data: bytes(30_000, 99) }]);
  members.push({ name: "pooled/data/bundle.zip", data: inner, method: 0 });
  // A corrupt deflate stream of a large declared size.
  const broken = deflateRawSync(bytes(50_000, 7)).slice(0, 2_000);
  members.push({ name: "pooled/broken.py", data: bytes(50_000, 7), payload: broken });
  const record = members.map((m) =>
    `${m.name},sha256=${
      createHash("sha256").update(m.data).digest("base64url").replace(/=+$/, "")
    },${m.data.length}`
  ).join("\n");
  members.push({ name: "pooled-1.0.dist-info/METADATA", data: text("Name: pooled\n") });
  members.push({ name: "pooled-1.0.dist-info/RECORD", data: text(record + "\n") });
  return buildZip(members);
}

/** Inspect a ZIP file through `pool` (or none), as inspectArtifact does. */
async function readWith(path: string, pool: MemberPool | undefined) {
  await InlineHasher.ready();
  const collector = new Collector(limits, new InlineHasher(), digestNeeds("wheel"));
  await readZip(path, collector, (p) => memberRole("wheel", WHEEL, p), () => pool);
  await collector.settle();
  const { entries, anomalies, members, record } = collector;
  return { entries, anomalies, members, record, bytes: collector.uncompressedBytes };
}

async function withFile<T>(data: Uint8Array, fn: (path: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "pool-test-" });
  try {
    const path = `${dir}/${WHEEL}`;
    await Deno.writeFile(path, data);
    return await fn(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("member pool: members read by a worker give the same inspection as inline", async () => {
  await withFile(pooledWheel(), async (path) => {
    const inline = await readWith(path, undefined);
    const pool = MemberPool.start(path, limits, Date.now() + 60_000, 1)!;
    try {
      const pooled = await readWith(path, pool);
      assert.ok(pool.handed > 10, `only ${pool.handed} members handed over`);
      assert.deepEqual(pooled, inline);
    } finally {
      pool.close();
    }
    const kinds = inline.anomalies.map((a) => `${a.kind} ${a.path}`);
    assert.ok(kinds.includes("crc-mismatch pooled/m17.py"), kinds.join("\n"));
    assert.ok(kinds.includes("size-mismatch pooled/m41.py"), kinds.join("\n"));
    assert.ok(kinds.includes("corrupt pooled/broken.py"), kinds.join("\n"));
    const bundle = inline.entries.find((e) => e.path === "pooled/data/bundle.zip");
    assert.ok(bundle?.inner, "the nested zip is sniffed");
    assert.equal(inline.entries.find((e) => e.path === "pooled/m3.so")?.magic, "elf");
  });
});

Deno.test("member pool: a worker that fails leaves its members to the main thread", async () => {
  await withFile(pooledWheel(), async (path) => {
    const inline = await readWith(path, undefined);
    // The worker cannot open this path: it fails on its first message.
    const pool = MemberPool.start(`${path}.missing`, limits, Date.now() + 60_000, 1)!;
    try {
      const pooled = await readWith(path, pool);
      assert.deepEqual(pooled.entries, inline.entries);
      assert.deepEqual(pooled.record, inline.record);
      assert.deepEqual(
        new Set(pooled.anomalies.map((a) => JSON.stringify(a))),
        new Set(inline.anomalies.map((a) => JSON.stringify(a))),
      );
    } finally {
      pool.close();
    }
  });
});

Deno.test("member pool: inspectArtifact uses it for a large ZIP and agrees with inline", async () => {
  const data = pooledWheel();
  const run = (hashInWorker: boolean): Promise<ArchiveInspection> =>
    inspectBytes(data, WHEEL, { hashInWorker });
  const [a, b] = [await run(false), await run(true)];
  assert.deepEqual(b.entries, a.entries);
  assert.deepEqual(b.anomalies, a.anomalies);
  assert.deepEqual(b.record, a.record);
  assert.equal(b.sha256, a.sha256);
  assert.equal(b.totals.uncompressedBytes, a.totals.uncompressedBytes);
});

Deno.test("member pool: a worker past the deadline reports the time budget, not digests", async () => {
  await withFile(pooledWheel(), async (path) => {
    const pool = MemberPool.start(path, limits, Date.now() - 1, 1)!;
    try {
      const collector = new Collector(limits, new InlineHasher(), digestNeeds("wheel"));
      await readZip(path, collector, (p) => memberRole("wheel", WHEEL, p), () => pool);
      await collector.settle();
      assert.ok(pool.handed > 0);
      assert.ok(collector.truncated);
      assert.ok(collector.anomalies.some((a) => a.kind === "time-budget"));
      const unread = collector.entries.filter((e) => e.type === "file" && !e.sha256);
      assert.ok(unread.length >= pool.handed, `${unread.length} unread, ${pool.handed} handed`);
    } finally {
      pool.close();
    }
  });
});
