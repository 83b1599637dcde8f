/**
 * The web tests' assertions: the suite's shared ones.
 *
 * @module
 */
export { assert, assertEquals, assertMatch, assertStringIncludes } from "../_assert.ts";
