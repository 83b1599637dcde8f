/**
 * `ledger` subcommands: verify, prove, show, tail, export, checkpoint, keygen.
 *
 * The signing key comes only from LEDGER_SIGNING_KEY (never a flag); verification keys from
 * --vkey, else LEDGER_VERIFIER_KEY, else the copy stored in the ledger folder (with a warning).
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  DEFAULT_LEDGER_PATH,
  type EntryFilter,
  folderSource,
  formatTlogProof,
  generateSigningKey,
  httpSource,
  jsonlSource,
  type LedgerReader,
  matchesFilter,
  openLedgerReader,
  type StoredEntry,
  verifyLedger,
  type VerifyReport,
  type VerifySource,
  verifyTlogProof,
} from "../ledger/mod.ts";
import { openCheckpoint, peekCheckpoint } from "../ledger/checkpoint.ts";
import { FileLedgerReader, FILES } from "../ledger/file_store.ts";
import { fromHex } from "../ledger/hash.ts";
import { verifyConsistency } from "../ledger/merkle.ts";
import { parseVerifierKey } from "../ledger/note.ts";
import { escapeText, formatRow, TABLE_HEADER } from "../ledger/display.ts";
import { timeRange } from "../ledger/seek.ts";

const USAGE = `usage: ledger <command> [flags]

commands:
  verify [SOURCE] [--trusted FILE] [--vkey KEY] [--json] [--workers N]
                          verify a ledger folder (default ${DEFAULT_LEDGER_PATH}), an exported .jsonl
                          file or a status page URL; exit 0 valid, 1 invalid, 2 usage;
                          --workers default: 1 for a local ledger above 16 MiB on >= 2 cores
  verify --proof FILE [--vkey KEY]
                          verify one entry's c2sp.org/tlog-proof offline
  verify --consistency FILE [--vkey KEY]
                          verify a consistency proof written by prove --consistency
  prove --index I [--size N] [--out FILE]
                          write an inclusion proof (tlog-proof text) for entry I
  prove --consistency OLD NEW [--out FILE]
                          write a consistency proof between the signed checkpoints of tree
                          sizes OLD and NEW (both notes and the RFC 9162 proof, JSON)
  show [filters] [--jsonl]          list entries
  tail [-n N] [--follow] [filters] [--jsonl]
  export [--out FILE] [filters]     write the exact lines
  checkpoint                        print the latest signed checkpoint
  keygen [--name NAME]              print a new signing key and its verifier key

filters: --kind KIND --project NAME --since TIME --until TIME
global:  --ledger PATH (default ${DEFAULT_LEDGER_PATH})  --origin ORIGIN
keys:    LEDGER_SIGNING_KEY (env only), LEDGER_VERIFIER_KEY or --vkey for verification
`;

class UsageError extends Error {}

const encoder = new TextEncoder();
const MAX_SMALL_FILE = 256 * 1024;

function out(text: string): Promise<void> {
  return writeAllTo(Deno.stdout, encoder.encode(text));
}

async function writeAllTo(w: { write(p: Uint8Array): Promise<number> }, data: Uint8Array) {
  let done = 0;
  while (done < data.length) done += await w.write(data.subarray(done));
}

function err(text: string): void {
  console.error(text);
}

function env(name: string): string | undefined {
  try {
    return Deno.env.get(name) || undefined;
  } catch {
    return undefined;
  }
}

async function readSmallFile(path: string): Promise<string> {
  const stat = await Deno.stat(path);
  if (stat.size > MAX_SMALL_FILE) throw new UsageError(`${path} is too large`);
  return await Deno.readTextFile(path);
}

const FILTER_OPTIONS = {
  kind: { type: "string" },
  project: { type: "string" },
  since: { type: "string" },
  until: { type: "string" },
  jsonl: { type: "boolean" },
} as const;

const GLOBAL_OPTIONS = {
  ledger: { type: "string" },
  origin: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

function parse<T extends Record<string, { type: "string" | "boolean"; short?: string }>>(
  args: string[],
  options: T,
  positionals = 0,
) {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { ...GLOBAL_OPTIONS, ...options },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new UsageError((e as Error).message.split("\n")[0]);
  }
  if (parsed.positionals.length > positionals) {
    throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[positionals])}`);
  }
  return parsed;
}

function parseTime(text: string | undefined, flag: string): Date | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/.test(text)) {
    throw new UsageError(`${flag} expects an RFC 3339 time or a date, got ${JSON.stringify(text)}`);
  }
  const d = new Date(text.length === 10 ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(d.getTime())) throw new UsageError(`${flag}: invalid time`);
  return d;
}

function filterFrom(values: Record<string, unknown>): EntryFilter {
  return {
    kind: values.kind as string | undefined,
    project: values.project as string | undefined,
    since: parseTime(values.since as string | undefined, "--since"),
    until: parseTime(values.until as string | undefined, "--until"),
  };
}

function parseCount(text: string | undefined, flag: string, fallback?: number): number | undefined {
  if (text === undefined) return fallback;
  if (!/^(0|[1-9][0-9]{0,15})$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`${flag} expects a non-negative integer`);
  }
  return Number(text);
}

/** A local ledger this large is verified with a worker beside the calling thread by default. */
const WORKER_VERIFY_BYTES = 16 * 1024 * 1024;

/**
 * Workers for `verify` without `--workers`: one (the calling thread checks blocks too) for a
 * local ledger above {@link WORKER_VERIFY_BYTES} when there is a second core, else none.
 */
function defaultVerifyWorkers(localBytes: number): number {
  return localBytes > WORKER_VERIFY_BYTES && (navigator.hardwareConcurrency ?? 1) >= 2 ? 1 : 0;
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await Deno.stat(path)).size;
  } catch {
    return 0;
  }
}

async function openFolder(path: string): Promise<LedgerReader> {
  try {
    const stat = await Deno.stat(path);
    if (!stat.isDirectory) throw new UsageError(`${path} is not a ledger folder`);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new UsageError(`no ledger folder at ${path}`);
    throw e;
  }
  return await openLedgerReader({ store: "file", path });
}

// ---- verify -----------------------------------------------------------------------------------

async function verifyCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    trusted: { type: "string" },
    vkey: { type: "string" },
    json: { type: "boolean" },
    proof: { type: "string" },
    consistency: { type: "string" },
    workers: { type: "string" },
  }, 1);
  const workers = parseCount(values.workers, "--workers");
  let vkey = values.vkey ?? env("LEDGER_VERIFIER_KEY");
  if (values.proof !== undefined) {
    if (!vkey) throw new UsageError("verify --proof needs --vkey KEY or LEDGER_VERIFIER_KEY");
    return await verifyProofFile(values.proof, vkey, values.json ?? false);
  }
  if (values.consistency !== undefined) {
    if (!vkey) throw new UsageError("verify --consistency needs --vkey KEY or LEDGER_VERIFIER_KEY");
    return await verifyConsistencyFile(values.consistency, vkey, values.json ?? false);
  }
  const target = positionals[0] ?? values.ledger ?? DEFAULT_LEDGER_PATH;
  const trusted = values.trusted !== undefined ? await readSmallFile(values.trusted) : undefined;
  let source: VerifySource;
  let localBytes = 0;
  const warnings: string[] = [];
  if (/^https?:\/\//i.test(target)) {
    if (!vkey) throw new UsageError("verifying a URL needs --vkey KEY or LEDGER_VERIFIER_KEY");
    source = await httpSource(target);
  } else {
    let stat: Deno.FileInfo;
    try {
      stat = await Deno.stat(target);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) throw new UsageError(`no ledger at ${target}`);
      throw e;
    }
    if (stat.isDirectory) {
      if (!vkey) {
        const reader = await openLedgerReader({ store: "file", path: target });
        vkey = (await reader.storedVerifierKey()) ?? undefined;
        await reader.close();
        if (!vkey) {
          throw new UsageError(`no verifier key: pass --vkey KEY or set LEDGER_VERIFIER_KEY`);
        }
        warnings.push(
          `warning: trusting the verifier key stored in ${target}/vkey, which whoever controls the folder can replace; pin it with --vkey or LEDGER_VERIFIER_KEY`,
        );
      }
      source = folderSource(target);
      localBytes = await fileSize(`${target}/${FILES.entries}`);
    } else {
      localBytes = stat.size;
      if (!vkey && trusted !== undefined) {
        throw new UsageError("--trusted needs --vkey KEY or LEDGER_VERIFIER_KEY");
      }
      source = jsonlSource(target);
    }
  }
  const report = await verifyLedger(source, {
    verifierKey: vkey,
    origin: values.origin,
    trusted,
    workers: Math.min(workers ?? defaultVerifyWorkers(localBytes), 16),
  });
  report.warnings.unshift(...warnings);
  if (values.json) {
    await out(JSON.stringify(report) + "\n");
  } else {
    for (const w of report.warnings) {
      err(escapeText(w.startsWith("warning:") ? w : `warning: ${w}`, 500));
    }
    await out(describe(report) + "\n");
  }
  return report.ok ? 0 : 1;
}

function describe(report: VerifyReport): string {
  if (!report.ok) {
    const reason = escapeText(report.reason, 500);
    return report.index === null
      ? `invalid: ${reason}`
      : `invalid: entry ${report.index}: ${reason}`;
  }
  const parts = [`ok: ${report.size} entries (${report.bytes} bytes)`, `root ${report.root}`];
  parts.push(`${report.checkpointsChecked} signed checkpoints checked`);
  if (report.trusted) parts.push(`extends the pinned checkpoint of size ${report.trusted.size}`);
  return parts.join(", ");
}

async function verifyProofFile(path: string, vkey: string, json: boolean): Promise<number> {
  const text = await readSmallFile(path);
  try {
    const v = await verifyTlogProof(text, vkey);
    if (json) {
      await out(
        JSON.stringify({
          ok: true,
          index: v.index,
          treeSize: v.treeSize,
          root: v.root,
          entry: v.entry,
        }) + "\n",
      );
    } else {
      await out(
        `ok: entry ${v.index} (${escapeText(v.entry.kind)}, ${
          escapeText(v.entry.time)
        }) is in the signed tree of size ${v.treeSize}, root ${v.root}\n`,
      );
    }
    return 0;
  } catch (e) {
    const reason = (e as Error).message;
    if (json) await out(JSON.stringify({ ok: false, reason }) + "\n");
    else await out(`invalid: ${reason}\n`);
    return 1;
  }
}

// ---- prove ------------------------------------------------------------------------------------

async function proveCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    index: { type: "string" },
    size: { type: "string" },
    out: { type: "string" },
    consistency: { type: "string" },
  }, 2);
  if (values.consistency !== undefined) {
    return await proveConsistency(values, positionals);
  }
  if (positionals.length > 1) {
    throw new UsageError(`unexpected argument ${JSON.stringify(positionals[1])}`);
  }
  const index = parseCount(values.index, "--index");
  if (index === undefined) throw new UsageError("prove needs --index I (or --consistency OLD NEW)");
  const folder = positionals[0] ?? values.ledger ?? DEFAULT_LEDGER_PATH;
  const reader = await openFolder(folder);
  try {
    const latest = await reader.checkpoint();
    if (!latest) throw new UsageError("the ledger is empty");
    const size = parseCount(values.size, "--size", await reader.size())!;
    if (index >= size) throw new UsageError(`--index ${index} is not below the tree size ${size}`);
    const note = await checkpointOfSize(reader, latest, size);
    if (!note) {
      err(`error: no checkpoint of size ${size} was signed; pick a size from checkpoints.log`);
      return 1;
    }
    const bad = reader instanceof FileLedgerReader ? await reader.firstMismatch(index) : null;
    if (bad !== null) {
      err(
        `error: ${folder}/entries.jsonl: entry ${bad} does not match the signed tree (the file was changed at entry ${bad}); no proof for entry ${index}`,
      );
      return 1;
    }
    let line: string | null = null;
    for await (const e of reader.entries(index, index + 1)) line = e.line;
    if (line === null) throw new Error(`entry ${index} is missing`);
    const proof = await reader.inclusionProof(index, size);
    const text = formatTlogProof(line, index, proof, note);
    if (values.out) await Deno.writeTextFile(values.out, text);
    else await out(text);
    return 0;
  } finally {
    await reader.close();
  }
}

/** A consistency proof between two signed checkpoints, as written by `prove --consistency`. */
interface ConsistencyFile {
  format: "release-auditor/consistency-proof@v1";
  from: number;
  to: number;
  /** RFC 9162 consistency proof, hex hashes. */
  proof: string[];
  /** The signed checkpoint notes of size `from` and `to`. */
  old: string;
  new: string;
}

async function proveConsistency(
  values: { consistency?: string; ledger?: string; out?: string },
  positionals: string[],
): Promise<number> {
  const from = parseCount(values.consistency, "--consistency")!;
  const to = parseCount(positionals[0], "--consistency OLD NEW");
  if (to === undefined) throw new UsageError("prove --consistency needs OLD and NEW tree sizes");
  if (from < 1 || from > to) throw new UsageError("--consistency: expected 1 <= OLD <= NEW");
  const reader = await openFolder(positionals[1] ?? values.ledger ?? DEFAULT_LEDGER_PATH);
  try {
    const latest = await reader.checkpoint();
    if (!latest) throw new UsageError("the ledger is empty");
    if (to > await reader.size()) {
      throw new UsageError(`NEW ${to} is beyond the tree size ${await reader.size()}`);
    }
    const [oldNote, newNote] = [
      await checkpointOfSize(reader, latest, from),
      await checkpointOfSize(reader, latest, to),
    ];
    for (const [size, note] of [[from, oldNote], [to, newNote]] as const) {
      if (!note) {
        err(`error: no checkpoint of size ${size} was signed; pick sizes from checkpoints.log`);
        return 1;
      }
    }
    const body: ConsistencyFile = {
      format: "release-auditor/consistency-proof@v1",
      from,
      to,
      proof: await reader.consistencyProof(from, to),
      old: oldNote!,
      new: newNote!,
    };
    const text = JSON.stringify(body, null, 1) + "\n";
    if (values.out) await Deno.writeTextFile(values.out, text);
    else await out(text);
    return 0;
  } finally {
    await reader.close();
  }
}

async function checkpointOfSize(
  reader: LedgerReader,
  latest: string,
  size: number,
): Promise<string | null> {
  if ((await reader.size()) === size) return latest;
  for await (const note of reader.checkpoints()) {
    let noteSize: number;
    try {
      noteSize = peekCheckpoint(note).size;
    } catch (e) {
      throw new Error(`checkpoints.log: a note is malformed: ${(e as Error).message}`);
    }
    if (noteSize === size) return note;
  }
  return null;
}

/** `verify --consistency FILE`: both notes signed by the key, and the proof links their roots. */
async function verifyConsistencyFile(path: string, vkey: string, json: boolean): Promise<number> {
  const fail = async (reason: string) => {
    if (json) await out(JSON.stringify({ ok: false, reason }) + "\n");
    else await out(`invalid: ${reason}\n`);
    return 1;
  };
  let file: ConsistencyFile;
  try {
    file = JSON.parse(await readSmallFile(path));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${path}: not a consistency proof file (JSON)`);
  }
  if (
    file?.format !== "release-auditor/consistency-proof@v1" || !Array.isArray(file.proof) ||
    typeof file.old !== "string" || typeof file.new !== "string"
  ) {
    throw new UsageError(`${path}: not a release-auditor consistency proof`);
  }
  const verifier = parseVerifierKey(vkey);
  let older, newer;
  try {
    older = await openCheckpoint(file.old, verifier);
    newer = await openCheckpoint(file.new, verifier);
  } catch (e) {
    return await fail(`a checkpoint does not verify: ${(e as Error).message}`);
  }
  if (older.size !== file.from || newer.size !== file.to) {
    return await fail("the checkpoints' sizes are not the proof's");
  }
  let ok: boolean;
  try {
    ok = verifyConsistency(older.size, newer.size, older.root, newer.root, file.proof.map(fromHex));
  } catch (e) {
    return await fail(`malformed proof: ${(e as Error).message}`);
  }
  if (!ok) {
    return await fail(`the tree of size ${file.to} does not extend the tree of size ${file.from}`);
  }
  if (json) await out(JSON.stringify({ ok: true, from: file.from, to: file.to }) + "\n");
  else {
    await out(
      `ok: the signed tree of size ${file.to} extends the signed tree of size ${file.from} (append-only)\n`,
    );
  }
  return 0;
}

// ---- show / tail / export ---------------------------------------------------------------------

async function printEntry(e: StoredEntry, jsonl: boolean): Promise<void> {
  await out((jsonl ? e.line : formatRow(e)) + "\n");
}

async function showCommand(args: string[]): Promise<number> {
  const { values } = parse(args, FILTER_OPTIONS);
  const filter = filterFrom(values);
  const reader = await openFolder(values.ledger ?? DEFAULT_LEDGER_PATH);
  try {
    if (!values.jsonl) await out(TABLE_HEADER + "\n");
    // --since / --until seek by binary search; only the entries between are read.
    const { from, to } = await timeRange(reader, filter);
    for await (const e of reader.entries(from, to)) {
      if (matchesFilter(e, filter)) await printEntry(e, values.jsonl ?? false);
    }
    return 0;
  } finally {
    await reader.close();
  }
}

async function tailCommand(args: string[]): Promise<number> {
  const { values } = parse(args, {
    ...FILTER_OPTIONS,
    n: { type: "string", short: "n" },
    follow: { type: "boolean", short: "f" },
    interval: { type: "string" },
  });
  const count = parseCount(values.n, "-n", 10)!;
  const intervalMs = parseCount(values.interval, "--interval", 1000)!;
  const filter = filterFrom(values);
  const jsonl = values.jsonl ?? false;
  const reader = await openFolder(values.ledger ?? DEFAULT_LEDGER_PATH);
  try {
    let size = await reader.size();
    // Keep the last `count` matching entries, streaming (the ledger is never held in memory).
    const last: StoredEntry[] = [];
    for await (const e of reader.entries()) {
      if (!matchesFilter(e, filter)) continue;
      last.push(e);
      if (last.length > count) last.shift();
    }
    if (!jsonl) await out(TABLE_HEADER + "\n");
    for (const e of last) await printEntry(e, jsonl);
    if (!values.follow) return 0;
    const stop = new Promise<void>((resolve) => {
      try {
        Deno.addSignalListener("SIGINT", () => resolve());
      } catch {
        // signals unavailable: follow until killed
      }
    });
    let stopped = false;
    stop.then(() => stopped = true);
    while (!stopped) {
      await Promise.race([new Promise((r) => setTimeout(r, intervalMs)), stop]);
      const now = await reader.size();
      if (now > size) {
        for await (const e of reader.entries(size, now)) {
          if (matchesFilter(e, filter)) await printEntry(e, jsonl);
        }
        size = now;
      }
    }
    return 0;
  } finally {
    await reader.close();
  }
}

async function exportCommand(args: string[]): Promise<number> {
  const { values } = parse(args, { ...FILTER_OPTIONS, out: { type: "string" } });
  const filter = filterFrom(values);
  const reader = await openFolder(values.ledger ?? DEFAULT_LEDGER_PATH);
  const file = values.out
    ? await Deno.open(values.out, { write: true, create: true, truncate: true })
    : null;
  try {
    const sink = file ?? Deno.stdout;
    let buffer: string[] = [];
    let pending = 0;
    const flush = async () => {
      await writeAllTo(sink, encoder.encode(buffer.join("")));
      buffer = [];
      pending = 0;
    };
    const { from, to } = await timeRange(reader, filter);
    for await (const e of reader.entries(from, to)) {
      if (!matchesFilter(e, filter)) continue;
      buffer.push(e.line + "\n");
      pending += e.line.length;
      if (pending > 1 << 20) await flush();
    }
    await flush();
    if (file) await file.sync();
    return 0;
  } finally {
    file?.close();
    await reader.close();
  }
}

// ---- checkpoint / keygen ----------------------------------------------------------------------

async function checkpointCommand(args: string[]): Promise<number> {
  const { values } = parse(args, {});
  const reader = await openFolder(values.ledger ?? DEFAULT_LEDGER_PATH);
  try {
    const note = await reader.checkpoint();
    if (!note) {
      err("error: the ledger has no checkpoint yet");
      return 1;
    }
    await out(note);
    return 0;
  } finally {
    await reader.close();
  }
}

async function keygenCommand(args: string[]): Promise<number> {
  const { values } = parse(args, { name: { type: "string" } });
  const name = values.name ?? values.origin ?? "ledger";
  let keys;
  try {
    keys = await generateSigningKey(name);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  await out(`LEDGER_SIGNING_KEY=${keys.privateKey}\nLEDGER_VERIFIER_KEY=${keys.verifierKey}\n`);
  return 0;
}

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  verify: verifyCommand,
  prove: proveCommand,
  show: showCommand,
  tail: tailCommand,
  export: exportCommand,
  checkpoint: checkpointCommand,
  keygen: keygenCommand,
};

/**
 * Run a `ledger` subcommand; returns the exit code (0 ok, 1 invalid or failed, 2 usage).
 *
 * @example
 * ```ts
 * Deno.exit(await runLedger(["verify", "ledger/data", "--vkey", vkey]));
 * ```
 */
export async function runLedger(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (!command || command === "--help" || command === "-h" || command === "help") {
    await out(USAGE);
    return command ? 0 : 2;
  }
  const run = COMMANDS[command];
  if (!run) {
    err(`error: unknown ledger command ${JSON.stringify(escapeText(command))}; see ledger --help`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    await out(USAGE);
    return 0;
  }
  try {
    return await run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      err(`error: ${e.message}`);
      return 2;
    }
    if (e instanceof Deno.errors.BrokenPipe) return 0;
    err(`error: ${escapeText(e instanceof Error ? e.message : String(e), 300)}`);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await runLedger(Deno.args));
