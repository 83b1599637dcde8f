/**
 * A minimal Chrome DevTools Protocol client for the browser tests: starts Debian's headless
 * Chromium with a private profile, attaches to one page, navigates, evaluates, screenshots.
 * (playwright-core needs --allow-all under Deno: it probes /proc; this needs only
 * --allow-run=/usr/bin/chromium, --allow-net=127.0.0.1 and --allow-write=/tmp.)
 *
 * @module
 */

/** Debian's Chromium (installed by scripts/install-chromium.sh). */
export const CHROMIUM = "/usr/bin/chromium";

/** Whether {@link CHROMIUM} is installed (the browser tests are skipped without it). */
export const hasChromium: boolean = (() => {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
})();

/** Chromium flags for a quiet, isolated headless run. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-extensions",
  "--disable-default-apps",
  "--mute-audio",
  "--remote-debugging-address=127.0.0.1",
  "--remote-debugging-port=0",
];

type Json = Record<string, unknown>;

/** A page attached over CDP. */
export class CdpPage {
  /** Uncaught exceptions, dialogs and console messages seen so far. */
  readonly problems: string[] = [];
  readonly console: string[] = [];
  #loaded: (() => void) | null = null;

  constructor(readonly browser: Browser, readonly sessionId: string) {}

  /** Send a command to this page. */
  send(method: string, params: Json = {}): Promise<Json> {
    return this.browser.send(method, params, this.sessionId);
  }

  /** @internal */
  onEvent(method: string, params: Json): void {
    if (method === "Page.loadEventFired") this.#loaded?.();
    if (method === "Runtime.exceptionThrown") {
      this.problems.push(`exception: ${JSON.stringify(params).slice(0, 300)}`);
    }
    if (method === "Page.javascriptDialogOpening") {
      this.problems.push(`dialog: ${String(params.message)}`);
      this.send("Page.handleJavaScriptDialog", { accept: false }).catch(() => {});
    }
    if (method === "Runtime.consoleAPICalled") {
      this.console.push(JSON.stringify(params.args).slice(0, 300));
    }
  }

  /** Navigate and wait for the load event. */
  async goto(url: string, timeoutMs = 15_000): Promise<void> {
    const loaded = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`load timed out: ${url}`)), timeoutMs);
      this.#loaded = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    const r = await this.send("Page.navigate", { url });
    if (r.errorText) throw new Error(`navigation failed: ${String(r.errorText)}`);
    await loaded;
  }

  /** Evaluate an expression in the page and return its JSON value. */
  async evaluate<T>(expression: string): Promise<T> {
    const r = await this.send("Runtime.evaluate", { expression, returnByValue: true });
    if (r.exceptionDetails) throw new Error(`evaluate: ${JSON.stringify(r.exceptionDetails)}`);
    return (r.result as { value: T }).value;
  }

  /** Set the viewport and the preferred color scheme. */
  async emulate(width: number, height: number, scheme: "light" | "dark"): Promise<void> {
    await this.send("Emulation.setDeviceMetricsOverride", {
      width,
      height,
      deviceScaleFactor: 1,
      mobile: width < 600,
    });
    await this.send("Emulation.setEmulatedMedia", {
      features: [{ name: "prefers-color-scheme", value: scheme }],
    });
  }

  /** Full-page PNG screenshot written to `path` (at most `maxHeight` CSS pixels tall). */
  async screenshot(path: string, maxHeight = 8000): Promise<void> {
    const metrics = await this.send("Page.getLayoutMetrics");
    const size = metrics.cssContentSize as { width: number; height: number };
    await this.#capture(path, {
      x: 0,
      y: 0,
      width: Math.ceil(size.width),
      height: Math.min(maxHeight, Math.ceil(size.height)),
    });
  }

  /** PNG screenshot of the first element matching `selector`, written to `path`. */
  async screenshotElement(selector: string, path: string, margin = 8): Promise<void> {
    const rect = await this.evaluate<{ x: number; y: number; width: number; height: number }>(
      `(() => { const r = document.querySelector(${
        JSON.stringify(selector)
      }).getBoundingClientRect();
        return { x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height }; })()`,
    );
    await this.#capture(path, {
      x: Math.max(0, rect.x - margin),
      y: Math.max(0, rect.y - margin),
      width: Math.ceil(rect.width + 2 * margin),
      height: Math.ceil(rect.height + 2 * margin),
    });
  }

  async #capture(
    path: string,
    clip: { x: number; y: number; width: number; height: number },
  ): Promise<void> {
    const r = await this.send("Page.captureScreenshot", {
      format: "png",
      captureBeyondViewport: true,
      clip: { ...clip, scale: 1 },
    });
    const bin = atob(String(r.data));
    await Deno.writeFile(path, Uint8Array.from(bin, (c) => c.charCodeAt(0)));
  }
}

/** A headless Chromium process and its DevTools connection. */
export class Browser {
  #ws: WebSocket;
  #next = 1;
  #waiting = new Map<number, { resolve: (v: Json) => void; reject: (e: Error) => void }>();
  #pages = new Map<string, CdpPage>();

  private constructor(
    ws: WebSocket,
    readonly child: Deno.ChildProcess,
    readonly profile: string,
  ) {
    this.#ws = ws;
    ws.onmessage = (ev) => {
      const msg = JSON.parse(String(ev.data));
      if (typeof msg.id === "number") {
        const w = this.#waiting.get(msg.id);
        this.#waiting.delete(msg.id);
        if (msg.error) w?.reject(new Error(`${msg.error.message}`));
        else w?.resolve(msg.result ?? {});
      } else if (msg.sessionId) this.#pages.get(msg.sessionId)?.onEvent(msg.method, msg.params);
    };
  }

  /** Start Chromium and connect to it. */
  static async launch(executable: string, timeoutMs = 20_000): Promise<Browser> {
    const profile = await Deno.makeTempDir({ prefix: "auditor-chromium-" });
    const child = new Deno.Command(executable, {
      args: [...CHROMIUM_ARGS, `--user-data-dir=${profile}`, "about:blank"],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    const deadline = Date.now() + timeoutMs;
    let url: string | undefined;
    while (!url) {
      if (Date.now() > deadline) throw new Error("chromium did not start");
      const { value, done } = await reader.read();
      if (done) throw new Error(`chromium exited: ${buffer.slice(-500)}`);
      buffer += value;
      url = /DevTools listening on (ws:\/\/\S+)/.exec(buffer)?.[1];
    }
    // Keep draining stderr so that chromium never blocks on a full pipe.
    (async () => {
      try {
        while (!(await reader.read()).done) { /* drain */ }
      } catch { /* closed */ }
    })();
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error("cannot connect to chromium"));
    });
    return new Browser(ws, child, profile);
  }

  /** Send a browser-level (or session-level) command. */
  send(method: string, params: Json = {}, sessionId?: string): Promise<Json> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.#ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    });
  }

  /** Open a new page with Page and Runtime events enabled. */
  async newPage(): Promise<CdpPage> {
    const { targetId } = await this.send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await this.send("Target.attachToTarget", { targetId, flatten: true });
    const page = new CdpPage(this, String(sessionId));
    this.#pages.set(String(sessionId), page);
    await page.send("Page.enable");
    await page.send("Runtime.enable");
    return page;
  }

  /** Close the browser and remove its profile. */
  async close(): Promise<void> {
    try {
      await Promise.race([this.send("Browser.close"), new Promise((r) => setTimeout(r, 3000))]);
    } catch { /* already gone */ }
    this.#ws.close();
    try {
      this.child.kill("SIGKILL");
    } catch { /* exited */ }
    await this.child.status;
    await Deno.remove(this.profile, { recursive: true }).catch(() => {});
  }
}
