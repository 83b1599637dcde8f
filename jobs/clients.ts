/**
 * The upstream clients a job uses, built from its context: the same base URLs, token, KV
 * validator cache, bounds and abort signal for every job.
 *
 * @example
 * ```ts
 * const gh = githubFor(ctx, "release-auditor/0.1 (access sweep)");
 * const pypi = pypiFor(ctx);
 * ```
 * @module
 */
import type { JobContext, RequestStats } from "../src/observations/job.ts";
import {
  createGitHubClient,
  type GitHubClient,
  type GitHubClientOptions,
} from "../src/github/client.ts";
import { PypiClient } from "../src/pypi/client.ts";
import { sweepGate } from "../src/upstream_gate.ts";

export { sweepGate };

/** A GitHub client for this job run (`extra` overrides options, e.g. in tests). */
export function githubFor(
  ctx: JobContext,
  userAgent: string,
  extra: Partial<GitHubClientOptions> = {},
): GitHubClient {
  const upstream = ctx.config.upstream;
  return createGitHubClient({
    baseUrl: upstream.github_api,
    token: ctx.secrets.githubToken,
    kv: ctx.kv,
    userAgent,
    timeoutMs: upstream.timeout_ms,
    maxResponseBytes: upstream.max_response_bytes,
    signal: ctx.signal,
    gate: sweepGate(ctx),
    ...extra,
  });
}

/** A PyPI client for this job run. */
export function pypiFor(ctx: JobContext): PypiClient {
  const upstream = ctx.config.upstream;
  return new PypiClient({
    baseUrl: upstream.pypi,
    kv: ctx.kv,
    timeoutMs: upstream.timeout_ms,
    maxBytes: upstream.max_response_bytes,
    signal: ctx.signal,
    gate: sweepGate(ctx),
  });
}

/** Request counters added up. */
export function sumStats(...all: RequestStats[]): RequestStats {
  return all.reduce((a, b) => ({
    requests: a.requests + b.requests,
    notModified: a.notModified + b.notModified,
    errors: a.errors + b.errors,
  }), { requests: 0, notModified: 0, errors: 0 });
}

/**
 * Map over items with at most `limit` calls in flight; results keep the input order.
 *
 * @example
 * ```ts
 * const sizes = await mapLimit(files, 4, (f) => download(f));
 * ```
 */
export async function mapLimit<T, R>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
