/**
 * The KV projection of `tag.observed` ledger events: one pin per (project, tag), written once,
 * and read back by the releases job. Part of the projection `applyEntry` maintains.
 *
 * @example
 * ```ts
 * const pins = await loadTagPins(kv, "sampleproject");
 * pins["v1.0.0"]?.commit;
 * ```
 * @module
 */
import type { LedgerEntry } from "../ledger/types.ts";
import { TagObservedSchema, type TagPin, tagPinKey, TagPinSchema } from "../observations/tags.ts";

/**
 * Add the pin of a `tag.observed` entry to an atomic operation. The releases job only emits
 * the event for a tag that has no pin yet, so the first commit seen stays the reference.
 *
 * @example
 * ```ts
 * applyTagObserved(kv.atomic(), entry);
 * ```
 */
export function applyTagObserved(op: Deno.AtomicOperation, entry: LedgerEntry): void {
  const body = TagObservedSchema.parse(entry.body);
  const key = tagPinKey(body.project, body.tag);
  const pin: TagPin = {
    version: body.version,
    tag: body.tag,
    commit: body.commit,
    index: entry.index,
    time: entry.time,
  };
  op.set(key, pin);
}

/**
 * The tag pins of one project, by tag name.
 *
 * @example
 * ```ts
 * await loadTagPins(kv, "x"); // { "v1.0": { commit: "…", index: 12, … } }
 * ```
 */
export async function loadTagPins(kv: Deno.Kv, project: string): Promise<Record<string, TagPin>> {
  const pins: Record<string, TagPin> = {};
  for await (const item of kv.list({ prefix: ["tag-pin", project] })) {
    const pin = TagPinSchema.safeParse(item.value);
    if (pin.success) pins[pin.data.tag] = pin.data;
  }
  return pins;
}
