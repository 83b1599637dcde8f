/**
 * `inspect ARTIFACT… [--policy pure|native] [--format text|json]`: the pre-publish gate.
 * Runs the content, archive and metadata rules on local wheels and sdists.
 * Exit codes: 0 clean, 1 findings (any severity), 2 usage error or unreadable file.
 *
 * @example
 * ```ts
 * Deno.exit(await runInspect(["dist/pkg-1.0-py3-none-any.whl", "dist/pkg-1.0.tar.gz"]));
 * ```
 * @module
 */
import { parseArgs } from "node:util";
import { PolicySchema } from "../config.ts";
import type { Finding } from "../../rules/types.ts";
import { contentFindings } from "../../rules/content.ts";
import { archiveFindings } from "../../rules/archive.ts";
import { metadataDrift, normalizeProjectName } from "../../rules/metadata.ts";
import { parsePyproject, wheelMetadataOf } from "../pypi/pyproject.ts";
import {
  type ArchiveInspection,
  inspectArtifact,
  kindFromFilename,
  limitsFromPolicy,
} from "../inspect/mod.ts";

const USAGE = `usage: inspect ARTIFACT... [--policy pure|native] [--format text|json]

Inspect wheels (.whl) and sdists (.tar.gz, .zip) before publishing them: .pth files, start-up
hooks, native code, nested archives, unsafe paths and links, ZIP ambiguities, RECORD digests,
decompression bombs, and metadata that the sdist's pyproject.toml does not declare.

Exit status: 0 no findings, 1 findings, 2 usage error or unreadable file.`;

/** Escape control, C1 and bidirectional-override characters of attacker-controlled text. */
export function escapeControl(text: string): string {
  let out = "";
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    const unsafe = c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) ||
      (c >= 0x2066 && c <= 0x2069) || c === 0x200e || c === 0x200f || c === 0x061c;
    out += unsafe ? `\\u{${c.toString(16)}}` : ch;
  }
  return out;
}

/** The result for one artifact. */
interface ArtifactReport {
  path: string;
  inspection: ArchiveInspection;
  findings: Finding[];
}

/**
 * Run the `inspect` subcommand; returns the exit code.
 *
 * @example
 * ```ts
 * const code = await runInspect(["--format", "json", "dist/x-1.0-py3-none-any.whl"]);
 * ```
 */
export async function runInspect(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        policy: { type: "string", default: "pure" },
        format: { type: "string", default: "text" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (e) {
    console.error(`inspect: ${(e as Error).message.split("\n")[0]}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.policy !== "pure" && values.policy !== "native") {
    console.error("inspect: --policy must be pure or native");
    return 2;
  }
  if (values.format !== "text" && values.format !== "json") {
    console.error("inspect: --format must be text or json");
    return 2;
  }
  if (positionals.length === 0) {
    console.error("inspect: no artifact given (see --help)");
    return 2;
  }
  for (const path of positionals) {
    const problem = await unreadable(path);
    if (problem) {
      console.error(`inspect: ${escapeControl(path)}: ${problem}`);
      return 2;
    }
  }
  const policy = PolicySchema.parse({ artifacts: values.policy });
  const limits = limitsFromPolicy(policy);
  const reports: ArtifactReport[] = [];
  for (const path of positionals) {
    const filename = path.split(/[\\/]/).pop()!;
    let inspection: ArchiveInspection;
    try {
      inspection = await inspectArtifact(path, filename, limits);
    } catch (e) {
      console.error(`inspect: ${escapeControl(path)}: ${escapeControl((e as Error).message)}`);
      return 2;
    }
    reports.push({
      path,
      inspection,
      findings: [...archiveFindings(inspection, policy), ...contentFindings(inspection, policy)],
    });
  }
  addDrift(reports, policy);
  if (values.format === "json") printJson(reports);
  else printText(reports);
  return reports.some((r) => r.findings.length > 0) ? 1 : 0;
}

async function unreadable(path: string): Promise<string | undefined> {
  if (!kindFromFilename(path)) return "not a wheel (.whl) or sdist (.tar.gz, .tgz, .zip)";
  try {
    const stat = await Deno.stat(path);
    if (!stat.isFile) return "not a regular file";
    (await Deno.open(path, { read: true })).close();
    return undefined;
  } catch (e) {
    return e instanceof Deno.errors.NotFound
      ? "no such file"
      : `cannot read (${(e as Error).name})`;
  }
}

/** Name and version from a wheel or sdist file name, normalized. */
function projectKey(inspection: ArchiveInspection): string | undefined {
  const base = inspection.filename.replace(/\.(whl|tar\.gz|tgz|zip)$/i, "");
  const m = inspection.kind === "wheel"
    ? /^([^-]+)-([^-]+)-/.exec(base)
    : /^(.+)-([^-]+)$/.exec(base);
  return m ? `${normalizeProjectName(m[1])}==${m[2].toLowerCase()}` : undefined;
}

/** Metadata drift: each artifact's metadata against the pyproject.toml of an sdist given. */
function addDrift(reports: ArtifactReport[], policy: ReturnType<typeof PolicySchema.parse>): void {
  const sources = new Map<string, string>();
  for (const r of reports) {
    const key = projectKey(r.inspection);
    const text = r.inspection.members.pyprojectToml?.text;
    if (key && text !== undefined && r.inspection.kind !== "wheel") sources.set(key, text);
  }
  for (const r of reports) {
    const key = projectKey(r.inspection);
    const input = wheelMetadataOf(r.inspection);
    if (!key || !input || !sources.has(key)) continue;
    r.findings.push(...metadataDrift(input, parsePyproject(sources.get(key)), policy));
  }
}

function printText(reports: ArtifactReport[]): void {
  for (const { path, inspection, findings } of reports) {
    const t = inspection.totals;
    console.log(
      `${
        escapeControl(path)
      }: ${inspection.kind}, ${t.entries} entries, ${t.uncompressedBytes} bytes, ${findings.length} finding(s)${
        t.truncated ? " (listing incomplete)" : ""
      }`,
    );
    for (const f of findings) {
      console.log(`  ${f.severity.toUpperCase()} ${f.rule} ${escapeControl(f.message)}`);
    }
  }
}

function printJson(reports: ArtifactReport[]): void {
  console.log(JSON.stringify(
    {
      artifacts: reports.map(({ path, inspection, findings }) => ({
        path,
        filename: inspection.filename,
        kind: inspection.kind,
        sha256: inspection.sha256,
        totals: inspection.totals,
        anomalies: inspection.anomalies,
        findings,
      })),
    },
    null,
    2,
  ));
}
