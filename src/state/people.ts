/**
 * The PyPI email baseline, projected from the ledger: the emails of a project as the first
 * `access.changed` event that stated them in full (area `pypi-email`, written by the access
 * job) lists them. It lives in KV under `["email-baseline", project]`, but like every
 * projection it is rebuilt from the ledger when KV is lost (`catchUp`), so losing KV never
 * moves the baseline, and never silently resolves `release/maintainer-email-*` findings.
 *
 * @example
 * ```ts
 * const baseline = await readEmailBaseline(kv, "ctx"); // ["author@example.org"] or undefined
 * ```
 * @module
 */
import { z } from "zod";
import type { LedgerEntry } from "../ledger/types.ts";
import { AccessChangedBodySchema } from "../observations/access.ts";

/** The access-history area of PyPI contact emails. */
export const EMAIL_AREA = "pypi-email";

const BaselineSchema = z.object({
  emails: z.array(z.string()),
  /** Ledger index of the event it was taken from. */
  index: z.number().int(),
});

const baselineKey = (project: string): Deno.KvKey => ["email-baseline", project];

/**
 * Fold one ledger entry into the baseline: only the first full statement of a project's
 * emails counts. Returns the mutation to add to the projection's atomic commit, if any.
 *
 * @example
 * ```ts
 * const set = await emailBaselineFrom(kv, entry);
 * if (set) op.set(set.key, set.value);
 * ```
 */
export async function emailBaselineFrom(
  kv: Deno.Kv,
  entry: LedgerEntry,
): Promise<{ key: Deno.KvKey; value: z.infer<typeof BaselineSchema> } | undefined> {
  if (entry.kind !== "access.changed") return undefined;
  const body = AccessChangedBodySchema.safeParse(entry.body);
  if (!body.success || !body.data.full?.includes(EMAIL_AREA)) return undefined;
  const key = baselineKey(body.data.project);
  if ((await kv.get(key)).value !== null) return undefined;
  const emails = body.data.changes
    .filter((c) => c.area === EMAIL_AREA && c.kind === "added")
    .map((c) => c.who)
    .sort();
  return { key, value: { emails, index: entry.index } };
}

/**
 * The project's email baseline, or undefined before the access job first stated its emails.
 *
 * @example
 * ```ts
 * data.emailBaseline = await readEmailBaseline(ctx.kv, project.name);
 * ```
 */
export async function readEmailBaseline(
  kv: Deno.Kv,
  project: string,
): Promise<string[] | undefined> {
  const parsed = BaselineSchema.safeParse((await kv.get(baselineKey(project))).value);
  return parsed.success ? parsed.data.emails : undefined;
}
