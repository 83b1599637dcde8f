/**
 * Bounded artifact download: only from allowed hosts, redirects followed by hand (each hop
 * checked, at most 5), streamed to a temporary file with SHA-256 computed on the way, a size
 * cap and a timeout. Failures are result values, never exceptions; a file whose digest does
 * not match is deleted before anyone can inspect it.
 *
 * @example
 * ```ts
 * const result = await downloadArtifact(file.url, {
 *   allowedHosts: ["files.pythonhosted.org"],
 *   expectedSha256: file.digests.sha256,
 *   maxBytes: 1024 ** 3,
 *   timeoutMs: 30_000,
 *   userAgent: "release-auditor/0.1",
 *   dest: "/tmp/x/pip-24.2-py3-none-any.whl",
 * });
 * if (result.ok) await inspectArtifact(result.path, "pip-24.2-py3-none-any.whl", limits);
 * ```
 * @module
 */
import { createHash } from "node:crypto";
import { concatBytes } from "./bytes.ts";
import { redact } from "./redact.ts";
import { hostOf, type UpstreamGate } from "./upstream_gate.ts";

/** Options of {@link downloadArtifact}. */
export interface DownloadOptions {
  /**
   * Hosts that may serve the file or a redirect: `files.pythonhosted.org` (https, default
   * port) or `host:port`. Plain http is allowed only for `127.0.0.1`, `localhost` and `[::1]`
   * listed with their port (test servers).
   */
  allowedHosts: string[];
  /** Expected SHA-256, hex. */
  expectedSha256: string;
  /** Size cap in bytes. */
  maxBytes: number;
  /** Whole-download timeout (headers and body), in milliseconds. */
  timeoutMs: number;
  userAgent: string;
  /** Final path of the file; written only when the digest matches. */
  dest: string;
  signal?: AbortSignal;
  /** The sweep's gate: a skipped host is not asked; time-outs and 5xx count toward its circuit. */
  gate?: UpstreamGate;
  /**
   * Time for the headers, and after which a body slower than `minBytesPerSecond` is abandoned
   * (default a quarter of `timeoutMs`): a hanging or trickling host costs this, not `timeoutMs`.
   */
  stallMs?: number;
  /** Slowest acceptable average rate once `stallMs` has passed (default 16 KiB/s). */
  minBytesPerSecond?: number;
}

/** Why a download failed. */
export type DownloadFailure =
  | { ok: false; reason: "digest-mismatch"; actual: string; detail: string }
  | {
    ok: false;
    reason: "refused-host" | "too-large" | "timeout" | "http-status" | "network";
    detail: string;
  };

/** Outcome of {@link downloadArtifact}. */
export type DownloadResult =
  | {
    ok: true;
    /** Where the verified file is (`opts.dest`). */
    path: string;
    sha256: string;
    size: number;
    /** The URL the bytes came from, after redirects. */
    finalUrl: string;
    redirects: number;
  }
  | DownloadFailure;

const MAX_REDIRECTS = 5;
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * Why `url` may not be fetched under `allowedHosts`, or undefined when it may.
 *
 * @example
 * ```ts
 * refusalReason(new URL("http://evil.example/x"), ["files.pythonhosted.org"]); // "…"
 * ```
 */
export function refusalReason(url: URL, allowedHosts: string[]): string | undefined {
  if (url.username || url.password) return "URL carries credentials";
  const hostPort = url.port ? `${url.hostname}:${url.port}` : url.hostname;
  const allowed = allowedHosts.some((h) => h.toLowerCase() === hostPort.toLowerCase());
  if (url.protocol === "https:") {
    return allowed ? undefined : `host ${JSON.stringify(hostPort.slice(0, 300))} is not allowed`;
  }
  if (url.protocol === "http:") {
    if (!LOOPBACK.has(url.hostname) || !url.port) return "plain http is refused";
    return allowed ? undefined : `host ${JSON.stringify(hostPort)} is not allowed`;
  }
  return `scheme ${JSON.stringify(url.protocol.slice(0, 20))} is refused`;
}

/**
 * Download `url` to `opts.dest` if and only if its SHA-256 matches.
 * Never throws for network, server or content problems.
 */
export async function downloadArtifact(
  url: string,
  opts: DownloadOptions,
): Promise<DownloadResult> {
  const expected = opts.expectedSha256.toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(expected)) {
    return {
      ok: false,
      reason: "digest-mismatch",
      actual: "",
      detail: "expected digest is not SHA-256 hex",
    };
  }
  const host = hostOf(url);
  const skip = opts.gate?.skipped(host);
  if (skip) return { ok: false, reason: "timeout", detail: redact(skip.message).slice(0, 300) };
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), opts.timeoutMs);
  const stallMs = opts.stallMs ?? Math.ceil(opts.timeoutMs / 4);
  const minRate = opts.minBytesPerSecond ?? 16 * 1024;
  const started = Date.now();
  const progress = { bytes: 0 };
  // Headers within stallMs, then at least minRate on average: else give up as a time-out.
  const stall = setInterval(() => {
    const elapsed = Date.now() - started;
    if (elapsed >= stallMs && progress.bytes < (minRate * elapsed) / 1000) timeout.abort();
  }, Math.max(10, Math.min(250, Math.floor(stallMs / 4))));
  const signal = opts.signal ? AbortSignal.any([timeout.signal, opts.signal]) : timeout.signal;
  const temp = `${opts.dest}.part-${crypto.randomUUID()}`;
  try {
    const response = await fetchFollowing(url, opts, signal);
    if (!response.ok) {
      if (response.failure.reason === "http-status" && /HTTP 5\d\d/.test(response.failure.detail)) {
        opts.gate?.failed(host, "answered HTTP 5xx");
      }
      return response.failure;
    }
    const streamed = await streamToFile(response.value, temp, opts.maxBytes, signal, progress);
    if (!streamed.ok) return streamed;
    if (streamed.sha256 !== expected) {
      return {
        ok: false,
        reason: "digest-mismatch",
        actual: streamed.sha256,
        detail: `expected sha256 ${expected}, got ${streamed.sha256}`,
      };
    }
    await Deno.rename(temp, opts.dest);
    return {
      ok: true,
      path: opts.dest,
      sha256: streamed.sha256,
      size: streamed.size,
      finalUrl: response.finalUrl,
      redirects: response.redirects,
    };
  } catch (e) {
    if (timeout.signal.aborted) {
      opts.gate?.timedOut(host);
      return {
        ok: false,
        reason: "timeout",
        detail: `no complete response in time (${progress.bytes} bytes after ${
          Date.now() - started
        } ms)`,
      };
    }
    if (opts.signal?.aborted) return { ok: false, reason: "network", detail: "aborted by caller" };
    return { ok: false, reason: "network", detail: oneLine(e) };
  } finally {
    clearTimeout(timer);
    clearInterval(stall);
    await Deno.remove(temp).catch(() => undefined);
  }
}

type Fetched =
  | { ok: true; value: Response; finalUrl: string; redirects: number }
  | { ok: false; failure: DownloadFailure };

async function fetchFollowing(
  start: string,
  opts: DownloadOptions,
  signal: AbortSignal,
): Promise<Fetched> {
  let current: URL;
  try {
    current = new URL(start);
  } catch {
    return { ok: false, failure: { ok: false, reason: "refused-host", detail: "invalid URL" } };
  }
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const refusal = refusalReason(current, opts.allowedHosts);
    if (refusal) {
      return { ok: false, failure: { ok: false, reason: "refused-host", detail: refusal } };
    }
    const response = await fetch(current, {
      redirect: "manual",
      signal,
      headers: { "user-agent": opts.userAgent, "accept-encoding": "identity" },
    });
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      const location = response.headers.get("location");
      if (!location) {
        return fail("http-status", `HTTP ${response.status} without a Location header`);
      }
      try {
        current = new URL(location, current);
      } catch {
        return fail("refused-host", "redirect to an invalid URL");
      }
      continue;
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      return fail("http-status", `HTTP ${response.status}`);
    }
    const length = Number(response.headers.get("content-length") ?? "NaN");
    if (Number.isFinite(length) && length > opts.maxBytes) {
      await response.body?.cancel();
      return fail("too-large", `Content-Length ${length} exceeds ${opts.maxBytes} bytes`);
    }
    return { ok: true, value: response, finalUrl: current.href, redirects: hop };
  }
  return fail("http-status", `more than ${MAX_REDIRECTS} redirects`);
}

function fail(
  reason: Exclude<DownloadFailure["reason"], "digest-mismatch">,
  detail: string,
): Fetched {
  return { ok: false, failure: { ok: false, reason, detail } };
}

type Streamed = { ok: true; sha256: string; size: number } | DownloadFailure;

async function streamToFile(
  response: Response,
  path: string,
  maxBytes: number,
  signal: AbortSignal,
  progress: { bytes: number },
): Promise<Streamed> {
  const hash = createHash("sha256");
  let size = 0;
  const file = await Deno.open(path, { write: true, createNew: true, mode: 0o600 });
  try {
    if (!response.body) return { ok: true, sha256: hash.digest("hex"), size: 0 };
    const reader = response.body.getReader();
    try {
      while (true) {
        signal.throwIfAborted();
        const { done, value } = await reader.read();
        if (done) break;
        size += value.length;
        progress.bytes = size;
        if (size > maxBytes) {
          await reader.cancel();
          return { ok: false, reason: "too-large", detail: `body exceeds ${maxBytes} bytes` };
        }
        hash.update(value);
        for (let at = 0; at < value.length;) at += await file.write(value.subarray(at));
      }
    } finally {
      reader.releaseLock();
    }
  } finally {
    file.close();
  }
  return { ok: true, sha256: hash.digest("hex"), size };
}

function oneLine(e: unknown): string {
  const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return redact(text.split("\n")[0]).slice(0, 300);
}

/**
 * Download into memory (no file: Deno Deploy, `--deny-write`), with the same host allow-list,
 * redirects, size cap and digest check as {@link downloadArtifact}. Memory is bounded by
 * `opts.maxBytes` (the configured download limit).
 *
 * @example
 * ```ts
 * const got = await downloadArtifactBytes(file.url, { allowedHosts, expectedSha256, maxBytes, timeoutMs, userAgent });
 * if (got.ok) console.log(got.bytes.length);
 * ```
 */
export async function downloadArtifactBytes(
  url: string,
  opts: Omit<DownloadOptions, "dest">,
): Promise<{ ok: true; bytes: Uint8Array; sha256: string } | DownloadFailure> {
  const expected = opts.expectedSha256.toLowerCase();
  const host = hostOf(url);
  const skip = opts.gate?.skipped(host);
  if (skip) return { ok: false, reason: "timeout", detail: redact(skip.message).slice(0, 300) };
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([timeout.signal, opts.signal]) : timeout.signal;
  try {
    const response = await fetchFollowing(url, { ...opts, dest: "" }, signal);
    if (!response.ok) {
      if (response.failure.reason === "http-status" && /HTTP 5\d\d/.test(response.failure.detail)) {
        opts.gate?.failed(host, "answered HTTP 5xx");
      }
      return response.failure;
    }
    const hash = createHash("sha256");
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const value of response.value.body ?? []) {
      signal.throwIfAborted();
      size += value.length;
      if (size > opts.maxBytes) {
        await response.value.body?.cancel().catch(() => undefined);
        return { ok: false, reason: "too-large", detail: `body exceeds ${opts.maxBytes} bytes` };
      }
      hash.update(value);
      chunks.push(value);
    }
    const sha256 = hash.digest("hex");
    if (sha256 !== expected) {
      return {
        ok: false,
        reason: "digest-mismatch",
        actual: sha256,
        detail: `expected sha256 ${expected}, got ${sha256}`,
      };
    }
    return { ok: true, bytes: concatBytes(chunks), sha256 };
  } catch (e) {
    if (timeout.signal.aborted) opts.gate?.timedOut(host);
    return failureOf(e, timeout.signal, opts);
  } finally {
    clearTimeout(timer);
  }
}

/** Why a download threw: its own timeout, the caller's abort, or the network. */
function failureOf(
  e: unknown,
  timeout: AbortSignal,
  opts: Pick<DownloadOptions, "timeoutMs" | "signal">,
): DownloadFailure {
  if (timeout.aborted) {
    return {
      ok: false,
      reason: "timeout",
      detail: `no complete response within ${opts.timeoutMs} ms`,
    };
  }
  if (opts.signal?.aborted) return { ok: false, reason: "network", detail: "aborted by caller" };
  return { ok: false, reason: "network", detail: oneLine(e) };
}
