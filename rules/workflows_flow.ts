/**
 * Workflow rules about data flow: untrusted event data reaching code (script injection in every
 * sink, env-file writes, unsecure commands) and secrets reaching the network (exfiltration,
 * `secrets: inherit`, secrets outside environments, overprovisioned secrets).
 *
 * @example
 * ```ts
 * checkSecretExfiltration(workflow).map((f) => f.severity); // ["critical"] in release.yml
 * ```
 * @module
 */
import type { Workflow, WorkflowJob, WorkflowStep } from "../src/observations/workflow.ts";
import { type Finding, finding } from "./types.ts";
import {
  ENV_FILE_INJECTION,
  OVERPROVISIONED_SECRETS,
  SCRIPT_INJECTION,
  SECRET_EXFILTRATION,
  SECRETS_INHERIT,
  SECRETS_OUTSIDE_ENVIRONMENT,
  UNSECURE_COMMANDS,
} from "./_workflow_meta.ts";
import {
  actionName,
  clip,
  code,
  expressions,
  isReleaseWorkflow,
  isStoredSecret,
  jobSecrets,
  lineOf,
  lower,
  OUTSIDER_EVENTS,
  secretNames,
  stepEnv,
  taintedEnv,
  untrustedExpressions,
  where,
  WORKFLOW_SCOPE,
} from "./_workflow.ts";

/**
 * Inputs of well-known actions that evaluate their value as code or shell (a small table; the
 * key is `owner/repo`, lower case).
 */
export const CODE_INPUTS: Readonly<Record<string, readonly string[]>> = {
  "actions/github-script": ["script"],
  "azure/cli": ["inlinescript"],
  "azure/powershell": ["inlinescript"],
  "jannekem/run-python-script-action": ["script"],
  "cardinalby/js-eval-action": ["expression"],
  "appleboy/ssh-action": ["script"],
  "addnab/docker-run-action": ["run"],
  "mikefarah/yq": ["cmd"],
  "nick-fields/retry": ["command"],
  "nick-invision/retry": ["command"],
  "amadevus/pwsh-script": ["script"],
  "mathiasvr/command-output": ["run"],
};

/** The code a step runs: `run:` or a code-evaluating input, with its sink name. */
export function stepScripts(step: WorkflowStep): { sink: string; script: string }[] {
  const out: { sink: string; script: string }[] = [];
  if (step.run !== undefined) out.push({ sink: "run", script: step.run });
  const inputs = CODE_INPUTS[actionName(step.uses)] ?? [];
  for (const [k, v] of Object.entries(step.with)) {
    if (inputs.includes(k.toLowerCase())) {
      out.push({ sink: `${actionName(step.uses)} ${k}`, script: v });
    }
  }
  return out;
}

/** Why an expression inside code is attacker-controlled, or undefined. */
function injectionSource(
  inner: string,
  wf: Workflow,
  job: WorkflowJob,
  env: Record<string, string>,
): string | undefined {
  if (untrustedExpressions(`\${{${inner}}}`).length > 0) return "event data";
  const tainted = new Set(taintedEnv(env));
  for (const m of inner.matchAll(/\benv\.([A-Za-z_][A-Za-z0-9_]*)/g)) {
    if (tainted.has(m[1])) return `env.${m[1]} (set from event data)`;
  }
  if (job.matrix && untrustedExpressions(job.matrix).length > 0 && /\bmatrix\./.test(inner)) {
    return "a matrix built from event data";
  }
  if (wf.kind === "action" && /\binputs\.[A-Za-z_-]/.test(inner)) {
    return "a composite-action input (the caller may pass event data)";
  }
  const call = new Set(wf.callInputs ?? []);
  for (const m of inner.matchAll(/\binputs\.([A-Za-z_][A-Za-z0-9_-]*)/g)) {
    if (call.has(m[1])) return "a reusable-workflow string input (the caller may pass event data)";
  }
  return undefined;
}

/**
 * `workflows/script-injection`: attacker-controlled expressions in `run:`, github-script and
 * other code-evaluating inputs, directly or through `env.*`, `matrix.*` or composite `inputs.*`.
 *
 * @example
 * ```ts
 * checkScriptInjection(workflow);
 * ```
 */
export function checkScriptInjection(wf: Workflow, scope = WORKFLOW_SCOPE): Finding[] {
  const out: Finding[] = [];
  for (const job of wf.jobs) {
    for (const step of job.steps) {
      const env = stepEnv(wf, job, step);
      for (const { sink, script } of stepScripts(step)) {
        const hits: { text: string; why: string }[] = [];
        for (const inner of expressions(script)) {
          const why = injectionSource(inner, wf, job, env);
          if (!why) continue;
          hits.push({ text: clip(`\${{${inner}}}`, 150), why });
          if (hits.length >= 10) break;
        }
        if (hits.length === 0) continue;
        // A composite or reusable-workflow input is one step removed from the attacker: high,
        // unless the same script also expands event data directly (then the worst hit leads).
        const indirect = (h: { why: string }) => /^a (composite|reusable)/.test(h.why);
        const lead = hits.find((h) => !indirect(h)) ?? hits[0];
        out.push(finding(SCRIPT_INJECTION, {
          subject: `${where(wf, job, step)}#injection`,
          scope,
          severity: indirect(lead) ? "high" : undefined,
          message: `Job ${clip(job.id, 80)} interpolates ${lead.text} (${lead.why}) into ${
            sink === "run" ? "a script" : clip(sink, 80)
          }.`,
          evidence: {
            observed: hits.map((h) => h.text),
            expected: "pass event data through env variables",
            ...lineOf(job, step),
          },
        }));
        break;
      }
    }
  }
  return out;
}

const ENV_FILE_WRITE =
  /(>>?|tee\s+(-a\s+)?|Out-File\s[^\n]*|Add-Content\s[^\n]*)\s*["']?\$\{?(env:)?(GITHUB_ENV|GITHUB_PATH|GITHUB_OUTPUT)\b/i;

/**
 * `workflows/env-file-injection`: a line writing to `$GITHUB_ENV`, `$GITHUB_PATH` or
 * `$GITHUB_OUTPUT` from a variable that carries event data, or (on triggers outsiders control)
 * writing a computed value to `$GITHUB_ENV` / `$GITHUB_PATH`.
 *
 * @example
 * ```ts
 * checkEnvFileInjection(workflow);
 * ```
 */
export function checkEnvFileInjection(wf: Workflow, scope = WORKFLOW_SCOPE): Finding[] {
  const out: Finding[] = [];
  const outsider = wf.events.some((e) => OUTSIDER_EVENTS.includes(e));
  for (const job of wf.jobs) {
    for (const step of job.steps) {
      if (step.run === undefined) continue;
      const tainted = taintedEnv(stepEnv(wf, job, step));
      for (const line of code(step.run).split("\n")) {
        const m = ENV_FILE_WRITE.exec(line);
        if (!m) continue;
        const file = m[4].toUpperCase();
        const viaVar = tainted.find((v) => new RegExp(`\\$(\\{)?(env:)?${v}\\b`).test(line));
        const computed = outsider && file !== "GITHUB_OUTPUT" &&
          /\$\(|`|\$\{?[A-Za-z_]/.test(line.replace(ENV_FILE_WRITE, ""));
        if (!viaVar && !computed) continue;
        out.push(finding(ENV_FILE_INJECTION, {
          subject: `${where(wf, job, step)}#${file.toLowerCase()}`,
          scope,
          message: `Job ${clip(job.id, 80)} writes ${
            viaVar ? `$${viaVar} (event data)` : "a computed value on a trigger outsiders control"
          } to $${file}.`,
          evidence: { observed: clip(line.trim(), 300), ...lineOf(job, step) },
        }));
        break;
      }
    }
  }
  return out;
}

const MATRIX_UNSECURE =
  /"ACTIONS_ALLOW_UNSECURE_COMMANDS"\s*:\s*(true|1|"\s*(true|1|yes)\s*")\s*[,}]/i;

const truthy = (v: string | undefined) => v !== undefined && /^\s*(true|1|yes)\s*$/i.test(v);

/**
 * `workflows/unsecure-commands`: `ACTIONS_ALLOW_UNSECURE_COMMANDS` enabled at any level.
 *
 * @example
 * ```ts
 * checkUnsecureCommands(workflow);
 * ```
 */
export function checkUnsecureCommands(wf: Workflow, scope = WORKFLOW_SCOPE): Finding[] {
  const key = "ACTIONS_ALLOW_UNSECURE_COMMANDS";
  const hit = (env: Record<string, string>) =>
    Object.entries(env).some(([k, v]) => k.toUpperCase() === key && truthy(v));
  const out: Finding[] = [];
  const add = (subject: string, line: { line?: number }) =>
    out.push(finding(UNSECURE_COMMANDS, {
      subject: `${subject}#unsecure-commands`,
      scope,
      message: `${key} is enabled: any log line can set environment variables and PATH.`,
      evidence: { observed: `${key}: true`, expected: "absent", ...line },
    }));
  if (hit(wf.env)) add(wf.path, {});
  for (const job of wf.jobs) {
    // A matrix entry carrying the variable only exists to be spread into an `env:`
    // (`env: ${{ matrix.env }}`), which the model cannot see as a mapping.
    if (hit(job.env) || MATRIX_UNSECURE.test(job.matrix ?? "")) add(where(wf, job), lineOf(job));
    for (const step of job.steps) if (hit(step.env)) add(where(wf, job, step), lineOf(job, step));
  }
  return out;
}

/**
 * Hosts a secret may legitimately be sent to (the services the secrets are for). Chat webhooks
 * other than Slack's (Discord, Telegram) stay outside: they are common exfiltration channels.
 */
const KNOWN_HOSTS =
  /^([a-z0-9-]+\.)*(github\.com|githubusercontent\.com|ghcr\.io|pypi\.org|pythonhosted\.org|anaconda\.org|codecov\.io|coveralls\.io|sonarcloud\.io|sigstore\.dev|readthedocs\.(org|io)|docker\.io|docker\.com|slack\.com|localhost)$|^127\.0\.0\.1$/i;
const NETWORK_COMMAND =
  /(^|[\s;&|(`'"])(curl|wget|nc|ncat|netcat|socat|telnet|Invoke-WebRequest|Invoke-RestMethod|iwr|irm)(\s|$)|\/dev\/(tcp|udp)\/|requests\.(post|get|put)\(|urllib\.request|http\.client|\bfetch\(|axios\.|https?\.request\(|github\.request\(/i;
const URL_HOST = /\bhttps?:\/\/([^/\s"'`$:?#]+)/gi;
const RAW_HOST =
  /\/dev\/(?:tcp|udp)\/([^/\s]+)\/|(?:^|\s)(?:nc|ncat|netcat|telnet)\s+(?:-[a-z]+\s+)*([a-z0-9.-]+\.[a-z]{2,}|\d+\.\d+\.\d+\.\d+)\s/gi;

/** Outside hosts named in a script. */
function outsideHosts(script: string): string[] {
  const hosts = new Set<string>();
  for (const m of script.matchAll(URL_HOST)) hosts.add(m[1].toLowerCase());
  for (const m of script.matchAll(RAW_HOST)) hosts.add((m[1] ?? m[2]).toLowerCase());
  return [...hosts].filter((h) => !KNOWN_HOSTS.test(h) && !h.includes("{"));
}

/** The stored secrets a step can read: its environment and its inline expressions. */
function stepSecretAccess(
  wf: Workflow,
  job: WorkflowJob,
  step: WorkflowStep,
  script: string,
): { names: string[]; viaEnv: string[] } {
  const env = stepEnv(wf, job, step);
  const viaEnv = Object.entries(env).filter(([, v]) => secretNames(v).some(isStoredSecret))
    .map(([k]) => k);
  const names = new Set<string>();
  for (const v of Object.values(env)) for (const n of secretNames(v)) names.add(n);
  for (const n of secretNames(script)) names.add(n);
  return { names: [...names].filter(isStoredSecret), viaEnv };
}

/**
 * `workflows/secret-exfiltration`: a step with a stored secret (in its environment or inline)
 * runs a network command or script to an outside host, or hands every secret (`toJSON(secrets)`)
 * to a network call. High; critical in a release or publishing workflow.
 *
 * @example
 * ```ts
 * checkSecretExfiltration(workflow);
 * ```
 */
export function checkSecretExfiltration(wf: Workflow, scope = WORKFLOW_SCOPE): Finding[] {
  const out: Finding[] = [];
  const release = isReleaseWorkflow(wf);
  for (const job of wf.jobs) {
    for (const step of job.steps) {
      for (const { sink, script } of stepScripts(step)) {
        const body = code(script);
        if (!NETWORK_COMMAND.test(body)) continue;
        const access = stepSecretAccess(wf, job, step, body);
        if (access.names.length === 0) continue;
        const hosts = outsideHosts(body);
        const all = access.names.includes("*");
        if (hosts.length === 0 && !all) continue;
        out.push(finding(SECRET_EXFILTRATION, {
          subject: `${where(wf, job, step)}#exfiltration`,
          scope,
          severity: release ? "critical" : "high",
          message: `Job ${clip(job.id, 80)} runs a network command (${clip(sink, 60)}) to ${
            hosts.length ? clip(hosts.join(", "), 120) : "an unknown host"
          } with ${all ? "every secret" : clip(access.names.join(", "), 120)} at hand${
            release ? ", in a release workflow" : ""
          }.`,
          evidence: {
            observed: { hosts: hosts.slice(0, 10), secrets: access.names.slice(0, 20) },
            expected: "secrets reach only the service they are for",
            ...lineOf(job, step),
          },
        }));
        break;
      }
    }
  }
  return out;
}

/**
 * `workflows/secrets-inherit`: `secrets: inherit` into a reusable workflow outside this
 * repository (and outside its owner, when the repository is known).
 *
 * @example
 * ```ts
 * checkSecretsInherit(workflow, "o/r");
 * ```
 */
export function checkSecretsInherit(
  wf: Workflow,
  repository: string | undefined,
  scope = WORKFLOW_SCOPE,
): Finding[] {
  const owner = lower(repository).split("/")[0];
  return wf.jobs.filter((j) =>
    j.secrets === "inherit" && j.uses && !j.uses.trim().startsWith("./") &&
    (!owner || lower(j.uses).split("/")[0] !== owner)
  ).map((job) =>
    finding(SECRETS_INHERIT, {
      subject: `${where(wf, job)}#secrets-inherit`,
      scope,
      severity: isReleaseWorkflow(wf) ? "critical" : undefined,
      message: `Job ${clip(job.id, 80)} passes every secret to ${clip(job.uses ?? "", 150)}.`,
      evidence: {
        observed: "secrets: inherit",
        expected: "an explicit secrets map",
        ...lineOf(job),
      },
    })
  );
}

/**
 * `workflows/secrets-outside-environment`: in a release workflow, a job that reads stored
 * secrets without a deployment environment (so any branch's workflow could read them).
 *
 * @example
 * ```ts
 * checkSecretsOutsideEnvironment(workflow);
 * ```
 */
export function checkSecretsOutsideEnvironment(wf: Workflow, scope = WORKFLOW_SCOPE): Finding[] {
  if (!isReleaseWorkflow(wf)) return [];
  const out: Finding[] = [];
  for (const job of wf.jobs) {
    if (job.environment || job.uses) continue;
    const names = jobSecrets(wf, job).filter((n) => isStoredSecret(n) && n !== "*");
    if (names.length === 0) continue;
    out.push(finding(SECRETS_OUTSIDE_ENVIRONMENT, {
      subject: `${where(wf, job)}#secrets-outside-environment`,
      scope,
      message: `Release job ${clip(job.id, 80)} reads ${
        clip(names.join(", "), 150)
      } without a deployment environment.`,
      evidence: {
        observed: names.slice(0, 20),
        expected: "environment: <protected>",
        ...lineOf(job),
      },
    }));
  }
  return out;
}

/**
 * `workflows/overprovisioned-secrets`: `toJSON(secrets)` or `secrets[<expression>]`.
 *
 * @example
 * ```ts
 * checkOverprovisionedSecrets(workflow);
 * ```
 */
export function checkOverprovisionedSecrets(wf: Workflow, scope = WORKFLOW_SCOPE): Finding[] {
  const out: Finding[] = [];
  for (const job of wf.jobs) {
    const texts: [string, WorkflowStep | undefined][] = [
      ...Object.values(job.env).map((v): [string, undefined] => [v, undefined]),
      ...Object.values(job.with).map((v): [string, undefined] => [v, undefined]),
      ...job.steps.flatMap((s) =>
        [s.run ?? "", ...Object.values(s.with), ...Object.values(s.env)].map((
          v,
        ): [string, WorkflowStep] => [v, s])
      ),
    ];
    const hit = texts.find(([t]) => secretNames(t).includes("*"));
    if (!hit) continue;
    out.push(finding(OVERPROVISIONED_SECRETS, {
      subject: `${where(wf, job, hit[1])}#overprovisioned-secrets`,
      scope,
      message: `Job ${clip(job.id, 80)} exposes every secret at once.`,
      evidence: { observed: clip(hit[0].trim(), 200), ...lineOf(job, hit[1]) },
    }));
  }
  if (Object.values(wf.env).some((v) => secretNames(v).includes("*"))) {
    out.push(finding(OVERPROVISIONED_SECRETS, {
      subject: `${wf.path}#overprovisioned-secrets`,
      scope,
      message: "The workflow environment exposes every secret at once.",
    }));
  }
  return out;
}
