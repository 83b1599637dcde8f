/**
 * Worker thread for verify: checks blocks of lines with check_lines.ts. The full line parser
 * (entry.ts, with zod and canonicalize) is loaded only when a line needs it, which spares most
 * of a worker's start-up.
 *
 * @module
 */
import { checkLines, type LineParser } from "./check_lines.ts";

/** A request to the worker. */
export interface BlockRequest {
  id: number;
  /** The block's buffer (transferred, and transferred back with the result for reuse). */
  data: ArrayBuffer;
  /** Bytes of complete lines at the start of `data`. */
  length: number;
  start: number;
  origin?: string;
}

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<BlockRequest>) => void | Promise<void>) | null;
  postMessage(message: unknown, transfer: Transferable[]): void;
};

let parser: LineParser | null = null;

scope.onmessage = async (e) => {
  const { id, data, length, start, origin } = e.data;
  const lines = new Uint8Array(data, 0, length);
  let result = checkLines(lines, start, origin, parser);
  if (result === null) {
    parser ??= await import("./entry.ts");
    result = checkLines(lines, start, origin, parser)!;
  }
  const leaves = result.leaves.slice();
  const firstPrev = result.firstPrev.slice();
  scope.postMessage({ id, result: { ...result, leaves, firstPrev }, data }, [
    leaves.buffer,
    firstPrev.buffer,
    data,
  ]);
};
