import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import type { ArchiveInspection } from "../../src/inspect/mod.ts";
import { buildTarGz, type TarMember } from "./_tar_writer.ts";
import { text } from "./_zip_writer.ts";
import { inspectBytes, POLICY } from "./_helpers.ts";
import { limitsFromPolicy } from "../../src/inspect/mod.ts";
import { inspectTarSplit } from "../../src/inspect/tar_split.ts";

const SDIST = "split-1.0.tar.gz";

/** Deterministic text-like bytes (compressible, as source files are). */
function source(n: number, seed: number): Uint8Array {
  const words = ["def", "return", "self", "import", "class", "value", "None", "(", ")", ":"];
  const parts: string[] = [];
  let x = seed + 1;
  let length = 0;
  while (length < n) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const w = words[x % words.length] + (x % 7 === 0 ? "\n" : " ");
    parts.push(w);
    length += w.length;
  }
  return text(parts.join("")).subarray(0, n);
}

/** An sdist of `count` members of 1–40 KB, some ELF-headed, crossing chunk boundaries. */
function manyMembers(count: number): TarMember[] {
  const members: TarMember[] = [
    { name: "split-1.0/", type: "directory", mode: 0o755 },
    {
      name: "split-1.0/PKG-INFO",
      data: text("Metadata-Version: 2.1\nName: split\nVersion: 1.0\n"),
    },
    { name: "split-1.0/pyproject.toml", data: text('[project]\nname = "split"\n') },
  ];
  for (let i = 0; i < count; i++) {
    const data = source(1000 + ((i * 7919) % 40_000), i);
    if (i % 97 === 5) data.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0); // an ELF header
    members.push({ name: `split-1.0/pkg/m${i % 13}/mod_${i}.py`, data });
  }
  members.push({ name: "split-1.0/link", type: "symlink", linkname: "../../etc/passwd" });
  return members;
}

/** An inspection as data (the worker's comes back as JSON), without its timing. */
function comparable(inspection: ArchiveInspection) {
  return JSON.parse(
    JSON.stringify({ ...inspection, totals: { ...inspection.totals, elapsedMs: 0 } }),
  );
}

/** The two-thread reading itself (no inline fallback: undefined fails the test). */
async function splitOf(bytes: Uint8Array, filename: string, limits = {}) {
  const dir = await Deno.makeTempDir({ prefix: "tar-split-test-" });
  try {
    const path = `${dir}/${filename}`;
    await Deno.writeFile(path, bytes);
    const all = { ...limitsFromPolicy(POLICY), ...limits };
    const split = await inspectTarSplit(path, filename, all, bytes.length);
    assert.ok(split, `${filename}: the two-thread reading did not run`);
    return split;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function bothWays(bytes: Uint8Array, limits = {}) {
  const inline = await inspectBytes(bytes, SDIST, { ...limits, hashInWorker: false });
  const split = await splitOf(bytes, SDIST, limits);
  return { inline, split };
}

Deno.test("tar split: the worker's listing equals the inline one on a many-member sdist", async () => {
  const bytes = await buildTarGz(manyMembers(600)); // ~12 MB uncompressed
  const { inline, split } = await bothWays(bytes);
  assert.equal(inline.entries.length, 604);
  assert.ok(inline.entries.filter((e) => e.magic === "elf").length >= 6);
  assert.ok(inline.entries.every((e) => e.type !== "file" || e.gitSha1), "every file has its id");
  assert.ok(inline.members.pkgInfo && inline.members.pyprojectToml);
  assert.deepEqual(comparable(split), comparable(inline));
});

Deno.test("tar split: stops, damage and bombs come out the same as inline", async () => {
  const whole = await buildTarGz(manyMembers(200));
  const cases: Array<[string, Uint8Array, Record<string, number>]> = [
    ["truncated", whole.subarray(0, Math.floor(whole.length * 0.6)), {}],
    ["not gzip", text("definitely not gzip"), {}],
    ["gzip of garbage", new Uint8Array(gzipSync(crypto.getRandomValues(new Uint8Array(9000)))), {}],
    ["entry cap", whole, { maxEntries: 50 }],
    ["byte cap", whole, { maxUncompressedBytes: 500_000 }],
    ["time budget", whole, { timeBudgetMs: -1 }],
    ["ratio bomb", await buildTarGz([{ name: "b-1.0/zeros", zeros: 40 * 1024 * 1024 }]), {}],
  ];
  for (const [label, bytes, limits] of cases) {
    const { inline, split } = await bothWays(bytes, limits);
    assert.ok(inline.anomalies.length > 0, `${label}: ${JSON.stringify(inline.anomalies)}`);
    assert.deepEqual(comparable(split), comparable(inline), label);
  }
});

Deno.test("tar split: the real sdists in testdata read the same both ways", async () => {
  const dir = new URL("../../testdata/pep740/pypi-attestations/", import.meta.url);
  let seen = 0;
  for await (const file of Deno.readDir(dir)) {
    if (!file.name.endsWith(".tar.gz")) continue;
    const bytes = await Deno.readFile(new URL(file.name, dir));
    const inline = await inspectBytes(bytes, file.name, { hashInWorker: false });
    const split = await splitOf(bytes, file.name);
    assert.ok(inline.entries.length > 3, file.name);
    assert.deepEqual(comparable(split), comparable(inline), file.name);
    seen++;
  }
  assert.ok(seen >= 3);
});

Deno.test("tar split: a file the worker cannot open gives undefined (the caller reads inline)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tar-split-test-" });
  try {
    const missing = `${dir}/gone-1.0.tar.gz`;
    const split = await inspectTarSplit(missing, "gone-1.0.tar.gz", limitsFromPolicy(POLICY), 0);
    assert.equal(split, undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
