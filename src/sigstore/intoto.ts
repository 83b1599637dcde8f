/**
 * in-toto statements carried in DSSE envelopes, and the subject check the Sigstore verifier
 * does not make: does the statement name this file and its digest?
 *
 * @example
 * ```ts
 * const statement = parseStatement(payloadBytes);
 * subjectMatches(statement, "pkg-1.0.tar.gz", sha256Hex, normalizeDistFilename);
 * ```
 * @module
 */
import { z } from "zod";

/** Largest DSSE payload accepted. */
export const MAX_STATEMENT_BYTES = 4 * 1024 * 1024;
/** The in-toto payload type. */
export const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";
/** in-toto Statement types accepted. */
export const STATEMENT_TYPES = [
  "https://in-toto.io/Statement/v1",
  "https://in-toto.io/Statement/v0.1",
] as const;

/** Known predicate types. */
export const PREDICATE = {
  pypiPublish: "https://docs.pypi.org/attestations/publish/v1",
  slsaV1: "https://slsa.dev/provenance/v1",
  release: "https://in-toto.io/attestation/release/v0.1",
} as const;

/** One subject of a statement. */
export const SubjectSchema = z.object({
  name: z.string().max(2000).optional(),
  digest: z.record(z.string().max(64), z.string().max(512)).optional(),
}).passthrough();

/** An in-toto statement (predicate kept as opaque JSON). */
export const StatementSchema = z.object({
  _type: z.string().max(200),
  subject: z.array(SubjectSchema).max(10_000),
  predicateType: z.string().max(500),
  predicate: z.unknown().optional(),
}).passthrough();
/** See {@link StatementSchema}. */
export type Statement = z.infer<typeof StatementSchema>;

/** A statement could not be read. */
export class StatementError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StatementError";
  }
}

/**
 * Parse and validate the bytes of an in-toto statement.
 *
 * @example
 * ```ts
 * parseStatement(new TextEncoder().encode(json)).predicateType;
 * ```
 * @throws {StatementError} when the payload is not a bounded in-toto statement.
 */
export function parseStatement(payload: Uint8Array): Statement {
  if (payload.length > MAX_STATEMENT_BYTES) {
    throw new StatementError(`statement larger than ${MAX_STATEMENT_BYTES} bytes`);
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(payload));
  } catch {
    throw new StatementError("statement is not UTF-8 JSON");
  }
  const parsed = StatementSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StatementError(
      `not an in-toto statement: ${issue?.path.join(".")}: ${issue?.message}`,
    );
  }
  if (!(STATEMENT_TYPES as readonly string[]).includes(parsed.data._type)) {
    throw new StatementError(`unsupported statement type ${JSON.stringify(parsed.data._type)}`);
  }
  return parsed.data;
}

/** Outcome of comparing a statement's subjects with a file. */
export interface SubjectCheck {
  ok: boolean;
  /** Why not, in one sentence. */
  detail?: string;
  /** The subjects as observed (bounded to a few). */
  observed: { name?: string; sha256?: string }[];
}

/**
 * Does one of the statement's subjects name `filename` (compared after `normalize`) with the
 * file's SHA-256? A matching name with a different digest is reported as such.
 *
 * @example
 * ```ts
 * subjectMatches(statement, "a.whl", "ab12...", (n) => n.toLowerCase()).ok;
 * ```
 */
export function subjectMatches(
  statement: Statement,
  filename: string | undefined,
  sha256: string,
  normalize: (name: string) => string = (name) => name,
): SubjectCheck {
  const want = sha256.toLowerCase();
  const observed = statement.subject.slice(0, 5).map((s) => ({
    name: s.name,
    sha256: s.digest?.sha256?.toLowerCase(),
  }));
  if (statement.subject.length === 0) {
    return { ok: false, detail: "statement has no subject", observed };
  }
  const wantName = filename === undefined ? undefined : normalize(filename);
  const byDigest = statement.subject.filter((s) => s.digest?.sha256?.toLowerCase() === want);
  const byName = wantName === undefined
    ? []
    : statement.subject.filter((s) => s.name !== undefined && normalize(s.name) === wantName);
  if (byDigest.length === 0) {
    const named = byName[0]?.digest?.sha256;
    const detail = named
      ? `subject ${JSON.stringify(byName[0].name)} has sha256 ${named}, the file has ${want}`
      : `no subject has the file's sha256 ${want}`;
    return { ok: false, detail, observed };
  }
  if (
    wantName !== undefined &&
    !byDigest.some((s) => s.name !== undefined && normalize(s.name) === wantName)
  ) {
    return {
      ok: false,
      detail: `the subject with the file's digest is named ${
        JSON.stringify(byDigest[0].name)
      }, not ${JSON.stringify(filename)}`,
      observed,
    };
  }
  return { ok: true, observed };
}
