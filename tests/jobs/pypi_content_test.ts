import { assert, assertEquals } from "../_assert.ts";
import {
  factsKey,
  fileTypeSummary,
  inspectFile,
  isBinaryHead,
  NO_WORK_DIR,
} from "../../jobs/pypi_content.ts";
import type { JobContext } from "../../src/observations/job.ts";
import type { ContentResult, PypiFile } from "../../src/observations/pypi.ts";
import { ConfigSchema, PolicySchema } from "../../src/config.ts";
import { factsOf, inspectArtifact, limitsFromPolicy } from "../../src/inspect/mod.ts";
import { ARTIFACT_FACTS_VERSION } from "../../src/observations/artifact.ts";
import { getJson, setJson } from "../../src/state/blob.ts";
import { CONTENT_RULESET, PTH_FILE } from "../../rules/content.ts";
import type { ArtifactInput } from "../../rules/_artifact.ts";
import { defineRule, finding, type Rule } from "../../rules/types.ts";
import { realdata } from "../_realdata.ts";
import { inertElf, inertWav } from "../../src/sandbox/incidents.ts";

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
const text = (s: string) => hex(new TextEncoder().encode(s));

Deno.test("isBinaryHead: NUL bytes or invalid UTF-8 are binary; text, even cut mid-character, is not", () => {
  assertEquals(isBinaryHead(text("import os\n")), false);
  assertEquals(isBinaryHead(text("café")), false);
  assertEquals(isBinaryHead(text("café").slice(0, -2)), false, "cut inside é");
  assertEquals(isBinaryHead(hex(inertWav().slice(0, 64))), true);
  assertEquals(isBinaryHead("fffe41"), true);
  assertEquals(isBinaryHead("zz"), true);
  assertEquals(isBinaryHead(""), false);
});

Deno.test("fileTypeSummary: one key per extension, binary when any member is, sorted", () => {
  const summary = fileTypeSummary([
    { path: "acme/__init__.py", type: "file", head: text("x = 1\n") },
    { path: "acme/ring.WAV", type: "file", head: hex(inertWav().slice(0, 64)) },
    { path: "acme/data.wav", type: "file", head: text("not really audio") },
    { path: "acme/bin/tool", type: "file", head: hex(inertElf().slice(0, 64)), magic: "elf" },
    { path: "acme-1.0.dist-info/METADATA", type: "file", head: text("Name: acme") },
    { path: "acme/", type: "dir" },
    { path: "acme/odd.a b", type: "file", head: text("x") },
  ]);
  // METADATA (no extension, text) shares its key with the ELF tool (no extension, binary).
  assertEquals(summary, ["+binary", ".(other)", ".py", ".wav+binary"]);
});

Deno.test("fileTypeSummary: bounded for archives with many extensions", () => {
  const entries = Array.from({ length: 500 }, (_, i) => ({
    path: `acme/f.e${i}`,
    type: "file" as const,
    head: text("x"),
  }));
  assertEquals(fileTypeSummary(entries).length, 200);
});

/** A job context whose downloads cannot succeed (no file host is allowed, no scratch folder). */
async function offlineContext(): Promise<JobContext & { close(): void }> {
  const config = ConfigSchema.parse({
    upstream: { file_hosts: ["files.invalid"] },
    state: { path: ":memory:", work_dir: NO_WORK_DIR },
  });
  const kv = await Deno.openKv(":memory:");
  return {
    config,
    secrets: { webhookSecrets: {} },
    kv,
    signal: new AbortController().signal,
    log: () => {},
    now: () => new Date("2026-01-01T00:00:00Z"),
    close: () => kv.close(),
  };
}

Deno.test("facts cache: rules run on cached facts at evaluation, so a changed rule reaches a cached file without a download", async () => {
  const name = "setuptools-67.6.1-py3-none-any.whl";
  const policy = PolicySchema.parse({});
  const inspection = await inspectArtifact(
    realdata(`wheels/ensurepip/${name}`),
    name,
    limitsFromPolicy(policy),
  );
  const file: PypiFile = {
    version: "67.6.1",
    filename: name,
    packagetype: "wheel",
    sha256: inspection.sha256,
    url: "https://files.invalid/setuptools.whl",
    yanked: false,
  };
  const ctx = await offlineContext();
  try {
    // Without cached facts the file cannot be inspected here (no scratch folder, no host).
    const before = await inspectFile(file, policy, ctx);
    assertEquals(before.ok, false);
    // An earlier run (a host with a scratch folder) cached the facts, and only the facts.
    await setJson(ctx.kv, factsKey(file, policy), { ok: true, facts: factsOf(inspection) });
    const stored = JSON.stringify(await getJson(ctx.kv, factsKey(file, policy)));
    assert(!stored.includes('"findings"') && !stored.includes("content/pth-file"));
    const first = await inspectFile(file, policy, ctx);
    assert(first.ok);
    const rulesOf = (r: ContentResult) =>
      r.ok ? [...new Set(r.findings.map((f) => f.rule))].sort() : [];
    assertEquals(rulesOf(first), ["content/native-executable", "content/pth-file"]);
    // A rule added to the rule set applies on the next evaluation, from the same cache entry.
    const added = defineRule(
      { ...PTH_FILE, id: "content/test-only-python-files", severity: "info" },
      ({ facts }: ArtifactInput) =>
        facts.entries.filter((e) => e.path === "setuptools/__init__.py").map((e) =>
          finding({ ...PTH_FILE, id: "content/test-only-python-files", severity: "info" }, {
            subject: `${facts.filename}!${e.path}`,
            scope: `file:${facts.sha256}`,
            message: "test rule",
          })
        ),
    );
    (CONTENT_RULESET as Rule<ArtifactInput>[]).push(added);
    try {
      const second = await inspectFile(file, policy, ctx);
      assert(second.ok);
      assertEquals(rulesOf(second), [
        "content/native-executable",
        "content/pth-file",
        "content/test-only-python-files",
      ]);
    } finally {
      (CONTENT_RULESET as Rule<ArtifactInput>[]).pop();
    }
    // Policy is judged at evaluation too: the same facts, another verdict.
    const native = await inspectFile(file, PolicySchema.parse({ artifacts: "native" }), ctx);
    assertEquals(rulesOf(native), ["content/pth-file"]);
    // Facts of another format version are not used (collected again, here: not observable).
    await setJson(ctx.kv, factsKey(file, policy), {
      ok: true,
      facts: { ...factsOf(inspection), version: ARTIFACT_FACTS_VERSION + 1 },
    });
    assertEquals((await inspectFile(file, policy, ctx)).ok, false);
  } finally {
    ctx.close();
  }
});
