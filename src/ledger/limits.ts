/**
 * Limits of the ledger format, in a module of their own so that light modules (the verify
 * workers' line check) can use them without loading the schemas of types.ts.
 *
 * @module
 */

/** Largest allowed entry line in bytes (without the final LF). */
export const MAX_ENTRY_BYTES = 64 * 1024;
