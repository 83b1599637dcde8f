/** JSON-lines logs: one parseable object per line, bounded, secrets redacted. */
import { assert, assertEquals } from "./_assert.ts";
import { jsonLinesLogger, logLine } from "../src/log.ts";

Deno.test("log lines are single-line JSON with time and event", () => {
  const lines: string[] = [];
  const log = jsonLinesLogger((l) => lines.push(l), () => new Date(0));
  log("sweep.end", { job: "pypi", projects: 3, note: "a\nb" });
  assertEquals(lines.length, 1);
  assert(!lines[0].includes("\n"));
  assertEquals(JSON.parse(lines[0]), {
    time: "1970-01-01T00:00:00.000Z",
    event: "sweep.end",
    job: "pypi",
    projects: 3,
    note: "a\nb",
  });
});

Deno.test("secrets are redacted and values bounded", () => {
  const line = JSON.parse(logLine("x", {
    githubToken: "ghp_secret",
    nested: { authorization: "Bearer abc", ok: 1 },
    long: "y".repeat(5000),
    list: Array.from({ length: 100 }, (_, i) => i),
    error: new Error("boom\nstack"),
  }, new Date(0)));
  assertEquals(line.githubToken, "[redacted]");
  assertEquals(line.nested, { authorization: "[redacted]", ok: 1 });
  assertEquals(line.long.length, 501);
  assertEquals(line.list.length, 20);
  assertEquals(line.error, "Error: boom");
});
