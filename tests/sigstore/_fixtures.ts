/** Helpers reading real material in place (never copied). */
import { realdata } from "../_realdata.ts";
import { sha256Hex } from "../../src/sigstore/verify_bundle.ts";

/** Parse a JSON file under realdata. */
export async function readJson(path: string): Promise<unknown> {
  return JSON.parse(await Deno.readTextFile(realdata(path)));
}

/** Parse every line of a JSON-lines file under realdata. */
export async function readJsonLines(path: string): Promise<unknown[]> {
  const text = await Deno.readTextFile(realdata(path));
  return text.trim().split("\n").map((line) => JSON.parse(line));
}

/** A real file as a verification target (name, SHA-256, bytes). */
export async function targetOf(path: string, filename?: string) {
  const bytes = await Deno.readFile(realdata(path));
  return { filename: filename ?? path.split("/").at(-1)!, sha256: await sha256Hex(bytes), bytes };
}

/** The first PEM certificate in a file, as base64 DER. */
export async function pemBase64(path: string): Promise<string> {
  const text = await Deno.readTextFile(realdata(path));
  const body = text.split("-----BEGIN CERTIFICATE-----")[1]?.split("-----END CERTIFICATE-----")[0];
  if (!body) throw new Error(`${path}: no certificate`);
  return body.replace(/\s/g, "");
}

/** A temp copy of a real file with one byte flipped; returns its bytes. */
export async function tamperedCopy(path: string, at = 100): Promise<Uint8Array> {
  const bytes = await Deno.readFile(realdata(path));
  const dir = await Deno.makeTempDir({ prefix: "sigstore-test-" });
  const copy = `${dir}/${path.split("/").at(-1)}`;
  bytes[at % bytes.length] ^= 0x01;
  await Deno.writeFile(copy, bytes);
  const read = await Deno.readFile(copy);
  await Deno.remove(dir, { recursive: true });
  return read;
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/** Literal-only snappy encoding (valid per the format: every element a literal). */
export function snappyLiterals(data: Uint8Array): Uint8Array {
  const out: number[] = varint(data.length);
  for (let i = 0; i < data.length; i += 65536) {
    const chunk = data.subarray(i, i + 65536);
    const n = chunk.length - 1;
    if (n < 60) out.push(n << 2);
    else if (n < 256) out.push(60 << 2, n);
    else out.push(61 << 2, n & 0xff, n >> 8);
    out.push(...chunk);
  }
  return new Uint8Array(out);
}
