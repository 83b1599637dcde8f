/**
 * Configuration types this area reads (re-exported from the shared config contract).
 *
 * @module
 */
import type { z } from "zod";
import type { PublisherSchema } from "../config.ts";

/** A project's configured trusted publisher: `{ repository, workflow, environment? }`. */
export type Publisher = z.infer<typeof PublisherSchema>;
