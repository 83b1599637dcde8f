/**
 * Open what a command needs: the config, the KV state and the ledger, with secrets from the
 * environment. One place decides where files live, so permission flags can stay narrow.
 *
 * @module
 */
import { type Config, readSecrets, type Secrets } from "./config.ts";
import type { LedgerStore } from "./ledger/types.ts";
import { openLedger } from "./ledger/mod.ts";

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

/**
 * Open config, state and ledger for writing. The ledger signing key must be in
 * `LEDGER_SIGNING_KEY`.
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
): Promise<Runtime> {
  if (!secrets.ledgerSigningKey) {
    throw new UsageError(
      "LEDGER_SIGNING_KEY is not set: create one with `deno task ledger keygen` and export it",
    );
  }
  const kv = await openState(config);
  let ledger: LedgerStore;
  try {
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
    async close() {
      await ledger.close();
      kv.close();
    },
  };
}
