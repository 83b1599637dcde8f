/**
 * The rule catalog: every rule's metadata, gathered from the rule modules. `main.ts rules`
 * prints it and docs/rules.md is generated from it.
 *
 * @module
 */
import type { RuleMeta } from "./types.ts";
import { RELEASE_RULES } from "./release.ts";
import { CONTENT_RULES } from "./content.ts";
import { ARCHIVE_RULES } from "./archive.ts";
import { METADATA_RULES } from "./metadata.ts";
import { PROVENANCE_RULES } from "./provenance.ts";
import { POSTURE_RULES } from "./posture.ts";
import { WORKFLOW_RULES } from "./workflows.ts";
import { ACCESS_RULES } from "./access.ts";
import { PARITY_RULES } from "./parity.ts";
import { NOVELTY_RULES } from "./novelty.ts";
import { TAG_RULES } from "./tags.ts";
import { SECRET_RULES } from "./secrets.ts";
import { SETTINGS_RULES } from "./settings.ts";
import { CODEBASE_RULES } from "./codebase.ts";

/** Every rule. Ids are unique (a test checks it). */
export const RULES: readonly RuleMeta[] = [
  ...CONTENT_RULES,
  ...NOVELTY_RULES,
  ...ARCHIVE_RULES,
  ...METADATA_RULES,
  ...RELEASE_RULES,
  ...PROVENANCE_RULES,
  ...PARITY_RULES,
  ...TAG_RULES,
  ...POSTURE_RULES,
  ...WORKFLOW_RULES,
  ...SECRET_RULES,
  ...SETTINGS_RULES,
  ...CODEBASE_RULES,
  ...ACCESS_RULES,
];

/** Ids of the sticky rules ({@link RuleMeta.sticky}): only a waiver closes their findings. */
export const STICKY_RULES: ReadonlySet<string> = new Set(
  RULES.filter((r) => r.sticky).map((r) => r.id),
);
