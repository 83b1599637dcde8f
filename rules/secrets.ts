/**
 * Secrets rules: a PyPI API token stored in GitHub secrets where trusted publishing is
 * expected (the plan: "Do not store PyPI API tokens in GitHub secrets"; GhostAction harvested
 * exactly these), and publishing secrets that any workflow can read because they live outside
 * a protected environment. Judged from secret names only (`src/github/secrets.ts`).
 *
 * @example
 * ```ts
 * const findings = runRules(SECRET_RULESET, { data, project, workflows: [] });
 * ```
 * @module
 */
import { defineRule, type Finding, finding, type Rule, ruleMetaFor } from "./types.ts";
import { clip, type ControlsInput } from "./controls_input.ts";
import { CONTROL_SCOPES } from "../src/observations/controls.ts";

const meta = ruleMetaFor("repo", "secrets/");

/** A PyPI-like token is stored although trusted publishing is configured. */
export const PYPI_TOKEN_STORED = meta(
  "pypi-token-stored",
  "high",
  "A PyPI API token is stored in GitHub secrets",
  "Trusted publishing only: no long-lived PyPI API token in GitHub secrets",
  "Do not store PyPI API tokens in GitHub secrets: publish through trusted publishing (OIDC), delete the secret, and revoke the token on PyPI (Account settings > API tokens).",
);
/** A publishing secret is readable outside a protected environment. */
export const PUBLISHING_SECRET_UNPROTECTED = meta(
  "publishing-secret-unprotected",
  "high",
  "A publishing secret is available outside a protected environment",
  "Publishing credentials are only released to a protected environment with required reviewers",
  "Move the secret into the publishing environment (Settings > Environments) and protect that environment with required reviewers and deployment branch rules; better, replace it with trusted publishing.",
);

/**
 * True for a secret name that looks like a PyPI upload credential (`PYPI_API_TOKEN`,
 * `PYPI_TOKEN`, `TEST_PYPI_PASSWORD`, `TWINE_PASSWORD`, `POETRY_PYPI_TOKEN_PYPI`, …).
 *
 * @example
 * ```ts
 * isPypiSecretName("PYPI_API_TOKEN"); // true
 * isPypiSecretName("CODECOV_TOKEN"); // false
 * ```
 */
export function isPypiSecretName(name: string): boolean {
  const n = name.toUpperCase();
  return /PYPI/.test(n) || /^TWINE_(PASSWORD|USERNAME)$/.test(n) || /^FLIT_PASSWORD$/.test(n) ||
    /^(PDM|HATCH|UV)_PUBLISH(ER)?_(PASSWORD|TOKEN|AUTH)$/.test(n);
}

interface Located {
  name: string;
  level: "repository" | "organization" | "environment";
  environment?: string;
}

function located(input: ControlsInput): Located[] {
  const s = input.data.controls?.secrets;
  if (!s) return [];
  const out: Located[] = [];
  for (const name of s.repository ?? []) out.push({ name, level: "repository" });
  for (const name of s.organization ?? []) out.push({ name, level: "organization" });
  for (const [environment, names] of Object.entries(s.environments ?? {})) {
    for (const name of names) out.push({ name, level: "environment", environment });
  }
  return out.filter((l) => isPypiSecretName(l.name));
}

function where(l: Located): string {
  return l.level === "environment" ? `environment ${clip(l.environment ?? "?", 100)}` : l.level;
}

function subject(input: ControlsInput, l: Located): string {
  const at = l.level === "environment" ? `environment:${clip(l.environment ?? "", 255)}` : l.level;
  return `${input.data.repository}:secret:${at}:${clip(l.name, 255)}`;
}

function scope(l: Located): string {
  return `${CONTROL_SCOPES.secrets}:${l.level}`;
}

function tokenStored(input: ControlsInput): Finding[] {
  if (!input.project.publisher) return [];
  return located(input).map((l) =>
    finding(PYPI_TOKEN_STORED, {
      subject: subject(input, l),
      scope: scope(l),
      message: `Secret ${clip(l.name)} (${
        where(l)
      }) looks like a PyPI token, yet publishing is expected through trusted publishing.`,
      evidence: { observed: l.name, level: l.level, environment: l.environment },
    })
  );
}

/** Environments with at least one required reviewer. */
function protectedEnvironments(input: ControlsInput): Set<string> {
  const out = new Set<string>();
  for (const env of input.data.environments ?? []) {
    const reviewers = env.protection_rules.filter((r) => r.type === "required_reviewers")
      .flatMap((r) => r.reviewers ?? []);
    if (reviewers.length > 0) out.add(env.name);
  }
  return out;
}

function unprotected(input: ControlsInput): Finding[] {
  const guarded = protectedEnvironments(input);
  return located(input).filter((l) =>
    l.level !== "environment" || !guarded.has(l.environment ?? "")
  ).map((l) =>
    finding(PUBLISHING_SECRET_UNPROTECTED, {
      subject: subject(input, l),
      scope: scope(l),
      message: l.level === "environment"
        ? `Secret ${clip(l.name)} is in ${where(l)}, which has no required reviewers.`
        : `Secret ${
          clip(l.name)
        } is a ${l.level} secret: every workflow of the repository can read it.`,
      evidence: { observed: l.name, level: l.level, environment: l.environment },
    })
  );
}

/** The secrets rules as values. */
export const SECRET_RULESET: readonly Rule<ControlsInput>[] = [
  defineRule(PYPI_TOKEN_STORED, tokenStored),
  defineRule(PUBLISHING_SECRET_UNPROTECTED, unprotected),
];
/** Metadata of the secrets rules, for the catalog. */
export const SECRET_RULES = SECRET_RULESET.map((r) => r.meta);
