/**
 * Artifact file names: wheel tags (PEP 427 / binary distribution format) and sdist names.
 *
 * @example
 * ```ts
 * parseWheelFilename("pip-24.2-py3-none-any.whl")?.platform; // "any"
 * ```
 * @module
 */

/** The parts of a wheel file name. */
export interface WheelName {
  distribution: string;
  version: string;
  build?: string;
  python: string;
  abi: string;
  platform: string;
}

/**
 * Parse `{distribution}-{version}(-{build})?-{python}-{abi}-{platform}.whl`.
 *
 * @example
 * ```ts
 * parseWheelFilename("setuptools-67.6.1-py3-none-any.whl")?.distribution; // "setuptools"
 * ```
 */
export function parseWheelFilename(filename: string): WheelName | undefined {
  const base = filename.split("/").pop() ?? filename;
  if (!base.toLowerCase().endsWith(".whl")) return undefined;
  const parts = base.slice(0, -4).split("-");
  if (parts.length !== 5 && parts.length !== 6) return undefined;
  const [distribution, version] = parts;
  const build = parts.length === 6 ? parts[2] : undefined;
  const [python, abi, platform] = parts.slice(-3);
  if (!distribution || !version || !python || !abi || !platform) return undefined;
  return { distribution, version, build, python, abi, platform };
}

/** Distribution name normalized for comparing `.dist-info` names (PEP 503, underscores). */
export function normalizeDistName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "_");
}

/**
 * True when `dir` (a top-level `*.dist-info` folder name) belongs to the wheel `filename`.
 *
 * @example
 * ```ts
 * isOwnDistInfo("pip-24.2.dist-info", "pip-24.2-py3-none-any.whl"); // true
 * ```
 */
export function isOwnDistInfo(dir: string, filename: string): boolean {
  const wheel = parseWheelFilename(filename);
  const m = /^(.+)-([^-]+)\.dist-info$/i.exec(dir);
  if (!wheel || !m) return false;
  return normalizeDistName(m[1]) === normalizeDistName(wheel.distribution) &&
    m[2].toLowerCase() === wheel.version.toLowerCase();
}

/** Archive kinds by file name: `wheel`, `sdist-tar` (`.tar.gz`/`.tgz`), `sdist-zip`. */
export function kindFromFilename(
  filename: string,
): "wheel" | "sdist-tar" | "sdist-zip" | undefined {
  const lower = filename.toLowerCase();
  if (lower.endsWith(".whl")) return "wheel";
  if (lower.endsWith(".tar.gz") || lower.endsWith(".tgz")) return "sdist-tar";
  if (lower.endsWith(".zip")) return "sdist-zip";
  return undefined;
}
