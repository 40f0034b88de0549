/**
 * The dashboard's views in a real browser: login by URL, the sessions list following the CLI,
 * the messages timeline following sends and reads, sending from the page; screenshots of each
 * view (light, dark, phone width) into .artifacts/.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loginUrl, openDashboard, shot, startDash, type Dash } from "./dashboard-helpers.ts";
import { as, inbox, register } from "./msg-helpers.ts";

let d: Dash;
beforeAll(async () => {
  d = await startDash();
}, 60_000);
afterAll(async () => {
  await d?.close();
});

describe("dashboard views", () => {
  test("the login URL logs in and its code leaves the address bar; a used code is refused", async () => {
    const url = await loginUrl(d);
    const page = await d.browser.newPage();
    await page.goto(url);
    await page.locator(".topbar .tab").first().waitFor();
    expect(page.url()).toBe(`${d.base}/`);
    expect(page.url()).not.toContain("code=");
    const again = await d.browser.newPage();
    const r = await again.goto(url);
    expect(r?.status()).toBe(401);
    await page.close();
    await again.close();
  });

  test("the sessions list follows the CLI: new, kill, rm", async () => {
    const page = await openDashboard(d);
    const row = page.locator('.session[data-name="v-live"]');
    await d.home.ok(["new", "v-live", "--", "sleep", "600"]);
    await row.waitFor();
    expect(await row.getAttribute("data-state")).toBe("running");
    expect(await row.locator(".session-cmd").innerText()).toBe("sleep 600");
    await d.home.ok(["kill", "v-live", "--signal", "KILL"]);
    await expect.poll(() => row.getAttribute("data-state")).toBe("exited");
    await expect.poll(() => row.locator(".badge").first().innerText()).toMatch(/SIGKILL|exit/);
    await d.home.ok(["rm", "v-live"]);
    await row.waitFor({ state: "detached" });
    await page.close();
  });

  test("a session's unread count follows the messages sent to it, live", async () => {
    await d.home.ok(["new", "v-unread", "--", "sleep", "600"]);
    const page = await openDashboard(d);
    const row = page.locator('.session[data-name="v-unread"]');
    await row.waitFor();
    expect(await row.locator(".badge.accent").count()).toBe(0);
    await d.home.ok(["send", "v-unread", "are you there?"]);
    await expect.poll(() => row.locator(".badge.accent").textContent()).toBe("1 unread");
    await d.home.ok(["send", "v-unread", "still there?"]);
    await expect.poll(() => row.locator(".badge.accent").textContent()).toBe("2 unread");
    await page.close();
  });

  test("create a session from the page; a refusal shows the CLI's words", async () => {
    const page = await openDashboard(d);
    await page.getByText("New session").click();
    await page.locator('input[name="name"]').fill("v-made");
    await page.locator('input[name="command"]').fill("sleep 300");
    await page.getByRole("button", { name: "Create session" }).click();
    await page.locator('.session[data-name="v-made"]').waitFor();
    // The form closes once the answer is in (the push of the new row may come first).
    await page.locator("details.new:not([open])").waitFor();
    await page.getByText("New session").click();
    await page.locator('input[name="name"]').fill("v-made");
    await page.locator('input[name="command"]').fill("sleep 300");
    await page.getByRole("button", { name: "Create session" }).click();
    await expect.poll(() => page.locator(".create .error").innerText()).toMatch(/v-made/);
    await page.close();
  });

  test("a message sent from the CLI appears in the timeline and its status moves as it is read and acked", async () => {
    const token = await register(d.home, "v-agent");
    const page = await openDashboard(d, "#/messages");
    const id = (JSON.parse(await d.home.ok(["send", "v-agent", "--subject", "Build the parser", "--ack", "Start with the lexer, then the grammar.", "--json"])) as { id: string }).id;
    const status = page.locator(`.mail[data-id="${id}"] .status`);
    await expect.poll(() => status.getAttribute("data-status")).toBe("queued");
    expect(await page.locator(`.mail[data-id="${id}"] .mail-subject`).innerText()).toBe("Build the parser");
    await inbox(d.home, token);
    await expect.poll(() => status.getAttribute("data-status")).toBe("delivered");
    await d.home.ok(["read", id], as(token));
    await expect.poll(() => status.getAttribute("data-status")).toBe("read");
    await d.home.ok(["ack", id], as(token));
    await expect.poll(() => status.getAttribute("data-status")).toBe("acked");
    await page.close();
  });

  test("send from the page reaches the recipient's inbox; a failed send keeps the draft", async () => {
    const token = await register(d.home, "v-reader");
    const page = await openDashboard(d, "#/messages");
    await page.locator('.compose input[name="to"]').fill("nobody-such");
    await page.locator('.compose input[name="subject"]').fill("Status?");
    await page.locator(".compose textarea").fill("How far along is the parser?");
    await page.getByRole("button", { name: "Send", exact: true }).click();
    await expect.poll(() => page.locator(".compose .error").innerText()).toMatch(/nobody-such/);
    expect(await page.locator(".compose textarea").inputValue()).toBe("How far along is the parser?");
    await page.locator('.compose input[name="to"]').fill("v-reader");
    await page.getByRole("button", { name: "Send", exact: true }).click();
    await page.locator(".compose .ok-note").waitFor();
    const got = await inbox(d.home, token);
    expect(got.map((m) => [m.from, m.subject, m.body])).toContainEqual(["operator", "Status?", "How far along is the parser?"]);
    expect(await page.locator(".compose textarea").inputValue()).toBe("");
    await page.close();
  });

  test("screenshots: sessions, timeline, events (light, dark, phone)", async () => {
    for (const n of ["planner", "coder", "reviewer"]) await d.home.ok(["new", `s-${n}`, ...(n === "reviewer" ? ["--notify", "inject"] : []), "--", "bash", "--norc"]);
    await d.home.ok(["type", "s-coder", "ls /\n"]);
    await d.home.ok(["send", "s-coder", "--subject", "Parser first", "--priority", "high", "Start with the lexer; tests before the grammar."]);
    await d.home.ok(["send", "s-reviewer", "--subject", "Review queue", "Two PRs are waiting for you."]);
    await d.home.ok(["send", "s-planner,s-coder", "--priority", "urgent", "--subject", "Freeze at 5pm", "No merges after five today."]);
    const page = await openDashboard(d);
    await page.locator('.session[data-name="s-coder"]').waitFor();
    await shot(page, "dashboard-sessions");
    await page.goto(`${d.base}/#/messages`);
    await page.locator(".mail").first().waitFor();
    await shot(page, "dashboard-messages");
    await page.goto(`${d.base}/#/events`);
    // Some traffic for the charts: a few seconds of sends and terminal output.
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j <= i; j++) await d.home.ok(["send", "s-planner", `progress ${i}.${j}`]);
      await d.home.ok(["type", "s-coder", `seq 1 ${2000 * (i + 1)}\n`]);
      await page.waitForTimeout(1000);
    }
    await shot(page, "dashboard-events");
    const dark = await d.browser.newContext({ colorScheme: "dark", viewport: { width: 1280, height: 800 }, storageState: await d.context.storageState() });
    const dp = await dark.newPage();
    await dp.goto(`${d.base}/#/sessions`);
    await dp.locator(".session").first().waitFor();
    await shot(dp, "dashboard-sessions-dark");
    await dp.goto(`${d.base}/#/messages`);
    await dp.locator(".mail").first().waitFor();
    await shot(dp, "dashboard-messages-dark");
    const phone = await d.browser.newContext({ viewport: { width: 390, height: 844 }, storageState: await d.context.storageState() });
    const pp = await phone.newPage();
    await pp.goto(`${d.base}/#/sessions`);
    await pp.locator(".session").first().waitFor();
    // Nothing wider than the phone's screen.
    expect(await pp.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot(pp, "dashboard-sessions-phone");
    await dark.close();
    await phone.close();
    await page.close();
  }, 60_000);

  test("keyboard: the views and a session's terminal are reachable with Tab and Enter", async () => {
    await d.home.ok(["new", "v-keys", "--", "bash", "--norc"]);
    const page = await openDashboard(d);
    await page.locator('.session[data-name="v-keys"]').waitFor();
    await page.locator('.session[data-name="v-keys"] .session-name').focus();
    await page.keyboard.press("Enter");
    await page.locator(".term-tools .badge.ok").waitFor();
    expect(page.url()).toContain("#/terminal/v-keys");
    // Tab belongs to the program in the terminal; Ctrl+] hands the keyboard back to the page.
    await page.keyboard.press("Control+BracketRight");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Read-only");
    const tabs: string[] = [];
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press("Shift+Tab");
      tabs.push(await page.evaluate(() => document.activeElement?.textContent ?? ""));
    }
    expect(tabs.join("|")).toMatch(/Messages/);
    await page.close();
  });
});
