/**
 * The registry of jobs, by name. A job missing here is reported as not available, never as
 * compliant.
 *
 * @module
 */
import type { Job, JobSet } from "../src/observations/job.ts";
import { pypiJob } from "./pypi.ts";
import { repoJob } from "./repo.ts";
import { accessJob } from "./access.ts";
import { releasesJob } from "./releases.ts";

/** Jobs that exist, by name. */
export const JOB_REGISTRY: JobSet = {
  pypi: pypiJob as Job<unknown>,
  releases: releasesJob as Job<unknown>,
  repo: repoJob as Job<unknown>,
  access: accessJob as Job<unknown>,
};
