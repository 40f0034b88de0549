/**
 * A WebSocket opened with an identity's token is one of the daemon's clients like a socket
 * connection: presence counts it, and rotating or removing the token ends it at once.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { register } from "./msg-helpers.ts";
import { startWeb, WsPeer, type Web } from "./web-helpers.ts";

let w: Web;
beforeAll(async () => {
  w = await startWeb();
});
afterAll(() => w.home.cleanup());

async function helloAs(token: string): Promise<WsPeer> {
  const ws = await WsPeer.connect(w, {});
  const welcome = await ws.hello(token);
  expect(welcome).toMatchObject({ type: "welcome" });
  return ws;
}

test("rotating a token closes the WebSockets it opened, with the reason; presence saw them until then", async () => {
  const token = await register(w.home, "ws-agent");
  const ws = await helloAs(token);
  const ids = JSON.parse(await w.home.ok(["identity", "ls", "--json"])) as { name: string; online: boolean }[];
  expect(ids.find((i) => i.name === "ws-agent")?.online).toBe(true);
  await w.home.ok(["register", "ws-agent", "--rotate", "--json"]);
  const closed = await ws.waitClosed();
  expect(closed.code).toBe(1008);
  expect(closed.reason).toMatch(/rotated/);
  const after = JSON.parse(await w.home.ok(["identity", "ls", "--json"])) as { name: string; online: boolean }[];
  expect(after.find((i) => i.name === "ws-agent")?.online).toBe(false);
});

test("removing an identity closes its WebSockets", async () => {
  const token = await register(w.home, "ws-gone");
  const ws = await helloAs(token);
  await w.home.ok(["identity", "rm", "ws-gone"]);
  expect((await ws.waitClosed()).reason).toMatch(/removed/);
});
