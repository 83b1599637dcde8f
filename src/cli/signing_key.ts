/**
 * Where `audit`, `serve` and `demo` get the ledger signing key: `LEDGER_SIGNING_KEY` when it is
 * set; otherwise, for the file store, the key file in the ledger folder (created on the first
 * run, see `src/ledger/key_file.ts`). The KV store (Deno Deploy) has no folder to keep a key
 * in: there the variable is required.
 *
 * @example
 * ```ts
 * const signing = await resolveSigningKey(config, readSecrets(config));
 * const rt = await openRuntime(config, signing.secrets, { keySource: signing.source });
 * ```
 * @module
 */
import type { Config, Secrets } from "../config.ts";
import { loadOrCreateKeyFile } from "../ledger/key_file.ts";
import { UsageError } from "../runtime.ts";

/** Secrets with the signing key filled in, and where the key came from. */
export interface ResolvedSigningKey {
  secrets: Secrets & { ledgerSigningKey: string };
  /** `LEDGER_SIGNING_KEY` or `the key file <path>` (for messages; never the key). */
  source: string;
}

/**
 * Fill in the signing key. Prints (to `say`, default stderr) the verifier key and the key
 * file's path when the key file is used; never the key itself.
 *
 * @throws {UsageError} for the KV store without `LEDGER_SIGNING_KEY`.
 * @example
 * ```ts
 * const { secrets } = await resolveSigningKey(config, readSecrets(config));
 * ```
 */
export async function resolveSigningKey(
  config: Config,
  secrets: Secrets,
  say: (line: string) => void = (line) => console.error(line),
): Promise<ResolvedSigningKey> {
  if (secrets.ledgerSigningKey) {
    return {
      secrets: { ...secrets, ledgerSigningKey: secrets.ledgerSigningKey },
      source: "LEDGER_SIGNING_KEY",
    };
  }
  if (config.ledger.store === "kv") {
    throw new UsageError(
      "LEDGER_SIGNING_KEY is not set: the kv ledger store reads its signing key only from the " +
        "environment; create one with `deno task ledger keygen` and set it as a secret",
    );
  }
  const key = await loadOrCreateKeyFile(config.ledger.path, config.ledger.origin);
  if (key.created) {
    say(
      `ledger: created a signing key in ${key.path} (mode 0600; LEDGER_SIGNING_KEY overrides it)`,
    );
    say(`ledger: verifier key ${key.verifierKey} (publish it so subscribers can verify)`);
  } else {
    say(`ledger: signing with the key in ${key.path}; verifier key ${key.verifierKey}`);
  }
  return {
    secrets: { ...secrets, ledgerSigningKey: key.privateKey },
    source: `the key file ${key.path}`,
  };
}
