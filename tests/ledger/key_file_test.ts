import { assert, assertEquals, assertRejects } from "../_assert.ts";
import {
  checkKeyMatchesLedger,
  KEY_FILE_NAME,
  KeyFileError,
  keyFilePath,
  KeyMismatchError,
  loadOrCreateKeyFile,
} from "../../src/ledger/key_file.ts";
import { generateSigningKey, openLedger, openLedgerReader } from "../../src/ledger/mod.ts";

const ORIGIN = "keyfile.test/ledger";

Deno.test("loadOrCreateKeyFile: creates a 0600 key once, then reads the same key", async () => {
  const dir = await Deno.makeTempDir({ prefix: "keyfile-" });
  try {
    const ledgerDir = `${dir}/nested/ledger`;
    const first = await loadOrCreateKeyFile(ledgerDir, ORIGIN);
    assert(first.created);
    assertEquals(first.path, `${ledgerDir}/${KEY_FILE_NAME}`);
    assertEquals((await Deno.stat(first.path)).mode! & 0o777, 0o600);
    assert(first.privateKey.startsWith(`PRIVATE+KEY+${ORIGIN}+`));
    assert(first.verifierKey.startsWith(`${ORIGIN}+`));
    const second = await loadOrCreateKeyFile(ledgerDir, ORIGIN);
    assert(!second.created);
    assertEquals(second.privateKey, first.privateKey);
    assertEquals(second.verifierKey, first.verifierKey);
    // No temporary file is left behind.
    const names = [...Deno.readDirSync(ledgerDir)].map((e) => e.name);
    assertEquals(names, [KEY_FILE_NAME]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadOrCreateKeyFile: concurrent first runs agree on one key", async () => {
  const dir = await Deno.makeTempDir({ prefix: "keyfile-" });
  try {
    const keys = await Promise.all(
      Array.from({ length: 8 }, () => loadOrCreateKeyFile(dir, ORIGIN)),
    );
    assertEquals(new Set(keys.map((k) => k.privateKey)).size, 1);
    assertEquals(keys.filter((k) => k.created).length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadOrCreateKeyFile: a key readable by others or a malformed file is refused", async () => {
  const dir = await Deno.makeTempDir({ prefix: "keyfile-" });
  try {
    const key = await loadOrCreateKeyFile(dir, ORIGIN);
    await Deno.chmod(key.path, 0o644);
    const open = await assertRejects(() => loadOrCreateKeyFile(dir, ORIGIN), KeyFileError);
    assert(open.message.includes("chmod 600"), open.message);
    assert(!open.message.includes("PRIVATE"), open.message);
    await Deno.writeTextFile(key.path, "not a key\n", { mode: 0o600 });
    await Deno.chmod(key.path, 0o600);
    const bad = await assertRejects(() => loadOrCreateKeyFile(dir, ORIGIN), KeyFileError);
    assert(bad.message.includes("not a signing key"), bad.message);
    assertEquals(keyFilePath(`${dir}/`), key.path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("checkKeyMatchesLedger: the signing key passes, another key is refused in one line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "keyfile-" });
  try {
    const mine = await generateSigningKey(ORIGIN);
    const other = await generateSigningKey(ORIGIN);
    const empty = await openLedgerReader({ store: "file", path: `${dir}/none` });
    await checkKeyMatchesLedger(empty, other.verifierKey, "test");
    const ledger = await openLedger({
      store: "file",
      path: dir,
      origin: ORIGIN,
      signingKey: mine.privateKey,
    });
    await ledger.append([{ kind: "finding.opened", body: { project: "a" } }]);
    await ledger.close();
    const reader = await openLedgerReader({ store: "file", path: dir });
    await checkKeyMatchesLedger(reader, mine.verifierKey, "test");
    const e = await assertRejects(
      () => checkKeyMatchesLedger(reader, other.verifierKey, "LEDGER_SIGNING_KEY"),
      KeyMismatchError,
    );
    assert(!e.message.includes("\n"));
    assert(e.message.includes("LEDGER_SIGNING_KEY"), e.message);
    assert(e.message.includes(mine.verifierKey.split("+").slice(0, 2).join("+")), e.message);
    // Without the stored vkey, the checkpoint signature alone tells.
    await Deno.remove(`${dir}/vkey`);
    await assertRejects(
      () => checkKeyMatchesLedger(reader, other.verifierKey, "x"),
      KeyMismatchError,
    );
    await reader.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
