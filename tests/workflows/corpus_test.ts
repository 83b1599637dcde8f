/**
 * Recall and precision of the workflow rules on the corpus of tests/testdata/workflows-corpus
 * (real release workflows and adversarial ones), per class and overall. Goals: recall ≥ 0.9
 * and precision ≥ 0.95 overall and in every class.
 */
import assert from "node:assert/strict";
import { runRules } from "../../rules/types.ts";
import { WORKFLOW_RULESET } from "../../rules/workflows.ts";
import { PolicySchema } from "../../src/config.ts";
import { readWorkflowBytes } from "../../src/workflows/read.ts";
import { realdata } from "../_realdata.ts";

const ROOT = new URL("../testdata/workflows-corpus/", import.meta.url);

interface Corpus {
  classes: Record<string, string[]>;
  expected: Record<string, string[]>;
}

interface Counts {
  tp: number;
  fp: number;
  fn: number;
}

function pathOf(name: string): string {
  return name.startsWith("realdata:")
    ? realdata(name.slice("realdata:".length))
    : new URL(name, ROOT).pathname;
}

/** Rule ids (without the `workflows/` prefix) fired on one corpus file. */
async function fired(name: string): Promise<Set<string>> {
  const file = readWorkflowBytes(name, await Deno.readFile(pathOf(name)));
  const findings = runRules(WORKFLOW_RULESET, { files: [file], policy: PolicySchema.parse({}) });
  return new Set(findings.map((f) => f.rule.replace(/^workflows\//, "")));
}

async function measure(corpus: Corpus) {
  const classOf = new Map<string, string>();
  for (const [cls, ids] of Object.entries(corpus.classes)) {
    for (const id of ids) classOf.set(id, cls);
  }
  const per: Record<string, Counts> = {};
  const all: Counts = { tp: 0, fp: 0, fn: 0 };
  const misses: string[] = [];
  const bump = (id: string, k: keyof Counts) => {
    const cls = classOf.get(id) ?? "other";
    per[cls] ??= { tp: 0, fp: 0, fn: 0 };
    per[cls][k]++;
    all[k]++;
  };
  for (const [name, ids] of Object.entries(corpus.expected)) {
    const want = new Set(ids);
    const got = await fired(name);
    for (const id of got) {
      bump(id, want.has(id) ? "tp" : "fp");
      if (!want.has(id)) misses.push(`FP ${name}: ${id}`);
    }
    for (const id of want) {
      if (!got.has(id)) {
        bump(id, "fn");
        misses.push(`FN ${name}: ${id}`);
      }
    }
  }
  return { per, all, misses };
}

const recall = (c: Counts) => c.tp + c.fn === 0 ? 1 : c.tp / (c.tp + c.fn);
const precision = (c: Counts) => c.tp + c.fp === 0 ? 1 : c.tp / (c.tp + c.fp);

Deno.test("corpus: every file is labelled and every label is a known rule id", async () => {
  const corpus: Corpus = JSON.parse(await Deno.readTextFile(new URL("expected.json", ROOT)));
  const ids = new Set(WORKFLOW_RULESET.map((r) => r.meta.id.replace(/^workflows\//, "")));
  for (const list of Object.values(corpus.classes)) {
    for (const id of list) assert.ok(ids.has(id), id);
  }
  for (const list of Object.values(corpus.expected)) {
    for (const id of list) assert.ok(ids.has(id), id);
  }
  const onDisk: string[] = [];
  const walk = async (dir: URL, prefix: string) => {
    for await (const e of Deno.readDir(dir)) {
      if (e.isDirectory) await walk(new URL(`${e.name}/`, dir), `${prefix}${e.name}/`);
      else if (/\.ya?ml$/.test(e.name)) onDisk.push(`${prefix}${e.name}`);
    }
  };
  await walk(new URL("adversarial/", ROOT), "adversarial/");
  assert.deepEqual(onDisk.filter((f) => !(f in corpus.expected)), []);
  // Clean traps exist for precision, and positives for every class but robustness's partial.
  assert.ok(Object.values(corpus.expected).filter((l) => l.length === 0).length >= 15);
});

Deno.test("corpus: recall ≥ 0.9 and precision ≥ 0.95, per class and overall", async () => {
  const corpus: Corpus = JSON.parse(await Deno.readTextFile(new URL("expected.json", ROOT)));
  const { per, all, misses } = await measure(corpus);
  const table = Object.entries(per).sort().map(([cls, c]) =>
    `${cls}: TP ${c.tp} FP ${c.fp} FN ${c.fn} recall ${recall(c).toFixed(3)} precision ${
      precision(c).toFixed(3)
    }`
  );
  const summary = `overall: TP ${all.tp} FP ${all.fp} FN ${all.fn} recall ${
    recall(all).toFixed(3)
  } precision ${precision(all).toFixed(3)}`;
  console.log([...table, summary, ...misses].join("\n"));
  assert.ok(recall(all) >= 0.9, summary);
  assert.ok(precision(all) >= 0.95, summary);
  for (const [cls, c] of Object.entries(per)) {
    assert.ok(recall(c) >= 0.9, `${cls} recall ${recall(c)}`);
    assert.ok(precision(c) >= 0.95, `${cls} precision ${precision(c)}`);
  }
});
