/**
 * The PyPI job: for one project, list every file of every release (Simple API, with versions
 * from the JSON API), inspect every file's contents once per digest, read the reviewed
 * `pyproject.toml` at each release's tag, and load the digests pinned by earlier sweeps.
 * Collection only; judgement is in the rule sets it runs (`rules/release.ts`,
 * `rules/novelty.ts`, `rules/metadata.ts`, `rules/content.ts`, `rules/archive.ts`). PyPI people
 * (roles, organization, emails) belong to the access job.
 *
 * @module
 */
import type { Project } from "../src/config.ts";
import type { Finding } from "../rules/types.ts";
import type { LedgerEventInput } from "../src/ledger/types.ts";
import type { Job, JobContext, Observation } from "../src/observations/job.ts";
import type { ContentResult, Pin, PypiData, PypiFile } from "../src/observations/pypi.ts";
import { githubFor, mapLimit, pypiFor, sumStats } from "./clients.ts";
import type { ProjectJson, SimpleProject } from "../src/pypi/schemas.ts";
import { inspectFile } from "./pypi_content.ts";
import { reviewedPyprojects } from "./pypi_source.ts";
import { RULESETS } from "../rules/registry.ts";
import { ledgerEvent } from "../src/events.ts";
import { runRules } from "../rules/types.ts";
import { parsePyproject, wheelMetadataFrom } from "../src/pypi/pyproject.ts";
import { safeText } from "../src/http.ts";
import { droppedIn } from "../src/pypi/schemas.ts";
import type { Unobservable } from "../rules/types.ts";

/** Version from a distribution filename (wheel or sdist). */
export function versionOf(filename: string, project: string): string | undefined {
  if (filename.endsWith(".whl")) return filename.split("-")[1];
  const base = filename.replace(/\.(tar\.gz|tar\.bz2|tar\.xz|zip|tgz)$/i, "");
  const norm = project.toLowerCase().replace(/[-_.]+/g, "[-_.]+");
  const m = base.match(new RegExp(`^${norm}-(.+)$`, "i"));
  if (m) return m[1];
  const dash = base.lastIndexOf("-");
  return dash > 0 ? base.slice(dash + 1) : undefined;
}

function packagetype(filename: string): PypiFile["packagetype"] {
  if (filename.endsWith(".whl")) return "wheel";
  if (/\.(tar\.gz|zip|tar\.bz2|tar\.xz|tgz)$/i.test(filename)) return "sdist";
  return "other";
}

/** Files from a Simple API page, with versions from the JSON API where it knows them. */
export function filesFromSimple(
  page: SimpleProject,
  json: ProjectJson | undefined,
  name: string,
): PypiFile[] {
  const versionByFile = new Map<string, string>();
  for (const [version, files] of Object.entries(json?.releases ?? {})) {
    for (const f of files) versionByFile.set(f.filename, version);
  }
  const out: PypiFile[] = [];
  for (const f of page.files) {
    const sha256 = f.hashes.sha256?.toLowerCase();
    if (!sha256 || !/^[0-9a-f]{64}$/.test(sha256)) continue;
    const version = versionByFile.get(f.filename) ?? versionOf(f.filename, name) ?? "unknown";
    out.push({
      version,
      filename: f.filename,
      packagetype: packagetype(f.filename),
      size: f.size,
      sha256,
      url: f.url,
      uploadTime: f["upload-time"] ?? undefined,
      yanked: f.yanked !== false,
      yankedReason: typeof f.yanked === "string" ? f.yanked : undefined,
      requiresPython: f["requires-python"] ?? undefined,
      provenanceUrl: f.provenance ?? undefined,
    });
  }
  return out;
}

/** Metadata drift of each wheel against the reviewed pyproject.toml at its release's tag. */
function driftFindings(data: PypiData, project: Project): Finding[] {
  const out: Finding[] = [];
  for (const f of data.files) {
    const source = data.pyproject[f.version];
    const result = data.content[f.sha256];
    if (source === undefined || !result?.ok || !result.metadata) continue;
    const wheel = wheelMetadataFrom(
      f.filename,
      f.sha256,
      result.metadata.text,
      result.metadata.entryPoints,
    );
    out.push(...runRules(RULESETS.metadata, { wheel, source, policy: project.policy }));
  }
  return out;
}

async function loadPins(kv: Deno.Kv, project: string): Promise<Record<string, Pin>> {
  const pins: Record<string, Pin> = {};
  for await (const item of kv.list<Pin>({ prefix: ["pin", project] })) {
    pins[item.value.filename] = item.value;
  }
  return pins;
}

async function collect(project: Project, ctx: JobContext): Promise<Observation<PypiData>> {
  const upstream = ctx.config.upstream;
  const pypi = pypiFor(ctx);
  const unobservable: Unobservable[] = [];
  const observedAt = ctx.now().toISOString();
  const data: PypiData = { name: project.name, files: [], pins: {}, content: {}, pyproject: {} };
  const github = githubFor(ctx, "release-auditor/0.1 (PyPI release sweep)");
  const done = () => ({
    job: "pypi" as const,
    project: project.name,
    observedAt,
    data,
    unobservable,
    stats: sumStats(pypi.stats, github.stats()),
  });

  const [simple, json] = await Promise.all([pypi.simple(project.name), pypi.project(project.name)]);
  if (!simple.ok) {
    unobservable.push({ scope: "*", reason: `PyPI index not readable: ${simple.message}` });
    return done();
  }
  const invalid = droppedIn(simple.data.files) + droppedIn(json.ok ? json.data.urls : undefined);
  if (invalid > 0) {
    unobservable.push({
      scope: "files:invalid",
      reason: `${invalid} file entr${
        invalid === 1 ? "y" : "ies"
      } failed validation and were left out`,
    });
  }
  data.files = filesFromSimple(simple.data, json.ok ? json.data : undefined, project.name);
  data.pins = await loadPins(ctx.kv, project.name);

  const unique = [...new Map(data.files.map((f) => [f.sha256, f])).values()];
  const results = await mapLimit(
    unique,
    Math.min(4, upstream.concurrency),
    (f) => inspectFile(f, project.policy, ctx),
  );
  const reviewed = await reviewedPyprojects(github, project, data.files);
  data.pyproject = Object.fromEntries(
    Object.entries(reviewed.texts).map(([version, text]) => [version, parsePyproject(text)]),
  );
  unobservable.push(...reviewed.unobservable);
  unique.forEach((f, i) => {
    const result: ContentResult = results[i];
    data.content[f.sha256] = result;
    if (!result.ok && result.reason !== "digest-mismatch") {
      unobservable.push({
        scope: `file:${f.sha256}`,
        reason: `${safeText(f.filename, 120)} not inspected: ${result.reason}`,
      });
    }
  });
  return done();
}

function evaluate(observation: Observation<PypiData>, project: Project): Finding[] {
  const data = observation.data;
  if (observation.unobservable.some((u) => u.scope === "*")) return [];
  const content = Object.values(data.content).flatMap((r) => r.ok ? r.findings : []);
  return [
    ...content,
    ...driftFindings(data, project),
    ...runRules(RULESETS.release, { data, policy: project.policy }),
    ...runRules(RULESETS.novelty, { data }),
  ];
}

/** Files not pinned yet become `release.observed` events, one per release (chunked). */
function changes(
  _previous: Observation<PypiData> | undefined,
  next: Observation<PypiData>,
): LedgerEventInput[] {
  const known = new Set(Object.values(next.data.pins).map((p) => p.version));
  const fresh = new Map<string, PypiFile[]>();
  for (const f of next.data.files) {
    if (next.data.pins[f.filename]) continue;
    fresh.set(f.version, [...(fresh.get(f.version) ?? []), f]);
  }
  const events: LedgerEventInput[] = [];
  for (const [version, files] of fresh) {
    for (let i = 0; i < files.length; i += 200) {
      events.push(ledgerEvent("release.observed", {
        project: next.project,
        version,
        late: known.has(version),
        files: files.slice(i, i + 200).map((f) => ({
          filename: f.filename,
          sha256: f.sha256,
          size: f.size ?? 0,
          ...(f.uploadTime ? { uploadTime: f.uploadTime } : {}),
        })),
      }));
    }
  }
  return events;
}

/** The PyPI release sweep. */
export const pypiJob: Job<PypiData> = { name: "pypi", collect, evaluate, changes };
