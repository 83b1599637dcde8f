/**
 * Open what a command needs: the config, the KV state and the ledger, with secrets from the
 * environment. One place decides where files live, so permission flags can stay narrow.
 *
 * @module
 */
import { type Config, readSecrets, type Secrets } from "./config.ts";
import type { LedgerStore } from "./ledger/types.ts";
import { openLedger, openLedgerReader, parseSigningKey } from "./ledger/mod.ts";
import { checkKeyMatchesLedger } from "./ledger/key_file.ts";

/** A usage problem: one line, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** The opened pieces of a running auditor. */
export interface Runtime {
  config: Config;
  secrets: Secrets;
  kv: Deno.Kv;
  ledger: LedgerStore;
  /** The C2SP verifier key of the signing key (public; served at `/ledger/key`). */
  verifierKey?: string;
  close(): Promise<void>;
}

function parentOf(path: string): string | undefined {
  const i = path.lastIndexOf("/");
  return i > 0 ? path.slice(0, i) : undefined;
}

/** `[state] path` value that selects `Deno.openKv()`'s default database (Deno Deploy). */
export const DEFAULT_KV = ":default:";

/** What `[state] path` designates. */
export function stateLocation(path: string | undefined): "default" | "memory" | "remote" | "file" {
  if (path === undefined || path === DEFAULT_KV) return "default";
  if (path === ":memory:") return "memory";
  if (/^https?:\/\//i.test(path)) return "remote";
  return "file";
}

/**
 * Open the KV state: a local file (its folder is created), `:memory:`, `:default:` (no path:
 * Deno Deploy's KV, or the per-origin database of `--location` locally) or an `https://` KV
 * Connect URL (a Deploy database from elsewhere; token in `DENO_KV_ACCESS_TOKEN`).
 */
export async function openState(config: Config): Promise<Deno.Kv> {
  const path = config.state.path;
  const where = stateLocation(path);
  if (where === "default") return await Deno.openKv();
  if (where === "file") {
    const dir = parentOf(path!);
    if (dir) await Deno.mkdir(dir, { recursive: true });
  }
  return await Deno.openKv(path);
}

/** Options of {@link openRuntime}. */
export interface OpenRuntimeOptions {
  /** Where the signing key came from, for messages (default `LEDGER_SIGNING_KEY`). */
  keySource?: string;
}

/** The verifier key of a signing key; a malformed key is a usage error (one line, exit 2). */
async function verifierKeyOf(signingKey: string, source: string): Promise<string> {
  try {
    return (await parseSigningKey(signingKey)).verifierKey;
  } catch (e) {
    throw new UsageError(`${source}: ${(e as Error).message}`);
  }
}

/**
 * Open config, state and ledger for writing. The ledger signing key is `secrets.ledgerSigningKey`
 * (from `LEDGER_SIGNING_KEY`, or the key file: `src/cli/signing_key.ts`). A key that did not sign
 * the ledger's history is refused in one line (`KeyMismatchError`) before anything runs.
 *
 * @example
 * ```ts
 * const rt = await openRuntime(await loadConfig("auditor.toml"));
 * try { console.log(await rt.ledger.size()); } finally { await rt.close(); }
 * ```
 */
export async function openRuntime(
  config: Config,
  secrets: Secrets = readSecrets(config),
  opts: OpenRuntimeOptions = {},
): Promise<Runtime> {
  if (!secrets.ledgerSigningKey) {
    throw new UsageError(
      "LEDGER_SIGNING_KEY is not set: create one with `deno task ledger keygen` and export it",
    );
  }
  const keySource = opts.keySource ?? "LEDGER_SIGNING_KEY";
  const verifierKey = await verifierKeyOf(secrets.ledgerSigningKey, keySource);
  const kv = await openState(config);
  let ledger: LedgerStore;
  try {
    const history = await openLedgerReader({
      store: config.ledger.store,
      path: config.ledger.path,
      kv: config.ledger.store === "kv" ? kv : undefined,
    });
    try {
      await checkKeyMatchesLedger(history, verifierKey, keySource);
    } finally {
      await history.close();
    }
    ledger = await openLedger({
      store: config.ledger.store,
      path: config.ledger.path,
      kv: config.ledger.store === "kv" ? kv : undefined,
      origin: config.ledger.origin,
      signingKey: secrets.ledgerSigningKey,
    });
  } catch (e) {
    kv.close();
    throw e;
  }
  return {
    config,
    secrets,
    kv,
    ledger,
    verifierKey,
    async close() {
      await ledger.close();
      kv.close();
    },
  };
}
