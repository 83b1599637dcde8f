/**
 * The layout's import rules, checked by scanning the sources (docs/architecture.md):
 * - `rules/` judges: it imports nothing from `jobs/`, `src/cli`, `src/web`, and no YAML or TOML
 *   parser;
 * - nothing under `src/` other than `src/cli` and `src/web` imports from `jobs/`, `src/cli` or
 *   `src/web`;
 * - there are no import cycles;
 * - rule sources touch no environment, clock, network, KV or randomness.
 */
import { assert, assertEquals } from "./_assert.ts";

const ROOT = new URL("../", import.meta.url);
const SCANNED = ["main.ts", "jobs", "rules", "src", "scripts"];

/** Repository-relative path of every .ts/.tsx file under `dir`. */
async function sources(dir: string): Promise<string[]> {
  const info = await Deno.stat(new URL(dir, ROOT));
  if (info.isFile) return [dir];
  const out: string[] = [];
  for await (const entry of Deno.readDir(new URL(`${dir}/`, ROOT))) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) out.push(...await sources(path));
    else if (/\.tsx?$/.test(entry.name)) out.push(path);
  }
  return out.sort();
}

const IMPORT =
  /(?:^|[\s;])(?:import|export)\s[^;]*?\bfrom\s*["']([^"']+)["']|import\s*\(?\s*["']([^"']+)["']/gs;

/**
 * The specifiers a source imports, relative ones resolved to repository paths.
 *
 * @example
 * ```ts
 * importsOf("rules/access.ts", 'import { z } from "zod";'); // ["zod"]
 * ```
 */
export function importsOf(path: string, text: string, valuesOnly = false): string[] {
  const out = new Set<string>();
  const code = text.replace(/^\s*(\*|\/\/).*$/gm, "");
  for (const m of code.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2];
    // `import type` is erased at run time: no dependency for the cycle check.
    if (valuesOnly && /^\s*[;]?\s*(import|export)\s+type\s/.test(m[0])) continue;
    if (!spec.startsWith(".")) {
      out.add(spec);
      continue;
    }
    const resolved = new URL(spec, new URL(path, ROOT)).href.slice(ROOT.href.length);
    out.add(resolved);
  }
  return [...out];
}

async function graph(valuesOnly = false): Promise<Map<string, string[]>> {
  const files = (await Promise.all(SCANNED.map(sources))).flat();
  const g = new Map<string, string[]>();
  for (const file of files) {
    g.set(file, importsOf(file, await Deno.readTextFile(new URL(file, ROOT)), valuesOnly));
  }
  return g;
}

const under = (path: string, ...dirs: string[]) => dirs.some((d) => path.startsWith(`${d}/`));
const PARSERS = ["yaml", "smol-toml", "npm:yaml", "npm:smol-toml"];
/** Modules that parse a wire format (YAML here); rules must receive their output instead. */
const PARSER_MODULES = ["src/workflows/parse.ts"];

/** Imports the rules below allow for now, each owned by a branch that removes it (none left). */
const ALLOWED = new Set<string>([]);

/** Every (file, import) pair that breaks a layout rule. */
export function violations(g: Map<string, string[]>): string[] {
  const out: string[] = [];
  for (const [file, imports] of g) {
    for (const target of imports) {
      const edge = `${file} -> ${target}`;
      if (ALLOWED.has(edge)) continue;
      if (under(file, "rules")) {
        if (under(target, "jobs", "src/cli", "src/web")) out.push(`${edge}: rules judge only`);
        if (PARSERS.includes(target) || PARSER_MODULES.includes(target)) {
          out.push(`${edge}: rules receive parsed data`);
        }
      }
      if (under(file, "src") && !under(file, "src/cli", "src/web")) {
        if (under(target, "jobs", "src/cli", "src/web")) out.push(`${edge}: arrows point down`);
      }
    }
  }
  return out;
}

/** Import cycles among the scanned sources (each as a path of files), by Tarjan's algorithm. */
export function cycles(g: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of (g.get(v) ?? []).filter((t) => g.has(t))) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || g.get(v)!.includes(v)) out.push(component.sort());
    }
  };
  for (const v of g.keys()) if (!index.has(v)) visit(v);
  return out;
}

Deno.test("layout: the scanner sees imports, resolved, and can flag each rule", () => {
  const text = `import { z } from "zod";\nimport type {\n  A,\n} from "../jobs/types.ts";\n` +
    `export { b } from "./b.ts";\nconst m = await import("../src/web/app.tsx");\n`;
  assertEquals(importsOf("rules/x.ts", text).sort(), [
    "jobs/types.ts",
    "rules/b.ts",
    "src/web/app.tsx",
    "zod",
  ]);
  const bad = new Map([
    ["rules/x.ts", ["jobs/a.ts", "smol-toml", "src/cli/c.ts"]],
    ["src/state/y.ts", ["src/web/app.tsx", "jobs/mod.ts"]],
    ["src/cli/z.ts", ["jobs/mod.ts"]],
  ]);
  assertEquals(violations(bad).length, 5);
  const loop = new Map([["a.ts", ["b.ts"]], ["b.ts", ["c.ts"]], ["c.ts", ["a.ts"]], [
    "d.ts",
    ["a.ts"],
  ]]);
  assertEquals(cycles(loop), [["a.ts", "b.ts", "c.ts"]]);
  const typeOnly = `import type { A } from "./a.ts";\nimport { b } from "./b.ts";\n`;
  assertEquals(importsOf("x.ts", typeOnly, true), ["b.ts"]);
});

Deno.test("layout: rules judge only, arrows point down", async () => {
  const g = await graph();
  assert(g.size > 100, `only ${g.size} sources scanned`);
  assertEquals(violations(g), []);
  // An allowance whose import is gone must be deleted (the rule tightens by itself).
  const edges = new Set([...g].flatMap(([file, imports]) => imports.map((t) => `${file} -> ${t}`)));
  assertEquals([...ALLOWED].filter((edge) => !edges.has(edge)), []);
});

/** What a rule must not touch: the environment, the clock, the network, KV, randomness. */
const IMPURE =
  /\bDeno\.|\bprocess\.|\bDate\.now\(|new Date\(\)|\bfetch\(|Math\.random\(|crypto\.getRandom/;

/** Lines of a rule source (comments aside) that touch the outside world. */
export function impureLines(text: string): string[] {
  return text.split("\n").filter((line) => !/^\s*(\*|\/\/|\/\*)/.test(line) && IMPURE.test(line));
}

Deno.test("layout: rules touch no environment, clock, network or KV", async () => {
  assertEquals(impureLines("  const t = Date.now();\n * Deno.env in a comment\n"), [
    "  const t = Date.now();",
  ]);
  for (const file of await sources("rules")) {
    assertEquals(impureLines(await Deno.readTextFile(new URL(file, ROOT))), [], file);
  }
});

Deno.test("layout: no import cycles, type-only imports included", async () => {
  assertEquals(cycles(await graph()), []);
});
