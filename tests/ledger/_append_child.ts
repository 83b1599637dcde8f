/**
 * Child process for the crash and concurrency tests: appends events to a file ledger and prints
 * `<index> <leafHash>` once each append has resolved (i.e. is acknowledged).
 *
 * usage: _append_child.ts DIR WRITER_ID COUNT [BATCH]   (COUNT 0 = until killed)
 *
 * @module
 */
import { openLedger } from "../../src/ledger/mod.ts";

const [dir, writer, countText, batchText] = Deno.args;
const count = Number(countText);
const batch = Number(batchText ?? 1);
const ledger = await openLedger({
  store: "file",
  path: dir,
  origin: "test.example/ledger",
  signingKey: Deno.env.get("LEDGER_SIGNING_KEY")!,
  lockTimeoutMs: 30_000,
});
const encoder = new TextEncoder();
for (let seq = 0; count === 0 || seq < count; seq++) {
  const events = Array.from({ length: batch }, (_, i) => ({
    kind: "finding.opened",
    body: { project: `writer-${writer}`, seq: seq * batch + i, message: "x".repeat(200) },
  }));
  const stored = await ledger.append(events);
  const lines = stored.map((e) => `${e.entry.index} ${e.leafHash} ${writer}\n`).join("");
  await Deno.stdout.write(encoder.encode(lines));
}
await ledger.close();
