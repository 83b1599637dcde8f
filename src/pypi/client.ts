/**
 * PyPI client: the JSON API and the Simple API (PEP 691 JSON, PEP 503 HTML), validated with
 * zod, against configurable base URLs, with conditional requests kept in KV.
 *
 * @example
 * ```ts
 * const pypi = new PypiClient({ baseUrl: "https://pypi.org", kv, timeoutMs: 30_000, maxBytes: 32 << 20 });
 * const page = await pypi.simple("sampleproject");
 * ```
 * @module
 */
import type { z } from "zod";
import { conditionalGet, type HttpFailure, type HttpOptions, safeText } from "../http.ts";
import { normalizeName } from "../config.ts";
import type { UpstreamGate } from "../upstream_gate.ts";
import {
  type ProjectJson,
  ProjectJsonSchema,
  type SimpleProject,
  SimpleProjectSchema,
} from "./schemas.ts";
import { parseSimpleHtml } from "./simple_html.ts";
import type { RequestStats } from "../observations/job.ts";

/** A parsed response, or why there is none. */
export type PypiResult<T> = { ok: true; data: T; notModified: boolean } | HttpFailure;

/** Options of {@link PypiClient}. */
export interface PypiClientOptions {
  baseUrl: string;
  kv: Deno.Kv;
  timeoutMs: number;
  maxBytes: number;
  signal?: AbortSignal;
  fetch?: typeof fetch;
  /** The sweep's upstream gate (wait budget, retries, circuit breaker). */
  gate?: UpstreamGate;
}

const SIMPLE_ACCEPT =
  "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1";

/** Read-only PyPI client. Counts requests for the sweep record. */
export class PypiClient {
  readonly stats: RequestStats = { requests: 0, notModified: 0, errors: 0 };
  #opts: PypiClientOptions;

  constructor(opts: PypiClientOptions) {
    this.#opts = { ...opts, baseUrl: opts.baseUrl.replace(/\/+$/, "") };
  }

  /** `/pypi/<name>/json`. */
  project(name: string): Promise<PypiResult<ProjectJson>> {
    const url = `${this.#opts.baseUrl}/pypi/${encodeURIComponent(normalizeName(name))}/json`;
    return this.#getJson(url, ProjectJsonSchema, {});
  }

  /** `/simple/<name>/`, PEP 691 JSON preferred, PEP 503 HTML accepted. */
  async simple(name: string): Promise<PypiResult<SimpleProject>> {
    const normalized = normalizeName(name);
    const url = `${this.#opts.baseUrl}/simple/${encodeURIComponent(normalized)}/`;
    const r = await this.#get(url, { accept: SIMPLE_ACCEPT });
    if (!r.ok) return r;
    const type = r.contentType;
    if (type.includes("json")) return this.#parse(url, r.text, SimpleProjectSchema, r.notModified);
    return { ok: true, data: parseSimpleHtml(r.text, normalized, url), notModified: r.notModified };
  }

  /** A PEP 740 provenance document (Integrity API), as raw JSON for the verifier. */
  async provenance(url: string): Promise<PypiResult<unknown>> {
    const r = await this.#get(url, {
      accept: "application/vnd.pypi.integrity.v1+json, application/json",
    });
    if (!r.ok) return r;
    try {
      return { ok: true, data: JSON.parse(r.text), notModified: r.notModified };
    } catch {
      this.stats.errors++;
      return { ok: false, reason: "http-status", message: `${safeText(url)}: not JSON` };
    }
  }

  async #getJson<T extends z.ZodType>(
    url: string,
    schema: T,
    headers: Record<string, string>,
  ): Promise<PypiResult<z.infer<T>>> {
    const r = await this.#get(url, { accept: "application/json", ...headers });
    if (!r.ok) return r;
    return this.#parse(url, r.text, schema, r.notModified);
  }

  #parse<T extends z.ZodType>(
    url: string,
    text: string,
    schema: T,
    notModified: boolean,
  ): PypiResult<z.infer<T>> {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      this.stats.errors++;
      return {
        ok: false,
        reason: "http-status",
        message: `${new URL(url).host}: response is not JSON`,
      };
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      this.stats.errors++;
      const issue = parsed.error.issues[0];
      return {
        ok: false,
        reason: "http-status",
        message: `${new URL(url).host}: unexpected response shape at ${issue.path.join(".")}: ${
          safeText(issue.message, 100)
        }`,
      };
    }
    return { ok: true, data: parsed.data, notModified };
  }

  async #get(url: string, headers: Record<string, string>) {
    const opts: HttpOptions = {
      timeoutMs: this.#opts.timeoutMs,
      maxBytes: this.#opts.maxBytes,
      headers,
      signal: this.#opts.signal,
      fetch: this.#opts.fetch,
      gate: this.#opts.gate,
    };
    this.stats.requests++;
    const r = await conditionalGet(this.#opts.kv, url, opts);
    if (!r.ok) {
      this.stats.errors++;
      return r;
    }
    if (r.notModified) this.stats.notModified++;
    return {
      ok: true as const,
      text: new TextDecoder().decode(r.body),
      contentType: r.headers.get("content-type") ?? "",
      notModified: r.notModified,
    };
  }
}
