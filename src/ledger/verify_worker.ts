/**
 * Worker thread for verify: checks blocks of lines with {@link checkBlock}.
 *
 * @module
 */
import { checkBlock } from "./verify_block.ts";

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
  onmessage: ((e: MessageEvent<BlockRequest>) => void) | null;
  postMessage(message: unknown, transfer: Transferable[]): void;
};

scope.onmessage = (e) => {
  const { id, data, length, start, origin } = e.data;
  const result = checkBlock(new Uint8Array(data, 0, length), start, origin);
  const leaves = result.leaves.slice();
  const firstPrev = result.firstPrev.slice();
  scope.postMessage({ id, result: { ...result, leaves, firstPrev }, data }, [
    leaves.buffer,
    firstPrev.buffer,
    data,
  ]);
};
