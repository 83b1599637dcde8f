import assert from "node:assert/strict";
import { archiveFindings } from "../../rules/archive.ts";
import { contentFindings } from "../../rules/content.ts";
import {
  buildZip,
  text,
  unicodePathExtra,
  type ZipMember,
  type ZipOptions,
} from "./_zip_writer.ts";
import { inspectBytes, kinds, POLICY } from "./_helpers.ts";

const WHEEL = "evil-1.0-py3-none-any.whl";
const a: ZipMember = { name: "evil/__init__.py", data: text("print('hello')\n".repeat(20)) };
const b: ZipMember = { name: "evil/b.py", data: text("x = 1\n") };

async function inspectZip(members: ZipMember[], options: ZipOptions = {}, filename = WHEEL) {
  return await inspectBytes(buildZip(members, options), filename);
}

function rulesOf(inspection: Awaited<ReturnType<typeof inspectZip>>): string[] {
  return [
    ...new Set([...archiveFindings(inspection, POLICY), ...contentFindings(inspection, POLICY)]
      .map((f) => f.rule)),
  ].sort();
}

Deno.test("zip writer baseline: a well-formed archive has no anomalies", async () => {
  const inspection = await inspectZip([a, b, { ...b, name: "evil/c.py", method: 0 }]);
  assert.deepEqual(inspection.anomalies, []);
  assert.equal(inspection.entries.length, 3);
  assert.equal(inspection.entries[0].size, a.data.length);
  assert.equal(inspection.entries[2].sha256, inspection.entries[1].sha256);
});

const confusion: Array<[string, ZipMember[], ZipOptions, string]> = [
  ["local name differs", [a, { ...b, localName: "evil/other.py" }], {}, "local-header-mismatch"],
  ["local size differs", [a, { ...b, localSize: 99 }], {}, "local-header-mismatch"],
  [
    "local compressed size differs",
    [a, { ...b, localCompressedSize: 3 }],
    {},
    "local-header-mismatch",
  ],
  ["local CRC differs", [a, { ...b, localCrc: 1234 }], {}, "local-header-mismatch"],
  ["two EOCD records", [a, b], { duplicateEocd: true }, "multiple-eocd"],
  [
    "shifted archive (prepended bytes)",
    [a, b],
    { prefix: text("#!/bin/sh\nexit 0\n") },
    "prefix-bytes",
  ],
  [
    "bytes before the first entry",
    [a, b],
    { prefix: text("MZ junk"), prefixInOffsets: true },
    "prefix-bytes",
  ],
  ["bytes after the EOCD", [a, b], { trailing: text("trailing garbage") }, "trailing-bytes"],
  ["bytes before the central directory", [a, b], { gapBeforeCentral: text("hidden") }, "gap-bytes"],
  [
    "data descriptor differs",
    [a, { ...b, dataDescriptor: true, descriptor: { size: 1 } }],
    {},
    "data-descriptor-mismatch",
  ],
  [
    "zip64 count differs from EOCD",
    [a, b],
    { zip64End: true, zip64Entries: 3 },
    "zip64-inconsistent",
  ],
  [
    "zip64 markers without extra field",
    [a, { ...b, zip64: true, zip64DropCentralExtra: true }],
    {},
    "zip64-inconsistent",
  ],
  ["EOCD entry count differs", [a, b], { eocdEntries: 5 }, "entry-count-mismatch"],
  [
    "two records share one local header",
    [a, { ...b, centralOffset: 0 }],
    {},
    "overlapping-entries",
  ],
];

for (const [name, members, options, kind] of confusion) {
  Deno.test(`zip confusion: ${name} -> ${kind} and archive/zip-confusion`, async () => {
    const inspection = await inspectZip(members, options);
    assert.ok(
      kinds(inspection).includes(kind),
      `anomalies: ${JSON.stringify(inspection.anomalies)}`,
    );
    assert.ok(rulesOf(inspection).includes("archive/zip-confusion"));
  });
}

Deno.test("zip: a valid data descriptor and a valid zip64 member are not anomalies", async () => {
  const inspection = await inspectZip([{ ...a, dataDescriptor: true }, { ...b, zip64: true }], {
    zip64End: true,
    eocdEntries: 0xffff,
  });
  assert.deepEqual(kinds(inspection), []);
  assert.equal(inspection.entries[1].size, b.data.length);
});

Deno.test("zip: central CRC and size that lie about the content", async () => {
  const crc = await inspectZip([a, { ...b, centralCrc: 42, localCrc: 42 }]);
  assert.ok(kinds(crc).includes("crc-mismatch"));
  assert.ok(rulesOf(crc).includes("archive/corrupt"));
  const size = await inspectZip([a, { ...b, centralSize: 2, localSize: 2 }]);
  assert.ok(kinds(size).includes("size-mismatch"));
  assert.equal(size.entries[1].sha256, undefined, "an overlong member gets no digest");
});

Deno.test("zip: zip inside zip is found by magic and by extension", async () => {
  const inner = buildZip([b]);
  const inspection = await inspectZip([a, { name: "evil/data.bin", data: inner }, {
    name: "evil/x.whl",
    data: text("not really"),
  }]);
  const nested = contentFindings(inspection, POLICY).filter((f) =>
    f.rule === "content/nested-archive"
  );
  assert.deepEqual(nested.map((f) => f.subject).sort(), [
    `${WHEEL}!evil/data.bin`,
    `${WHEEL}!evil/x.whl`,
  ]);
});

Deno.test("zip: unsafe paths, duplicates and an escaping symlink", async () => {
  const inspection = await inspectZip([
    a,
    { ...b, name: "../../etc/cron.d/evil" },
    { ...b, name: "/abs.py" },
    { ...b, name: "evil\\win.py" },
    { ...b, name: "evil/nul\u0000.py" },
    { ...b, name: "evil/dup.py" },
    { ...b, name: "evil/dup.py" },
    { ...b, name: "evil/DUP.py" },
    { name: "evil/link", data: text("../../../etc/passwd"), unixMode: 0o120777, method: 0 },
  ]);
  const findings = contentFindings(inspection, POLICY);
  const unsafe = findings.filter((f) => f.rule === "content/unsafe-path").map((f) => f.subject);
  assert.equal(unsafe.length, 4);
  const dups = findings.filter((f) => f.rule === "content/duplicate-path");
  assert.equal(dups.length, 2);
  const link = findings.find((f) => f.rule === "content/unsafe-link");
  assert.ok(link?.message.includes("outside"));
  assert.equal(
    inspection.entries.find((e) => e.path === "evil/link")?.linkTarget,
    "../../../etc/passwd",
  );
});

Deno.test("zip bomb: a highly compressed member stops before inflating it", async () => {
  const zeros = new Uint8Array(50 * 1024 * 1024);
  const started = performance.now();
  const inspection = await inspectZip([a, { name: "evil/zeros.bin", data: zeros }]);
  assert.ok(kinds(inspection).includes("decompression-bomb"));
  assert.ok(rulesOf(inspection).includes("archive/decompression-bomb"));
  assert.ok(inspection.totals.uncompressedBytes < 10 * 1024 * 1024);
  assert.ok(performance.now() - started < 5000);
});

Deno.test("zip bomb: a member that lies about its size is cut at the declared size", async () => {
  const zeros = new Uint8Array(8 * 1024 * 1024);
  const inspection = await inspectZip([{
    name: "evil/z.bin",
    data: zeros,
    centralSize: 1000,
    localSize: 1000,
  }]);
  assert.ok(kinds(inspection).includes("size-mismatch"));
  assert.ok(inspection.totals.uncompressedBytes < 1024 * 1024);
});

Deno.test("zip bomb: absolute uncompressed limit", async () => {
  const data = new Uint8Array(2 * 1024 * 1024).map((_, i) => (i * 7919) % 251);
  const inspection = await inspectBytes(
    buildZip([{ name: "x/a", data }, { name: "x/b", data }]),
    WHEEL,
    {
      maxUncompressedBytes: 3 * 1024 * 1024,
    },
  );
  assert.ok(kinds(inspection).includes("decompression-bomb"));
  // Past the budget the rest is listed, not read: names, modes and paths are still judged.
  assert.ok(!inspection.totals.truncated);
  assert.deepEqual(inspection.entries.map((e) => e.path), ["x/a", "x/b"]);
  assert.ok(inspection.entries[0].sha256 && !inspection.entries[1].sha256);
  assert.ok(inspection.totals.uncompressedBytes <= 3 * 1024 * 1024 + 512 * 1024);
});

Deno.test("zip entry-count bomb: 200k tiny entries stop at max_entries", async () => {
  const members: ZipMember[] = [];
  for (let i = 0; i < 200_000; i++) members.push({ name: `e/${i}`, data: text("x"), method: 0 });
  const bytes = buildZip(members, { zip64End: true, eocdEntries: 0xffff });
  const started = performance.now();
  const inspection = await inspectBytes(bytes, WHEEL);
  assert.ok(kinds(inspection).includes("too-many-entries"));
  assert.ok(rulesOf(inspection).includes("archive/entry-count-bomb"));
  assert.ok(inspection.entries.length <= POLICY.max_entries);
  assert.ok(performance.now() - started < 20_000);
});

Deno.test("zip: garbage, truncation and a deflate error return anomalies, never throw", async () => {
  const garbage = await inspectBytes(crypto.getRandomValues(new Uint8Array(4096)), WHEEL);
  assert.ok(kinds(garbage).includes("not-an-archive"));
  const whole = buildZip([a, b]);
  const truncated = await inspectBytes(whole.subarray(0, whole.length - 30), WHEEL);
  assert.ok(truncated.anomalies.length > 0);
  const bad = buildZip([{ ...a, method: 0 }]);
  // Flip the method to deflate in both headers: the stored bytes are not a deflate stream.
  const view = new DataView(bad.buffer);
  view.setUint16(8, 8, true);
  const cd = bad.length - 22 - 46 - a.name.length;
  view.setUint16(cd + 10, 8, true);
  const corrupt = await inspectBytes(bad, WHEEL);
  assert.ok(
    kinds(corrupt).some((k) => k === "corrupt" || k === "crc-mismatch" || k === "size-mismatch"),
  );
  assert.equal(corrupt.entries[0].sha256, undefined);
  const tiny = await inspectBytes(new Uint8Array(3), WHEEL);
  assert.deepEqual(kinds(tiny), ["not-an-archive"]);
});

Deno.test("zip: time budget exhaustion is an anomaly", async () => {
  const inspection = await inspectBytes(buildZip([a, b]), WHEEL, { timeBudgetMs: -1 });
  assert.ok(kinds(inspection).includes("time-budget"));
  assert.ok(rulesOf(inspection).includes("archive/inspection-incomplete"));
});

Deno.test("zip: content digests are correct, each computed only where needed", async () => {
  const data = text("hello\n");
  const inspection = await inspectZip([
    { name: "p/hello.py", data },
    { name: "p/hello.txt", data },
  ]);
  const [py, txt] = inspection.entries;
  assert.equal(py.sha256, "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
  assert.equal(py.gitSha1, "ce013625030ba8dba906f756967f9e9ca394464a"); // `git hash-object` of "hello\n"
  // A wheel's non-Python member needs its SHA-256 (RECORD), not a git blob id (parity: .py only).
  assert.equal(txt.sha256, py.sha256);
  assert.equal(txt.gitSha1, undefined);
  // An sdist member needs only its git blob id (parity by path); nothing reads its SHA-256.
  const sdist = await inspectZip([{ name: "p-1.0/hello.txt", data }], {}, "p-1.0.zip");
  assert.equal(sdist.entries[0].gitSha1, py.gitSha1);
  assert.equal(sdist.entries[0].sha256, undefined);
});

Deno.test("zip: a long inspection yields to the event loop (timers keep running)", async () => {
  const data = new Uint8Array(8 * 1024 * 1024).map((_, i) => (i * 2654435761) >>> 25);
  const members: ZipMember[] = [];
  for (let i = 0; i < 6; i++) members.push({ name: `big/${i}.bin`, data, method: 0 });
  const bytes = buildZip(members);
  const ticks: number[] = [];
  const timer = setInterval(() => ticks.push(Date.now()), 0);
  let inspection;
  try {
    inspection = await inspectBytes(bytes, WHEEL, { hashInWorker: false });
  } finally {
    clearInterval(timer);
  }
  const end = Date.now();
  const start = end - inspection.totals.elapsedMs;
  const during = ticks.filter((t) => t > start + 2 && t < end - 2);
  assert.equal(inspection.entries.length, 6);
  assert.ok(during.length >= 2, `timer ran ${during.length} times while reading 48 MiB`);
});

Deno.test("zip confusion: Info-ZIP Unicode Path (0x7075) that names another file, twice, or in a malformed chain", async () => {
  const raw = text("evil/a.py");
  const cases: Array<[string, ZipMember, RegExp]> = [
    [
      "mismatch (unzip extracts evil/b.py, pip installs evil/a.py)",
      { name: "evil/a.py", data: text("x"), centralExtra: unicodePathExtra(raw, "evil/b.py") },
      /names "evil\/b.py"/,
    ],
    [
      "mismatch in the local header only",
      { name: "evil/a.py", data: text("x"), localExtra: unicodePathExtra(raw, "evil/c.py") },
      /local header: Unicode Path/,
    ],
    [
      "duplicate fields",
      {
        name: "evil/a.py",
        data: text("x"),
        centralExtra: new Uint8Array([
          ...unicodePathExtra(raw, "evil/a.py"),
          ...unicodePathExtra(raw, "evil/a.py"),
        ]),
      },
      /2 Unicode Path extra fields/,
    ],
    [
      "chained: a field whose length runs past the block",
      {
        name: "evil/a.py",
        data: text("x"),
        centralExtra: new Uint8Array([0x75, 0x70, 0xff, 0x00, 1, 0, 0, 0, 0]),
      },
      /malformed extra field/,
    ],
  ];
  for (const [what, member, pattern] of cases) {
    const inspection = await inspectZip([member]);
    const anomalies = inspection.anomalies.filter((x) => x.kind === "unicode-path");
    assert.ok(
      anomalies.some((x) => pattern.test(x.detail)),
      `${what}: ${JSON.stringify(inspection.anomalies)}`,
    );
    assert.ok(rulesOf(inspection).includes("archive/zip-confusion"), what);
  }
  // A Unicode Path field that agrees with the name is fine.
  const agreeing = await inspectZip([
    { name: "evil/a.py", data: text("x"), centralExtra: unicodePathExtra(raw, "evil/a.py") },
  ]);
  assert.deepEqual(agreeing.anomalies, []);
});

Deno.test("zip confusion: non-ASCII names without the UTF-8 flag, and invalid UTF-8 with it, are flagged", async () => {
  // "é" in UTF-8 without bit 11: pip (zipfile) reads CP437 "Ã©", unzip/others read "é".
  const noFlag = await inspectZip([
    { name: "x", nameBytes: text("evil/caf\u00e9.py"), utf8Flag: false, data: text("x") },
  ]);
  assert.ok(
    noFlag.anomalies.some((x) =>
      x.kind === "name-encoding" && /without the UTF-8 flag/.test(x.detail)
    ),
  );
  assert.ok(rulesOf(noFlag).includes("archive/zip-confusion"));
  const invalid = await inspectZip([
    {
      name: "x",
      nameBytes: new Uint8Array([0x65, 0x2f, 0xff, 0xfe, 0x2e, 0x70, 0x79]),
      data: text("x"),
    },
  ]);
  assert.ok(invalid.anomalies.some((x) => x.kind === "name-encoding" && /fffe/.test(x.detail)));
  // Plain UTF-8 with the flag set is fine.
  const fine = await inspectZip([{ name: "evil/café.py", data: text("x") }]);
  assert.deepEqual(fine.anomalies, []);
});

Deno.test("zip confusion: classes zip.js reports are caught by the own parser at any entry count", async () => {
  // 2,500 entries: above the zip.js second-opinion cut-off.
  const many: ZipMember[] = [];
  for (let i = 0; i < 2_500; i++) many.push({ name: `e/${i}.py`, data: text("x"), method: 0 });
  const raw = text("e/0.py");
  many[0] = { ...many[0], centralExtra: unicodePathExtra(raw, "e/other.py") };
  many[1] = { ...many[1], centralExtra: new Uint8Array([1, 0, 9, 0, 1]) }; // malformed extra
  const inspection = await inspectZip(many);
  assert.ok(!inspection.anomalies.some((x) => x.kind === "zipjs-warning"), "zip.js did not run");
  assert.ok(inspection.anomalies.some((x) => x.kind === "unicode-path" && x.path === "e/0.py"));
  assert.ok(
    inspection.anomalies.some((x) => /malformed extra field/.test(x.detail) && x.path === "e/1.py"),
  );
  // Prepended data, appended data, duplicate names: own checks (zip.js names in brackets).
  const prepended = await inspectZip(many.slice(2, 2_200), { prefix: text("MZ junk") });
  assert.ok(kinds(prepended).includes("prefix-bytes")); // [prepended data]
  const appended = await inspectZip(many.slice(2, 2_200), { trailing: text("junk") });
  assert.ok(kinds(appended).includes("trailing-bytes")); // [appended data]
  const dup = await inspectZip([...many.slice(2, 2_200), many[5]]);
  assert.ok(rulesOf(dup).includes("content/duplicate-path")); // [duplicate filename]
});
