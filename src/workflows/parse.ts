/**
 * Parse a GitHub Actions workflow (or a composite action's `action.yml`) into a small,
 * typed model the workflow rules judge. Parsing is bounded (size, aliases, counts) and
 * never throws: bad input yields `{ ok: false, error }` with one line.
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
const MAX_STRING = 64 * 1024;

/** `read-all`, `write-all`, or a map of scope to `read` / `write` / `none`. */
export type Permissions = "read-all" | "write-all" | Record<string, string>;

/** One step of a job. */
export interface WorkflowStep {
  index: number;
  /** 1-based line in the file, when known. */
  line?: number;
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  with: Record<string, string>;
  env: Record<string, string>;
}

/** One job (or, for a composite action, the pseudo-job `(action)`). */
export interface WorkflowJob {
  id: string;
  line?: number;
  name?: string;
  permissions?: Permissions;
  /** Environment name (may be an expression). */
  environment?: string;
  /** Reusable workflow called by the job. */
  uses?: string;
  with: Record<string, string>;
  env: Record<string, string>;
  steps: WorkflowStep[];
}

/** A parsed workflow file. */
export interface Workflow {
  /** Path as given (repository path or local path). */
  path: string;
  kind: "workflow" | "action";
  name?: string;
  /** Trigger event names (`push`, `pull_request_target`, ...). */
  events: string[];
  /** Tag patterns of `on.push.tags`, when any. */
  pushTags: string[];
  permissions?: Permissions;
  env: Record<string, string>;
  jobs: WorkflowJob[];
}

/** Result of {@link parseWorkflow}. */
export type ParseResult = { ok: true; workflow: Workflow } | { ok: false; error: string };

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]).transform((v) =>
  v === null ? "" : String(v).slice(0, MAX_STRING)
);
/** Mapping of scalars; nested values become their JSON text. */
const stringMap = z.record(z.string(), z.unknown()).catch({}).transform((m) => {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m)) {
    const s = scalar.safeParse(v);
    out[k] = s.success ? s.data : JSON.stringify(v)?.slice(0, MAX_STRING) ?? "";
  }
  return out;
});

const PermissionsSchema = z.union([
  z.enum(["read-all", "write-all"]),
  z.record(z.string(), scalar),
  z.null().transform(() => ({})),
]);

/** A scalar as text; absent, null or a non-scalar becomes undefined. */
const optionalText = z.union([z.string(), z.number(), z.boolean()]).transform((v) =>
  String(v).slice(0, MAX_STRING)
).optional().catch(undefined);

const StepSchema = z.object({
  name: optionalText,
  id: optionalText,
  uses: optionalText,
  run: optionalText,
  with: stringMap.optional(),
  env: stringMap.optional(),
}).passthrough();

const EnvironmentSchema = z.union([
  z.string(),
  z.object({ name: z.unknown() }).passthrough().transform((e) =>
    e.name === undefined || e.name === null ? undefined : String(e.name)
  ),
]).optional().catch(undefined);

const JobSchema = z.object({
  name: optionalText,
  permissions: PermissionsSchema.optional(),
  environment: EnvironmentSchema,
  uses: optionalText,
  with: stringMap.optional(),
  env: stringMap.optional(),
  steps: z.array(z.unknown()).max(MAX_STEPS).optional(),
}).passthrough();

function parseEvents(on: unknown): { events: string[]; pushTags: string[] } {
  let events: string[] = [];
  let pushTags: string[] = [];
  if (typeof on === "string") events = [on];
  else if (Array.isArray(on)) events = on.filter((e): e is string => typeof e === "string");
  else if (on && typeof on === "object") {
    events = Object.keys(on);
    const push = (on as Record<string, unknown>).push;
    if (push && typeof push === "object") {
      const tags = (push as Record<string, unknown>).tags;
      if (Array.isArray(tags)) pushTags = tags.map((t) => String(t)).slice(0, 100);
      else if (typeof tags === "string") pushTags = [tags];
    }
  }
  return { events: events.slice(0, 100), pushTags };
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
export function parseWorkflow(path: string, text: string): ParseResult {
  assertYamlEnvironment();
  if (text.length > MAX_WORKFLOW_BYTES) {
    return { ok: false, error: `larger than ${MAX_WORKFLOW_BYTES} bytes` };
  }
  const lineCounter = new LineCounter();
  let doc;
  try {
    doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
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
  if (!root || typeof root !== "object" || Array.isArray(root)) {
    return { ok: false, error: "not a mapping" };
  }
  const top = root as Record<string, unknown>;
  const lineOf = (keys: (string | number)[]): number | undefined => {
    const node = doc.getIn(keys, true) as { range?: [number, number, number] } | undefined;
    return node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
  };
  const name = optionalText.parse(top.name);
  const env = stringMap.parse(top.env ?? {});

  if (top.runs && typeof top.runs === "object" && !top.jobs) {
    const runs = top.runs as Record<string, unknown>;
    const steps = parseSteps(runs.steps, (i) => lineOf(["runs", "steps", i]));
    return {
      ok: true,
      workflow: {
        path,
        kind: "action",
        name,
        events: [],
        pushTags: [],
        env,
        jobs: [{ id: "(action)", with: {}, env: {}, steps }],
      },
    };
  }
  if (!top.jobs || typeof top.jobs !== "object" || Array.isArray(top.jobs)) {
    return { ok: false, error: "no jobs mapping" };
  }
  const { events, pushTags } = parseEvents(top.on);
  const perms = top.permissions === undefined
    ? undefined
    : PermissionsSchema.safeParse(top.permissions);
  if (perms && !perms.success) return { ok: false, error: "invalid top-level permissions" };
  const jobs: WorkflowJob[] = [];
  for (const [id, raw] of Object.entries(top.jobs as Record<string, unknown>).slice(0, MAX_JOBS)) {
    const parsed = JobSchema.safeParse(raw ?? {});
    if (!parsed.success) {
      return {
        ok: false,
        error: `invalid job ${id.slice(0, 100)}: ${parsed.error.issues[0]?.path.join(".")} ${
          parsed.error.issues[0]?.message
        }`,
      };
    }
    const j = parsed.data;
    jobs.push({
      id,
      line: lineOf(["jobs", id]),
      name: j.name,
      permissions: j.permissions,
      environment: j.environment,
      uses: j.uses,
      with: j.with ?? {},
      env: j.env ?? {},
      steps: parseSteps(j.steps, (i) => lineOf(["jobs", id, "steps", i])),
    });
  }
  return {
    ok: true,
    workflow: {
      path,
      kind: "workflow",
      name,
      events,
      pushTags,
      permissions: perms?.data,
      env,
      jobs,
    },
  };
}

function parseSteps(raw: unknown, lineOf: (i: number) => number | undefined): WorkflowStep[] {
  if (!Array.isArray(raw)) return [];
  const steps: WorkflowStep[] = [];
  raw.slice(0, MAX_STEPS).forEach((item, index) => {
    const s = StepSchema.safeParse(item ?? {});
    if (!s.success) return;
    steps.push({
      index,
      line: lineOf(index),
      name: s.data.name,
      id: s.data.id,
      uses: s.data.uses,
      run: s.data.run,
      with: s.data.with ?? {},
      env: s.data.env ?? {},
    });
  });
  return steps;
}

function oneLine(e: unknown): string {
  const s = e instanceof Error ? e.message : String(e);
  const first = s.split("\n")[0];
  return first.length > 200 ? `${first.slice(0, 197)}...` : first;
}
