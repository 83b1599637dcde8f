/**
 * Tag pinning across sweeps in the sandbox: the first releases sweep pins each tag's commit in
 * the ledger; a tag moved to another commit with the very same files is `parity/tag-moved`
 * on the next sweep, and the finding stays open when the tag is moved back (only a waiver
 * closes it).
 */
import { assert, assertEquals } from "../_assert.ts";
import { ruleIds, sweepHarness } from "../_controls_sweeps.ts";
import { releasesJob } from "../../jobs/releases.ts";
import { retargetTag } from "../../src/sandbox/tags.ts";
import type { Job } from "../../src/observations/job.ts";

const job = releasesJob as Job<unknown>;
const REPO = "acme/acme-hardened";
const OTHER = "c0ffee".padEnd(40, "0");

Deno.test("sandbox: a release tag moved to another commit with the same files is caught in one sweep", async () => {
  const h = await sweepHarness();
  try {
    assertEquals(ruleIds(await h.sweep(job)), []);
    const pins = await h.entries("tag.observed");
    assertEquals(pins.map((p) => p.tag).sort(), ["v1.0.0", "v1.1.0"]);
    const original = pins.find((p) => p.tag === "v1.1.0")!.commit as string;

    retargetTag(h.scenario, REPO, "v1.1.0", OTHER);
    const after = await h.sweep(job);
    assertEquals(ruleIds(after), ["parity/tag-moved"]);
    const moved = after.find((f) => f.rule === "parity/tag-moved")!;
    assertEquals(moved.severity, "critical");
    assertEquals(moved.evidence?.before, original);
    assertEquals(moved.evidence?.after, OTHER);
    assert(moved.message.includes(`moved from ${original} to ${OTHER}`), moved.message);
    // The pin is not replaced by the moved commit.
    assertEquals((await h.entries("tag.observed")).length, 2);

    // Moving the tag back does not resolve it: only a waiver does.
    retargetTag(h.scenario, REPO, "v1.1.0", original);
    assertEquals(ruleIds(await h.sweep(job)), ["parity/tag-moved"]);
    assertEquals((await h.entries("finding.resolved")).length, 0);

    // A maintainer checks the move and waives it: then, and only then, it is resolved.
    h.waive("acme-hardened", "parity/tag-moved", moved.subject, "re-tagged by the release team");
    assertEquals(ruleIds(await h.sweep(job)), []);
    const resolved = await h.entries("finding.resolved");
    assertEquals(resolved.map((r) => r.rule), ["parity/tag-moved"]);
  } finally {
    await h.close();
  }
});
