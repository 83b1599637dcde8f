/**
 * Progress of an on-demand run on a terminal: one line on stderr, redrawn in place, with the
 * job, projects done and planned, findings so far, requests (and 304s), the rate-limit budget
 * left, the elapsed time and an estimate of what remains.
 *
 * @example
 * ```ts
 * const progress = new TerminalProgress();
 * progress.update({ job: "pypi", jobIndex: 0, jobCount: 2, done: 3, total: 10, ... });
 * progress.finish();
 * ```
 * @module
 */

/** What the progress line shows. */
export interface ProgressState {
  job: string;
  /** Position of the job in this run (0-based) and the number of jobs. */
  jobIndex: number;
  jobCount: number;
  done: number;
  total: number;
  findings: number;
  requests: number;
  notModified: number;
  errors: number;
  /** Lowest rate-limit budget left among upstreams that report one. */
  rateLimit?: { upstream: string; remaining: number } | null;
  /** When this job started (epoch ms). */
  startedMs: number;
}

/** `1h02m`, `3m07s`, `12s`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

/**
 * Milliseconds left at the current rate, or null before the first project.
 *
 * @example
 * ```ts
 * remainingMs(25, 100, 10_000); // 30000
 * ```
 */
export function remainingMs(done: number, total: number, elapsedMs: number): number | null {
  if (done <= 0 || elapsedMs <= 0) return null;
  return Math.round((elapsedMs / done) * Math.max(0, total - done));
}

/**
 * The progress line (pure), cut to `columns`.
 *
 * @example
 * ```ts
 * formatProgress(state, Date.now(), 100);
 * // "[1/2] pypi 25/100 projects · 3 findings · 80 req (60 304) · budget 4500 · 10s, ~30s left"
 * ```
 */
export function formatProgress(state: ProgressState, nowMs: number, columns = 120): string {
  const elapsed = nowMs - state.startedMs;
  const left = remainingMs(state.done, state.total, elapsed);
  const parts = [
    `[${state.jobIndex + 1}/${state.jobCount}] ${state.job} ${state.done}/${state.total} projects`,
    `${state.findings} finding${state.findings === 1 ? "" : "s"}`,
    `${state.requests} req (${state.notModified} 304${
      state.errors ? `, ${state.errors} errors` : ""
    })`,
  ];
  if (state.rateLimit) parts.push(`budget ${state.rateLimit.remaining}`);
  parts.push(`${formatDuration(elapsed)}${left === null ? "" : `, ~${formatDuration(left)} left`}`);
  const line = parts.join(" · ");
  return line.length > columns ? `${line.slice(0, Math.max(0, columns - 1))}…` : line;
}

function terminalColumns(): number {
  try {
    const { columns } = Deno.consoleSize();
    return columns >= 20 ? columns : 120; // 0 when the terminal does not say
  } catch {
    return 120;
  }
}

/** Redraws the progress line on stderr, at most every `intervalMs`. */
export class TerminalProgress {
  #last = -Infinity;
  #drawn = false;
  #state: ProgressState | undefined;
  readonly #encoder = new TextEncoder();

  constructor(
    readonly write: (text: string) => void = (t) => {
      try {
        Deno.stderr.writeSync(this.#encoder.encode(t));
      } catch {
        // best effort
      }
    },
    readonly intervalMs = 100,
    readonly now: () => number = Date.now,
    readonly columns: () => number = terminalColumns,
  ) {}

  /** Record new state; redraw unless the last redraw was too recent (or `force`). */
  update(state: ProgressState, force = false): void {
    this.#state = state;
    const t = this.now();
    if (!force && t - this.#last < this.intervalMs) return;
    this.#last = t;
    this.write(`\r\x1b[2K${formatProgress(state, t, this.columns() - 1)}`);
    this.#drawn = true;
  }

  /** Draw the final state and end the line. */
  finish(): void {
    if (this.#state) this.update(this.#state, true);
    if (this.#drawn) this.write("\n");
    this.#drawn = false;
  }
}
