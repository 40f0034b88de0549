/** Presence (`agents`, `whoami --json`): a follower, a hook, notices, and nothing at all. */
import { afterAll, beforeAll, expect, test } from "vitest";
import type { AgentInfo } from "../src/protocol/requests.ts";
import { BIN, TestHome, waitFor } from "./helpers.ts";
import { Lines, as, identities, send } from "./msg-helpers.ts";

let h: TestHome;

beforeAll(async () => {
  h = new TestHome();
  await h.start();
});

afterAll(async () => {
  await h.cleanup();
});

const whoami = async (token: string) => JSON.parse(await h.ok(["whoami", "--json"], as(token))) as AgentInfo;

test("an inbox follower is online via follow, a hook via hook; neither is offline; a notices session via notices", async () => {
  const { f, k, n } = await identities(h, "f", "k", "n");
  expect(await whoami(n.token)).toMatchObject({ online: false, via: [], connected: true, hook_seen_at: null, unread: 0 });

  const follower = Bun.spawn([BIN, "inbox", "--follow", "--json"], { env: { ...h.env, MAESTRO_TOKEN: f.token }, stdout: "pipe", stderr: "ignore" });
  try {
    const lines = new Lines(follower.stdout);
    await send(h, n.token, [f.name, "are you there"]);
    await lines.next(); // the stream is open
    expect(await whoami(f.token)).toMatchObject({ online: true, via: ["follow"] });
  } finally {
    follower.kill();
    await follower.exited;
  }
  await waitFor(async () => (await whoami(f.token)).via.length === 0);

  await send(h, n.token, [k.name, "for the hook"]);
  await h.ok(["inbox", "--unread", "--hook", "claude"], as(k.token));
  const hooked = await whoami(k.token);
  expect(hooked).toMatchObject({ online: true, via: ["hook"], unread: 1 });
  expect(hooked.hook_seen_at).not.toBeNull();

  await h.ok(["new", "noticed", "--notify", "inject", "--", "cat"]);
  const ls = JSON.parse(await h.ok(["ls", "--json"])) as { name: string; activity: string; via: string[] }[];
  const noticed = ls.find((s) => s.name === "noticed")!;
  expect(["idle", "busy"]).toContain(noticed.activity);
  expect(noticed.via).toEqual(["notices"]);
  await h.ok(["rm", "noticed", "--force"]);
});
