/**
 * How a sweep treats a failing or rate-limiting upstream, per host: one wait budget for the
 * whole sweep (`[upstream] wait_budget_ms`), `Retry-After` / `x-ratelimit-reset` obeyed while
 * the budget lasts, retries with jittered exponential backoff on 5xx and network errors, and a
 * circuit breaker that skips a host for the rest of the sweep after a few consecutive failures.
 * A skipped host answers at once with a refusal whose checks are "not observable until T", so a
 * failing upstream costs seconds, not minutes.
 *
 * Every HTTP client of a sweep (GitHub, PyPI, file hosts) sends through {@link sendWithPolicy}
 * with the sweep's {@link UpstreamGate}.
 *
 * @example
 * ```ts
 * const gate = new UpstreamGate({ waitBudgetMs: 10_000 });
 * const r = await sendWithPolicy("https://pypi.org/simple/pip/", {}, { gate, timeoutMs: 5_000 });
 * if (r.skipped) console.log(r.skipped.message);
 * ```
 * @module
 */

/** Options of {@link UpstreamGate}. */
export interface GateOptions {
  /** Total time the sweep may spend waiting (rate limits and backoff), in ms (default 60 s). */
  waitBudgetMs?: number;
  /** Consecutive failures (5xx, network, timeout) that open a host's circuit (default 3). */
  breakerFailures?: number;
  /** Retries of a 5xx or network error (default 2). */
  retries?: number;
  /** Base delay of the backoff (default 500 ms); attempt n waits base·2ⁿ·[0.5, 1). */
  retryBaseMs?: number;
  now?: () => number;
  random?: () => number;
}

/** Why a host is skipped for the rest of the sweep. */
export interface HostSkip {
  host: string;
  /** Epoch ms after which the host could be asked again (unknown for an open circuit). */
  until?: number;
  message: string;
}

/** The sweep-wide state of every upstream host. */
export class UpstreamGate {
  readonly waitBudgetMs: number;
  readonly retries: number;
  readonly retryBaseMs: number;
  readonly breakerFailures: number;
  /** Time spent waiting so far in this sweep. */
  waitedMs = 0;
  #skips = new Map<string, HostSkip>();
  #failures = new Map<string, number>();
  #now: () => number;
  #random: () => number;

  constructor(opts: GateOptions = {}) {
    this.waitBudgetMs = opts.waitBudgetMs ?? 60_000;
    this.retries = opts.retries ?? 2;
    this.retryBaseMs = opts.retryBaseMs ?? 500;
    this.breakerFailures = opts.breakerFailures ?? 3;
    this.#now = opts.now ?? Date.now;
    this.#random = opts.random ?? Math.random;
  }

  /** Why `host` is skipped, or undefined when it may be asked. */
  skipped(host: string): HostSkip | undefined {
    return this.#skips.get(host);
  }

  /** Hosts skipped so far (for the sweep record). */
  skips(): HostSkip[] {
    return [...this.#skips.values()];
  }

  /** Skip `host` for the rest of the sweep. */
  skip(host: string, message: string, until?: number): HostSkip {
    const existing = this.#skips.get(host);
    if (existing) return existing;
    const skip = { host, message, ...(until !== undefined ? { until } : {}) };
    this.#skips.set(host, skip);
    return skip;
  }

  /** A request to `host` succeeded (closes the failure count). */
  succeeded(host: string): void {
    this.#failures.set(host, 0);
  }

  /** A request to `host` failed; opens the circuit after {@link breakerFailures} in a row. */
  failed(host: string, why: string): void {
    const n = (this.#failures.get(host) ?? 0) + 1;
    this.#failures.set(host, n);
    if (n >= this.breakerFailures) {
      this.skip(
        host,
        `${host} ${why}: skipped for the rest of this sweep after ${n} failures in a row`,
      );
    }
  }

  /**
   * A request to `host` timed out (headers or body): it counts double, so that a hanging host
   * is skipped after two time-outs in a row (a sequence of requests costs at most 2× the
   * time-out).
   */
  timedOut(host: string): void {
    this.#failures.set(host, (this.#failures.get(host) ?? 0) + 1);
    this.failed(host, "did not answer in time");
  }

  /**
   * Wait `ms` if the sweep's budget allows it; false (without waiting) when it does not.
   */
  async wait(ms: number, signal?: AbortSignal): Promise<boolean> {
    const wait = Math.max(0, Math.ceil(ms));
    if (this.waitedMs + wait > this.waitBudgetMs) return false;
    this.waitedMs += wait;
    if (wait > 0) await sleep(wait, signal);
    return true;
  }

  /** Backoff before retry `attempt` (0-based): base·2ⁿ, jittered into [half, whole). */
  backoffMs(attempt: number): number {
    const full = this.retryBaseMs * 2 ** attempt;
    return Math.round(full / 2 + (full / 2) * this.#random());
  }

  /** Current time (ms). */
  now(): number {
    return this.#now();
  }
}

/** Sleep `ms`, rejecting when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Options of {@link sendWithPolicy}. */
export interface SendOptions {
  gate: UpstreamGate;
  /** Per-attempt time-out (headers; the caller's signal bounds the body). */
  timeoutMs: number;
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

/** The outcome of {@link sendWithPolicy}: a response, or the host is skipped. */
export type Sent =
  | {
    response: Response;
    /** The attempt's time-out, which also bounds reading the body. */
    timeout: AbortSignal;
    skipped?: undefined;
  }
  | { response?: undefined; skipped: HostSkip };

/**
 * The host (with port) of a URL, the key of every per-host budget and circuit; an unparsable
 * URL gets one shared key.
 *
 * @example
 * ```ts
 * hostOf("https://pypi.org/simple/"); // "pypi.org"
 * ```
 */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "(invalid url)";
  }
}

/**
 * When a response asks the client to come back later: a 429, or a 403 with
 * `x-ratelimit-remaining: 0` or `retry-after` (GitHub's primary and secondary limits). Returns
 * the wait in ms (from `Retry-After` seconds or `x-ratelimit-reset`), or undefined.
 *
 * @example
 * ```ts
 * rateLimitWait(new Response(null, { status: 429, headers: { "retry-after": "3" } }), 0); // 3000
 * ```
 */
export function rateLimitWait(response: Response, now: number): number | undefined {
  const status = response.status;
  if (status !== 429 && status !== 403) return undefined;
  const h = response.headers;
  const after = h.get("retry-after")?.trim();
  const remaining = h.get("x-ratelimit-remaining")?.trim();
  if (status === 403 && after === undefined && remaining !== "0") return undefined;
  if (after !== undefined && /^\d{1,9}$/.test(after)) return Number(after) * 1000;
  if (after !== undefined) {
    const at = Date.parse(after);
    if (Number.isFinite(at)) return Math.max(0, at - now);
  }
  const reset = h.get("x-ratelimit-reset")?.trim();
  if (reset && /^\d{1,16}$/.test(reset)) {
    const n = Number(reset);
    return Math.max(0, (n > 1e11 ? n : n * 1000) - now);
  }
  return 60_000; // a limit without a time: GitHub documents one minute for secondary limits
}

/**
 * Send one request under the sweep's policy: skipped hosts answer at once; a rate limit is
 * waited out within the budget (else the host is skipped until its reset); 5xx and network
 * errors are retried with jittered backoff (within the budget) and open the circuit when they
 * persist; a time-out is not retried (a hanging host rarely recovers in seconds) but counts
 * toward the circuit. Throws like `fetch` for the last network error or an abort.
 */
export async function sendWithPolicy(
  url: string,
  init: RequestInit,
  opts: SendOptions,
): Promise<Sent> {
  const { gate } = opts;
  const host = hostOf(url);
  const doFetch = opts.fetch ?? fetch;
  for (let attempt = 0;; attempt++) {
    const skip = gate.skipped(host);
    if (skip) return { skipped: skip };
    const timeout = AbortSignal.timeout(opts.timeoutMs);
    const signals = [timeout];
    if (opts.signal) signals.push(opts.signal);
    if (init.signal) signals.push(init.signal);
    let response: Response;
    try {
      const headers = new Headers(init.headers);
      // Deno's fetch inflates gzip eagerly and without a bound; asking for identity keeps a
      // gzip bomb out, and a body compressed anyway is inflated here, lazily (see decoded).
      headers.set("accept-encoding", "identity");
      response = decoded(
        await doFetch(url, { ...init, headers, signal: AbortSignal.any(signals) }),
      );
    } catch (e) {
      const aborted = opts.signal?.aborted || init.signal?.aborted;
      if (aborted) throw e;
      if (timeout.aborted) gate.timedOut(host);
      else gate.failed(host, "unreachable");
      if (timeout.aborted || attempt >= gate.retries) throw e;
      if (!(await gate.wait(gate.backoffMs(attempt), opts.signal))) throw e;
      continue;
    }
    const limitWait = rateLimitWait(response, gate.now());
    if (limitWait !== undefined) {
      if (attempt < gate.retries && (await gate.wait(limitWait, opts.signal))) {
        await response.body?.cancel().catch(() => {});
        continue;
      }
      const until = gate.now() + limitWait;
      gate.skip(
        host,
        `${host} rate limited: not observable until ${new Date(until).toISOString()}`,
        until,
      );
      return { response, timeout };
    }
    if (response.status >= 500) {
      gate.failed(host, `answered HTTP ${response.status}`);
      if (
        attempt < gate.retries && !gate.skipped(host) &&
        (await gate.wait(gate.backoffMs(attempt), opts.signal))
      ) {
        await response.body?.cancel().catch(() => {});
        continue;
      }
      return { response, timeout };
    }
    gate.succeeded(host);
    return { response, timeout };
  }
}

/**
 * A response whose body is inflated lazily when it came compressed although identity was asked
 * for (readers apply their own size caps to the inflated stream, so a gzip bomb stops at the cap).
 *
 * @example
 * ```ts
 * const r = decoded(await fetch(url, { headers: { "accept-encoding": "identity" } }));
 * ```
 */
export function decoded(response: Response): Response {
  const encoding = response.headers.get("content-encoding")?.trim().toLowerCase();
  if (!encoding || encoding === "identity" || !response.body) return response;
  const format = encoding === "gzip" || encoding === "x-gzip"
    ? "gzip"
    : encoding === "deflate"
    ? "deflate"
    : undefined;
  const headers = new Headers(response.headers);
  headers.delete("content-encoding");
  headers.delete("content-length");
  const body = format
    ? response.body.pipeThrough(slices(INFLATE_SLICE)).pipeThrough(
      new DecompressionStream(format) as unknown as TransformStream<Uint8Array, Uint8Array>,
    )
    : errorStream(`unsupported content-encoding ${encoding.slice(0, 40)}`);
  if (!format) response.body.cancel().catch(() => {});
  const out = new Response(body, { status: response.status, headers });
  Object.defineProperty(out, "url", { value: response.url });
  return out;
}

/**
 * Compressed bytes are fed to the inflater in small slices: deflate expands at most ~1032:1, so
 * one slice inflates to about a MiB, not a whole bomb in one chunk.
 */
const INFLATE_SLICE = 1024;

function slices(size: number): TransformStream<Uint8Array, Uint8Array> {
  return new TransformStream(
    {
      transform(chunk, controller) {
        for (let at = 0; at < chunk.length; at += size) {
          controller.enqueue(chunk.subarray(at, Math.min(chunk.length, at + size)));
        }
      },
    },
    undefined,
    { highWaterMark: 1 },
  );
}

function errorStream(message: string): ReadableStream<Uint8Array> {
  return new ReadableStream({ start: (c) => c.error(new TypeError(message)) });
}

/** Response standing for a skipped host (status 503, `x-auditor-skipped: 1`). */
export function skippedResponse(skip: HostSkip, url: string): Response {
  const response = Response.json(
    { message: skip.message },
    {
      status: 503,
      headers: {
        "x-auditor-skipped": "1",
        ...(skip.until !== undefined ? { "x-auditor-until": String(skip.until) } : {}),
      },
    },
  );
  Object.defineProperty(response, "url", { value: url });
  return response;
}

const gates = new WeakMap<object, UpstreamGate>();

/**
 * The gate of a sweep from its job context (`[upstream]` wait budget, retries, breaker): every
 * client of one sweep shares it.
 *
 * @example
 * ```ts
 * const gate = sweepGate(ctx);
 * ```
 */
export function sweepGate(ctx: { config: { upstream: UpstreamConfig } }): UpstreamGate {
  const u = ctx.config.upstream;
  return gateFor(ctx, {
    waitBudgetMs: u.wait_budget_ms,
    retries: u.retries,
    retryBaseMs: u.retry_base_ms,
    breakerFailures: u.breaker_failures,
  });
}

/** The `[upstream]` keys the gate reads. */
interface UpstreamConfig {
  wait_budget_ms: number;
  retries: number;
  retry_base_ms: number;
  breaker_failures: number;
}

/**
 * The gate of a sweep, keyed by an object that lives as long as the sweep (its job context).
 *
 * @example
 * ```ts
 * const gate = gateFor(ctx, { waitBudgetMs: ctx.config.upstream.wait_budget_ms });
 * ```
 */
export function gateFor(owner: object, opts: GateOptions = {}): UpstreamGate {
  let gate = gates.get(owner);
  if (!gate) {
    gate = new UpstreamGate(opts);
    gates.set(owner, gate);
  }
  return gate;
}

/** Bytes of upstream bodies all requests of the process may hold while reading (64 MiB). */
export const BODY_POOL_BYTES = 64 * 1024 * 1024;
let pooled = 0;

/** The outcome of {@link readPooled}. */
export type PooledRead =
  | { ok: true; body: Uint8Array }
  | { ok: false; why: "too-large" | "memory" };

/**
 * Read a body whole under its own cap and under one process-wide pool of bytes in flight
 * ({@link BODY_POOL_BYTES}): many concurrent requests to a hostile upstream (2 GB bodies, gzip
 * bombs) cannot together hold more than the pool; a read that would overflow it stops as
 * `memory` (the caller reports the check as not observable). Cancels the stream on a stop.
 *
 * @example
 * ```ts
 * const r = await readPooled(response.body, 32 << 20);
 * if (r.ok) console.log(r.body.length);
 * ```
 */
export async function readPooled(
  stream: ReadableStream<Uint8Array> | null,
  maxBytes: number,
  pool = BODY_POOL_BYTES,
): Promise<PooledRead> {
  if (!stream) return { ok: true, body: new Uint8Array() };
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      pooled += value.byteLength;
      if (total > maxBytes || pooled > pool) {
        await reader.cancel().catch(() => {});
        return { ok: false, why: total > maxBytes ? "too-large" : "memory" };
      }
      parts.push(value);
    }
  } finally {
    pooled -= total;
    reader.releaseLock();
  }
  if (parts.length === 1) return { ok: true, body: parts[0] };
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return { ok: true, body: out };
}
