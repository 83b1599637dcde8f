import { finding, KEYS, ORIGIN } from "./_conformance.ts";
import { assert, assertEquals, assertStringIncludes } from "./_assert.ts";
import {
  folderSource,
  generateSigningKey,
  httpSource,
  jsonlSource,
  type LedgerEventInput,
  openLedger,
  openLedgerReader,
  verifyLedger,
} from "../../src/ledger/mod.ts";
import { buildEntry } from "../../src/ledger/entry.ts";
import { hashLeaf, toHex } from "../../src/ledger/hash.ts";

const T0 = Date.parse("2026-11-22T10:00:00.000Z");

/** Build a ledger by appending `batches`, one clock tick per append (deterministic lines). */
async function build(dir: string, batches: LedgerEventInput[][], key = KEYS.privateKey) {
  let tick = 0;
  const s = await openLedger({
    store: "file",
    path: dir,
    origin: ORIGIN,
    signingKey: key,
    now: () => new Date(T0 + 1000 * tick++),
  });
  const checkpoints: string[] = [];
  for (const b of batches) {
    await s.append(b);
    checkpoints.push((await s.checkpoint())!);
  }
  await s.close();
  return checkpoints;
}

const ev = (i: number, tag = "") => finding(i, tag ? { message: `${tag} ${i}` } : {});
const HONEST = [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11]].map((b) => b.map((i) => ev(i)));

async function lines(dir: string): Promise<string[]> {
  return (await Deno.readTextFile(`${dir}/entries.jsonl`)).split("\n").slice(0, -1);
}
async function writeLines(dir: string, ls: string[]) {
  await Deno.writeTextFile(`${dir}/entries.jsonl`, ls.map((l) => l + "\n").join(""));
}

/** Each tampering acts on a fresh copy of the honest ledger folder. */
const TAMPERINGS: Record<string, (dir: string, scratch: string) => Promise<void>> = {
  "modify one field": async (dir) => {
    const ls = await lines(dir);
    ls[4] = ls[4].replace("release 4", "release 5");
    await writeLines(dir, ls);
  },
  "delete a middle entry": async (dir) => {
    const ls = await lines(dir);
    ls.splice(4, 1);
    await writeLines(dir, ls);
  },
  "truncate the tail": async (dir) => {
    await writeLines(dir, (await lines(dir)).slice(0, 10));
  },
  "truncate the tail and roll back the checkpoints": async (dir) => {
    await writeLines(dir, (await lines(dir)).slice(0, 6));
    const log = (await Deno.readTextFile(`${dir}/checkpoints.log`)).split("\n").slice(0, 2);
    await Deno.writeTextFile(`${dir}/checkpoints.log`, log.join("\n") + "\n");
    await Deno.writeTextFile(`${dir}/checkpoint`, JSON.parse(log[1]).note);
  },
  "reorder two entries": async (dir) => {
    const ls = await lines(dir);
    [ls[4], ls[5]] = [ls[5], ls[4]];
    await writeLines(dir, ls);
  },
  "insert a forged entry (chain recomputed, no key)": async (dir, scratch) => {
    // The forger replays the whole history with an extra event, without the signing key, and
    // keeps the log's signed checkpoints.
    const forger = await generateSigningKey(ORIGIN);
    const events = HONEST.flat();
    events.splice(4, 0, ev(99, "forged"));
    await build(scratch, [events], forger.privateKey);
    await Deno.copyFile(`${scratch}/entries.jsonl`, `${dir}/entries.jsonl`);
  },
  "append a forged entry at the end (no key)": async (dir) => {
    // A well-formed, correctly chained entry: only the missing signature gives it away.
    const ls = await lines(dir);
    const prev = toHex(hashLeaf(new TextEncoder().encode(ls[11])));
    const forged = buildEntry(ev(12, "forged"), {
      origin: ORIGIN,
      index: 12,
      time: new Date(T0 + 9000),
      prev,
    });
    await writeLines(dir, [...ls, forged.line]);
  },
  "rewrite everything with the signing key": async (dir, scratch) => {
    await build(scratch, HONEST.map((b, j) => b.map((_e, i) => ev(3 * j + i, "rewritten"))));
    await replaceLedger(dir, scratch);
  },
  "fork with the signing key": async (dir, scratch) => {
    await build(scratch, [
      HONEST[0],
      HONEST[1],
      [ev(6)],
      [ev(7, "fork"), ev(8, "fork")],
      HONEST[3],
    ]);
    await replaceLedger(dir, scratch);
  },
};

async function replaceLedger(dir: string, from: string) {
  for (const f of ["entries.jsonl", "checkpoints.log", "checkpoint"]) {
    await Deno.copyFile(`${from}/${f}`, `${dir}/${f}`);
  }
}

const PARALLEL_CHECKED = [
  "modify one field",
  "delete a middle entry",
  "truncate the tail",
  "fork with the signing key",
];

/** Caught without / with a checkpoint pinned at size 9. This table is in docs/ledger.md. */
const EXPECTED: Record<string, [boolean, boolean]> = {
  "modify one field": [true, true],
  "delete a middle entry": [true, true],
  "truncate the tail": [true, true],
  "truncate the tail and roll back the checkpoints": [false, true],
  "reorder two entries": [true, true],
  "insert a forged entry (chain recomputed, no key)": [true, true],
  "append a forged entry at the end (no key)": [true, true],
  "rewrite everything with the signing key": [false, true],
  "fork with the signing key": [false, true],
};

Deno.test("tamper matrix: what verify catches with and without a pinned checkpoint", async () => {
  const honest = await Deno.makeTempDir({ prefix: "ledger-honest-" });
  try {
    const cps = await build(honest, HONEST);
    const pinned = cps[2]; // size 9
    const clean = await verifyLedger(folderSource(honest), {
      verifierKey: KEYS.verifierKey,
      trusted: pinned,
    });
    assert(clean.ok, JSON.stringify(clean));
    assertEquals(clean.checkpointsChecked, 4);
    const table: Record<string, [boolean, boolean]> = {};
    const reasons: string[] = [];
    for (const [name, tamper] of Object.entries(TAMPERINGS)) {
      const dir = await Deno.makeTempDir({ prefix: "ledger-tampered-" });
      const scratch = await Deno.makeTempDir({ prefix: "ledger-scratch-" });
      try {
        for (const f of ["entries.jsonl", "checkpoints.log", "checkpoint", "vkey"]) {
          await Deno.copyFile(`${honest}/${f}`, `${dir}/${f}`);
        }
        await tamper(dir, scratch);
        const without = await verifyLedger(folderSource(dir), { verifierKey: KEYS.verifierKey });
        const withPin = await verifyLedger(folderSource(dir), {
          verifierKey: KEYS.verifierKey,
          trusted: pinned,
        });
        table[name] = [!without.ok, !withPin.ok];
        // Worker threads with small blocks must reach exactly the same verdicts.
        if (PARALLEL_CHECKED.includes(name)) {
          const parallel = { workers: 2, blockBytes: 1500 };
          const pp = await verifyLedger(folderSource(dir), {
            verifierKey: KEYS.verifierKey,
            trusted: pinned,
            ...parallel,
          });
          assertEquals(pp, withPin, `${name} with workers`);
        }
        for (const r of [without, withPin]) {
          if (!r.ok) reasons.push(`${name}: entry ${r.index}: ${r.reason}`);
        }
      } finally {
        await Deno.remove(dir, { recursive: true });
        await Deno.remove(scratch, { recursive: true });
      }
    }
    assertEquals(table, EXPECTED);
    const all = reasons.join("\n");
    assertStringIncludes(all, "delete a middle entry: entry 4: index 5 where 4 was expected");
    assertStringIncludes(all, "modify one field: entry 5: prev does not match");
    assertStringIncludes(all, "truncate the tail: entry 10: a signed checkpoint covers 12 entries");
    assertStringIncludes(
      all,
      "append a forged entry at the end (no key): entry 12: entry is not covered",
    );
    assertStringIncludes(
      all,
      "fork with the signing key: entry 8: the entries do not match the pinned checkpoint",
    );
  } finally {
    await Deno.remove(honest, { recursive: true });
  }
});

Deno.test("verify: a checkpoint signed by another key, a swapped key, and a rolled-back checkpoint file fail", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ledger-v-" });
  try {
    const cps = await build(dir, HONEST);
    const other = await generateSigningKey(ORIGIN);
    const wrongKey = await verifyLedger(folderSource(dir), { verifierKey: other.verifierKey });
    assert(!wrongKey.ok);
    assertStringIncludes(wrongKey.reason, "not signed by");
    await Deno.writeTextFile(`${dir}/checkpoint`, cps[1]);
    const rolled = await verifyLedger(folderSource(dir), { verifierKey: KEYS.verifierKey });
    assert(!rolled.ok);
    assertStringIncludes(rolled.reason, "checkpoint sizes go backwards");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("verify: an exported .jsonl file, alone or against a pinned checkpoint", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ledger-v-" });
  try {
    const cps = await build(dir, HONEST);
    const file = `${dir}/entries.jsonl`;
    const chainOnly = await verifyLedger(jsonlSource(file), {});
    assert(chainOnly.ok);
    assertStringIncludes(chainOnly.warnings.join(), "only the chain");
    const pinned = await verifyLedger(jsonlSource(file), {
      verifierKey: KEYS.verifierKey,
      trusted: cps[2],
    });
    assert(pinned.ok);
    assertEquals(pinned.trusted?.size, 9);
    assertStringIncludes(pinned.warnings.join(), "beyond the pinned checkpoint");
    await writeLines(dir, (await lines(dir)).slice(0, 8));
    const short = await verifyLedger(jsonlSource(file), {
      verifierKey: KEYS.verifierKey,
      trusted: cps[2],
    });
    assert(!short.ok);
    assertEquals(short.index, 8);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A minimal status-page stand-in serving the two ledger endpoints from a folder, capped pages. */
function serveLedger(dir: string, cap: number, ignoreTo = false) {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const reader = await openLedgerReader({ store: "file", path: dir });
    try {
      if (url.pathname === "/ledger/checkpoint") {
        const note = await reader.checkpoint();
        return note
          ? new Response(note, { headers: { "content-type": "text/plain" } })
          : new Response("", { status: 404 });
      }
      if (url.pathname === "/ledger/entries") {
        const from = Number(url.searchParams.get("from") ?? 0);
        const to = Math.min(Number(url.searchParams.get("to") ?? from + cap), from + cap);
        let body = "";
        for await (const e of reader.entries(from, ignoreTo ? await reader.size() : to)) {
          body += e.line + "\n";
        }
        if (!ignoreTo) {
          return new Response(body, { headers: { "content-type": "application/jsonl" } });
        }
        // A hostile server: everything it has, then garbage lines forever.
        const enc = new TextEncoder();
        let first = true;
        return new Response(
          new ReadableStream({
            pull(c) {
              c.enqueue(enc.encode(first ? body : "garbage\n".repeat(1000)));
              first = false;
            },
          }),
        );
      }
      return new Response("not found", { status: 404 });
    } finally {
      await reader.close();
    }
  });
}

Deno.test("verify: a server sending more than a page asked for is read only as far as asked", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ledger-v-" });
  const server = serveLedger(dir, 1000, true);
  try {
    await build(dir, HONEST);
    const base = `http://127.0.0.1:${server.addr.port}`;
    const report = await verifyLedger(await httpSource(base, { pageSize: 5 }), {
      verifierKey: KEYS.verifierKey,
    });
    assert(report.ok, JSON.stringify(report));
    assertEquals(report.size, 12);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("verify: a status page URL, paged, with the server capping page sizes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ledger-v-" });
  const server = serveLedger(dir, 5);
  try {
    const cps = await build(dir, HONEST);
    const base = `http://127.0.0.1:${server.addr.port}`;
    const report = await verifyLedger(await httpSource(base, { pageSize: 4 }), {
      verifierKey: KEYS.verifierKey,
      trusted: cps[1],
    });
    assert(report.ok, JSON.stringify(report));
    assertEquals(report.size, 12);
    assertEquals(report.checkpointsChecked, 1);
    const ls = await lines(dir);
    ls[7] = ls[7].replace("release 7", "release 8");
    await writeLines(dir, ls);
    const bad = await verifyLedger(await httpSource(base), { verifierKey: KEYS.verifierKey });
    assert(!bad.ok);
    assertEquals(bad.index, 8);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
