/**
 * A fault-injecting HTTP proxy in front of the sandbox (a real `Deno.serve` on 127.0.0.1): each
 * request is forwarded to the sandbox unless the test's {@link Fault} answers it instead (5xx,
 * rate limits, hangs, trickles, huge or malformed bodies, redirects, echoed credentials…).
 * Absolute sandbox URLs in forwarded bodies are rewritten to the proxy, so file downloads go
 * through it too.
 *
 * @example
 * ```ts
 * const proxy = await startFaultProxy(sandbox, (req) => req.url.includes("/pypi/") ? status(500) : undefined);
 * // configure the auditor with proxy.pypiUrl, proxy.githubUrl, proxy.fileHost
 * await proxy.close();
 * ```
 * @module
 */
import type { Sandbox } from "../src/sandbox/server.ts";

/** What the test may look at when deciding a fault. */
export interface FaultContext {
  /** The proxy's own base URL. */
  base: string;
  /** The token the client sent (`Authorization: token X` / `Bearer X`), if any. */
  token?: string;
  /** Forward the request to the sandbox (rewritten), for faults that alter a real answer. */
  forward(): Promise<Response>;
}

/** Answer a request instead of the sandbox, or undefined to forward it. */
export type Fault = (
  req: Request,
  ctx: FaultContext,
) => Response | undefined | Promise<Response | undefined>;

/** A running proxy, with the sandbox URL shapes. */
export interface FaultProxy {
  pypiUrl: string;
  githubUrl: string;
  fileHost: string;
  base: string;
  /** Requests received, by path. */
  requests: string[];
  close(): Promise<void>;
}

/** Start the proxy on an ephemeral port. */
export function startFaultProxy(sandbox: Sandbox, fault: Fault): FaultProxy {
  const target = sandbox.pypiUrl;
  const requests: string[] = [];
  const ref: { base: string } = { base: "" };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    requests.push(url.pathname + url.search);
    const auth = req.headers.get("authorization") ?? "";
    const token = auth.replace(/^(token|bearer)\s+/i, "") || undefined;
    const forward = async () => {
      const headers = new Headers(req.headers);
      headers.delete("host");
      const r = await fetch(target + url.pathname + url.search, {
        headers,
        redirect: "manual",
        signal: req.signal,
      });
      const type = r.headers.get("content-type") ?? "";
      const out = new Headers(r.headers);
      const location = out.get("location");
      if (location) out.set("location", location.split(target).join(ref.base));
      if (!/json|html|text/.test(type)) {
        return new Response(r.body, { status: r.status, headers: out });
      }
      const text = (await r.text()).split(target).join(ref.base);
      out.delete("content-length");
      out.delete("etag");
      return new Response(r.status === 304 ? null : text, { status: r.status, headers: out });
    };
    try {
      const answer = await fault(req, { base: ref.base, token, forward });
      return answer ?? await forward();
    } catch {
      return new Response("proxy error", { status: 502 });
    }
  });
  const port = (server.addr as Deno.NetAddr).port;
  ref.base = `http://127.0.0.1:${port}`;
  return {
    base: ref.base,
    pypiUrl: ref.base,
    githubUrl: `${ref.base}/github`,
    fileHost: `127.0.0.1:${port}`,
    requests,
    close: () => server.shutdown(),
  };
}

/** A plain status answer (JSON body) with optional headers. */
export function status(code: number, body: unknown = { message: `HTTP ${code}` }, headers = {}) {
  return Response.json(body, { status: code, headers });
}

/** Never answers until the client gives up (the request's signal aborts). */
export function hang(req: Request): Promise<Response> {
  return new Promise((resolve) => {
    req.signal.addEventListener("abort", () => resolve(new Response(null, { status: 499 })), {
      once: true,
    });
  });
}

/** A 200 whose body arrives one byte per `everyMs` (default 1 s), forever. */
export function trickle(req: Request, type = "application/json", everyMs = 1000): Response {
  let timer: ReturnType<typeof setInterval> | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode("{"));
      timer = setInterval(() => {
        try {
          controller.enqueue(new TextEncoder().encode(" "));
        } catch {
          clearInterval(timer);
        }
      }, everyMs);
      req.signal.addEventListener("abort", () => clearInterval(timer), { once: true });
    },
    cancel() {
      clearInterval(timer);
    },
  });
  return new Response(body, { headers: { "content-type": type } });
}

/**
 * A 200 of `total` bytes produced lazily (chunks made on demand, never allocated whole), with
 * no Content-Length unless `declare` is set.
 */
export function hugeBody(total: number, type = "application/json", declare = false): Response {
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= total) return controller.close();
      const n = Math.min(chunk.length, total - sent);
      sent += n;
      controller.enqueue(n === chunk.length ? chunk : chunk.subarray(0, n));
    },
  }, { highWaterMark: 1 });
  const headers: Record<string, string> = { "content-type": type };
  if (declare) headers["content-length"] = String(total);
  return new Response(body, { headers });
}

let bomb: Uint8Array | undefined;

/** A gzip stream (~64 KiB) that inflates to 64 MiB of spaces, served with Content-Encoding. */
export async function gzipBomb(type = "application/json"): Promise<Response> {
  if (!bomb) {
    const stream = hugeBody(64 * 1024 * 1024).body!.pipeThrough(new CompressionStream("gzip"));
    bomb = new Uint8Array(await new Response(stream).arrayBuffer());
  }
  return new Response(bomb as Uint8Array<ArrayBuffer>, {
    headers: { "content-type": type, "content-encoding": "gzip" },
  });
}
