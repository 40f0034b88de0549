/**
 * Issue-18's banner in the browser: an urgent message for a `--notify inject` session whose notice
 * cannot be typed (a shell is in front) is told as an overlay over the terminal — never typed into
 * it — and the overlay goes when the banner is cleared.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { openDashboard, openTerminal, screenText, startDash, type Dash } from "./dashboard-helpers.ts";

let d: Dash;
beforeAll(async () => {
  d = await startDash("[inject]\nbanner_ms = 400\n");
}, 60_000);
afterAll(async () => {
  await d?.close();
});

test("an urgent message held by a shell in front shows as an overlay, is not typed, and the overlay goes", async () => {
  await d.home.ok(["new", "b-shell", "--notify", "inject", "--", "bash", "--norc", "--noprofile"]);
  const page = await openDashboard(d);
  await openTerminal(page, "b-shell");
  const banner = page.locator(".term-banner");
  expect(await banner.isHidden()).toBe(true);
  await d.home.ok(["send", "b-shell", "deploy now", "--subject", "prod is down", "--priority", "urgent"]);
  await banner.waitFor({ state: "visible", timeout: 10_000 });
  expect(await banner.innerText()).toMatch(/prod is down/);
  expect(await banner.getAttribute("data-priority")).toBe("urgent");
  await banner.waitFor({ state: "hidden", timeout: 10_000 });
  // Nothing of the notice reached the shell's screen: the message still waits, queued.
  expect(await screenText(page)).not.toMatch(/maestro:|prod is down/);
  const [m] = JSON.parse(await d.home.ok(["inbox", "b-shell", "--json"])) as { status: string }[];
  expect(m?.status).toBe("queued");
  await page.close();
});
