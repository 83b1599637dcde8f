/**
 * A small, typed GitHub REST client on octokit core and paginate; retries, rate limits and the
 * per-host circuit breaker are the sweep's own (src/upstream_gate.ts), not octokit plugins.
 *
 * - Conditional requests: ETag / Last-Modified validators are kept in Deno KV
 *   (`["http", url]`, see `src/state/http_cache.ts`); a `304 Not Modified` is answered from the
 *   cache and counted apart (GitHub does not count conditional 304s against the rate limit).
 * - Rate-limit budget per client (one client per sweep): `x-ratelimit-remaining` / `reset` are
 *   tracked and the client slows down, then waits (bounded) before exhausting the budget.
 * - Bounded: every request has a timeout and a maximum response size.
 * - The token is never logged and never part of an error message.
 *
 * @example
 * ```ts
 * const gh = createGitHubClient({ baseUrl: "https://api.github.com", kv, userAgent: "auditor/0.1",
 *   timeoutMs: 30_000, maxResponseBytes: 32 << 20, token });
 * const repo = await gh.get("GET /repos/{owner}/{repo}", { owner: "o", repo: "r" }, RepositorySchema);
 * if (repo.ok) console.log(repo.data.default_branch);
 * ```
 * @module
 */
import { Octokit } from "@octokit/core";
import { paginateRest } from "@octokit/plugin-paginate-rest";
import type { z } from "zod";
import type { RequestStats } from "../observations/job.ts";
import { conditionalHeaders, readCached, rememberResponse } from "../state/http_cache.ts";
import { redact, redactConfigured, redactHeaders } from "../redact.ts";
import { readPooled, sendWithPolicy, skippedResponse, UpstreamGate } from "../upstream_gate.ts";

/** Why a read failed. */
export type GitHubFailure = "not-found" | "forbidden" | "not-observable" | "error";

/** The outcome of one read: data, or a classified failure with a one-line message. */
export type GitHubResult<T> =
  | {
    ok: true;
    status: number;
    data: T;
    notModified: boolean;
    /** A list that is not the whole list (cap reached, a later page failed): why. */
    partial?: string;
    /** Items of a list that failed validation and were left out. */
    dropped?: number;
  }
  | {
    ok: false;
    status: number;
    reason: GitHubFailure;
    message: string;
    /** GitHub's `X-Accepted-GitHub-Permissions` on a refusal, e.g. `administration=read`. */
    accepted?: string;
  };

/** Path and query parameters of a route. */
export type RouteParams = Record<string, string | number | boolean | undefined>;

/** What the client knows of the rate limit, as of the last response. */
export interface RateLimitState {
  limit?: number;
  remaining?: number;
  /** Epoch milliseconds. */
  resetAt?: number;
  /** Time spent waiting for the budget in this sweep. */
  waitedMs: number;
}

/** Options of {@link createGitHubClient}. */
export interface GitHubClientOptions {
  /** `config.upstream.github_api`. */
  baseUrl: string;
  /** `Secrets.githubToken`; anonymous when absent. */
  token?: string;
  kv: Deno.Kv;
  /** Descriptive User-Agent (GitHub requires one). */
  userAgent: string;
  timeoutMs: number;
  maxResponseBytes: number;
  fetch?: typeof fetch;
  /** Aborts every request (the job's signal). */
  signal?: AbortSignal;
  /** Keep this many requests of the budget untouched (default 50). */
  reserve?: number;
  /** Start spreading requests out below this many remaining (default 500). */
  slowBelow?: number;
  /** Total time this client may wait (rate limits, backoff) without a `gate` (default 60 s). */
  maxWaitMs?: number;
  /** Retries on 5xx and network errors (default 2) and their base delay (default 500 ms). */
  retries?: number;
  retryBaseMs?: number;
  /** The sweep's upstream gate (wait budget, retries, circuit breaker), shared by its clients. */
  gate?: UpstreamGate;
  /** Largest number of items `paginate` collects (default 1000). */
  maxItems?: number;
}

/** The client. */
export interface GitHubClient {
  /** One GET, validated by `schema`; `route` is an octokit route such as `GET /repos/{owner}/{repo}`. */
  get<T>(route: string, params: RouteParams, schema: z.ZodType<T>): Promise<GitHubResult<T>>;
  /**
   * Every page of a list (bounded by `maxItems`), each item validated by `itemSchema`; invalid
   * items are dropped and counted (`dropped`), the rest kept. A list that is not whole (more
   * items than `maxItems`, or a page after the first failed) is a "not observable (partial)"
   * failure, unless `partialOk` is set: then it is returned with `partial` saying why.
   */
  paginate<T>(
    route: string,
    params: RouteParams,
    itemSchema: z.ZodType<T>,
    opts?: { maxItems?: number; partialOk?: boolean },
  ): Promise<GitHubResult<T[]>>;
  /** Requests, 304s and errors so far. */
  stats(): RequestStats;
  rateLimit(): RateLimitState;
}

/** Most pages one `paginate` follows (a list that goes on is partial, not endless). */
export const MAX_PAGES = 50;

/** Marker header on a response served from the cache after a 304. */
const NOT_MODIFIED_HEADER = "x-auditor-not-modified";
/** Why a body was not read: the process's bytes in flight would exceed the pool. */
const MEMORY_MESSAGE = "response not read: upstream bodies in flight exceed the memory budget";
/** Status used for a response larger than `maxResponseBytes` (never retried). */
const TOO_LARGE_STATUS = 413;

class BudgetExhausted extends Error {
  constructor(readonly resetAt: number) {
    super(`rate-limit budget exhausted until ${new Date(resetAt).toISOString()}`);
    this.name = "BudgetExhausted";
  }
}

function headerNumber(headers: Headers, name: string): number | undefined {
  const raw = headers.get(name);
  if (raw === null || !/^\d{1,16}$/.test(raw.trim())) return undefined;
  return Number(raw.trim());
}

/**
 * One line, bounded, with the token scrubbed (defence in depth: it is never put there).
 *
 * @example
 * ```ts
 * safeMessage("bad\ntoken abc", "abc"); // "bad token [redacted]"
 * ```
 */
export function safeMessage(text: unknown, token?: string): string {
  let s = typeof text === "string" ? text : String(text);
  if (token) s = s.split(token).join("[redacted]");
  s = redact(s);
  s = s.replace(/[\r\n\t]+/g, " ").replace(/[^\x20-\x7e\u00a0-\uffff]/g, "?");
  return s.length > 300 ? `${s.slice(0, 297)}...` : s;
}

/** Status of a request the client refused to send (never retried). */
const REFUSED_STATUS = 421;

function refused(message: string, url: string): Response {
  return withUrl(Response.json({ message }, { status: REFUSED_STATUS }), url);
}

function sameOrigin(url: string, origin: string): boolean {
  try {
    return new URL(url).origin === origin;
  } catch {
    return false;
  }
}

/** A constructed Response has an empty `url`; octokit's paginate parses it. */
function withUrl(response: Response, url: string): Response {
  Object.defineProperty(response, "url", { value: url });
  return response;
}

interface Counters {
  requests: number;
  notModified: number;
  errors: number;
}

/**
 * The fetch octokit uses: validators from KV, bounded bodies, timeouts, rate-limit tracking.
 */
function conditionalFetch(
  opts: GitHubClientOptions,
  counters: Counters,
  rate: RateLimitState,
  gate: UpstreamGate,
): typeof fetch {
  const reserve = opts.reserve ?? 50;
  const slowBelow = opts.slowBelow ?? 500;
  const origin = new URL(opts.baseUrl).origin;
  const host = new URL(opts.baseUrl).host;
  const inner = opts.fetch ?? fetch;
  /** Every attempt (retries included) is a request; 5xx and network errors are errors. */
  const countingFetch: typeof fetch = async (input, init) => {
    counters.requests++;
    try {
      const r = await inner(input, init);
      if (r.status >= 500) counters.errors++;
      return r;
    } catch (e) {
      counters.errors++;
      throw e;
    }
  };

  /** Spread requests out near the end of the budget; skip the host when it is spent. */
  async function respectBudget(): Promise<void> {
    const { remaining, resetAt } = rate;
    if (remaining === undefined || resetAt === undefined) return;
    const untilReset = resetAt - Date.now();
    if (untilReset <= 0) return;
    if (remaining <= reserve) {
      if (await gate.wait(untilReset, opts.signal)) {
        rate.remaining = undefined; // a new window: learn it again
        return;
      }
      gate.skip(
        host,
        `${host} rate-limit budget spent: not observable until ${new Date(resetAt).toISOString()}`,
        resetAt,
      );
      return;
    }
    if (remaining <= slowBelow) {
      await gate.wait(
        Math.min(2_000, Math.ceil(untilReset / Math.max(1, remaining - reserve))),
        opts.signal,
      );
    }
  }

  return async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const method = (init?.method ?? "GET").toUpperCase();
    await respectBudget();
    rate.waitedMs = gate.waitedMs;
    const headers = new Headers(init?.headers);
    const cached = method === "GET" ? await readCached(opts.kv, url) : undefined;
    for (const [name, value] of Object.entries(conditionalHeaders(cached))) {
      headers.set(name, value);
    }
    let response: Response;
    let attemptTimeout: AbortSignal | undefined;
    let target = url;
    // The token only ever goes to the configured origin: pagination links and redirects that
    // point elsewhere are refused (same-origin redirects, e.g. a renamed repository, are followed).
    for (let hop = 0;; hop++) {
      if (!sameOrigin(target, origin)) {
        counters.errors++;
        return refused(`refusing to send a request to another origin than ${origin}`, url);
      }
      {
        const sent = await sendWithPolicy(target, { ...init, headers, redirect: "manual" }, {
          gate,
          timeoutMs: opts.timeoutMs,
          fetch: countingFetch,
          signal: opts.signal,
        });
        rate.waitedMs = gate.waitedMs;
        if (sent.skipped) {
          counters.errors++;
          return skippedResponse(sent.skipped, url);
        }
        response = sent.response;
        attemptTimeout = sent.timeout;
      }
      const location = response.headers.get("location");
      if (response.status < 300 || response.status >= 400 || response.status === 304 || !location) {
        break;
      }
      await response.body?.cancel().catch(() => {});
      if (hop >= 3) {
        counters.errors++;
        return refused("too many redirects", url);
      }
      target = new URL(location, target).href;
    }
    const limit = headerNumber(response.headers, "x-ratelimit-limit");
    const remaining = headerNumber(response.headers, "x-ratelimit-remaining");
    const reset = headerNumber(response.headers, "x-ratelimit-reset");
    if (limit !== undefined) rate.limit = limit;
    if (remaining !== undefined) rate.remaining = remaining;
    // Seconds since the epoch; some recorded fixtures carry milliseconds.
    if (reset !== undefined) rate.resetAt = reset > 1e11 ? reset : reset * 1000;

    if (response.status === 304 && cached) {
      await response.body?.cancel().catch(() => {});
      counters.notModified++;
      const replay = new Headers(response.headers);
      replay.set("content-type", cached.contentType);
      replay.set(NOT_MODIFIED_HEADER, "1");
      if (cached.link && !replay.has("link")) replay.set("link", cached.link);
      replay.delete("content-length");
      return withUrl(
        new Response(cached.body as Uint8Array<ArrayBuffer>, { status: 200, headers: replay }),
        url,
      );
    }
    let body: Uint8Array | undefined;
    try {
      const read = await readPooled(response.body, opts.maxResponseBytes);
      body = read.ok ? read.body : undefined;
      if (!read.ok && read.why === "memory") {
        counters.errors++;
        return withUrl(
          Response.json({ message: MEMORY_MESSAGE }, { status: TOO_LARGE_STATUS }),
          url,
        );
      }
    } catch (e) {
      counters.errors++;
      if (attemptTimeout?.aborted) gate.timedOut(host);
      throw e;
    }
    if (body === undefined) {
      counters.errors++;
      return withUrl(
        Response.json(
          { message: `response larger than ${opts.maxResponseBytes} bytes` },
          { status: TOO_LARGE_STATUS },
        ),
        url,
      );
    }
    if (response.status >= 400 && response.status < 500) counters.errors++;
    // The redaction step of the HTTP boundary: nothing from the response reaches octokit (and
    // from there error messages, KV, the ledger) before secrets are taken out of it.
    body = redactBody(body, response.status);
    const safeHeaders = redactHeaders(response.headers);
    if (method === "GET" && response.status === 200) {
      // The redacted headers and body are what the cache keeps.
      await rememberResponse(opts.kv, url, safeHeaders, body, {
        contentType: "application/json",
        keepLink: true,
      });
    }
    const out = safeHeaders;
    out.delete("content-length");
    const nullBody = response.status === 204 || response.status === 205 ||
      response.status === 304;
    return withUrl(
      new Response(nullBody ? null : body as Uint8Array<ArrayBuffer>, {
        status: response.status,
        headers: out,
      }),
      redact(response.url || url),
    );
  };
}

/**
 * Error bodies lose every secret and credential-shaped string; other bodies (which may hold
 * signed documents) lose the configured secrets only, byte-exact otherwise.
 */
function redactBody(body: Uint8Array, status: number): Uint8Array {
  if (body.byteLength === 0) return body;
  const text = new TextDecoder().decode(body);
  const clean = status >= 400 ? redact(text) : redactConfigured(text);
  return clean === text ? body : new TextEncoder().encode(clean);
}

// Retries and rate limits are handled in `conditionalFetch` by the sweep's gate (one budget for
// every request), not by octokit's retry and throttling plugins (which waited per request).
const OctokitWithPlugins = Octokit.plugin(paginateRest);
type OctokitInstance = InstanceType<typeof OctokitWithPlugins>;

interface ErrorLike {
  name?: string;
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | undefined>; data?: unknown };
}

function classify(e: unknown, token?: string): Extract<GitHubResult<never>, { ok: false }> {
  if (e instanceof BudgetExhausted) {
    return { ok: false, status: 0, reason: "not-observable", message: e.message };
  }
  const err = (e ?? {}) as ErrorLike;
  const cause = (e as { cause?: unknown })?.cause;
  if (cause instanceof BudgetExhausted) {
    return { ok: false, status: 0, reason: "not-observable", message: cause.message };
  }
  const status = typeof err.status === "number" ? err.status : 0;
  const message = safeMessage(err.message ?? "request failed", token);
  const headers = err.response?.headers ?? {};
  if (headers["x-auditor-skipped"] === "1") {
    return { ok: false, status, reason: "not-observable", message };
  }
  const remaining = headers["x-ratelimit-remaining"];
  if (status === 429 || (status === 403 && (remaining === "0" || headers["retry-after"]))) {
    return { ok: false, status, reason: "not-observable", message: `rate limited: ${message}` };
  }
  if (status === 404) return { ok: false, status, reason: "not-found", message };
  if (status === 401 || status === 403) {
    const raw = err.response?.headers?.["x-accepted-github-permissions"];
    const accepted = raw ? safeMessage(raw, token).slice(0, 200) : undefined;
    return { ok: false, status, reason: "forbidden", message, ...(accepted ? { accepted } : {}) };
  }
  if (err.name === "AbortError" || err.name === "TimeoutError") {
    return { ok: false, status, reason: "error", message: `timeout or aborted: ${message}` };
  }
  return { ok: false, status, reason: "error", message };
}

function schemaMessage(error: z.ZodError): string {
  const issue = error.issues[0];
  const path = issue?.path.map(String).join(".") || "(root)";
  return `unexpected response shape at ${path}: ${issue?.message ?? "invalid"}`;
}

/**
 * Create a client. One client per sweep: its counters and rate-limit budget are the sweep's.
 *
 * @example
 * ```ts
 * const gh = createGitHubClient({ baseUrl: config.upstream.github_api, token: secrets.githubToken,
 *   kv, userAgent: "release-auditor/0.1 (+https://example.org)", timeoutMs: 30_000,
 *   maxResponseBytes: 32 << 20 });
 * ```
 */
export function createGitHubClient(opts: GitHubClientOptions): GitHubClient {
  const counters: Counters = { requests: 0, notModified: 0, errors: 0 };
  const rate: RateLimitState = { waitedMs: 0 };
  const gate = opts.gate ?? new UpstreamGate({
    waitBudgetMs: opts.maxWaitMs,
    retries: opts.retries,
    retryBaseMs: opts.retryBaseMs,
  });
  const octokit: OctokitInstance = new OctokitWithPlugins({
    baseUrl: opts.baseUrl.replace(/\/+$/, ""),
    auth: opts.token,
    userAgent: opts.userAgent,
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    request: { fetch: conditionalFetch(opts, counters, rate, gate), signal: opts.signal },
  });
  const maxItemsDefault = opts.maxItems ?? 1000;

  async function get<T>(
    route: string,
    params: RouteParams,
    schema: z.ZodType<T>,
  ): Promise<GitHubResult<T>> {
    try {
      const res = await octokit.request(route, params);
      const notModified = (res.headers as Record<string, string>)[NOT_MODIFIED_HEADER] === "1";
      const parsed = schema.safeParse(res.status === 204 ? null : res.data);
      if (!parsed.success) {
        return {
          ok: false,
          status: res.status,
          reason: "error",
          message: schemaMessage(parsed.error),
        };
      }
      return { ok: true, status: res.status, data: parsed.data, notModified };
    } catch (e) {
      return classify(e, opts.token);
    }
  }

  async function paginate<T>(
    route: string,
    params: RouteParams,
    itemSchema: z.ZodType<T>,
    popts?: { maxItems?: number; partialOk?: boolean },
  ): Promise<GitHubResult<T[]>> {
    const maxItems = popts?.maxItems ?? maxItemsDefault;
    const items: T[] = [];
    let allNotModified = true;
    let status = 200;
    let pages = 0;
    let dropped = 0;
    let firstDrop: string | undefined;
    let partial: string | undefined;
    let failure: Extract<GitHubResult<never>, { ok: false }> | undefined;
    try {
      const iterator = octokit.paginate.iterator(route, { per_page: 100, ...params });
      for await (const page of iterator) {
        pages++;
        status = page.status;
        if ((page.headers as Record<string, string>)[NOT_MODIFIED_HEADER] !== "1") {
          allNotModified = false;
        }
        const data: unknown = page.data;
        if (!Array.isArray(data)) {
          failure = { ok: false, status, reason: "error", message: "expected a list" };
          break;
        }
        for (const raw of data) {
          if (items.length >= maxItems) {
            partial = `more than ${maxItems} items: not read in full`;
            break;
          }
          const parsed = itemSchema.safeParse(raw);
          if (!parsed.success) {
            dropped++;
            firstDrop ??= schemaMessage(parsed.error);
            continue;
          }
          items.push(parsed.data);
        }
        if (partial) break;
        if (pages >= MAX_PAGES && page.headers.link?.includes('rel="next"')) {
          partial = `more than ${MAX_PAGES} pages: not read in full`;
          break;
        }
        // Stop at the cap; one more page tells whether the list went on.
        if (items.length >= maxItems && !page.headers.link?.includes('rel="next"')) break;
      }
    } catch (e) {
      failure = classify(e, opts.token);
    }
    if (failure && pages <= 1 && items.length === 0) return failure;
    if (failure) partial = `a page after the first failed: ${failure.message}`;
    if (partial && !popts?.partialOk) {
      return {
        ok: false,
        status: failure?.status ?? status,
        reason: "not-observable",
        message: `not observable (partial): ${partial}`,
      };
    }
    if (dropped > 0 && items.length === 0) {
      return { ok: false, status, reason: "error", message: firstDrop! };
    }
    return {
      ok: true,
      status,
      data: items,
      notModified: allNotModified,
      ...(partial ? { partial } : {}),
      ...(dropped ? { dropped } : {}),
    };
  }

  return {
    get,
    paginate,
    stats: () => ({ ...counters }),
    rateLimit: () => ({ ...rate }),
  };
}
