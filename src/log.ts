/**
 * Structured logs: one JSON object per line (`{"time":…,"event":…,…}`), for stderr when it is
 * not a terminal (CI, Deno Deploy's log viewer, journald). Values are bounded, anything whose
 * key looks like a secret is redacted, and every string passes through `src/redact.ts`, so a log
 * line never carries a token.
 *
 * @example
 * ```ts
 * const log = jsonLinesLogger();
 * log("sweep.end", { job: "pypi", projects: 12 });
 * // {"time":"2026-11-22T02:40:00.000Z","event":"sweep.end","job":"pypi","projects":12}
 * ```
 * @module
 */
import { redact } from "./redact.ts";

/** A structured log function (the shape of `JobContext.log`). */
export type LogFn = (event: string, fields?: Record<string, unknown>) => void;

const SECRET_KEY = /token|secret|password|authorization|private|signing/i;

function bounded(value: unknown, depth: number): unknown {
  if (typeof value === "string") {
    const clean = redact(value);
    return clean.length > 500 ? `${clean.slice(0, 500)}…` : clean;
  }
  if (typeof value === "number" || typeof value === "boolean" || value === null) return value;
  if (typeof value === "bigint") return value.toString();
  if (value === undefined || typeof value === "function" || typeof value === "symbol") {
    return undefined;
  }
  if (value instanceof Error) return redact(`${value.name}: ${value.message.split("\n")[0]}`);
  if (depth > 4) return "[nested]";
  if (Array.isArray(value)) return value.slice(0, 20).map((v) => bounded(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>).slice(0, 50)) {
    out[redact(k)] = SECRET_KEY.test(k) ? "[redacted]" : bounded(v, depth + 1);
  }
  return out;
}

/**
 * One JSON line for an event (pure).
 *
 * @example
 * ```ts
 * logLine("x", { githubToken: "ghp_…" }, new Date(0)); // …"githubToken":"[redacted]"…
 * ```
 */
export function logLine(event: string, fields: Record<string, unknown>, time: Date): string {
  const body = bounded(fields, 0) as Record<string, unknown>;
  return JSON.stringify({ time: time.toISOString(), event: bounded(event, 0), ...body });
}

function stderrWriter(): (line: string) => void {
  const encoder = new TextEncoder();
  return (line) => {
    try {
      Deno.stderr.writeSync(encoder.encode(`${line}\n`));
    } catch {
      // stderr closed: logs are best effort
    }
  };
}

/**
 * A logger writing JSON lines (to stderr by default).
 *
 * @example
 * ```ts
 * const lines: string[] = [];
 * const log = jsonLinesLogger((l) => lines.push(l));
 * log("sweep.start", { job: "pypi" });
 * ```
 */
export function jsonLinesLogger(
  write: (line: string) => void = stderrWriter(),
  now: () => Date = () => new Date(),
): LogFn {
  return (event, fields = {}) => write(logLine(event, fields, now()));
}
