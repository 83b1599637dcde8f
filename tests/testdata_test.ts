/**
 * testdata/ is complete and unchanged: every file is listed in SHA256SUMS with its digest, and
 * every listed file is there. No tracked code reads outside the repository.
 */
import { assert, assertEquals } from "./_assert.ts";
import { sha256Hex } from "../src/sandbox/artifacts.ts";
import { TESTDATA_DIR } from "../src/sandbox/testdata.ts";

const ROOT = decodeURIComponent(new URL("..", import.meta.url).pathname);
const BOOKKEEPING = new Set(["SHA256SUMS", "README.md"]);

async function filesUnder(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const rel = prefix + entry.name;
    if (entry.isDirectory) out.push(...await filesUnder(`${dir}/${entry.name}`, `${rel}/`));
    else out.push(rel);
  }
  return out.sort();
}

function parseSums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (!line) continue;
    const match = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    assert(match, `SHA256SUMS: malformed line ${JSON.stringify(line)}`);
    sums.set(match[2], match[1]);
  }
  return sums;
}

Deno.test("testdata: every file is listed in SHA256SUMS with its digest, and nothing is missing", async () => {
  const sums = parseSums(await Deno.readTextFile(`${TESTDATA_DIR}/SHA256SUMS`));
  const present = (await filesUnder(TESTDATA_DIR)).filter((f) => !BOOKKEEPING.has(f));
  assertEquals(present, [...sums.keys()].sort(), "files present vs listed in SHA256SUMS");
  for (const [path, digest] of sums) {
    assertEquals(sha256Hex(await Deno.readFile(`${TESTDATA_DIR}/${path}`)), digest, path);
  }
});

Deno.test("testdata: every file's folder has its origin in testdata/README.md", async () => {
  const readme = await Deno.readTextFile(`${TESTDATA_DIR}/README.md`);
  const sums = parseSums(await Deno.readTextFile(`${TESTDATA_DIR}/SHA256SUMS`));
  const folders = new Set(
    [...sums.keys()].map((p) => p.split("/").slice(0, -1).slice(0, 2).join("/")),
  );
  for (const folder of folders) {
    assert(readme.includes(folder), `README names no origin for ${folder}/`);
  }
});

/** Folders that hold no repository code: generated, local state, or the data itself. */
const SKIP = new Set([".git", "out", "testdata", "node_modules", "ledger/data"]);

/** Code files (not prose) of the repository, by ending. */
async function codeFiles(dir = ROOT, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const rel = prefix + entry.name;
    if (SKIP.has(rel) || entry.isSymlink) continue;
    if (entry.isDirectory) out.push(...await codeFiles(`${dir}/${entry.name}`, `${rel}/`));
    else if (/\.(ts|tsx|js|json|sh)$/.test(rel) || rel === ".ci/run") out.push(rel);
  }
  return out;
}

Deno.test("no code reads the shared folder outside the repository", async () => {
  const files = await codeFiles();
  assert(files.includes("main.ts") && files.includes(".ci/run"), "the walk found the code");
  const needle = ["..", "shared"].join("/");
  const offenders: string[] = [];
  for (const file of files) {
    if (file === "tests/testdata_test.ts" || file === ".ci/run") continue; // the two guards
    const text = await Deno.readTextFile(`${ROOT}/${file}`).catch(() => "");
    if (text.includes(needle) || text.includes(["shared", "realdata"].join("/"))) {
      offenders.push(file);
    }
  }
  assertEquals(offenders, []);
});
