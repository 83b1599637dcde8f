import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { archiveFindings } from "../../rules/archive.ts";
import { contentFindings } from "../../rules/content.ts";
import { buildTarGz, type TarMember } from "./_tar_writer.ts";
import { text } from "./_zip_writer.ts";
import { inspectBytes, kinds, POLICY } from "./_helpers.ts";

const SDIST = "evil-1.0.tar.gz";
const base: TarMember[] = [
  { name: "evil-1.0/", type: "directory", mode: 0o755 },
  { name: "evil-1.0/PKG-INFO", data: text("Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n") },
  { name: "evil-1.0/pyproject.toml", data: text('[project]\nname = "evil"\nversion = "1.0"\n') },
  { name: "evil-1.0/evil/__init__.py", data: text("x = 1\n") },
];

function rulesOf(inspection: Awaited<ReturnType<typeof inspectBytes>>): string[] {
  return [
    ...new Set(
      [...archiveFindings(inspection, POLICY), ...contentFindings(inspection, POLICY)].map((f) =>
        f.rule
      ),
    ),
  ].sort();
}

Deno.test("tar.gz: a plain sdist lists entries and captures PKG-INFO and pyproject.toml", async () => {
  const bytes = await buildTarGz(base);
  const inspection = await inspectBytes(bytes, SDIST);
  assert.equal(inspection.kind, "sdist-tar");
  assert.deepEqual(inspection.anomalies, []);
  assert.deepEqual(inspection.entries.map((e) => e.type), ["dir", "file", "file", "file"]);
  assert.match(inspection.members.pkgInfo?.text ?? "", /^Metadata-Version: 2.1/);
  assert.match(inspection.members.pyprojectToml?.text ?? "", /\[project\]/);
  assert.deepEqual(rulesOf(inspection), []);
  assert.equal(inspection.sha256, createHash("sha256").update(bytes).digest("hex"));
});

Deno.test("tar.gz: symlink escaping the tree, hard link, device file, FIFO", async () => {
  const inspection = await inspectBytes(
    await buildTarGz([
      ...base,
      { name: "evil-1.0/inside", type: "symlink", linkname: "evil/__init__.py" },
      { name: "evil-1.0/escape", type: "symlink", linkname: "../../../../etc/passwd" },
      { name: "evil-1.0/abs", type: "symlink", linkname: "/etc/shadow" },
      { name: "evil-1.0/hard", type: "link", linkname: "evil-1.0/PKG-INFO" },
      { name: "evil-1.0/null", type: "character-device" },
      { name: "evil-1.0/pipe", type: "fifo" },
    ]),
    SDIST,
  );
  const links = contentFindings(inspection, POLICY).filter((f) => f.rule === "content/unsafe-link");
  assert.deepEqual(links.map((f) => f.subject.split("!")[1]).sort(), [
    "evil-1.0/abs",
    "evil-1.0/escape",
    "evil-1.0/hard",
    "evil-1.0/null",
    "evil-1.0/pipe",
  ]);
});

Deno.test("tar.gz: path traversal and absolute names", async () => {
  const inspection = await inspectBytes(
    await buildTarGz([...base, { name: "../evil.py", data: text("x") }, {
      name: "/tmp/x.py",
      data: text("x"),
    }]),
    SDIST,
  );
  const unsafe = contentFindings(inspection, POLICY).filter((f) =>
    f.rule === "content/unsafe-path"
  );
  assert.equal(unsafe.length, 2);
});

Deno.test("tar.gz bomb: 100 MB of zeros stops at the ratio limit, fast", async () => {
  const bomb = await buildTarGz([...base, { name: "evil-1.0/zeros", zeros: 100 * 1024 * 1024 }]);
  assert.ok(bomb.length < 1024 * 1024);
  const started = performance.now();
  const inspection = await inspectBytes(bomb, SDIST);
  assert.ok(kinds(inspection).includes("decompression-bomb"), JSON.stringify(inspection.anomalies));
  assert.ok(rulesOf(inspection).includes("archive/decompression-bomb"));
  assert.ok(inspection.totals.uncompressedBytes < 40 * 1024 * 1024);
  assert.ok(performance.now() - started < 3000);
  // The artifact digest covers the whole file even though reading stopped early.
  assert.equal(inspection.sha256, createHash("sha256").update(bomb).digest("hex"));
});

Deno.test("tar.gz bomb: absolute limit on moderately compressible data", async () => {
  const noisy: TarMember[] = [];
  for (let i = 0; i < 4; i++) {
    noisy.push({
      name: `evil-1.0/n${i}`,
      data: new Uint8Array(512 * 1024).map((_, j) => (j * 2654435761 + i) % 253),
    });
  }
  const inspection = await inspectBytes(await buildTarGz(noisy), SDIST, {
    maxUncompressedBytes: 1024 * 1024,
  });
  assert.ok(kinds(inspection).includes("decompression-bomb"));
  assert.ok(inspection.entries.length < 4);
});

Deno.test("tar.gz: entry cap", async () => {
  const many: TarMember[] = [];
  for (let i = 0; i < 50; i++) many.push({ name: `evil-1.0/f${i}`, data: text("x") });
  const inspection = await inspectBytes(await buildTarGz(many), SDIST, { maxEntries: 10 });
  assert.ok(kinds(inspection).includes("too-many-entries"));
  assert.equal(inspection.entries.length, 10);
  assert.ok(inspection.totals.truncated);
});

Deno.test("tar.gz: truncated, not gzip, gzip of garbage: anomalies, never throws", async () => {
  const whole = await buildTarGz(base);
  const truncated = await inspectBytes(whole.subarray(0, whole.length - 20), SDIST);
  assert.ok(kinds(truncated).includes("corrupt"), JSON.stringify(truncated.anomalies));
  const notGzip = await inspectBytes(text("definitely not gzip"), SDIST);
  assert.ok(kinds(notGzip).includes("corrupt"));
  const { gzipSync } = await import("node:zlib");
  const garbage = await inspectBytes(
    new Uint8Array(gzipSync(crypto.getRandomValues(new Uint8Array(5000)))),
    SDIST,
  );
  assert.ok(kinds(garbage).includes("corrupt"), JSON.stringify(garbage.anomalies));
});

Deno.test("tar.gz: time budget", async () => {
  const inspection = await inspectBytes(await buildTarGz(base), SDIST, { timeBudgetMs: -1 });
  assert.ok(kinds(inspection).includes("time-budget"));
});

/** A one-member ustar archive, gzip-compressed, with the member name given as raw bytes. */
function rawTarGz(name: Uint8Array, data: Uint8Array): Uint8Array {
  const header = new Uint8Array(512);
  header.set(name.subarray(0, 100), 0);
  const octal = (v: number, len: number) => text(v.toString(8).padStart(len - 1, "0") + "\0");
  header.set(octal(0o644, 8), 100);
  header.set(octal(0, 8), 108);
  header.set(octal(0, 8), 116);
  header.set(octal(data.length, 12), 124);
  header.set(octal(0, 12), 136);
  header.set(text("        "), 148);
  header[156] = 0x30;
  header.set(text("ustar\u000000"), 257);
  const sum = header.reduce((n, b) => n + b, 0);
  header.set(text(sum.toString(8).padStart(6, "0") + "\0 "), 148);
  const body = new Uint8Array(Math.ceil(data.length / 512) * 512);
  body.set(data);
  const tarBytes = new Uint8Array([...header, ...body, ...new Uint8Array(1024)]);
  return new Uint8Array(gzipSync(tarBytes));
}

Deno.test("tar.gz: a member name that is not UTF-8 is flagged, not silently decoded", async () => {
  const bad = new Uint8Array([...text("evil-1.0/caf"), 0xe9, ...text(".py")]); // latin-1 é
  const inspection = await inspectBytes(rawTarGz(bad, text("x = 1\n")), SDIST);
  const anomaly = inspection.anomalies.find((x) => x.kind === "name-encoding");
  assert.ok(anomaly, JSON.stringify(inspection.anomalies));
  assert.match(anomaly.detail, /e9/);
  assert.ok(rulesOf(inspection).includes("archive/corrupt"));
  const good = await inspectBytes(rawTarGz(text("evil-1.0/café.py"), text("x = 1\n")), SDIST);
  assert.deepEqual(good.anomalies, []);
  assert.equal(good.entries[0].path, "evil-1.0/café.py");
});

Deno.test("tar.gz: a member hidden after the end-of-archive marker is read and is an archive/corrupt finding", async () => {
  const visible = await buildTarGz(base);
  const hidden = await buildTarGz([{ name: "evil-1.0/evil.pth", data: text("import os\n") }]);
  const { gunzipSync } = await import("node:zlib");
  // Python's tarfile stops at the first archive's zero blocks; the second one follows them.
  const joined = new Uint8Array([...gunzipSync(visible), ...gunzipSync(hidden)]);
  const inspection = await inspectBytes(new Uint8Array(gzipSync(joined)), SDIST);
  assert.ok(inspection.entries.some((e) => e.path === "evil-1.0/evil.pth"));
  assert.ok(kinds(inspection).includes("trailing-bytes"), JSON.stringify(inspection.anomalies));
  assert.ok(rulesOf(inspection).includes("archive/corrupt"));
  assert.deepEqual(kinds(await inspectBytes(visible, SDIST)), []);
});

Deno.test("tar.gz: junk after the gzip stream: every member read, the junk flagged", async () => {
  // Many members, so that the last ones share zlib's final write with the junk (zlib drops
  // that write's output: the stream is replayed in smaller pieces up to the bad byte).
  const members: TarMember[] = [...base];
  for (let i = 0; i < 400; i++) {
    members.push({ name: `evil-1.0/m/f${i}.py`, data: text(`x = ${i}\n`.repeat(200 + i)) });
  }
  const whole = await buildTarGz(members);
  for (const hashInWorker of [false, true]) {
    const inspection = await inspectBytes(
      new Uint8Array([...whole, ...text("hello junk")]),
      SDIST,
      { hashInWorker },
    );
    assert.equal(inspection.entries.length, members.length);
    assert.deepEqual(kinds(inspection), ["trailing-bytes"], JSON.stringify(inspection.anomalies));
    // zlib rejects a byte of the junk's would-be gzip header.
    const at = Number(/rejects compressed byte (\d+)/.exec(inspection.anomalies[0].detail)?.[1]);
    assert.ok(at >= whole.length && at < whole.length + 10, inspection.anomalies[0].detail);
    assert.equal(inspection.totals.truncated, false);
    assert.ok(rulesOf(inspection).includes("archive/corrupt"));
  }
  // Junk after a tar that lost its end: damage, and the message says what was not read.
  const { gunzipSync } = await import("node:zlib");
  const raw = gunzipSync(whole);
  const cut = new Uint8Array(gzipSync(raw.subarray(0, raw.length - 4096)));
  const damaged = await inspectBytes(new Uint8Array([...cut, ...text("junk")]), SDIST);
  const corrupt = damaged.anomalies.find((a) => a.kind === "corrupt");
  assert.ok(corrupt, JSON.stringify(damaged.anomalies));
  assert.match(corrupt.detail, /at compressed byte \d+; the members after it were not inspected/);
  assert.ok(damaged.totals.truncated);
});
