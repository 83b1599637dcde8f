/**
 * Streaming RECORD parser (CSV rows `path,hash,size`, fields may be quoted, CRLF or LF), fed
 * chunk by chunk while the member streams by, so a RECORD of any size is verified without a
 * capture cap. Memory: one small row object per distinct path.
 *
 * @example
 * ```ts
 * const p = new RecordParser();
 * p.push(new TextEncoder().encode('a.py,sha256=abc,3\n"b,c.py",,\n'));
 * p.end();
 * p.rows.get("b,c.py"); // { hash: "", size: "" }
 * ```
 * @module
 */

/** The hash and size columns of one RECORD row. */
export interface RecordClaim {
  hash: string;
  size: string;
}

const MAX_FIELD = 64 * 1024;
const MAX_DUPLICATES = 200;

/** Incremental RECORD parser. */
export class RecordParser {
  /** Rows by path (the last row wins; repeats are in {@link duplicates}). */
  readonly rows = new Map<string, RecordClaim>();
  /** Paths listed more than once (bounded). */
  readonly duplicates: string[] = [];
  #decoder = new TextDecoder();
  #field = "";
  #fields: string[] = [];
  #quoted = false;
  #afterQuote = false;
  #pendingCr = false;
  #fieldStart = true;

  constructor(readonly maxRows = 1_000_000) {}

  /** Feed the next bytes. */
  push(chunk: Uint8Array): void {
    this.#chars(this.#decoder.decode(chunk, { stream: true }));
  }

  /** End of input (a last row without a newline counts). */
  end(): void {
    this.#chars(this.#decoder.decode());
    if (this.#field !== "" || this.#fields.length > 0) this.#row();
  }

  #chars(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (this.#quoted) {
        if (c === '"') {
          this.#quoted = false;
          this.#afterQuote = true;
        } else this.#add(c);
        continue;
      }
      if (this.#afterQuote && c === '"') {
        // A doubled quote inside a quoted field.
        this.#add('"');
        this.#quoted = true;
        this.#afterQuote = false;
        continue;
      }
      this.#afterQuote = false;
      if (this.#pendingCr) {
        this.#pendingCr = false;
        if (c === "\n") {
          this.#row();
          continue;
        }
        this.#add("\r");
      }
      if (c === '"' && this.#fieldStart) {
        this.#quoted = true;
        this.#fieldStart = false;
      } else if (c === ",") {
        this.#fields.push(this.#field);
        this.#field = "";
        this.#fieldStart = true;
      } else if (c === "\n") this.#row();
      else if (c === "\r") this.#pendingCr = true;
      else this.#add(c);
    }
  }

  #add(c: string): void {
    this.#fieldStart = false;
    if (this.#field.length < MAX_FIELD) this.#field += c;
  }

  #row(): void {
    this.#fields.push(this.#field);
    const fields = this.#fields;
    this.#fields = [];
    this.#field = "";
    this.#fieldStart = true;
    if (fields.length === 1 && fields[0] === "") return;
    const path = fields[0] ?? "";
    if (this.rows.has(path)) {
      if (this.duplicates.length < MAX_DUPLICATES) this.duplicates.push(path);
    } else if (this.rows.size >= this.maxRows) return;
    this.rows.set(path, { hash: fields[1] ?? "", size: fields[2] ?? "" });
  }
}

/**
 * Parse a whole RECORD text.
 *
 * @example
 * ```ts
 * parseRecord('a.py,sha256=abc,3\n"b,c.py",,\n').length; // 2
 * ```
 */
export function parseRecord(text: string): Array<{ path: string } & RecordClaim> {
  const parser = new RecordParser();
  parser.push(new TextEncoder().encode(text));
  parser.end();
  return [...parser.rows].map(([path, claim]) => ({ path, ...claim }));
}

/** Hex SHA-256 to the RECORD form `sha256=<urlsafe base64, no padding>`. */
export function recordHash(sha256Hex: string): string {
  const bytes = new Uint8Array(sha256Hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(sha256Hex.slice(2 * i, 2 * i + 2), 16);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return "sha256=" + btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
