/**
 * A remote terminal in a real browser (Debian's chromium through playwright-core): the dashboard
 * on alpha lists beta's session as name@beta and its terminal runs on beta — typing, output,
 * the row in the session list.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { dashFor, openDashboard, openTerminal, shot, waitScreen, type Dash } from "./dashboard-helpers.ts";
import { twoHosts, waitForName, type TwoHosts } from "./fed-helpers.ts";

let hosts: TwoHosts;
let d: Dash;

beforeAll(async () => {
  hosts = await twoHosts('remote_control = ["alpha"]');
  await waitForName(hosts.b, "operator@alpha");
  d = await dashFor(hosts.a);
}, 90_000);
afterAll(async () => {
  await d?.close();
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
    await shot(page, "dashboard-remote-sessions");
    // The directory knows only that it runs: its host is shown, not a size or pid of 0, and no Remove.
    const row = page.locator('article.session[data-name="brow@beta"]');
    const stats = await row.locator(".session-stats").innerText();
    expect(stats).toMatch(/host\s+beta/i);
    expect(stats).not.toMatch(/0×0|pid/i);
    expect(await row.locator('[data-key="rm:brow@beta"]').count()).toBe(0);
    await openTerminal(page, "brow@beta");
    await typeIn(page, "echo remote $((6*7))\n");
    await waitScreen(page, /^remote 42$/m, 15_000);
    expect(await hosts.b.ok(["peek", "brow"])).toMatch(/^remote 42$/m);
    await shot(page, "dashboard-remote-terminal");
    await page.close();
  }, 90_000);
});
