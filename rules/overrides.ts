/**
 * A project's per-rule overrides (`[project.rules."id"]`): a rule switched off, or a severity
 * changed. Applied once to every job's findings before reconcile (src/audit.ts); rules that
 * are also called on their own (the posture and provenance evaluators) apply it too, which is
 * idempotent.
 *
 * @module
 */
import type { Project } from "../src/config.ts";
import type { Finding } from "./types.ts";

/**
 * Drop findings of disabled rules and replace severities.
 *
 * @example
 * ```ts
 * applyOverrides(project, findings);
 * ```
 */
export function applyOverrides(project: Pick<Project, "rules">, findings: Finding[]): Finding[] {
  const out: Finding[] = [];
  for (const f of findings) {
    const override = project.rules[f.rule];
    if (override && !override.enabled) continue;
    out.push(override?.severity ? { ...f, severity: override.severity } : f);
  }
  return out;
}
