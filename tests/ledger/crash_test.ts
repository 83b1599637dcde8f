import { DENO } from "../_deno.ts";
import { concatBytes } from "../../src/bytes.ts";
import { KEYS } from "./_conformance.ts";
import { assert, assertEquals } from "./_assert.ts";
import { folderSource, openLedger, openLedgerReader, verifyLedger } from "../../src/ledger/mod.ts";

const CHILD = new URL("./_append_child.ts", import.meta.url).pathname;
const ROOT = new URL("../../", import.meta.url).pathname;

function spawnChild(dir: string, writer: string, count: number, batch = 1): Deno.ChildProcess {
  return new Deno.Command(DENO, {
    args: [
      "run",
      "--quiet",
      `--allow-read=${dir},${ROOT}`,
      `--allow-write=${dir}`,
      "--allow-env=LEDGER_SIGNING_KEY",
      CHILD,
      dir,
      writer,
      String(count),
      String(batch),
    ],
    env: { LEDGER_SIGNING_KEY: KEYS.privateKey },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Parse complete `<index> <leafHash> <writer>` lines (a kill may cut the last one). */
function acknowledged(stdout: Uint8Array): { index: number; leaf: string; writer: string }[] {
  const text = new TextDecoder().decode(stdout);
  return text.split("\n").slice(0, -1).map((l) => {
    const [index, leaf, writer] = l.split(" ");
    return { index: Number(index), leaf, writer };
  });
}

async function leafHashes(dir: string): Promise<string[]> {
  const reader = await openLedgerReader({ store: "file", path: dir });
  const out: string[] = [];
  for await (const e of reader.entries()) out.push(e.leafHash);
  await reader.close();
  return out;
}

/**
 * Read the child's acknowledgements as they come and SIGKILL it once it has reported `k` (plus
 * a random few milliseconds, so the kill lands anywhere in the next append); the test does not
 * depend on how fast the machine is. Returns everything it printed.
 */
async function killAfterAcks(child: Deno.ChildProcess, k: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let lines = 0;
  let killed = false;
  for await (const chunk of child.stdout) {
    chunks.push(chunk);
    lines += chunk.filter((b) => b === 10).length;
    if (!killed && lines >= k) {
      killed = true;
      await new Promise((r) => setTimeout(r, Math.random() * 15));
      child.kill("SIGKILL");
    }
  }
  if (!killed) child.kill("SIGKILL");
  return concatBytes(chunks);
}

Deno.test("crash: SIGKILL at random moments loses no acknowledged entry and leaves a verifiable ledger", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ledger-crash-" });
  try {
    const acked = new Map<number, string>();
    for (let round = 0; round < 20; round++) {
      const child = spawnChild(dir, `r${round}`, 0, 1 + (round % 3));
      const stderrText = new Response(child.stderr).text();
      const stdout = await killAfterAcks(child, 2 + Math.floor(Math.random() * 6));
      await child.status;
      const err = await stderrText;
      assert(!/error/i.test(err), `child failed: ${err}`);
      for (const a of acknowledged(stdout)) {
        assert(
          !acked.has(a.index) || acked.get(a.index) === a.leaf,
          `index ${a.index} acknowledged twice`,
        );
        acked.set(a.index, a.leaf);
      }
    }
    assert(acked.size > 20, `too few appends acknowledged (${acked.size})`);
    // A last writer open recovers whatever the final kill interrupted.
    const recover = await openLedger({
      store: "file",
      path: dir,
      origin: "test.example/ledger",
      signingKey: KEYS.privateKey,
    });
    await recover.close();
    const report = await verifyLedger(folderSource(dir), { verifierKey: KEYS.verifierKey });
    assert(report.ok, JSON.stringify(report));
    const leaves = await leafHashes(dir);
    assertEquals(leaves.length, report.size);
    assert(leaves.length >= acked.size);
    const repairs: Record<string, number> = {};
    const r = await openLedgerReader({ store: "file", path: dir });
    for await (const e of r.entries()) {
      if (e.entry.kind === "ledger.repaired") {
        const reason = String(e.entry.body.reason);
        repairs[reason] = (repairs[reason] ?? 0) + 1;
      }
    }
    await r.close();
    console.log(
      `  ${acked.size} acknowledged, ${leaves.length} in the ledger, repairs: ${
        JSON.stringify(repairs)
      }`,
    );
    for (const [index, leaf] of acked) {
      assertEquals(leaves[index], leaf, `acknowledged entry ${index}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("concurrency: four processes appending at once make one history, nothing lost or doubled", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ledger-conc-" });
  try {
    const writers = ["a", "b", "c", "d"];
    const children = writers.map((w, i) => spawnChild(dir, w, 25, 1 + (i % 2)));
    const outputs = await Promise.all(children.map((c) => c.output()));
    for (const o of outputs) assert(o.success, new TextDecoder().decode(o.stderr));
    const acks = outputs.flatMap((o) => acknowledged(o.stdout));
    assertEquals(acks.length, 25 * (1 + 2 + 1 + 2));
    const indexes = acks.map((a) => a.index).sort((x, y) => x - y);
    assertEquals(indexes, Array.from({ length: acks.length }, (_, i) => i));
    const report = await verifyLedger(folderSource(dir), { verifierKey: KEYS.verifierKey });
    assert(report.ok, JSON.stringify(report));
    assertEquals(report.size, acks.length);
    const leaves = await leafHashes(dir);
    for (const a of acks) assertEquals(leaves[a.index], a.leaf);
    // Each writer's own sequence appears once, in order.
    const reader = await openLedgerReader({ store: "file", path: dir });
    const seqs: Record<string, number[]> = {};
    for await (const e of reader.entries()) {
      (seqs[e.entry.body.project as string] ??= []).push(e.entry.body.seq as number);
    }
    await reader.close();
    for (const w of writers) {
      const n = 25 * (w === "b" || w === "d" ? 2 : 1);
      assertEquals(seqs[`writer-${w}`], Array.from({ length: n }, (_, i) => i));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
