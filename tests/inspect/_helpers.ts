/**
 * Test helpers: write bytes to a temporary file and inspect them.
 *
 * @example
 * ```ts
 * const inspection = await inspectBytes(buildZip([...]), "x-1.0-py3-none-any.whl");
 * ```
 * @module
 */
import { PolicySchema } from "../../src/config.ts";
import {
  type ArchiveInspection,
  inspectArtifact,
  type InspectLimits,
  limitsFromPolicy,
} from "../../src/inspect/mod.ts";

/** The default policy. */
export const POLICY = PolicySchema.parse({});

/** Inspect `bytes` as if published under `filename`; the temporary file is removed after. */
export async function inspectBytes(
  bytes: Uint8Array,
  filename: string,
  limits: Partial<InspectLimits> = {},
): Promise<ArchiveInspection> {
  const dir = await Deno.makeTempDir({ prefix: "inspect-test-" });
  try {
    const path = `${dir}/${filename.replace(/[^A-Za-z0-9._-]/g, "_")}`;
    await Deno.writeFile(path, bytes);
    return await inspectArtifact(path, filename, { ...limitsFromPolicy(POLICY), ...limits });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Anomaly kinds of an inspection, sorted and unique. */
export function kinds(inspection: ArchiveInspection): string[] {
  return [...new Set(inspection.anomalies.map((a) => a.kind))].sort();
}
