/**
 * Ledger endpoints: the signed checkpoint, exact entries (JSONL) and RFC 9162 proofs.
 *
 * @module
 */
import { Hono } from "hono";
import type { Context } from "hono";
import type { LedgerStore } from "../../ledger/types.ts";
import { getRecords } from "../../state/ledger_index.ts";
import { parseCheckpointHead } from "../checkpoint.ts";
import { HttpError, intParam, onlyParams } from "../params.ts";
import { MAX_INDEX, type WebContext } from "../context.tsx";

/** Most raw entries served by one `/ledger/entries` request. */
export const ENTRIES_CAP = 10_000;

/**
 * The ledger sub-app.
 *
 * @example
 * ```ts
 * app.route("/", ledgerApi(ctx));
 * ```
 */
export function ledgerApi(ctx: WebContext): Hono {
  const app = new Hono();
  app.get("/ledger/checkpoint", async (c) => {
    onlyParams(new URL(c.req.url), []);
    const note = await ctx.ledger.checkpoint();
    c.header("Cache-Control", "no-cache");
    c.header("Access-Control-Allow-Origin", "*");
    c.header("Cross-Origin-Resource-Policy", "cross-origin");
    if (note === null) return c.text("the ledger is empty: no checkpoint yet\n", 404);
    return c.body(note, 200, { "Content-Type": "text/plain; charset=utf-8" });
  });

  app.get("/ledger/key", (c) => {
    onlyParams(new URL(c.req.url), []);
    c.header("Access-Control-Allow-Origin", "*");
    c.header("Cross-Origin-Resource-Policy", "cross-origin");
    if (!ctx.deps.verifierKey) return c.text("no verifier key configured\n", 404);
    return c.body(`${ctx.deps.verifierKey}\n`, 200, {
      "Content-Type": "text/plain; charset=utf-8",
    });
  });

  app.get("/ledger/entries", async (c) => {
    const url = new URL(c.req.url);
    onlyParams(url, ["from", "to"]);
    const size = await ctx.ledger.size();
    const from = intParam(url, "from", { min: 0, max: size, fallback: 0 });
    const requested = intParam(url, "to", { min: 0, max: size, fallback: size });
    if (requested < from) throw new HttpError(400, "to: must not be less than from");
    const to = Math.min(requested, from + ENTRIES_CAP);
    const enc = new TextEncoder();
    const iterator = ctx.ledger.entries(from, to)[Symbol.asyncIterator]();
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          let chunk = "";
          for (let i = 0; i < 256; i++) {
            const next = await iterator.next();
            if (next.done) {
              if (chunk) controller.enqueue(enc.encode(chunk));
              controller.close();
              return;
            }
            chunk += next.value.line + "\n";
          }
          controller.enqueue(enc.encode(chunk));
        } catch (e) {
          console.error(`web: /ledger/entries: ${String((e as Error)?.message).split("\n")[0]}`);
          controller.error(e);
        }
      },
      async cancel() {
        await iterator.return?.();
      },
    });
    return c.body(stream, 200, {
      "Content-Type": "application/jsonl; charset=utf-8",
      // An explicit, fully served, non-empty range never changes: the ctx.ledger is append-only.
      "Cache-Control": url.searchParams.has("to") && to === requested && to > from
        ? "public, max-age=31536000, immutable"
        : "no-cache",
      "Access-Control-Allow-Origin": "*",
      "Access-Control-Expose-Headers":
        "X-Ledger-Entries-Cap, X-Ledger-Entries-Range, X-Ledger-Size",
      "Cross-Origin-Resource-Policy": "cross-origin",
      "X-Ledger-Entries-Cap": String(ENTRIES_CAP),
      "X-Ledger-Entries-Range": `${from}-${to}`,
      "X-Ledger-Size": String(size),
    });
  });

  app.get("/ledger/proof/inclusion", async (c) => {
    const url = new URL(c.req.url);
    onlyParams(url, ["index", "size"]);
    const { current, checkpoint, treeSize } = await proofHead(ctx);
    const size = intParam(url, "size", { min: 1, max: current, fallback: treeSize });
    const index = intParam(url, "index", { min: 0, max: MAX_INDEX });
    if (index >= size) throw new HttpError(400, "index: must be less than size");
    const [proof, leafHash] = await Promise.all([
      ctx.ledger.inclusionProof(index, size),
      leafHashOf(ctx.kv, ctx.ledger, index),
    ]);
    return proofJson(c, { index, size, leafHash, proof, checkpoint });
  });

  app.get("/ledger/proof/consistency", async (c) => {
    const url = new URL(c.req.url);
    onlyParams(url, ["from", "to"]);
    const { current, checkpoint, treeSize } = await proofHead(ctx);
    const to = intParam(url, "to", { min: 1, max: current, fallback: treeSize });
    const from = intParam(url, "from", { min: 1, max: MAX_INDEX });
    if (from > to) throw new HttpError(400, "from: must not be greater than to");
    const proof = await ctx.ledger.consistencyProof(from, to);
    return proofJson(c, { from, to, proof, checkpoint });
  });

  return app;
}

/** Ledger size, latest checkpoint and its tree size. */
async function proofHead(ctx: WebContext) {
  const [current, checkpoint] = await Promise.all([ctx.ledger.size(), ctx.ledger.checkpoint()]);
  const head = parseCheckpointHead(checkpoint);
  return { current, checkpoint, treeSize: Math.min(head?.size ?? current, current) };
}

/** A proof answer: JSON, cacheable for a minute, readable from any origin. */
function proofJson(c: Context, body: Record<string, unknown>): Response {
  c.header("Cache-Control", "public, max-age=60");
  c.header("Access-Control-Allow-Origin", "*");
  c.header("Cross-Origin-Resource-Policy", "cross-origin");
  return c.json(body);
}

/** Leaf hash of entry `index`: from the KV index when present, else read from the ctx.ledger. */
async function leafHashOf(kv: Deno.Kv, ledger: LedgerStore, index: number): Promise<string> {
  const record = (await getRecords(kv, [index]))[0];
  if (record) return record.leafHash;
  for await (const stored of ledger.entries(index, index + 1)) return stored.leafHash;
  throw new HttpError(404, "no such entry");
}
