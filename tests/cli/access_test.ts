import { assert, assertEquals, assertStringIncludes } from "../_assert.ts";
import { runAccess } from "../../src/cli/access.ts";
import { generateSigningKey, openLedger } from "../../src/ledger/mod.ts";

async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => lines.push(args.join(" "));
  try {
    return { code: await fn(), out: lines.join("\n") };
  } finally {
    console.log = original;
  }
}

Deno.test("access: who could push or publish on a date, replayed from the ledger", async () => {
  const dir = await Deno.makeTempDir({ prefix: "access-cli-" });
  const key = await generateSigningKey("access.test/ledger");
  let clock = new Date("2026-03-01T00:00:00Z");
  const ledger = await openLedger({
    store: "file",
    path: dir,
    origin: "access.test/ledger",
    signingKey: key.privateKey,
    now: () => clock,
  });
  try {
    await ledger.append([{
      kind: "access.changed",
      body: {
        project: "acme",
        full: ["collaborator", "pypi-role"],
        changes: [
          { kind: "added", area: "collaborator", who: "alice", to: "admin" },
          { kind: "added", area: "pypi-role", who: "alice", to: "Owner" },
        ],
      },
    }]);
    clock = new Date("2026-03-20T00:00:00Z");
    await ledger.append([{
      kind: "access.changed",
      body: {
        project: "acme",
        changes: [
          { kind: "added", area: "collaborator", who: "mallory", to: "write" },
          { kind: "added", area: "pypi-role", who: "mallory", to: "Maintainer" },
        ],
      },
    }, {
      kind: "access.changed",
      body: {
        project: "other",
        changes: [{ kind: "added", area: "collaborator", who: "zed-other", to: "admin" }],
      },
    }]);
  } finally {
    await ledger.close();
  }
  const before = await capture(() =>
    runAccess(["--project", "acme", "--at", "2026-03-10", "--ledger", dir])
  );
  assertEquals(before.code, 0);
  assertStringIncludes(before.out, "alice (collaborator, admin)");
  assert(!before.out.includes("mallory"), before.out);
  const after = await capture(() =>
    runAccess(["--project", "acme", "--at", "2026-03-21", "--ledger", dir, "--json"])
  );
  const snap = JSON.parse(after.out);
  assertEquals(snap.publish.map((p: { who: string }) => p.who).sort(), ["alice", "mallory"]);
  assert(!after.out.includes("zed-other"), "other projects are not mixed in");
  await Deno.remove(dir, { recursive: true });
});
