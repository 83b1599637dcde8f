/**
 * The responder's pages in real headless Chromium (Debian's /usr/bin/chromium over the DevTools
 * protocol, ./_cdp.ts), with an incident in the ledger: the project page leads with its verdict
 * and the release view, the finding page tells what to do, the timeline is drawn, at 1280 and
 * 390 px wide, and nothing overflows the page sideways except scrollable tables.
 * Screenshots go to out/screenshots/; with `UPDATE_SCREENSHOTS=1` (`deno task screenshots`)
 * to docs/screenshots/, where they are checked in.
 *
 * Chromium is installed by scripts/install-chromium.sh; without it this test is skipped.
 */
import { assert, assertEquals, assertStringIncludes } from "./_assert.ts";
import { Browser, CHROMIUM, hasChromium } from "./_cdp.ts";
import { createApp } from "../../src/web/app.tsx";
import { NOW, serve } from "./_fixtures.ts";
import { INCIDENT_IDS, INCIDENT_RULES, incidentWorld } from "./_incident.ts";

const OUT = Deno.env.get("UPDATE_SCREENSHOTS") === "1" ? "docs/screenshots" : "out/screenshots";
/** Largest screenshot accepted (bytes). */
const MAX_PNG = 250_000;

Deno.test({
  name: "project page (verdict, releases, timeline) and finding page read well at 1280 and 390 px",
  ignore: !hasChromium,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const w = await incidentWorld();
    const app = createApp({
      config: w.config,
      kv: w.kv,
      ledger: w.ledger,
      rules: INCIDENT_RULES,
      now: () => NOW,
      cacheMs: 0,
    });
    const srv = serve(app.fetch);
    const browser = await Browser.launch(CHROMIUM);
    await Deno.mkdir(OUT, { recursive: true });
    try {
      const page = await browser.newPage();
      for (const [width, tag] of [[1280, "1280"], [390, "390"]] as const) {
        await page.emulate(width, width > 600 ? 900 : 844, "light");
        await page.goto(`${srv.base}/projects/litellm`);
        const view = await page.evaluate<{
          verdict: string;
          firstRelease: string;
          firstFinding: string;
          waived: string;
          bars: string;
          overflow: boolean;
          text: string;
        }>(`({
          verdict: document.querySelector(".verdict").innerText,
          firstRelease: document.querySelector("#releases ~ .table tbody tr").innerText,
          firstFinding: document.querySelector("#findings ~ .table tbody tr").innerText,
          waived: document.querySelector("#waived ~ .table").innerText,
          bars: [...document.querySelectorAll("svg.tl")].filter((s) => s.getBoundingClientRect().width > 0)
            .map((s) => s.querySelectorAll("rect.bar").length).join(),
          overflow: document.documentElement.scrollWidth > innerWidth + 1,
          text: document.body.innerText,
        })`);
        assertEquals(
          view.verdict,
          "2 releases suspicious: 1.82.8, 1.82.7 — critical: Artifact contains a .pth file",
        );
        assertStringIncludes(view.firstRelease, "1.82.8");
        assertStringIncludes(view.firstRelease, "do not install");
        assertStringIncludes(view.firstFinding, "critical");
        assertStringIncludes(view.firstFinding, "content/pth-file");
        assertStringIncludes(view.waived, "posture/dependabot-alerts-off");
        assertEquals(view.bars, "8", "one timeline shown, every finding drawn");
        assert(!view.overflow, `${width} px: the page scrolls sideways`);
        assertStringIncludes(view.text, "\\u{202E}DROCER", "the hidden override is shown");
        assertStringIncludes(view.text, "UTC (");
        // Down to the waived findings: verdict, releases, findings and the timeline.
        const cut = await page.evaluate<number>(
          `Math.ceil(document.querySelector("#gaps").getBoundingClientRect().top + scrollY)`,
        );
        await page.screenshot(`${OUT}/project-${tag}.png`, cut);
        await page.screenshotElement(
          width > 600 ? "svg.tl.wide" : "svg.tl.narrow",
          `${OUT}/timeline-${tag}.png`,
        );

        await page.goto(`${srv.base}/findings/${INCIDENT_IDS.pth}`);
        const finding = await page.evaluate<string>("document.querySelector('main').innerText");
        assertStringIncludes(finding, "What to do");
        assertStringIncludes(
          finding,
          INCIDENT_RULES.find((r) => r.id === "content/pth-file")!
            .remediation.slice(0, 30),
        );
        const evidenceEnd = await page.evaluate<number>(
          `Math.ceil(document.querySelector("#timeline").getBoundingClientRect().top + scrollY)`,
        );
        await page.screenshot(`${OUT}/finding-${tag}.png`, evidenceEnd);
      }
      assertEquals(page.problems, []);
      for await (const f of Deno.readDir(OUT)) {
        if (!f.name.endsWith(".png")) continue;
        const size = (await Deno.stat(`${OUT}/${f.name}`)).size;
        assert(size < MAX_PNG, `${f.name}: ${size} bytes`);
      }
    } finally {
      await browser.close();
      await srv.close();
      w.close();
    }
  },
});
