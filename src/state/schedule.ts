/**
 * Cron intervals and job staleness: a job that has not completed successfully for twice its
 * schedule's longest gap is stale.
 *
 * @module
 */

const FIELD_RANGES: Array<[number, number]> = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 7]];

/** The set of values a cron field matches, or null if the field cannot be parsed. */
function parseField(field: string, [lo, hi]: [number, number]): Set<number> | null {
  const out = new Set<number>();
  for (const part of field.split(",")) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!m) return null;
    const step = m[4] ? Number(m[4]) : 1;
    if (step < 1) return null;
    let a = lo;
    let b = hi;
    if (m[1] !== "*") {
      a = Number(m[2]);
      b = m[3] !== undefined ? Number(m[3]) : (m[4] ? hi : a);
    }
    if (a < lo || b > hi || a > b) return null;
    for (let v = a; v <= b; v += step) out.add(v);
  }
  return out;
}

/**
 * The longest gap in milliseconds between two consecutive runs of a 5-field cron expression
 * (UTC), or null when the expression is not understood.
 *
 * @example
 * ```ts
 * cronIntervalMs("*\/10 * * * *"); // 600000
 * cronIntervalMs("0 * * * *"); // 3600000
 * ```
 */
export function cronIntervalMs(expression: string): number | null {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) return null;
  const sets = fields.map((f, i) => parseField(f, FIELD_RANGES[i]));
  if (sets.some((s) => s === null)) return null;
  const [min, hour, dom, month, dow] = sets as Set<number>[];
  if (dow.has(7)) dow.add(0);
  const domAny = fields[2] === "*";
  const dowAny = fields[4] === "*";
  // Walk one (non-leap) year plus a week, day by day, then the matching hours and minutes.
  const start = Date.UTC(2029, 0, 1);
  const hours = [...hour].sort((x, y) => x - y);
  const mins = [...min].sort((x, y) => x - y);
  let first = -1;
  let prev = -1;
  let longest = 0;
  for (let day = 0; day < 365 + 7; day++) {
    const d = new Date(start + day * 86_400_000);
    if (!month.has(d.getUTCMonth() + 1)) continue;
    const domOk = dom.has(d.getUTCDate());
    const dowOk = dow.has(d.getUTCDay());
    const dayOk = domAny && dowAny ? true : domAny ? dowOk : dowAny ? domOk : domOk || dowOk;
    if (!dayOk) continue;
    for (const h of hours) {
      for (const mi of mins) {
        const m = day * 1440 + h * 60 + mi;
        if (first < 0) first = m;
        if (prev >= 0) longest = Math.max(longest, m - prev);
        prev = m;
      }
    }
  }
  if (first < 0) return null;
  if (prev === first) return 365 * 1440 * 60_000;
  return longest * 60_000;
}

/** A job is stale when its last success is older than this many schedule intervals. */
export const STALE_FACTOR = 2;

/**
 * True when the last successful run is older than {@link STALE_FACTOR} × the interval (or absent).
 *
 * @example
 * ```ts
 * isStale("2026-01-01T00:00:00Z", 600_000, new Date("2026-01-01T00:30:00Z")); // true
 * ```
 */
export function isStale(lastOk: string | undefined, intervalMs: number, now: Date): boolean {
  if (lastOk === undefined) return true;
  const t = Date.parse(lastOk);
  if (!Number.isFinite(t)) return true;
  return now.getTime() - t > STALE_FACTOR * intervalMs;
}
