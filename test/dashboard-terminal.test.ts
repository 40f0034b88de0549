/**
 * The dashboard's terminal in a real browser: typing, resize, read-only, two tabs, reload, share
 * links, a foreign origin, and a 10 MB flood that must not freeze the page.
 */
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openDashboard, openTerminal, screenText, shot, startDash, waitScreen, type Dash } from "./dashboard-helpers.ts";

let d: Dash;
beforeAll(async () => {
  d = await startDash();
}, 60_000);
afterAll(async () => {
  await d?.close();
});

const newShell = (name: string) => d.home.ok(["new", name, "--", "bash", "--norc", "--noprofile"]);
async function typeIn(page: Page, text: string): Promise<void> {
  await page.locator(".term-screen .xterm").click();
  await page.keyboard.type(text);
}
const clientsOf = async (name: string) => (JSON.parse(await d.home.ok(["ls", "--json"])) as { name: string; clients: number }[]).find((s) => s.name === name)?.clients;

describe("dashboard terminal", () => {
  test("typing in the page runs in the session: echo $((6*7)) shows 42", async () => {
    await newShell("t-echo");
    const page = await openDashboard(d);
    await openTerminal(page, "t-echo");
    await typeIn(page, "echo $((6*7))\n");
    await waitScreen(page, /^42$/m);
    // The screen's text is in the page itself (the DOM renderer), not only in a canvas.
    await expect.poll(() => page.locator(".xterm-rows").innerText(), { timeout: 5000 }).toMatch(/^42$/m);
    await page.close();
  });

  test("the window's size reaches the program (stty size), and follows a resize", async () => {
    await newShell("t-size");
    const page = await openDashboard(d);
    await openTerminal(page, "t-size");
    const size = () => page.evaluate(() => (window as unknown as { maestroTerm: { size: { cols: number; rows: number } } }).maestroTerm.size);
    const first = await size();
    await typeIn(page, "stty size\n");
    await waitScreen(page, new RegExp(`^${first.rows} ${first.cols}$`, "m"));
    await page.setViewportSize({ width: 700, height: 500 });
    await expect.poll(async () => (await size()).cols).toBeLessThan(first.cols);
    const second = await size();
    await typeIn(page, "clear; stty size\n");
    await waitScreen(page, new RegExp(`^${second.rows} ${second.cols}$`, "m"));
    await page.close();
  });

  test("read-only: keystrokes are not typed; turning it off types again", async () => {
    await newShell("t-ro");
    const page = await openDashboard(d);
    await openTerminal(page, "t-ro");
    const ro = page.getByRole("button", { name: "Read-only" });
    await ro.click();
    await expect.poll(() => ro.getAttribute("aria-pressed")).toBe("true");
    await page.locator(".term-tools .badge", { hasText: "watching" }).waitFor();
    await typeIn(page, "echo nope-$((1+1))\n");
    await ro.click();
    await page.locator(".term-tools .badge", { hasText: "live" }).waitFor();
    await typeIn(page, "echo yes-$((2+2))\n");
    const text = await waitScreen(page, /^yes-4$/m);
    expect(text).not.toContain("nope");
    await page.close();
  });

  test("two tabs are two attach clients and both see what either types", async () => {
    await newShell("t-two");
    const a = await openDashboard(d);
    await openTerminal(a, "t-two");
    const b = await d.context.newPage();
    await b.goto(`${d.base}/#/terminal/t-two`);
    await b.locator(".term-tools .badge.ok").waitFor();
    expect(await clientsOf("t-two")).toBe(2);
    await typeIn(a, "echo two-$((2+3))\n");
    await waitScreen(a, /^two-5$/m);
    await waitScreen(b, /^two-5$/m);
    await a.close();
    await expect.poll(() => clientsOf("t-two")).toBe(1);
    await b.close();
  });

  test("a reload shows the same screen, once (no duplicated output)", async () => {
    await newShell("t-reload");
    const page = await openDashboard(d);
    await openTerminal(page, "t-reload");
    await typeIn(page, "echo once-$((3+4))\n");
    await waitScreen(page, /^once-7$/m);
    await page.reload();
    await page.locator(".term-tools .badge.ok").waitFor();
    const text = await waitScreen(page, /^once-7$/m);
    expect(text.match(/echo once-/g)).toHaveLength(1);
    expect(text.match(/^once-7$/gm)).toHaveLength(1);
    await page.close();
  });

  test("a share link sees its one session, nothing else, and cannot type", async () => {
    await newShell("t-share");
    await newShell("t-secret");
    const { url } = JSON.parse(await d.home.ok(["web", "share", "t-share", "--json"])) as { url: string };
    const ctx = await d.browser.newContext({ viewport: { width: 1000, height: 700 } });
    const page = await ctx.newPage();
    await page.goto(url);
    await page.locator(".term-tools .badge.ok").waitFor();
    expect(await page.locator(".tabs").count()).toBe(0);
    expect(await page.locator(".term-name").innerText()).toBe("t-share");
    expect(await page.content()).not.toContain("t-secret");
    expect(await page.getByRole("button", { name: "Detach" }).count()).toBe(0);
    await typeIn(page, "echo shared-$((3*3))\n");
    // The operator types a marker after it: once the share page shows it, the share's keys would have come first.
    await d.home.ok(["type", "t-share", "echo mark-$((4*4))\n"]);
    const text = await waitScreen(page, /^mark-16$/m);
    expect(text).not.toContain("shared");
    // The HTTP API refuses it too.
    const r = await page.evaluate(async () => (await fetch("/api/v1/ls", { method: "POST", body: "{}" })).status);
    expect(r).toBe(403);
    await ctx.close();
  });

  test("a page from another origin cannot open the WebSocket, even with the login cookie", async () => {
    const page = await openDashboard(d);
    const evil = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("<!doctype html><title>evil</title><body>evil</body>", { headers: { "content-type": "text/html" } }) });
    try {
      const foreign = await d.context.newPage();
      await foreign.goto(`http://127.0.0.1:${evil.port}/`);
      const ws = d.base.replace(/^http/, "ws") + "/ws";
      const outcome = await foreign.evaluate(
        (url) =>
          new Promise<string>((resolve) => {
            const s = new WebSocket(url, "maestro.v1");
            s.onopen = () => s.send(JSON.stringify({ type: "hello" }));
            s.onmessage = (e) => resolve(`message ${String(e.data).slice(0, 80)}`);
            s.onerror = () => resolve("refused");
            s.onclose = () => resolve("refused");
          }),
        ws,
      );
      expect(outcome).toBe("refused");
      await foreign.close();
    } finally {
      evil.stop(true);
      await page.close();
    }
  });

  test("10 MB of output does not freeze the page: input still echoes", async () => {
    await newShell("t-flood");
    const page = await openDashboard(d);
    await openTerminal(page, "t-flood");
    await typeIn(page, "yes 'the quick brown fox jumps over the lazy dog 0123456789' | head -c 10000000; echo flood-$((10*10))\n");
    await waitScreen(page, /^the quick brown fox/m, 20_000);
    // While the flood runs the page answers, and what is typed next runs after it.
    const t0 = Date.now();
    await page.evaluate(() => 1);
    expect(Date.now() - t0).toBeLessThan(2000);
    await typeIn(page, "echo alive-$((5*5))\n");
    await waitScreen(page, /^alive-25$/m, 60_000);
    expect(await screenText(page)).toMatch(/flood-100$/m);
    await page.close();
  }, 90_000);

  test("screenshot: a terminal running vim", async () => {
    await d.home.ok(["new", "t-vim", "--", "vim", "-u", "NONE", "-N", "+syntax on", "+set number", join(import.meta.dirname, "..", "src", "web", "ui", "app", "terminal.ts")]).catch(() => d.home.ok(["new", "t-vim", "--", "vi", "/etc/profile"]));
    const page = await openDashboard(d);
    await openTerminal(page, "t-vim");
    await waitScreen(page, /TerminalView|profile/);
    await shot(page, "dashboard-terminal-vim");
    await page.close();
  });
});
