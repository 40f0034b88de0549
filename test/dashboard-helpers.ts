/**
 * Dashboard test harness: Debian's chromium (never a downloaded browser) driven by playwright-core,
 * against a TestHome daemon whose gateway listens on a free loopback port. Without
 * /usr/bin/chromium the tests fail, saying so: CI installs it with apt.
 */
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { TestHome } from "./helpers.ts";

export const CHROMIUM = process.env.MAESTRO_CHROMIUM ?? "/usr/bin/chromium";
export const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), "..", ".artifacts");

export interface Dash {
  home: TestHome;
  base: string;
  browser: Browser;
  context: BrowserContext;
  close(): Promise<void>;
}

export async function startDash(config = ""): Promise<Dash> {
  const home = new TestHome({ config });
  await home.start();
  const d = await dashFor(home);
  return {
    ...d,
    async close() {
      await d.close();
      await home.cleanup();
    },
  };
}

/** The dashboard of a daemon already running in `home`, in a fresh chromium; close() leaves the home be. */
export async function dashFor(home: TestHome): Promise<Dash> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: the dashboard tests drive Debian's chromium (apt-get install chromium); nothing downloads a browser`);
  const { url } = JSON.parse(await home.ok(["web", "--listen", "127.0.0.1:0", "--json"])) as { url: string };
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    // playwright gives every launch a fresh profile directory of its own (a --user-data-dir here is refused).
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  return {
    home,
    base: new URL(url).origin,
    browser,
    context,
    async close() {
      await browser.close().catch(() => {});
    },
  };
}

/** A fresh one-time login URL. */
export async function loginUrl(d: Dash): Promise<string> {
  return (JSON.parse(await d.home.ok(["web", "--json"])) as { url: string }).url;
}

/** A logged-in dashboard page (the cookie stays in the context: later pages are logged in too). */
export async function openDashboard(d: Dash, hash = ""): Promise<Page> {
  const page = await d.context.newPage();
  await page.goto(await loginUrl(d));
  await page.locator(".topbar").waitFor();
  if (hash) await page.goto(`${d.base}/${hash}`);
  return page;
}

/** The screen text of the page's terminal (xterm.js buffer). */
export async function screenText(page: Page): Promise<string> {
  return page.evaluate(() => (window as unknown as { maestroTerm?: { text: string } }).maestroTerm?.text ?? "");
}

export async function waitScreen(page: Page, re: RegExp, timeoutMs = 10_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < until) {
    last = await screenText(page);
    if (re.test(last)) return last;
    await page.waitForTimeout(50);
  }
  throw new Error(`the terminal never showed ${re}; it shows:\n${last}`);
}

export async function openTerminal(page: Page, session: string): Promise<void> {
  await page.goto(`${new URL(page.url()).origin}/#/terminal/${encodeURIComponent(session)}`);
  await page.locator(".term-screen .xterm").waitFor();
  await page.locator(".term-tools .badge.ok").waitFor();
}

export async function shot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}
