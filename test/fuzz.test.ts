import { afterAll, expect, test } from "vitest";
import { fuzz } from "../scripts/fuzz.ts";
import { TestHome, alive, rssBytes } from "./helpers.ts";

const h = new TestHome({ config: "[daemon]\nhello_timeout_ms = 500\nframe_timeout_ms = 500\n" });
afterAll(() => h.cleanup());

test("fuzz: random bytes, huge prefixes, half frames and random valid frames leave the daemon up, bounded and serving", async () => {
  const pid = await h.start();
  await h.ok(["register", "target"]);
  const before = rssBytes(pid);
  const res = await fuzz(h.socket, { frames: 4000, connections: 16, seed: 42 });
  expect(res.frames).toBe(4000);
  expect(alive(pid)).toBe(true);
  expect(rssBytes(pid) - before).toBeLessThan(64 * 1024 * 1024);
  // a normal client is served afterwards, by the same daemon
  const s = JSON.parse(await h.ok(["status", "--json"]));
  expect(s.pid).toBe(pid);
  expect((await h.ok(["send", "target", "still here"])).trim()).toMatch(/^[0-9a-z]{11}$/);
});
