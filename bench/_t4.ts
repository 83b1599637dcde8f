import { createHash } from "node:crypto";
import { sha256Small } from "../src/ledger/sha256.ts";
const z = new Uint8Array([0]);
for (let n = 0; n < 300; n++) {
  const d = crypto.getRandomValues(new Uint8Array(n));
  const a = new Uint8Array(createHash("sha256").update(z).update(d).digest());
  const b = sha256Small([z, d]);
  if (a.join() !== b.join()) throw new Error("mismatch " + n);
}
const line = crypto.getRandomValues(new Uint8Array(670));
const N = 50000;
let s = performance.now();
for (let i = 0; i < N; i++) sha256Small([z, line]);
console.log("js leaf", ((performance.now() - s) * 1000 / N).toFixed(2));
const l = new Uint8Array(32), r = new Uint8Array(32), one = new Uint8Array([1]);
s = performance.now();
for (let i = 0; i < N; i++) sha256Small([one, l, r]);
console.log("js node", ((performance.now() - s) * 1000 / N).toFixed(2));
s = performance.now();
for (let i = 0; i < N; i++) createHash("sha256").update(one).update(l).update(r).digest();
console.log("native node", ((performance.now() - s) * 1000 / N).toFixed(2));
