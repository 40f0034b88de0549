/**
 * A remote terminal in a real browser (Debian's chromium through playwright-core): the dashboard
 * on alpha lists beta's session as name@beta and its terminal runs on beta — typing, output,
 * the row in the session list.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CHROMIUM, openDashboard, openTerminal, waitScreen, type Dash } from "./dashboard-helpers.ts";
import { twoHosts, waitForName, type TwoHosts } from "./fed-helpers.ts";

let hosts: TwoHosts;
let d: Dash;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: the dashboard tests drive Debian's chromium`);
  hosts = await twoHosts('remote_control = ["alpha"]');
  await waitForName(hosts.b, "operator@alpha");
  const { url } = JSON.parse(await hosts.a.ok(["web", "--listen", "127.0.0.1:0", "--json"])) as { url: string };
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  d = { home: hosts.a, base: new URL(url).origin, browser, context, close: async () => {} };
}, 90_000);
afterAll(async () => {
  await browser?.close().catch(() => {});
  await hosts?.stop();
});

async function typeIn(page: Page, text: string): Promise<void> {
  await page.locator(".term-screen .xterm").click();
  await page.keyboard.type(text);
}

describe("dashboard: a remote terminal", () => {
  test("beta's session is listed on alpha's page as name@beta; its terminal types and shows output on beta", async () => {
    await hosts.b.ok(["new", "brow", "--", "bash", "--norc", "--noprofile"]);
    await waitForName(hosts.a, "brow@beta");
    const page = await openDashboard(d);
    await page.locator('article.session[data-name="brow@beta"]').waitFor({ timeout: 15_000 });
    await openTerminal(page, "brow@beta");
    await typeIn(page, "echo remote $((6*7))\n");
    await waitScreen(page, /^remote 42$/m, 15_000);
    expect(await hosts.b.ok(["peek", "brow"])).toMatch(/^remote 42$/m);
    await page.close();
  }, 90_000);
});
