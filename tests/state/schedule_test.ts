import { assertEquals } from "../_assert.ts";
import { cronIntervalMs, isStale } from "../../src/state/schedule.ts";

Deno.test("cron intervals are the longest gap between runs", () => {
  assertEquals(cronIntervalMs("*/10 * * * *"), 600_000);
  assertEquals(cronIntervalMs("*/30 * * * *"), 1_800_000);
  assertEquals(cronIntervalMs("0 * * * *"), 3_600_000);
  assertEquals(cronIntervalMs("0 3 * * *"), 86_400_000);
  assertEquals(cronIntervalMs("0 3 * * 1"), 7 * 86_400_000);
  assertEquals(cronIntervalMs("0 9,17 * * *"), 16 * 3_600_000);
  assertEquals(cronIntervalMs("0 9-17 * * 1-5"), 64 * 3_600_000); // Fri 17:00 → Mon 09:00
  assertEquals(cronIntervalMs("0 0 1 * *"), 31 * 86_400_000);
  for (const bad of ["", "* * * *", "61 * * * *", "*/0 * * * *", "a * * * *", "5-1 * * * *"]) {
    assertEquals(cronIntervalMs(bad), null, bad);
  }
});

Deno.test("a job is stale after twice its interval without success", () => {
  const now = new Date("2026-01-01T01:00:00Z");
  assertEquals(isStale("2026-01-01T00:40:00Z", 600_000, now), false);
  assertEquals(isStale("2026-01-01T00:39:59Z", 600_000, now), true);
  assertEquals(isStale(undefined, 600_000, now), true);
  assertEquals(isStale("not a date", 600_000, now), true);
});
