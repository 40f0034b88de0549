/**
 * Federation under load (SPEC §12): 3,000 sends over 25 connections at once, alpha → bob@beta,
 * through batch envelopes, lingering receipts and deferred outbox deletes. Every one arrives
 * exactly once and alpha's outbox ends empty — no row left waiting for a kick that never comes.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Client } from "../src/client/connection.ts";
import { TestHome, waitFor } from "./helpers.ts";
import { as } from "./msg-helpers.ts";
import { twoHosts, type TwoHosts, fedStatus } from "./fed-helpers.ts";
import type { MessageView } from "../src/protocol/message.ts";

let hosts: TwoHosts;
let a: TestHome;
let b: TestHome;

beforeAll(async () => {
  hosts = await twoHosts();
  ({ a, b } = hosts);
}, 60_000);

afterAll(async () => {
  await hosts?.stop();
});

describe("federation under load", () => {
  test("3,000 sends over 25 connections: each stored once on beta, both outboxes drained (messages out, delivered receipts back)", async () => {
    const N = 3000;
    const clients = await Promise.all(
      Array.from({ length: 25 }, async () => {
        const c = await Client.connect({ socket: join(a.home, "maestro.sock"), lock: join(a.home, "daemon.lock") });
        await c.welcome;
        return c;
      }),
    );
    let next = 0;
    try {
      await Promise.all(clients.map(async (c) => {
        for (let i = next++; i < N; i = next++) await c.request("send", { to: ["bob@beta"], body: `load-${i}` });
      }));
    } finally {
      clients.forEach((c) => c.close());
    }
    const stored = async () => (JSON.parse(await b.ok(["inbox", "bob", "--json", "--limit", "10000"], as(hosts.bobToken))) as MessageView[]).filter((m) => m.body.startsWith("load-"));
    await waitFor(async () => (await stored()).length >= N, 90_000);
    const bodies = (await stored()).map((m) => m.body);
    expect(bodies.length).toBe(N);
    expect(new Set(bodies).size).toBe(N);
    await waitFor(async () => (await fedStatus(a)).outbox === 0, 30_000);
    // bob listing them marked them delivered on beta: those receipts come back too.
    await waitFor(async () => (await fedStatus(b)).outbox === 0, 30_000);
  }, 180_000);
});
