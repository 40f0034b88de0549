/**
 * A dashboard tab (Debian's chromium, headless, through playwright-core) attached while the
 * program writes 80 MB: how fast the page gets through it (to the end marker on its screen; what
 * it cannot draw in time is skipped by a fresh screen, as for a slow CLI client), and whether the
 * tab stays responsive meanwhile — the p99 delay of the page's own event loop (what a keystroke
 * waits before xterm.js sees it), sampled every 20 ms during the flood. Peer: the bench's own
 * maestro.v1 client (acks as it reads, draws nothing).
 */
import { existsSync } from "node:fs";
import { chromium } from "playwright-core";
import { mustRun, percentile, startMaestro, waitFor, webLogin, wsClient, type Cell, type Row } from "../lib.ts";

const BYTES = 80_000_000;
const PROGRAM = `read x; yes 'the quick brown fox jumps over the lazy dog 0123456789 abcdefghij' | head -c ${BYTES}; echo; echo "END""-MARK"; exec cat >/dev/null`;
const CHROMIUM = "/usr/bin/chromium";

export const dashboardTab: Row = {
  id: "dashboard-tab-80mb",
  figure: "a dashboard tab (chromium) attached while the program writes 80 MB: MB/s to the end on screen; tab event-loop p99",
  peer: "maestro.v1 client (no drawing)",
  needs: [],
  target: { better: "higher", ratio: 0.05 },
  async run({ scope, log }) {
    if (!existsSync(CHROMIUM)) return { maestro: { kind: "missing", reason: `${CHROMIUM} missing (apt-get install chromium)` }, peer: { kind: "missing", reason: "not run" } };
    const m = await startMaestro(scope);
    const login = await webLogin(m);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
    try {
      const { url } = JSON.parse(await mustRun(m.argv("web", "--json"), { env: m.env })) as { url: string };
      const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
      await page.goto(url);
      await mustRun(m.argv("new", "flood", "--", "sh", "-c", PROGRAM), { env: m.env });
      await page.goto(`${login.base}/#/terminal/flood`);
      await page.locator(".term-tools .badge.ok").waitFor();
      log("80 MB into a chromium tab");
      const r = await page.evaluate(async () => {
        const t = (window as unknown as { maestroTerm: { text: string; rendered: number; focus(): void } }).maestroTerm;
        const lags: number[] = [];
        let last = performance.now();
        let done = false;
        const tick = () => {
          const now = performance.now();
          lags.push(Math.max(0, now - last - 20));
          last = now;
          if (!done) setTimeout(tick, 20);
        };
        setTimeout(tick, 20);
        const rendered0 = t.rendered;
        const t0 = performance.now();
        document.querySelector<HTMLTextAreaElement>(".xterm-helper-textarea")!.focus();
        // Enter starts the flood (the program waits on `read`).
        document.querySelector<HTMLTextAreaElement>(".xterm-helper-textarea")!.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", keyCode: 13, bubbles: true }));
        while (!/^END-MARK$/m.test(t.text)) await new Promise((res) => setTimeout(res, 25));
        done = true;
        return { ms: performance.now() - t0, lags, rendered: t.rendered - rendered0 };
      });
      const lagP99 = percentile(r.lags, 99);
      const maestro: Cell = { kind: "value", value: BYTES / 1e6 / (r.ms / 1000), unit: "MB/s", detail: `${(r.ms / 1000).toFixed(2)} s; event-loop p99 ${lagP99.toFixed(1)} ms (max ${Math.max(...r.lags).toFixed(0)} ms, n=${r.lags.length}); xterm.js drew ${(r.rendered / 1e6).toFixed(1)} MB, the rest skipped by fresh screens` };
      await mustRun(m.argv("rm", "--force", "flood"), { env: m.env });
      // The peer: the bench's WebSocket client, which reads and acks without drawing.
      await mustRun(m.argv("new", "flood2", "--", "sh", "-c", PROGRAM), { env: m.env });
      const c = await wsClient(scope, login, "flood2");
      await waitFor("the redraw", () => c.bytes > 0);
      const t0 = performance.now();
      const done = c.waitFor("END-MARK", t0, 120_000);
      c.type("\r");
      const ms = await done;
      c.close();
      return { maestro, peer: { kind: "value", value: BYTES / 1e6 / (ms / 1000), unit: "MB/s", detail: `${(ms / 1000).toFixed(2)} s` } };
    } finally {
      await browser.close();
    }
  },
};

export default dashboardTab;
