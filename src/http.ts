/**
 * Bounded HTTP for upstream APIs: time-outs, response-size caps, a descriptive User-Agent,
 * and conditional requests whose validators (ETag / Last-Modified) and bodies live in KV, so
 * that an unchanged resource costs a 304.
 *
 * Failures are values ({@link HttpFailure}), never exceptions, so that a job can turn them
 * into "not observable" scopes.
 *
 * @module
 */
import { conditionalHeaders, readCached, rememberResponse } from "./state/http_cache.ts";
import { redact, redactConfigured } from "./redact.ts";
import { hostOf, readPooled, sendWithPolicy, UpstreamGate } from "./upstream_gate.ts";

/** Identifies the auditor to upstream operators. */
export const USER_AGENT =
  "release-auditor/0.1 (+https://github.com/release-auditor; security audit)";

/** Options common to every request. */
export interface HttpOptions {
  timeoutMs: number;
  maxBytes: number;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  fetch?: typeof fetch;
  /** The sweep's gate: wait budget, retries with backoff, circuit breaker (default: one per call). */
  gate?: UpstreamGate;
}

/** A successful response, fully read (within the cap). */
export interface HttpSuccess {
  ok: true;
  status: number;
  url: string;
  headers: Headers;
  body: Uint8Array;
  /** Served from the KV cache after a 304. */
  notModified: boolean;
}

/** Why a request failed. `status` is set for HTTP errors. */
export interface HttpFailure {
  ok: false;
  reason: "timeout" | "too-large" | "network" | "http-status" | "refused" | "skipped";
  status?: number;
  /** One line, safe to show (no secrets, no upstream-controlled control characters). */
  message: string;
}

/** Result of a request. */
export type HttpResult = HttpSuccess | HttpFailure;

/** Strip control characters and bound the length of text that came from upstream. */
export function safeText(text: string, max = 200): string {
  // deno-lint-ignore no-control-regex
  const clean = redact(text).replace(/[\u0000-\u001f\u007f-\u009f]/g, "?");
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/**
 * GET a URL with a time-out and a size cap.
 *
 * @example
 * ```ts
 * const r = await fetchBounded("https://pypi.org/simple/pip/", { timeoutMs: 10_000, maxBytes: 1 << 20 });
 * if (r.ok) console.log(r.body.length);
 * ```
 */
export async function fetchBounded(url: string, opts: HttpOptions): Promise<HttpResult> {
  let response: Response;
  let timeout: AbortSignal | undefined;
  try {
    const sent = await sendWithPolicy(url, {
      headers: { "user-agent": USER_AGENT, ...opts.headers },
      redirect: "follow",
    }, {
      gate: opts.gate ?? new UpstreamGate({ retries: 0 }),
      timeoutMs: opts.timeoutMs,
      fetch: opts.fetch,
      signal: opts.signal,
    });
    if (sent.skipped) {
      return { ok: false, reason: "skipped", message: safeText(sent.skipped.message) };
    }
    response = sent.response;
    timeout = sent.timeout;
  } catch (e) {
    return failure(e, url, timeout ?? AbortSignal.timeout(0), opts.signal);
  }
  if (response.status === 304) {
    await response.body?.cancel();
    return {
      ok: true,
      status: 304,
      url,
      headers: response.headers,
      body: new Uint8Array(),
      notModified: true,
    };
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    const skip = opts.gate?.skipped(hostOf(url));
    return {
      ok: false,
      reason: "http-status",
      status: response.status,
      message: skip ? safeText(skip.message) : `${hostOf(url)} answered HTTP ${response.status}`,
    };
  }
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > opts.maxBytes) {
    await response.body?.cancel();
    return tooLarge(url, opts.maxBytes);
  }
  try {
    const read = await readPooled(response.body, opts.maxBytes);
    if (!read.ok && read.why === "memory") {
      return {
        ok: false,
        reason: "too-large",
        message: `${
          hostOf(url)
        }: response not read: upstream bodies in flight exceed the memory budget`,
      };
    }
    if (!read.ok) return tooLarge(url, opts.maxBytes);
    const raw = read.body;
    const body = redactTextBody(raw, response.headers.get("content-type") ?? "");
    return {
      ok: true,
      status: response.status,
      url,
      headers: response.headers,
      body,
      notModified: false,
    };
  } catch (e) {
    return failure(e, url, timeout, opts.signal);
  }
}

/**
 * The redaction step of the boundary for bodies: a textual body (JSON, HTML, text) loses every
 * configured secret an upstream echoed; binary bodies (artifacts, digests checked) stay exact.
 */
function redactTextBody(body: Uint8Array, contentType: string): Uint8Array {
  if (!/json|html|text|xml/i.test(contentType) || body.byteLength === 0) return body;
  const text = new TextDecoder().decode(body);
  const clean = redactConfigured(text);
  return clean === text ? body : new TextEncoder().encode(clean);
}

function tooLarge(url: string, max: number): HttpFailure {
  return {
    ok: false,
    reason: "too-large",
    message: `${hostOf(url)}: response larger than ${max} bytes`,
  };
}

function failure(
  e: unknown,
  url: string,
  timeout: AbortSignal,
  caller?: AbortSignal,
): HttpFailure {
  if (!caller?.aborted && (timeout.aborted || isTimeout(e))) {
    return { ok: false, reason: "timeout", message: `${hostOf(url)} did not answer in time` };
  }
  const name = e instanceof Error ? e.name : "Error";
  return { ok: false, reason: "network", message: `${hostOf(url)} unreachable (${name})` };
}

function isTimeout(e: unknown): boolean {
  return e instanceof Error && (e.name === "TimeoutError" ||
    (e.name === "AbortError" && /timed? ?out/i.test(e.message)));
}

/**
 * GET with conditional-request validators kept in KV (see `state/http_cache.ts`). A 304
 * returns the cached body with `notModified: true`. Bodies too large to cache are fetched
 * whole each time.
 */
export async function conditionalGet(
  kv: Deno.Kv,
  url: string,
  opts: HttpOptions,
): Promise<HttpResult> {
  const cached = await readCached(kv, url);
  const headers: Record<string, string> = { ...opts.headers, ...conditionalHeaders(cached) };
  const result = await fetchBounded(url, { ...opts, headers });
  if (!result.ok) return result;
  if (result.notModified) {
    if (!cached) {
      return {
        ok: false,
        reason: "http-status",
        status: 304,
        message: `${hostOf(url)}: unexpected 304`,
      };
    }
    const h = new Headers({ "content-type": cached.contentType });
    return { ...result, headers: h, body: cached.body };
  }
  await rememberResponse(kv, url, result.headers, result.body, { contentType: "" });
  return result;
}
