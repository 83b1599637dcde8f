/**
 * Bounds shared by the archive readers (kept apart from ./types.ts so that the member worker
 * loads no schema library).
 *
 * @example
 * ```ts
 * if (size > RATIO_FLOOR_BYTES && size > ratio * compressed) console.log("bomb");
 * ```
 * @module
 */

/**
 * Ratios are only judged past this many output bytes of a member: a small member at a high
 * ratio (onnx's 2.5 MB test tensor at 1016:1) expands to nothing harmful; total expansion is
 * bounded by `maxUncompressedBytes`.
 */
export const RATIO_FLOOR_BYTES = 32 * 1024 * 1024;
