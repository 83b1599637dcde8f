/**
 * Parse a GitHub Actions workflow (or a composite action's `action.yml`) into the typed model of
 * `src/observations/workflow.ts`. Parsing is bounded (size, aliases, counts) and never throws
 * for bad input: it yields `{ ok: false, error }` with one line. A value cut to fit a bound is
 * listed in `workflow.partial`.
 *
 * @example
 * ```ts
 * const parsed = parseWorkflow(".github/workflows/release.yml", text);
 * if (parsed.ok) console.log(parsed.workflow.jobs.map((j) => j.id));
 * ```
 * @module
 */
import process from "node:process";
import { LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import {
  MAX_WORKFLOW_STRING,
  type Permissions,
  type Workflow,
  type WorkflowJob,
  type WorkflowStep,
} from "../observations/workflow.ts";

export type { Permissions, Workflow, WorkflowJob, WorkflowStep };

/**
 * The `yaml` package reads `process.env.LOG_TOKENS` and `LOG_STREAM` while parsing; under
 * Deno that needs `--allow-env=LOG_TOKENS,LOG_STREAM` or `--ignore-env=LOG_TOKENS,LOG_STREAM`.
 * Without either, every parse would fail: this is reported as a setup error, never as a bad
 * workflow.
 */
export class YamlEnvironmentError extends Error {
  constructor() {
    super(
      "the YAML parser needs --ignore-env=LOG_TOKENS,LOG_STREAM (or --allow-env for them)",
    );
    this.name = "YamlEnvironmentError";
  }
}

let envChecked = false;
function assertYamlEnvironment(): void {
  if (envChecked) return;
  try {
    void process.env.LOG_TOKENS;
    void process.env.LOG_STREAM;
    envChecked = true;
  } catch {
    throw new YamlEnvironmentError();
  }
}

/** Largest workflow file parsed. */
export const MAX_WORKFLOW_BYTES = 512 * 1024;
const MAX_JOBS = 500;
const MAX_STEPS = 1000;
const MAX_LIST = 100;

/** Result of {@link parseWorkflow}. */
export type ParseResult = { ok: true; workflow: Workflow } | { ok: false; error: string };

/** Collects what had to be cut while one file is normalised. */
class Cuts {
  readonly items: string[] = [];
  note(what: string): void {
    if (this.items.length < 20 && !this.items.includes(what)) this.items.push(what.slice(0, 300));
  }
  text(v: string, where: string): string {
    if (v.length <= MAX_WORKFLOW_STRING) return v;
    this.note(`${where}: longer than ${MAX_WORKFLOW_STRING} characters, cut`);
    return v.slice(0, MAX_WORKFLOW_STRING);
  }
}

const isMap = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/** A scalar as text; absent, null or a non-scalar becomes undefined. */
function scalarText(v: unknown, cuts: Cuts, where: string): string | undefined {
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") {
    return cuts.text(String(v), where);
  }
  return undefined;
}

/** Mapping of scalars; nested values become their JSON text, null becomes "". */
function textMap(v: unknown, cuts: Cuts, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isMap(v)) return out;
  for (const [k, raw] of Object.entries(v).slice(0, 1000)) {
    const key = k.slice(0, 1000);
    if (raw === null || raw === undefined) out[key] = "";
    else {out[key] = scalarText(raw, cuts, `${where}.${key}`) ??
        cuts.text(JSON.stringify(raw) ?? "", `${where}.${key}`);}
  }
  return out;
}

function textList(v: unknown, cuts: Cuts, where: string): string[] {
  const list = Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
  return list.slice(0, MAX_LIST).map((x) => scalarText(x, cuts, where)).filter((x): x is string =>
    x !== undefined
  );
}

const PermissionsInput = z.union([
  z.enum(["read-all", "write-all"]),
  z.record(z.string().max(100), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  z.null(),
]);

function permissions(v: unknown): Permissions | undefined | false {
  if (v === undefined) return undefined;
  const p = PermissionsInput.safeParse(v);
  if (!p.success) return false;
  if (p.data === null) return {};
  if (typeof p.data === "string") return p.data;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(p.data)) out[k] = x === null ? "" : String(x).slice(0, 100);
  return out;
}

function environmentName(v: unknown, cuts: Cuts): string | undefined {
  if (isMap(v)) return scalarText(v.name, cuts, "environment.name");
  return scalarText(v, cuts, "environment");
}

function parseEvents(on: unknown, cuts: Cuts) {
  let events: string[] = [];
  let pushTags: string[] = [];
  let pushBranches: string[] = [];
  let callInputs: string[] | undefined;
  if (typeof on === "string") events = [on];
  else if (Array.isArray(on)) events = on.filter((e): e is string => typeof e === "string");
  else if (isMap(on)) {
    events = Object.keys(on);
    const push = on.push;
    if (isMap(push)) {
      pushTags = textList(push.tags, cuts, "on.push.tags");
      pushBranches = textList(push.branches, cuts, "on.push.branches");
    }
    callInputs = stringInputs(on.workflow_call);
  }
  return {
    events: events.slice(0, MAX_LIST).map((e) => e.slice(0, 200)),
    pushTags,
    pushBranches,
    ...(callInputs?.length ? { callInputs } : {}),
  };
}

/** Names of the `type: string` inputs (the default type) of `on.workflow_call`. */
function stringInputs(call: unknown): string[] | undefined {
  if (!isMap(call) || !isMap(call.inputs)) return undefined;
  return Object.entries(call.inputs).slice(0, 1000).filter(([, spec]) =>
    !isMap(spec) || spec.type === undefined || spec.type === "string"
  ).map(([name]) => name.slice(0, 1000));
}

/**
 * Parse workflow or composite-action YAML text.
 *
 * @throws {YamlEnvironmentError} when the process may not read the parser's debug variables.
 *
 * @example
 * ```ts
 * const r = parseWorkflow("release.yml", "on: push\njobs:\n  a:\n    runs-on: x\n    steps: []\n");
 * r.ok && r.workflow.events; // ["push"]
 * ```
 */
export function parseWorkflow(path: string, source: string): ParseResult {
  assertYamlEnvironment();
  if (source.length > MAX_WORKFLOW_BYTES) {
    return { ok: false, error: `larger than ${MAX_WORKFLOW_BYTES} bytes` };
  }
  const lineCounter = new LineCounter();
  let doc;
  try {
    doc = parseDocument(source, { lineCounter, uniqueKeys: true, prettyErrors: false });
  } catch (e) {
    return { ok: false, error: oneLine(e) };
  }
  if (doc.errors.length > 0) return { ok: false, error: oneLine(doc.errors[0].message) };
  let root: unknown;
  try {
    root = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    return { ok: false, error: oneLine(e) };
  }
  if (!isMap(root)) return { ok: false, error: "not a mapping" };
  const lineOf = (keys: (string | number)[]): number | undefined => {
    const node = doc.getIn(keys, true) as { range?: [number, number, number] } | undefined;
    return node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
  };
  const cuts = new Cuts();
  const commentOf = (keys: (string | number)[]): string | undefined => {
    const node = doc.getIn(keys, true) as { comment?: string | null } | undefined;
    const m = /^\s*(?:tag\s*[=:]\s*)?(v?\d+(?:\.\d+)*)\b/i.exec(node?.comment ?? "");
    return m?.[1];
  };
  const base = {
    path,
    name: scalarText(root.name, cuts, "name"),
    env: textMap(root.env, cuts, "env"),
    cacheMode: scalarText(root["cache-mode"], cuts, "cache-mode")?.slice(0, 100),
    partial: cuts.items,
  };

  if (isMap(root.runs) && !root.jobs) {
    const steps = parseSteps(
      root.runs.steps,
      cuts,
      "runs",
      (i) => lineOf(["runs", "steps", i]),
      (i) => commentOf(["runs", "steps", i, "uses"]),
    );
    const inputs = isMap(root.inputs) ? Object.keys(root.inputs).slice(0, 1000) : [];
    return {
      ok: true,
      workflow: {
        ...base,
        kind: "action",
        events: [],
        pushTags: [],
        pushBranches: [],
        inputs,
        jobs: [{ ...emptyJob("(action)"), steps }],
      },
    };
  }
  if (!isMap(root.jobs)) return { ok: false, error: "no jobs mapping" };
  const perms = permissions(root.permissions);
  if (perms === false) return { ok: false, error: "invalid top-level permissions" };
  const jobs: WorkflowJob[] = [];
  const entries = Object.entries(root.jobs);
  if (entries.length > MAX_JOBS) cuts.note(`more than ${MAX_JOBS} jobs`);
  for (const [id, raw] of entries.slice(0, MAX_JOBS)) {
    const job = parseJob(id, raw ?? {}, cuts, lineOf, commentOf);
    if (typeof job === "string") return { ok: false, error: job };
    jobs.push(job);
  }
  return {
    ok: true,
    workflow: {
      ...base,
      kind: "workflow",
      ...parseEvents(root.on, cuts),
      permissions: perms,
      inputs: [],
      jobs,
    },
  };
}

function emptyJob(id: string): WorkflowJob {
  return { id, with: {}, env: {}, needs: [], services: [], steps: [] };
}

function parseJob(
  id: string,
  raw: unknown,
  cuts: Cuts,
  lineOf: (keys: (string | number)[]) => number | undefined,
  commentOf: (keys: (string | number)[]) => string | undefined,
): WorkflowJob | string {
  const name = id.slice(0, 100);
  if (!isMap(raw)) return `invalid job ${name}: not a mapping`;
  const perms = permissions(raw.permissions);
  if (perms === false) return `invalid job ${name}: permissions`;
  if (raw.steps !== undefined && !Array.isArray(raw.steps)) return `invalid job ${name}: steps`;
  const where = `jobs.${name}`;
  const container = isMap(raw.container)
    ? scalarText(raw.container.image, cuts, `${where}.container`)
    : scalarText(raw.container, cuts, `${where}.container`);
  const services = isMap(raw.services)
    ? Object.values(raw.services).slice(0, MAX_LIST).map((s) =>
      isMap(s) ? scalarText(s.image, cuts, `${where}.services`) : undefined
    ).filter((s): s is string => s !== undefined)
    : [];
  const strategy = isMap(raw.strategy) ? raw.strategy : {};
  const matrix = strategy.matrix === undefined
    ? undefined
    : cuts.text(JSON.stringify(strategy.matrix) ?? "", `${where}.strategy.matrix`);
  const secrets = raw.secrets === "inherit"
    ? "inherit" as const
    : isMap(raw.secrets)
    ? textMap(raw.secrets, cuts, `${where}.secrets`)
    : undefined;
  return {
    id,
    line: lineOf(["jobs", id]),
    name: scalarText(raw.name, cuts, `${where}.name`),
    if: scalarText(raw.if, cuts, `${where}.if`),
    permissions: perms,
    environment: environmentName(raw.environment, cuts),
    uses: scalarText(raw.uses, cuts, `${where}.uses`),
    with: textMap(raw.with, cuts, `${where}.with`),
    env: textMap(raw.env, cuts, `${where}.env`),
    secrets,
    needs: textList(raw.needs, cuts, `${where}.needs`),
    container,
    services,
    matrix,
    cacheMode: scalarText(raw["cache-mode"], cuts, `${where}.cache-mode`)?.slice(0, 100),
    steps: parseSteps(
      raw.steps,
      cuts,
      where,
      (i) => lineOf(["jobs", id, "steps", i]),
      (i) => commentOf(["jobs", id, "steps", i, "uses"]),
    ),
  };
}

function parseSteps(
  raw: unknown,
  cuts: Cuts,
  where: string,
  lineOf: (i: number) => number | undefined,
  commentOf: (i: number) => string | undefined,
): WorkflowStep[] {
  if (!Array.isArray(raw)) return [];
  if (raw.length > MAX_STEPS) cuts.note(`${where}: more than ${MAX_STEPS} steps`);
  const steps: WorkflowStep[] = [];
  raw.slice(0, MAX_STEPS).forEach((item, index) => {
    if (!isMap(item)) return;
    const at = `${where}.steps[${index}]`;
    steps.push({
      index,
      line: lineOf(index),
      name: scalarText(item.name, cuts, `${at}.name`),
      id: scalarText(item.id, cuts, `${at}.id`),
      if: scalarText(item.if, cuts, `${at}.if`),
      uses: scalarText(item.uses, cuts, `${at}.uses`),
      usesComment: item.uses === undefined ? undefined : commentOf(index),
      run: scalarText(item.run, cuts, `${at}.run`),
      shell: scalarText(item.shell, cuts, `${at}.shell`),
      with: textMap(item.with, cuts, `${at}.with`),
      env: textMap(item.env, cuts, `${at}.env`),
    });
  });
  return steps;
}

function oneLine(e: unknown): string {
  const s = e instanceof Error ? e.message : String(e);
  const first = s.split("\n")[0];
  return first.length > 200 ? `${first.slice(0, 197)}...` : first;
}
