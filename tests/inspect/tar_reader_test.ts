import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import tar from "tar-stream";
import { concatBytes } from "../../src/bytes.ts";
import { Collector, StopInspection } from "../../src/inspect/collector.ts";
import { ALL_DIGESTS, InlineHasher } from "../../src/inspect/hasher.ts";
import { TarCorrupt, TarReader } from "../../src/inspect/tar_reader.ts";
import type { EntryInfo, InspectLimits } from "../../src/inspect/types.ts";
import { text } from "./_zip_writer.ts";

const MB = 1024 * 1024;
const LIMITS: InspectLimits = {
  maxUncompressedBytes: 512 * MB,
  maxCompressionRatio: 200,
  maxEntries: 100_000,
  timeBudgetMs: 60_000,
  maxTextMemberBytes: MB,
};

/** Deterministic pseudo-random bytes. */
function bytesOf(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed * 2654435761 >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** An uncompressed tar built by tar-stream (the reference writer). */
async function packTar(
  members: Array<{ name: string; data?: Uint8Array; type?: string; linkname?: string }>,
): Promise<Uint8Array> {
  const pack = tar.pack();
  const chunks: Uint8Array[] = [];
  pack.on("data", (c: unknown) => chunks.push(c as Uint8Array));
  const done = new Promise<void>((resolve) => pack.on("end", () => resolve()));
  for (const m of members) {
    const header = {
      name: m.name,
      type: (m.type ?? "file") as "file",
      linkname: m.linkname,
      mode: 0o644,
      size: m.data?.length ?? 0,
    };
    await new Promise<void>((resolve, reject) => {
      const cb = (e?: Error | null) => e ? reject(e) : resolve();
      if (m.data) pack.entry(header, m.data, cb);
      else pack.entry(header, cb);
    });
  }
  pack.finalize();
  await done;
  return concatBytes(chunks);
}

/** What tar-stream reads: name, type, size, link and the content's git blob id. */
async function referenceListing(tarBytes: Uint8Array) {
  const extract = tar.extract();
  const out: Array<{ path: string; size: number; link?: string; gitSha1: string }> = [];
  const done = (async () => {
    for await (const entry of extract) {
      const hash = createHash("sha1").update(`blob ${entry.header.size}\0`);
      let size = 0;
      for await (const chunk of entry as AsyncIterable<Uint8Array>) {
        hash.update(chunk);
        size += chunk.length;
      }
      out.push({
        path: entry.header.name,
        size,
        link: entry.header.linkname ?? undefined,
        gitSha1: hash.digest("hex"),
      });
    }
  })();
  extract.end(tarBytes);
  await done;
  return out;
}

/** Read `tarBytes` with TarReader in pieces of the given sizes (cycled). */
async function readInPieces(tarBytes: Uint8Array, pieces: number[], limits = LIMITS) {
  await InlineHasher.ready();
  const collector = new Collector(limits, new InlineHasher(), () => ALL_DIGESTS);
  const reader = new TarReader(collector, () => undefined);
  let error: unknown;
  try {
    for (let at = 0, k = 0; at < tarBytes.length; k++) {
      const n = pieces[k % pieces.length];
      // A fresh copy per piece, overwritten after the push: the reader must keep no views.
      const piece = tarBytes.slice(at, at + n);
      reader.push(piece);
      piece.fill(0xaa);
      at += n;
    }
    reader.end();
  } catch (e) {
    error = e;
  }
  await collector.settle();
  return { collector, error };
}

function listing(entries: EntryInfo[]) {
  return entries.filter((e) => e.type !== "dir").map((e) => ({
    path: e.path,
    size: e.size,
    link: e.linkTarget,
    gitSha1: e.gitSha1,
  }));
}

Deno.test("TarReader reads what tar-stream reads, however the bytes are cut", async () => {
  const members = [
    { name: "pkg-1.0/PKG-INFO", data: text("Metadata-Version: 2.1\nName: pkg\n") },
    { name: "pkg-1.0/empty.py", data: new Uint8Array() },
    { name: "pkg-1.0/" + "long/".repeat(30) + "deep.py", data: bytesOf(700, 1) }, // pax or prefix
    { name: "pkg-1.0/" + "x".repeat(150) + ".py", data: bytesOf(5000, 2) }, // pax path
    { name: "pkg-1.0/block.bin", data: bytesOf(512, 3) },
    { name: "pkg-1.0/big.bin", data: bytesOf(300_000, 4) },
    { name: "pkg-1.0/link", type: "symlink", linkname: "../" + "y".repeat(120) },
    { name: "pkg-1.0/café-ünï.py", data: text("x = 1\n") },
  ];
  const tarBytes = await packTar(members);
  const reference = (await referenceListing(tarBytes)).map((e) => ({
    ...e,
    link: e.link,
    gitSha1: e.link ? undefined : e.gitSha1,
  }));
  for (const pieces of [[tarBytes.length], [1], [7, 511, 513], [512], [4096, 3]]) {
    const { collector, error } = await readInPieces(tarBytes, pieces);
    assert.equal(error, undefined);
    assert.deepEqual(collector.anomalies, []);
    const got = listing(collector.entries).map((e) => ({
      ...e,
      gitSha1: e.link ? undefined : e.gitSha1,
    }));
    assert.deepEqual(got, reference, `pieces ${pieces}`);
  }
});

const encoder = new TextEncoder();

/** One raw header block with a correct checksum. */
function header(
  name: string | Uint8Array,
  size: number,
  type: string,
  opts: {
    ustar?: boolean;
    magic?: string;
    sizeField?: Uint8Array;
    linkname?: string;
    prefix?: string;
  } = {},
): Uint8Array {
  const h = new Uint8Array(512);
  h.set(typeof name === "string" ? encoder.encode(name) : name, 0);
  h.set(encoder.encode("0000644\0"), 100);
  h.set(opts.sizeField ?? encoder.encode(size.toString(8).padStart(11, "0") + "\0"), 124);
  h[156] = type.charCodeAt(0);
  if (opts.linkname) h.set(encoder.encode(opts.linkname), 157);
  if (opts.ustar !== false) h.set(encoder.encode(opts.magic ?? "ustar\u000000"), 257);
  if (opts.prefix) h.set(encoder.encode(opts.prefix), 345);
  h.set(encoder.encode("        "), 148);
  const sum = h.reduce((n, b) => n + b, 0);
  h.set(encoder.encode(sum.toString(8).padStart(6, "0") + "\0 "), 148);
  return h;
}

/** Content padded to whole blocks. */
function body(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(data.length / 512) * 512);
  out.set(data);
  return out;
}

function paxRecord(key: string, value: string): Uint8Array {
  const tail = ` ${key}=${value}\n`;
  let length = encoder.encode(tail).length;
  length += String(length + String(length).length).length;
  return encoder.encode(`${length}${tail}`);
}

const END = new Uint8Array(1024);

Deno.test("TarReader: GNU long names, ustar prefix, pax and global pax, base-256 size", async () => {
  const longName = "pkg-1.0/" + "n".repeat(200) + ".py";
  const pax = paxRecord("path", "pkg-1.0/from-pax.py");
  const global = paxRecord("comment", "hello");
  const base256 = new Uint8Array(12);
  base256[0] = 0x80;
  base256[11] = 5; // size 5
  const tarBytes = concatBytes([
    header("././@LongLink", longName.length + 1, "L"),
    body(encoder.encode(longName + "\0")),
    header("ignored", 3, "0"),
    body(text("abc")),
    header("deep.py", 2, "0", { prefix: "pkg-1.0/a/b" }),
    body(text("hi")),
    header("PaxHeaders/x", pax.length, "x"),
    body(pax),
    header("short-name.py", 1, "0"),
    body(text("y")),
    header("pax_global_header", global.length, "g"),
    body(global),
    header("pkg-1.0/after-global.py", 5, "0", { sizeField: base256 }),
    body(text("12345")),
    header("pkg-1.0/olddir/", 0, "\0", { ustar: false }),
    END,
  ]);
  const { collector, error } = await readInPieces(tarBytes, [100]);
  assert.equal(error, undefined);
  assert.deepEqual(
    collector.entries.map((e) => [e.path, e.type, e.size]),
    [
      [longName, "file", 3],
      ["pkg-1.0/a/b/deep.py", "file", 2],
      ["pkg-1.0/from-pax.py", "file", 1],
      ["pkg-1.0/after-global.py", "file", 5],
      ["pkg-1.0/olddir/", "dir", 0],
    ],
  );
});

Deno.test("TarReader: a global pax path renames every later member, as Python's tarfile does", async () => {
  const global = paxRecord("path", "pkg-1.0/hidden.py");
  const tarBytes = concatBytes([
    header("pax_global_header", global.length, "g"),
    body(global),
    header("pkg-1.0/a.py", 1, "0"),
    body(text("a")),
    END,
  ]);
  const { collector } = await readInPieces(tarBytes, [512]);
  assert.deepEqual(collector.entries.map((e) => e.path), ["pkg-1.0/hidden.py"]);
});

Deno.test("TarReader: members after an end-of-archive marker are read and flagged", async () => {
  const tarBytes = concatBytes([
    header("pkg-1.0/a.py", 1, "0"),
    body(text("a")),
    END,
    header("pkg-1.0/smuggled.pth", 6, "0"),
    body(text("import")),
    END,
  ]);
  const { collector } = await readInPieces(tarBytes, [1000]);
  assert.deepEqual(collector.entries.map((e) => e.path), ["pkg-1.0/a.py", "pkg-1.0/smuggled.pth"]);
  assert.deepEqual(collector.anomalies.map((a) => a.kind), ["trailing-bytes"]);
  // Zero padding after the marker (tar's 10 KiB records) is no anomaly.
  const padded = concatBytes([header("pkg-1.0/a.py", 1, "0"), body(text("a")), END, END, END]);
  assert.deepEqual((await readInPieces(padded, [700])).collector.anomalies, []);
});

Deno.test("TarReader: damage is TarCorrupt, a limit is a stop, never another error", async () => {
  const good = concatBytes([header("pkg-1.0/a.py", 600, "0"), body(bytesOf(600, 9)), END]);
  const badSum = good.slice();
  badSum[0] ^= 1;
  assert.ok((await readInPieces(badSum, [512])).error instanceof TarCorrupt);
  for (const cut of [100, 512, 700, 512 + 600]) {
    const { error } = await readInPieces(good.subarray(0, cut), [333]);
    assert.ok(error instanceof TarCorrupt, `cut at ${cut}: ${error}`);
  }
  const badSize = concatBytes([header("a", 0, "0", { sizeField: text("12x4\0") }), END]);
  assert.ok((await readInPieces(badSize, [512])).error instanceof TarCorrupt);
  const hugeLong = concatBytes([header("././@LongLink", 64 * MB, "L"), END]);
  assert.ok((await readInPieces(hugeLong, [512])).error instanceof TarCorrupt);
  // Pax records pile up (globals stay in force): past 1 MiB in force, the archive is damaged.
  const record = paxRecord("comment", "c".repeat(300_000));
  const piled = concatBytes([
    ...Array.from({ length: 4 }, () => [header("g", record.length, "g"), body(record)]).flat(),
    header("pkg-1.0/a.py", 1, "0"),
    body(text("a")),
    END,
  ]);
  const pile = await readInPieces(piled, [4096]);
  assert.ok(pile.error instanceof TarCorrupt, String(pile.error));
  assert.match((pile.error as Error).message, /pax headers of more than/);
  const capped = await readInPieces(good, [512], { ...LIMITS, maxUncompressedBytes: 100 });
  assert.ok(capped.error instanceof StopInspection);
  assert.ok(capped.collector.anomalies.some((a) => a.kind === "decompression-bomb"));
});

Deno.test("TarReader: a name that is not UTF-8 is flagged with its bytes; a BOM is kept", async () => {
  const latin1 = new Uint8Array([...text("pkg-1.0/caf"), 0xe9, ...text(".py")]);
  const bom = new Uint8Array([...text("pkg-1.0/"), 0xef, 0xbb, 0xbf, ...text("x.py")]);
  const tarBytes = concatBytes([
    header(latin1, 1, "0"),
    body(text("a")),
    header(bom, 1, "0"),
    body(text("b")),
    END,
  ]);
  const { collector } = await readInPieces(tarBytes, [512]);
  assert.equal(collector.anomalies.length, 1);
  assert.equal(collector.anomalies[0].kind, "name-encoding");
  assert.match(collector.anomalies[0].detail, /e9/);
  assert.equal(collector.entries[1].path, "pkg-1.0/\uFEFFx.py");
});

/** Paths, types and sizes read from `tarBytes`, with the anomaly kinds and the error. */
async function readBack(tarBytes: Uint8Array, limits = LIMITS) {
  const { collector, error } = await readInPieces(tarBytes, [512, 1000], limits);
  return {
    entries: collector.entries.map((e) => [e.path, e.type, e.size]),
    anomalies: collector.anomalies.map((a) => a.kind),
    error: error === undefined ? undefined : (error as Error).constructor.name,
  };
}

const EVIL = [header("pkg-1.0/evil.py", 4, "0"), body(text("evil"))];

// Each case below was checked with Python 3.11's tarfile (getmembers), which pip and build use:
// the listing here holds the member tarfile extracts, and an anomaly says where readers differ.
Deno.test("TarReader as tarfile: no data after a directory header, whatever its size says", async () => {
  const got = await readBack(concatBytes([
    header("pkg-1.0/d/", 1024, "5"),
    ...EVIL,
    END,
  ]));
  assert.deepEqual(got.entries, [["pkg-1.0/d/", "dir", 0], ["pkg-1.0/evil.py", "file", 4]]);
  assert.deepEqual(got.anomalies, ["tar-ambiguity"]);
  const link = await readBack(concatBytes([
    header("pkg-1.0/l", 512, "2", { linkname: "PKG-INFO" }),
    ...EVIL,
    END,
  ]));
  assert.deepEqual(link.entries.map((e) => e[0]), ["pkg-1.0/l", "pkg-1.0/evil.py"]);
});

Deno.test("TarReader as tarfile: a type-0 name with a trailing slash is a file", async () => {
  const got = await readBack(concatBytes([
    header("pkg-1.0/setup.py", 6, "0"),
    body(text("benign")),
    header("pkg-1.0/setup.py/", 4, "0"),
    body(text("evil")),
    END,
  ]));
  assert.deepEqual(got.entries, [["pkg-1.0/setup.py", "file", 6], ["pkg-1.0/setup.py", "file", 4]]);
  assert.deepEqual(got.anomalies, ["tar-ambiguity"]);
});

Deno.test("TarReader as tarfile: numeric fields as nti reads them", async () => {
  // A leading NUL ends the field: size 0, so the next block is a header.
  const nulFirst = new Uint8Array([0, ...text("0000002000"), 0]);
  const got = await readBack(concatBytes([
    header("pkg-1.0/a.py", 0, "0", { sizeField: nulFirst }),
    ...EVIL,
    END,
  ]));
  assert.deepEqual(got.entries, [["pkg-1.0/a.py", "file", 0], ["pkg-1.0/evil.py", "file", 4]]);
  // Spaces, a sign and underscores are fine for int(); other bytes make tarfile stop.
  const odd = await readBack(concatBytes([
    header("pkg-1.0/b.py", 0, "0", { sizeField: text(" +0_4\0      ") }),
    body(text("four")),
    END,
  ]));
  assert.deepEqual(odd.entries, [["pkg-1.0/b.py", "file", 4]]);
  const bad = await readBack(concatBytes([
    header("pkg-1.0/c.py", 0, "0", { sizeField: text("12x4\0       ") }),
    END,
  ]));
  assert.equal(bad.error, "TarCorrupt");
});

Deno.test("TarReader as tarfile: pax size as int() reads it, flagged when not plain digits", async () => {
  const record = paxRecord("size", " 0");
  const got = await readBack(concatBytes([
    header("PaxHeaders/a", record.length, "x"),
    body(record),
    header("pkg-1.0/a.py", 1024, "0"),
    ...EVIL,
    END,
  ]));
  assert.deepEqual(got.entries, [["pkg-1.0/a.py", "file", 0], ["pkg-1.0/evil.py", "file", 4]]);
  assert.deepEqual(got.anomalies, ["tar-ambiguity"]);
  const global = paxRecord("size", "1024");
  const withGlobal = await readBack(concatBytes([
    header("g", global.length, "g"),
    body(global),
    header("pkg-1.0/empty", 0, "0"),
    ...EVIL,
    END,
  ]));
  assert.equal(withGlobal.error, "TarCorrupt");
});

Deno.test("TarReader as tarfile: the ustar prefix joins under any magic", async () => {
  const got = await readBack(concatBytes([
    header("setup.py", 1, "0", { prefix: "pkg-1.0", magic: "ustar  \0" }),
    body(text("x")),
    header("other.py", 1, "0", { prefix: "pkg-1.0", ustar: false }),
    body(text("y")),
    END,
  ]));
  assert.deepEqual(got.entries.map((e) => e[0]), ["pkg-1.0/setup.py", "pkg-1.0/other.py"]);
});

Deno.test("TarReader as tarfile: the outermost record names the member", async () => {
  const a = paxRecord("path", "pkg-1.0/setup.py");
  const b = paxRecord("path", "pkg-1.0/README");
  const long = (name: string) => [
    header("././@LongLink", name.length + 1, "L"),
    body(encoder.encode(name + "\0")),
  ];
  const member = [header("pkg-1.0/x", 1, "0"), body(text("x"))];
  const cases = [
    [header("p", a.length, "x"), body(a), header("p", b.length, "x"), body(b), ...member],
    [...long("pkg-1.0/setup.py"), header("p", b.length, "x"), body(b), ...member],
    [header("p", a.length, "x"), body(a), ...long("pkg-1.0/README"), ...member],
    [...long("pkg-1.0/setup.py"), ...long("pkg-1.0/README"), ...member],
    [header("p", a.length, "X"), body(a), ...member], // Solaris pax reads as x
  ];
  for (const parts of cases) {
    const got = await readBack(concatBytes([...parts, END]));
    assert.deepEqual(got.entries.map((e) => e[0]), ["pkg-1.0/setup.py"]);
  }
});

Deno.test("TarReader as tarfile: records are read from their whole padded block", async () => {
  const a = paxRecord("path", "pkg-1.0/setup.py");
  const name = encoder.encode("pkg-1.0/setup.py\0");
  const member = [header("pkg-1.0/README", 1, "0"), body(text("x"))];
  for (
    const parts of [[header("p", 1, "x"), body(a)], [header("././@LongLink", 1, "L"), body(name)]]
  ) {
    const got = await readBack(concatBytes([...parts, ...member, END]));
    assert.deepEqual(got.entries.map((e) => e[0]), ["pkg-1.0/setup.py"]);
  }
});

Deno.test("TarReader: sparse members, N and extended headers with no member", async () => {
  const sparse = paxRecord("GNU.sparse.name", "pkg-1.0/setup.py");
  const cases: Array<[Uint8Array[], string | undefined]> = [
    [[header("p", sparse.length, "x"), body(sparse), ...EVIL], "TarCorrupt"],
    [[header("pkg-1.0/s", 4, "S"), body(text("evil"))], "TarCorrupt"],
    [[header("pkg-1.0/n", 4, "N"), body(text("evil"))], undefined],
    [[header("././@LongLink", 5, "L"), body(text("name\0"))], "TarCorrupt"],
  ];
  for (const [parts, error] of cases) {
    assert.equal((await readBack(concatBytes([...parts, END]))).error, error);
  }
  const n = await readBack(concatBytes([header("pkg-1.0/n", 4, "N"), body(text("evil")), END]));
  // An unknown type (N is no long name to tarfile) is written by pip as a regular file.
  assert.deepEqual(n.entries, [["pkg-1.0/n", "file", 4]]);
  assert.deepEqual(n.anomalies, ["tar-ambiguity"]);
});

Deno.test("TarReader: a flood of pax records meets the time budget; over-long names stop", async () => {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < 2000; i++) {
    const r = paxRecord(`key${i}`, "v");
    parts.push(header("g", r.length, "g"), body(r));
  }
  const flood = await readBack(concatBytes([...parts, ...EVIL, END]), {
    ...LIMITS,
    timeBudgetMs: -1,
  });
  assert.equal(flood.error, "StopInspection");
  const path = paxRecord("path", "pkg-1.0/" + "a".repeat(5000));
  const long = await readBack(
    concatBytes([header("p", path.length, "x"), body(path), ...EVIL, END]),
  );
  assert.equal(long.error, "TarCorrupt");
  // Long names add up: the listing's names are bounded too (32 Mi characters).
  const name = paxRecord("path", "pkg-1.0/" + "n".repeat(4000));
  const many: Uint8Array[] = [];
  for (let i = 0; i < 8500; i++) many.push(header("p", name.length, "x"), body(name), ...EVIL);
  const listing = await readBack(concatBytes([...many, END]));
  assert.equal(listing.error, "StopInspection");
  assert.ok(listing.anomalies.includes("too-many-entries"));
});
