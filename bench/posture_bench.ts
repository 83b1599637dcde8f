/**
 * Posture sweep cost: GitHub requests per repository per sweep, cold (empty validator cache)
 * and warm (unchanged repositories, conditional requests), against a local server with ETags
 * serving the sandbox posture scenarios. 304 answers to conditional requests do not count
 * against GitHub's rate limit, so "rate-limited" = requests - 304s.
 *
 * Goal: a warm sweep of an unchanged repository spends <= 5 rate-limited requests.
 *
 * Run: deno run --unstable-kv --allow-net=127.0.0.1 --ignore-env=LOG_TOKENS,LOG_STREAM \
 *        bench/posture_bench.ts [repositories=20]
 */
import { ConfigSchema, ProjectSchema } from "../src/config.ts";
import type { JobContext, RequestStats } from "../src/observations/job.ts";
import { createRepoJob } from "../jobs/repo.ts";
import { buildGithubPosture, SandboxResponse } from "../src/sandbox/github_posture.ts";

const REPOS = Number(Deno.args[0] ?? 20);
const GOAL = 5;

async function etagOf(text: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return `"${Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, "0")).join("")}"`;
}

const routes = new Map<string, unknown>();
for (let i = 0; i < REPOS; i++) {
  const built = buildGithubPosture({ owner: "bench", repo: `r${i}`, hardened: i % 2 === 0 });
  for (const [k, v] of built) routes.set(k, v);
}
const bodies = new Map<string, { text: string; etag: string }>();
for (const [k, v] of routes) {
  if (v instanceof SandboxResponse) continue;
  const text = JSON.stringify(v);
  bodies.set(k, { text, etag: await etagOf(text) });
}

const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
  const path = decodeURIComponent(new URL(req.url).pathname);
  const headers = {
    "content-type": "application/json; charset=utf-8",
    "x-ratelimit-limit": "5000",
    "x-ratelimit-remaining": "4999",
    "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
  };
  const v = routes.get(path);
  if (v instanceof SandboxResponse) {
    return new Response(v.body === null ? null : JSON.stringify(v.body), {
      status: v.status,
      headers,
    });
  }
  const b = bodies.get(path);
  if (!b) return new Response('{"message":"Not Found"}', { status: 404, headers });
  if (req.headers.get("if-none-match") === b.etag) {
    return new Response(null, { status: 304, headers: { ...headers, etag: b.etag } });
  }
  return new Response(b.text, { headers: { ...headers, etag: b.etag } });
});

const kv = await Deno.openKv(":memory:");
const ctx: JobContext = {
  config: ConfigSchema.parse({
    upstream: { github_api: `http://127.0.0.1:${server.addr.port}` },
  }),
  secrets: { githubToken: "bench-token", webhookSecrets: {} },
  kv,
  signal: new AbortController().signal,
  log: () => {},
  now: () => new Date(),
};
const job = createRepoJob();

interface Sweep {
  stats: RequestStats;
  ms: number;
  perRepo: number[];
}

async function sweep(): Promise<Sweep> {
  const start = performance.now();
  const stats: RequestStats = { requests: 0, notModified: 0, errors: 0 };
  const perRepo: number[] = [];
  for (let i = 0; i < REPOS; i++) {
    const project = ProjectSchema.parse({ name: `r${i}`, github: `bench/r${i}` });
    const obs = await job.collect(project, ctx);
    if (obs.unobservable.length > 0) {
      throw new Error(`r${i}: ${JSON.stringify(obs.unobservable)}`);
    }
    stats.requests += obs.stats.requests;
    stats.notModified += obs.stats.notModified;
    stats.errors += obs.stats.errors;
    perRepo.push(obs.stats.requests - obs.stats.notModified);
  }
  return { stats, ms: performance.now() - start, perRepo };
}

function report(name: string, s: Sweep): void {
  const limited = s.stats.requests - s.stats.notModified;
  console.log(
    `${name.padEnd(5)} requests/repo ${(s.stats.requests / REPOS).toFixed(1).padStart(5)}` +
      `  304s/repo ${(s.stats.notModified / REPOS).toFixed(1).padStart(5)}` +
      `  rate-limited/repo ${(limited / REPOS).toFixed(1).padStart(5)}` +
      ` (max ${Math.max(...s.perRepo)})` +
      `  ${(s.ms / REPOS).toFixed(1)} ms/repo`,
  );
}

console.log(`posture sweep: ${REPOS} repositories (half hardened, half weak), local server`);
const cold = await sweep();
report("cold", cold);
const warm = await sweep();
report("warm", warm);
const hardened = warm.perRepo.filter((_, i) => i % 2 === 0);
const weak = warm.perRepo.filter((_, i) => i % 2 === 1);
console.log(
  `warm rate-limited per repository: hardened ${Math.max(...hardened)}, weak ${
    Math.max(...weak)
  } (404s and 204s carry no validator)`,
);
const worst = Math.max(...warm.perRepo);
console.log(
  `goal: warm sweep <= ${GOAL} rate-limited requests per unchanged repository: ${
    worst <= GOAL ? "met" : "NOT met"
  } (worst ${worst})`,
);
kv.close();
await server.shutdown();
