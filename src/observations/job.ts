/**
 * The contract of a job: collect one project's raw state from upstream, then let pure rules
 * judge it. Jobs never decide what is a finding; rules never call the network.
 *
 * @module
 */
import type { Config, Project, Secrets } from "../config.ts";
import type { Finding, JobName, Unobservable } from "../../rules/types.ts";
import type { LedgerEventInput } from "../ledger/types.ts";

/** Counters a job reports for the sweep record. */
export interface RequestStats {
  requests: number;
  /** Answered 304 Not Modified. */
  notModified: number;
  errors: number;
}

/** What a job saw for one project. */
export interface Observation<T = unknown> {
  job: JobName;
  project: string;
  /** RFC 3339 UTC. */
  observedAt: string;
  data: T;
  /** Scopes that could not be observed; `*` means the whole job for this project. */
  unobservable: Unobservable[];
  stats: RequestStats;
}

/** Everything a job may use while collecting. Passed in, never imported. */
export interface JobContext {
  config: Config;
  secrets: Secrets;
  /** State (Deno KV): caches, validators, pins. Each module uses its own key prefix. */
  kv: Deno.Kv;
  signal: AbortSignal;
  /** Structured log line (JSON-lines when not a terminal). */
  log: (event: string, fields?: Record<string, unknown>) => void;
  /** Injected clock, for tests. */
  now: () => Date;
}

/** The jobs a build provides, by name (see `jobs/mod.ts`); passed to the scheduler. */
export type JobSet = Partial<Record<JobName, Job<unknown>>>;

/** A job: collection, judgement, and the state changes it wants ledgered. */
export interface Job<T = unknown> {
  name: JobName;
  /** Collect one project. Never throws for upstream failures: they become `unobservable`. */
  collect(project: Project, ctx: JobContext): Promise<Observation<T>>;
  /** Pure: run this job's rules over an observation. */
  evaluate(observation: Observation<T>, project: Project, now: Date): Finding[];
  /**
   * Pure: events describing what changed since the previous observation
   * (`release.observed`, `posture.changed`, `access.changed`). `previous` is undefined on the
   * first sweep.
   */
  changes?(previous: Observation<T> | undefined, next: Observation<T>): LedgerEventInput[];
}
