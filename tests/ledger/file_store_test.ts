import { conformance, finding, KEYS, ORIGIN } from "./_conformance.ts";
import { assert, assertEquals, assertRejects, assertStringIncludes } from "./_assert.ts";
import { folderSource, openLedger, openLedgerReader, verifyLedger } from "../../src/ledger/mod.ts";
import { sha256, toHex } from "../../src/ledger/hash.ts";
import { buildEntry } from "../../src/ledger/entry.ts";

conformance("file store", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ledger-file-" });
  return {
    open: (signingKey, now) =>
      openLedger({ store: "file", path: dir, origin: ORIGIN, signingKey, now }),
    reader: () => openLedgerReader({ store: "file", path: dir }),
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
});

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "ledger-file-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const open = (dir: string) =>
  openLedger({ store: "file", path: dir, origin: ORIGIN, signingKey: KEYS.privateKey });

Deno.test("file store: layout, checkpoint history and stored verifier key", () =>
  withDir(async (dir) => {
    const s = await open(dir);
    await s.append([finding(0)]);
    await s.append([finding(1), finding(2)]);
    await s.close();
    const lines = (await Deno.readTextFile(`${dir}/entries.jsonl`)).split("\n");
    assertEquals(lines.length, 4);
    assertEquals(lines[3], "");
    assertEquals((await Deno.readTextFile(`${dir}/vkey`)).trim(), KEYS.verifierKey);
    const log = (await Deno.readTextFile(`${dir}/checkpoints.log`)).trim().split("\n").map((l) =>
      JSON.parse(l)
    );
    assertEquals(log.map((r) => r.size), [1, 3]);
    assertEquals(log[1].note, await Deno.readTextFile(`${dir}/checkpoint`));
    assertEquals((await Deno.stat(`${dir}/index/offsets.bin`)).size, 24);
    assertEquals((await Deno.stat(`${dir}/tree/level-0.bin`)).size, 96);
    assertEquals((await Deno.stat(`${dir}/tree/level-1.bin`)).size, 32);
    const report = await verifyLedger(folderSource(dir), { verifierKey: KEYS.verifierKey });
    assert(report.ok, JSON.stringify(report));
    assertEquals(report.checkpointsChecked, 2);
  }));

Deno.test("file store: a torn last line is moved aside, truncated and the repair recorded", () =>
  withDir(async (dir) => {
    const s = await open(dir);
    await s.append([finding(0), finding(1)]);
    await s.close();
    const torn = new TextEncoder().encode('{"body":{"project":"half');
    await Deno.writeFile(`${dir}/entries.jsonl`, torn, { append: true });
    const before = await verifyLedger(folderSource(dir), { verifierKey: KEYS.verifierKey });
    assert(before.ok);
    assertStringIncludes(before.warnings.join("\n"), "torn last line");
    const again = await open(dir);
    assertEquals(await again.size(), 3);
    const entries = [];
    for await (const e of again.entries()) entries.push(e);
    const repair = entries[2].entry;
    assertEquals(repair.kind, "ledger.repaired");
    assertEquals(repair.body.removed_bytes, torn.length);
    assertEquals(repair.body.removed_sha256, toHex(sha256(torn)));
    const moved = [...Deno.readDirSync(dir)].filter((f) => f.name.startsWith("torn-"));
    assertEquals(moved.length, 1);
    assertEquals(await Deno.readFile(`${dir}/${moved[0].name}`), torn);
    await again.append([finding(3)]);
    await again.close();
    const report = await verifyLedger(folderSource(dir), { verifierKey: KEYS.verifierKey });
    assert(report.ok, JSON.stringify(report));
    assertEquals(report.size, 4);
  }));

Deno.test("file store: a complete line that fails verification is never modified; appends are refused", () =>
  withDir(async (dir) => {
    const s = await open(dir);
    await s.append([finding(0), finding(1), finding(2)]);
    await s.close();
    const text = await Deno.readTextFile(`${dir}/entries.jsonl`);
    const forged = text.slice(0, -1) + "\n" +
      text.split("\n")[2].replace('"index":2', '"index":3') + "\n";
    await Deno.writeTextFile(`${dir}/entries.jsonl`, forged);
    const again = await open(dir);
    const err = await assertRejects(() => again.append([finding(4)]), "ledger entry 3");
    assertStringIncludes(err.message, "prev");
    await again.close();
    assertEquals(await Deno.readTextFile(`${dir}/entries.jsonl`), forged);
    // Rewriting the middle: the index no longer matches the line, the checkpoint root disagrees.
    const lines = text.split("\n");
    lines[1] = lines[1].replace("release 1", "release X");
    await Deno.writeTextFile(`${dir}/entries.jsonl`, lines.join("\n"));
    await Deno.remove(`${dir}/index`, { recursive: true });
    await Deno.remove(`${dir}/tree`, { recursive: true });
    const third = await open(dir);
    await assertRejects(() => third.append([finding(4)]), "ledger entry 2");
    await third.close();
    assertEquals(await Deno.readTextFile(`${dir}/entries.jsonl`), lines.join("\n"));
  }));

Deno.test("file store: a lost index is rebuilt; a second writer waits for the lock, then times out", () =>
  withDir(async (dir) => {
    const s = await open(dir);
    await s.append(Array.from({ length: 37 }, (_, i) => finding(i)));
    const proofBefore = await s.inclusionProof(20);
    await s.close();
    await Deno.remove(`${dir}/tree`, { recursive: true });
    await Deno.remove(`${dir}/index/offsets.bin`);
    const again = await open(dir);
    assertEquals(await again.inclusionProof(20), proofBefore);
    await again.close();
    // Hold the lock from another handle (flock conflicts between open file descriptions).
    const lock = await Deno.open(`${dir}/lock`, { read: true, write: true });
    await lock.lock(true);
    const pending = openLedger({
      store: "file",
      path: dir,
      origin: ORIGIN,
      signingKey: KEYS.privateKey,
      lockTimeoutMs: 300,
    });
    await assertRejects(() => pending, "locked by another process");
    await lock.unlock();
    lock.close();
    const ok = await open(dir);
    assertEquals(await ok.size(), 37);
    await ok.close();
  }));

Deno.test("file store: the origin of an existing ledger must match", () =>
  withDir(async (dir) => {
    const s = await open(dir);
    await s.append([finding(0)]);
    await s.close();
    const other = await openLedger({
      store: "file",
      path: dir,
      origin: "other.example/ledger",
      signingKey: KEYS.privateKey,
    });
    await assertRejects(() => other.append([finding(1)]), "origin");
    await other.close();
  }));

Deno.test("file store: valid lines beyond the latest signed checkpoint are never signed after the fact", () =>
  withDir(async (dir) => {
    const s = await open(dir);
    const stored = await s.append([finding(0), finding(1)]);
    await s.close();
    // What a crash between fdatasync and the checkpoint leaves behind (or a forger without the key).
    const extra = buildEntry(finding(2), {
      origin: ORIGIN,
      index: 2,
      time: new Date(),
      prev: stored[1].leafHash,
    });
    await Deno.writeTextFile(`${dir}/entries.jsonl`, extra.line + "\n", { append: true });
    const again = await open(dir);
    const entries = [];
    for await (const e of again.entries()) entries.push(e);
    assertEquals(entries.length, 3);
    assertEquals(entries[2].entry.kind, "ledger.repaired");
    assertEquals(entries[2].entry.body.removed_entries, 1);
    assertEquals(
      entries[2].entry.body.removed_sha256,
      toHex(sha256(new TextEncoder().encode(extra.line + "\n"))),
    );
    const moved = [...Deno.readDirSync(dir)].filter((f) => f.name.startsWith("unsigned-"));
    assertEquals(moved.length, 1);
    assertEquals(await Deno.readTextFile(`${dir}/${moved[0].name}`), extra.line + "\n");
    await again.close();
    const report = await verifyLedger(folderSource(dir), { verifierKey: KEYS.verifierKey });
    assert(report.ok, JSON.stringify(report));
  }));

Deno.test("file store: a checkpoint file rolled back behind checkpoints.log is restored from the log", () =>
  withDir(async (dir) => {
    const s = await open(dir);
    await s.append([finding(0)]);
    const old = await s.checkpoint();
    await s.append([finding(1)]);
    const latest = await s.checkpoint();
    await s.close();
    await Deno.writeTextFile(`${dir}/checkpoint`, old!);
    const again = await open(dir);
    await again.append([finding(2)]);
    assertEquals(await again.size(), 3);
    await again.close();
    const log = (await Deno.readTextFile(`${dir}/checkpoints.log`)).trim().split("\n").map((l) =>
      JSON.parse(l).note
    );
    assertEquals(log.slice(0, 2), [old, latest]);
    const report = await verifyLedger(folderSource(dir), { verifierKey: KEYS.verifierKey });
    assert(report.ok, JSON.stringify(report));
  }));

Deno.test("file store: lines of an append whose checkpoint could not be written are never signed later", () =>
  withDir(async (dir) => {
    const s = await open(dir);
    await s.append([finding(0)]);
    await Deno.mkdir(`${dir}/.checkpoint.tmp`); // the atomic checkpoint write now fails
    await assertRejects(() => s.append([finding(1), finding(2)]));
    await Deno.remove(`${dir}/.checkpoint.tmp`);
    const after = await s.append([finding(3)]);
    await s.close();
    const kinds: string[] = [];
    const r = await openLedgerReader({ store: "file", path: dir });
    for await (const e of r.entries()) kinds.push(e.entry.kind);
    await r.close();
    assertEquals(kinds, ["finding.opened", "ledger.repaired", "finding.opened"]);
    assertEquals(after[0].entry.index, 2);
    const report = await verifyLedger(folderSource(dir), { verifierKey: KEYS.verifierKey });
    assert(report.ok, JSON.stringify(report));
  }));
