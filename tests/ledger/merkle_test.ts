import { assert, assertEquals, assertFalse, assertRejects } from "./_assert.ts";
import { fromHex, hashChildren, hashLeaf, toHex } from "../../src/ledger/hash.ts";
import {
  CompactRange,
  consistencyProof,
  EMPTY_ROOT,
  inclusionProof,
  MemoryTree,
  rootAt,
  verifyConsistency,
  verifyInclusion,
} from "../../src/ledger/merkle.ts";

// RFC 6962 test vectors as published in transparency-dev/merkle (proof/verify_test.go).
const LEAVES = [
  "",
  "00",
  "10",
  "2021",
  "3031",
  "40414243",
  "5051525354555657",
  "606162636465666768696a6b6c6d6e6f",
]
  .map(fromHex);
const ROOTS = [
  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
  "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
  "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
  "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
  "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];
// [leaf (1-based), size, proof]
const INCLUSION: [number, number, string[]][] = [
  [1, 1, []],
  [1, 8, [
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
  ]],
  [6, 8, [
    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  ]],
  [3, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]],
  [2, 5, [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
  ]],
];
const CONSISTENCY: [number, number, string[]][] = [
  [1, 1, []],
  [1, 8, [
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
  ]],
  [6, 8, [
    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  ]],
  [2, 5, [
    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
  ]],
  [6, 7, [
    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  ]],
];

const tree = MemoryTree.fromLeaves(LEAVES.map(hashLeaf));

Deno.test("roots of every prefix match the RFC 6962 vectors", async () => {
  const range = new CompactRange();
  for (let i = 0; i < LEAVES.length; i++) {
    range.append(hashLeaf(LEAVES[i]));
    assertEquals(toHex(range.root()), ROOTS[i]);
    assertEquals(toHex(await rootAt(i + 1, tree.fetch)), ROOTS[i]);
  }
  assertEquals(toHex(new CompactRange().root()), toHex(EMPTY_ROOT));
  assertEquals(
    toHex(EMPTY_ROOT),
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
});

Deno.test("inclusion proofs match and verify against the vectors; corruptions fail", async () => {
  for (const [leaf, size, want] of INCLUSION) {
    const got = await inclusionProof(leaf - 1, size, tree.fetch);
    assertEquals(got.map(toHex), want);
    const root = fromHex(ROOTS[size - 1]);
    const lh = hashLeaf(LEAVES[leaf - 1]);
    assert(verifyInclusion(leaf - 1, size, lh, got, root));
    assertFalse(verifyInclusion(leaf, size, lh, got, root), "index + 1");
    assertFalse(verifyInclusion(leaf - 1, size * 2, lh, got, root), "size * 2");
    assertFalse(verifyInclusion(leaf - 1, size, hashLeaf(new Uint8Array([9])), got, root));
    assertFalse(verifyInclusion(leaf - 1, size, lh, [...got, root], root), "trailing root");
    assertFalse(verifyInclusion(leaf - 1, size, lh, [root, ...got], root), "preceding root");
    for (let i = 0; i < got.length; i++) {
      const bad = got.map((h) => h.slice());
      bad[i][0] ^= 8;
      assertFalse(verifyInclusion(leaf - 1, size, lh, bad, root), `bit flip ${i}`);
    }
    if (got.length > 0) assertFalse(verifyInclusion(leaf - 1, size, lh, got.slice(0, -1), root));
  }
});

Deno.test("consistency proofs match and verify against the vectors; corruptions fail", async () => {
  for (const [m, n, want] of CONSISTENCY) {
    const got = await consistencyProof(m, n, tree.fetch);
    assertEquals(got.map(toHex), want);
    const r1 = fromHex(ROOTS[m - 1]);
    const r2 = fromHex(ROOTS[n - 1]);
    assert(verifyConsistency(m, n, r1, r2, got));
    if (got.length === 0) continue;
    assertFalse(verifyConsistency(m - 1, n, r1, r2, got), "m - 1");
    assertFalse(verifyConsistency(m + 1, n, r1, r2, got), "m + 1");
    assertFalse(verifyConsistency(m, n * 2, r1, r2, got), "n * 2");
    assertFalse(verifyConsistency(m, n, r2, r1, got), "swapped roots");
    assertFalse(verifyConsistency(m, n, r1, r2, []), "empty proof");
    assertFalse(verifyConsistency(m, n, r1, r2, [...got, r2]), "trailing root");
    assertFalse(verifyConsistency(m, n, r1, r2, [got[0], ...got]), "preceding proof[0]");
    assertFalse(verifyConsistency(m, n, r1, r2, got.slice(0, -1)), "truncated");
    for (let i = 0; i < got.length; i++) {
      const bad = got.map((h) => h.slice());
      bad[i][0] ^= 16;
      assertFalse(verifyConsistency(m, n, r1, r2, bad), `bit flip ${i}`);
    }
  }
});

Deno.test("consistency edge cases: m = 0, m = n, time travel", async () => {
  const r = fromHex(ROOTS[3]);
  assert(verifyConsistency(0, 4, EMPTY_ROOT, r, []));
  assert(verifyConsistency(4, 4, r, r, []));
  assertFalse(verifyConsistency(4, 4, r, EMPTY_ROOT, []));
  assertFalse(verifyConsistency(4, 4, r, r, [r]));
  assertFalse(verifyConsistency(5, 4, r, r, []));
  assertEquals(await consistencyProof(0, 8, tree.fetch), []);
  assertEquals(await consistencyProof(8, 8, tree.fetch), []);
  await assertRejects(() => consistencyProof(9, 8, tree.fetch));
  await assertRejects(() => inclusionProof(8, 8, tree.fetch));
});

Deno.test("property: every inclusion and consistency proof of random sizes verifies", async () => {
  const sizes = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64, 100, 127, 128, 129];
  for (let i = 0; i < 6; i++) sizes.push(1 + Math.floor(Math.random() * 300));
  const leaves = Array.from(
    { length: 300 },
    (_, i) => hashLeaf(new TextEncoder().encode(`leaf ${i}`)),
  );
  const mem = MemoryTree.fromLeaves(leaves);
  const roots = [EMPTY_ROOT];
  const range = new CompactRange();
  for (const l of leaves) {
    range.append(l);
    roots.push(range.root());
  }
  for (const n of sizes) {
    assertEquals(toHex(await rootAt(n, mem.fetch)), toHex(roots[n]));
    for (let i = 0; i < n; i++) {
      const p = await inclusionProof(i, n, mem.fetch);
      assert(verifyInclusion(i, n, leaves[i], p, roots[n]), `inclusion ${i}/${n}`);
      assertFalse(verifyInclusion(i, n, leaves[(i + 1) % 300], p, roots[n]));
    }
    for (let m = 0; m <= n; m++) {
      const p = await consistencyProof(m, n, mem.fetch);
      assert(verifyConsistency(m, n, roots[m], roots[n], p), `consistency ${m}->${n}`);
      if (m > 0 && m < n) {
        assertFalse(verifyConsistency(m, n, roots[m - 1], roots[n], p), `bad root ${m}->${n}`);
      }
    }
  }
  // A hand-built 3-leaf tree, as RFC 6962 defines it.
  const [a, b, c] = leaves;
  assertEquals(toHex(await rootAt(3, mem.fetch)), toHex(hashChildren(hashChildren(a, b), c)));
});
