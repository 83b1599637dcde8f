/**
 * `provenance ARTIFACT --provenance FILE --repository O/R --workflow FILE [...]`: verify one
 * local artifact's PEP 740 provenance offline. FILE may be a PyPI Integrity API response, a
 * single PEP 740 attestation, or a Sigstore bundle (detected from its shape).
 *
 * Exit codes: 0 verified, 1 not verified (the reason on one line), 2 usage or unreadable input.
 *
 * @example
 * ```ts
 * const code = await runProvenance([
 *   "dist/pkg-1.0.tar.gz",
 *   "--provenance", "pkg-1.0.tar.gz.provenance",
 *   "--repository", "owner/repo",
 *   "--workflow", "release.yml",
 * ]);
 * ```
 * @module
 */
import { parseArgs } from "node:util";
import { createHash } from "node:crypto";
import { PublisherSchema } from "../config.ts";
import { detectProvenanceShape, verifyPep740 } from "../sigstore/pep740.ts";
import {
  loadTrustRoot,
  publicGoodTrustRoot,
  type TrustRoot,
  TrustRootError,
} from "../sigstore/trusted_root.ts";
import { DEFAULT_REF_PATTERN } from "../sigstore/publisher_policy.ts";

/** Largest provenance file read. */
const MAX_PROVENANCE_BYTES = 16 * 1024 * 1024;
/** Largest artifact read whole (only message-signature bundles need the bytes). */
const MAX_ARTIFACT_BYTES = 1024 * 1024 * 1024;

const HELP =
  `Usage: auditor provenance ARTIFACT --provenance FILE --repository OWNER/REPO --workflow FILE
                          [--environment NAME] [--ref-pattern REGEX] [--trusted-root FILE] [--json]

Verify a local artifact's PEP 740 provenance offline, against the public-good Sigstore root
embedded in @sigstore/tuf (or --trusted-root), and check it was published by the given
trusted publisher.

  --provenance FILE     PyPI Integrity API response, PEP 740 attestation, or Sigstore bundle
  --repository O/R      GitHub repository of the publishing workflow
  --workflow FILE       workflow file name, e.g. release.yml
  --environment NAME    expected GitHub environment (checked against PyPI's publisher object)
  --ref-pattern REGEX   accepted Source Repository Ref (default ${DEFAULT_REF_PATTERN.source})
  --trusted-root FILE   Sigstore trusted_root.json to use instead of the embedded root
  --json                print the full result as JSON

Exit codes: 0 verified, 1 not verified, 2 usage error.`;

class UsageError extends Error {}

function fail(message: string): number {
  console.error(`provenance: ${message.split("\n")[0]}`);
  return 2;
}

async function sha256File(path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  using file = await Deno.open(path, { read: true });
  for await (const chunk of file.readable) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest("hex"), size };
}

async function readProvenance(path: string): Promise<unknown> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as Error).name}`);
  }
  if (info.size > MAX_PROVENANCE_BYTES) {
    throw new UsageError(`${path} is larger than ${MAX_PROVENANCE_BYTES} bytes`);
  }
  try {
    return JSON.parse(await Deno.readTextFile(path));
  } catch (e) {
    throw new UsageError(`${path} is not JSON (${(e as Error).name})`);
  }
}

function compilePattern(source: string | undefined): RegExp | undefined {
  if (source === undefined) return undefined;
  try {
    return new RegExp(source);
  } catch {
    throw new UsageError(`--ref-pattern: invalid regular expression`);
  }
}

/**
 * Run the `provenance` subcommand.
 *
 * @example
 * ```ts
 * Deno.exit(await runProvenance(Deno.args));
 * ```
 */
export async function runProvenance(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        provenance: { type: "string" },
        repository: { type: "string" },
        workflow: { type: "string" },
        environment: { type: "string" },
        "ref-pattern": { type: "string" },
        "trusted-root": { type: "string" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (e) {
    return fail((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 1) return fail("expected exactly one ARTIFACT (see --help)");
  if (!values.provenance) return fail("--provenance FILE is required");
  const publisher = PublisherSchema.safeParse({
    repository: values.repository,
    workflow: values.workflow,
    environment: values.environment,
  });
  if (!publisher.success) {
    const issue = publisher.error.issues[0];
    return fail(`--${String(issue.path[0] ?? "repository")}: ${issue.message}`);
  }
  try {
    const refPattern = compilePattern(values["ref-pattern"]);
    let roots: TrustRoot[];
    try {
      roots = values["trusted-root"]
        ? [await loadTrustRoot(values["trusted-root"], "configured")]
        : [publicGoodTrustRoot()];
    } catch (e) {
      if (e instanceof TrustRootError) throw new UsageError(e.message);
      throw e;
    }
    const artifactPath = positionals[0];
    let digest: { sha256: string; size: number };
    try {
      digest = await sha256File(artifactPath);
    } catch (e) {
      throw new UsageError(`cannot read ${artifactPath}: ${(e as Error).name}`);
    }
    const provenance = await readProvenance(values.provenance);
    const needsBytes = detectProvenanceShape(provenance) === "bundle" &&
      typeof provenance === "object" && provenance !== null && "messageSignature" in provenance;
    const artifact = needsBytes && digest.size <= MAX_ARTIFACT_BYTES
      ? await Deno.readFile(artifactPath)
      : undefined;
    const filename = artifactPath.split(/[\\/]/).at(-1) ?? artifactPath;
    const result = await verifyPep740(
      { filename, sha256: digest.sha256 },
      provenance,
      { publisher: publisher.data, refPattern, roots, artifact },
    );
    if (values.json) {
      console.log(JSON.stringify(result, null, 2));
    } else if (result.status === "verified") {
      console.log(`${filename}: ${result.detail}`);
    } else {
      console.log(`${filename}: ${result.status}: ${result.detail}`.replace(/[\r\n]+/g, " "));
    }
    return result.status === "verified" ? 0 : 1;
  } catch (e) {
    if (e instanceof UsageError) return fail(e.message);
    return fail(`unexpected error: ${(e as Error).message}`);
  }
}
