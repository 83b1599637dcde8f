/**
 * XSS test in real headless Chromium (Debian's /usr/bin/chromium, driven over the DevTools
 * protocol by ./_cdp.ts):
 * upstream strings carrying script and attribute-injection payloads are rendered on every page;
 * no script may run, no injected element may exist, and the payload text must show as text.
 * Screenshots of `/` and a finding page go to out/screenshots/ (git-ignored).
 *
 * Chromium is installed by scripts/install-chromium.sh; without it this test is skipped.
 */
import { assert, assertEquals } from "./_assert.ts";
import { Browser, CHROMIUM, hasChromium } from "./_cdp.ts";
import { createApp } from "../../src/web/app.tsx";
import { appendAll, IDS, NOW, RULES, seededWorld, serve, XSS } from "./_fixtures.ts";

if (!hasChromium) {
  console.warn(
    `SKIP xss_browser_test: ${CHROMIUM} is missing (run scripts/install-chromium.sh as root)`,
  );
}

const EVIL_PROJECT = `x${XSS.script}${XSS.attr}`;
const EVIL_ID = "deadbeefdeadbeef";

Deno.test({
  name: "no injected script runs in Chromium and payloads show as text",
  ignore: !hasChromium,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const w = await seededWorld();
    // A project name, summary, ruleset and file names that carry payloads, straight from "upstream".
    await appendAll(w.kv, w.ledger, [
      {
        kind: "finding.opened",
        body: {
          project: EVIL_PROJECT,
          job: "pypi",
          id: EVIL_ID,
          rule: `content/${XSS.attr}`,
          severity: "high",
          subject: `${XSS.single}${XSS.script}`,
          scope: `release:${XSS.attr}`,
          message: `summary: ${XSS.script}`,
          evidence: {
            observed: { ruleset: XSS.script, file: XSS.attr },
            expected: XSS.single,
            url: XSS.js,
          },
        },
      },
      {
        kind: "access.changed",
        body: { project: EVIL_PROJECT, changes: [{ user: XSS.script }] },
      },
    ]);
    const app = createApp({
      config: w.config,
      kv: w.kv,
      ledger: w.ledger,
      rules: RULES,
      now: () => NOW,
      cacheMs: 0,
    });
    const srv = serve(app.fetch);
    const browser = await Browser.launch(CHROMIUM);
    try {
      const page = await browser.newPage();
      await page.emulate(390, 844, "light");
      const paths = [
        "/",
        `/findings/${IDS.evil}`,
        `/findings/${EVIL_ID}`,
        "/projects/evilpkg",
        `/projects/${encodeURIComponent(EVIL_PROJECT)}`,
        "/ledger",
        `/ledger?project=${encodeURIComponent(EVIL_PROJECT)}`,
      ];
      for (const path of paths) {
        const status = await fetch(srv.base + path).then(async (r) => {
          await r.body?.cancel();
          return r.status;
        });
        assertEquals(status, 200, path);
        await page.goto(srv.base + path);
        const state = await page.evaluate<{
          pwned: unknown;
          title: string;
          text: string;
          scripts: number;
          injected: number;
          jsLinks: number;
          externalWithoutRel: number;
          styled: boolean;
        }>(`({
          pwned: window.__pwned,
          title: document.title,
          text: document.body.innerText,
          scripts: document.querySelectorAll("script").length,
          injected: document.querySelectorAll(
            "img[src='x'], svg:not(.tl), svg.tl svg, svg.tl foreignObject, svg.tl a, [onerror], [onload]"
          ).length + Math.max(0, document.querySelectorAll("svg.tl").length - 2),
          jsLinks: document.querySelectorAll("a[href^='javascript:' i]").length,
          externalWithoutRel: document.querySelectorAll(
            "a[href^='http']:not([rel='noopener noreferrer nofollow'])").length,
          styled: getComputedStyle(document.body).margin === "0px",
        })`);
        assertEquals(state.pwned, undefined, `${path}: a payload ran`);
        assert(
          state.title !== "PWNED" && state.title.endsWith(" · Test auditor"),
          `${path}: title`,
        );
        assertEquals(state.scripts, 0, `${path}: script elements`);
        assertEquals(state.injected, 0, `${path}: injected elements`);
        assertEquals(state.jsLinks, 0, `${path}: javascript: links`);
        assertEquals(state.externalWithoutRel, 0, `${path}: external links without rel`);
        assert(state.styled, `${path}: the stylesheet loaded under the CSP`);
        if (path !== "/ledger" && path !== "/") {
          assert(
            state.text.includes("<script>window.__pwned=1") || state.text.includes('"><img src=x'),
            `${path}: payload text is shown escaped`,
          );
        }
      }
      assertEquals(page.problems, []);
      // The finding page shows the javascript: URL as text, never as a link.
      await page.goto(`${srv.base}/findings/${EVIL_ID}`);
      assert(
        (await page.evaluate<string>("document.querySelector('main').innerText")).includes(
          "javascript:window.__pwned=3",
        ),
      );
      // Screenshots for a person to look at (phone light, desktop dark).
      await Deno.mkdir("out/screenshots", { recursive: true });
      await page.goto(srv.base + "/");
      await page.screenshot("out/screenshots/home-mobile.png");
      await page.goto(`${srv.base}/findings/${IDS.evil}`);
      await page.screenshot("out/screenshots/finding-mobile.png");
      await page.emulate(1280, 900, "dark");
      await page.goto(srv.base + "/");
      await page.screenshot("out/screenshots/home-dark.png");
      await page.goto(`${srv.base}/findings/${IDS.evil}`);
      await page.screenshot("out/screenshots/finding-dark.png");
      assertEquals(page.problems, []);
    } finally {
      await browser.close();
      await srv.close();
      w.close();
    }
  },
});
