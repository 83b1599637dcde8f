/**
 * Worker thread for verify: checks blocks of lines with {@link checkBlock}.
 *
 * @module
 */
import { checkBlock } from "./verify_block.ts";

/** A request to the worker. */
export interface BlockRequest {
  id: number;
  data: Uint8Array;
  start: number;
  origin?: string;
}

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<BlockRequest>) => void) | null;
  postMessage(message: unknown, transfer: Transferable[]): void;
};

scope.onmessage = (e) => {
  const { id, data, start, origin } = e.data;
  const result = checkBlock(data, start, origin);
  const leaves = result.leaves.slice();
  const prevs = result.prevs.slice();
  scope.postMessage({ id, result: { ...result, leaves, prevs } }, [leaves.buffer, prevs.buffer]);
};
