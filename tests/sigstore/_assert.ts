/** Minimal assertions (JSR's @std/assert is not reachable from the build machines). */
export { deepStrictEqual as assertEquals, ok as assert, throws as assertThrows } from "node:assert";
