import { openLedger } from "./src/ledger/mod.ts";
import { KEYS, ORIGIN } from "./tests/ledger/_conformance.ts";
const dir = Deno.args[0];
await Deno.mkdir(dir, { recursive: true });
let t = Date.parse("2026-11-22T10:00:00.000Z");
const s = await openLedger({
  store: "file",
  path: dir,
  origin: ORIGIN,
  signingKey: KEYS.privateKey,
  now: () => new Date(t += 60_000),
});
for (let i = 0; i < 6; i++) {
  await s.append([{ kind: "finding.opened", body: { project: "p" + i, n: i } }]);
}
await s.close();
console.log(KEYS.verifierKey);
