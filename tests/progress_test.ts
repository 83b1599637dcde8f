/** The terminal progress line: content, estimate, width, redraw throttling. */
import { assert, assertEquals, assertStringIncludes } from "./_assert.ts";
import {
  formatDuration,
  formatProgress,
  type ProgressState,
  remainingMs,
  TerminalProgress,
} from "../src/progress.ts";

const state: ProgressState = {
  job: "pypi",
  jobIndex: 0,
  jobCount: 2,
  done: 25,
  total: 100,
  findings: 3,
  requests: 80,
  notModified: 60,
  errors: 0,
  rateLimit: { upstream: "github", remaining: 4500 },
  startedMs: 0,
};

Deno.test("the progress line shows job, projects, findings, budget, elapsed and remaining", () => {
  const line = formatProgress(state, 10_000, 200);
  assertEquals(
    line,
    "[1/2] pypi 25/100 projects · 3 findings · 80 req (60 304) · budget 4500 · 10s, ~30s left",
  );
  assertEquals(remainingMs(0, 100, 5_000), null);
  assertEquals(formatDuration(3_725_000), "1h02m");
  assertEquals(formatDuration(187_000), "3m07s");
  const narrow = formatProgress({ ...state, errors: 2 }, 10_000, 40);
  assertEquals(narrow.length, 40);
  assert(narrow.endsWith("…"));
});

Deno.test("redraws in place at most every interval; finish ends the line", () => {
  const out: string[] = [];
  let t = 0;
  const p = new TerminalProgress((s) => out.push(s), 100, () => t, () => 120);
  p.update(state);
  t = 50;
  p.update({ ...state, done: 26 });
  assertEquals(out.length, 1, "throttled");
  t = 150;
  p.update({ ...state, done: 27 });
  assertEquals(out.length, 2);
  assert(out.every((s) => s.startsWith("\r\x1b[2K")));
  p.finish();
  assertStringIncludes(out[out.length - 2], "27/100");
  assertEquals(out[out.length - 1], "\n");
});
