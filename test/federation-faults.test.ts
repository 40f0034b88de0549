/**
 * Federation faults (SPEC §12): NATS away at start and mid-stream, nats-server killed and
 * restarted during sends, either daemon SIGKILLed. Each case counts sent / stored once /
 * duplicates / lost on the receiving host; the only acceptable result is all once.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TestHome, waitFor } from "./helpers.ts";
import { NatsServer, twoHosts, type TwoHosts, fedStatus, sigkill } from "./fed-helpers.ts";
import type { MessageView } from "../src/protocol/message.ts";

let hosts: TwoHosts;
let nats: NatsServer;
let a: TestHome;
let b: TestHome;

beforeAll(async () => {
  hosts = await twoHosts();
  ({ nats, a, b } = hosts);
}, 60_000);

afterAll(async () => {
  await hosts?.stop();
});

/** Sends n messages `${tag}-${i}` to bob@beta, `conc` at a time; every one must succeed locally. */
async function sendMany(tag: string, n: number, conc = 8, at?: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < n; i = next++) {
      if (at) await at(i);
      const r = await a.run(["send", "bob@beta", `${tag}-${i}`, "--json"]);
      expect(r.code, r.stderr).toBe(0);
    }
  };
  await Promise.all(Array.from({ length: conc }, worker));
}

/** What beta stored for this tag: per body, how many times. */
async function storedOnBeta(tag: string): Promise<Map<string, number>> {
  const list = JSON.parse(await b.ok(["inbox", "bob", "--json", "--limit", "10000"])) as MessageView[];
  const seen = new Map<string, number>();
  for (const m of list) if (m.body.startsWith(`${tag}-`)) seen.set(m.body, (seen.get(m.body) ?? 0) + 1);
  return seen;
}

/** Waits until every one of n arrived, then checks none twice; logs the counts. */
async function expectAllOnce(tag: string, n: number, timeoutMs = 60_000): Promise<void> {
  await waitFor(async () => (await storedOnBeta(tag)).size >= n, timeoutMs).catch(() => {});
  const seen = await storedOnBeta(tag);
  const dups = [...seen.values()].reduce((s, c) => s + (c - 1), 0);
  const lost = n - seen.size;
  console.log(`${tag}: sent ${n}, stored once ${[...seen.values()].filter((c) => c === 1).length}, duplicates ${dups}, lost ${lost}`);
  expect({ lost, dups }).toEqual({ lost: 0, dups: 0 });
  await waitFor(async () => (await fedStatus(a)).outbox === 0, 20_000);
}

describe("federation faults", () => {
  test("NATS unreachable mid-stream: sends succeed locally, wait in the outbox, flow when it returns", async () => {
    await nats.kill();
    await sendMany("down", 100);
    const s = await fedStatus(a);
    expect(s.outbox).toBe(100);
    expect(s.connected).toBe(false);
    // doctor says so, with the depth and the last error, and what to check.
    const doc = JSON.parse((await a.run(["doctor", "--json"])).stdout) as { checks: { name: string; status: string; detail: string; fix?: string }[] };
    const fed = doc.checks.find((c) => c.name === "federation")!;
    expect(fed.status).toBe("warn");
    expect(fed.detail).toMatch(/not connected to nats:.*outbox 100, .*last error: /);
    expect(fed.fix).toMatch(/check that NATS answers/);
    await nats.start();
    await expectAllOnce("down", 100);
  }, 120_000);

  test("NATS unreachable at start: a daemon started without it sends to known hosts from its copy of the directory", async () => {
    await nats.kill();
    await a.ok(["daemon", "stop"]);
    await a.start();
    const s = await fedStatus(a);
    expect(s.connected).toBe(false);
    await sendMany("cold", 50);
    expect((await fedStatus(a)).outbox).toBe(50);
    await nats.start();
    await expectAllOnce("cold", 50);
  }, 120_000);

  // 300 in the suite (each send is a process); FED_FLAP_N=1000 for the figure.
  const FLAP = Number(process.env.FED_FLAP_N ?? 300);
  test(`nats-server SIGKILLed and restarted during ${FLAP} sends`, async () => {
    await sendMany("flap", FLAP, 8, async (i) => {
      if (i === Math.floor(FLAP / 3)) await nats.kill();
      if (i === Math.floor((2 * FLAP) / 3)) await nats.start();
    });
    await expectAllOnce("flap", FLAP);
  }, 300_000);

  test("the receiving daemon SIGKILLed mid-stream", async () => {
    await sendMany("rkill", 200, 8, async (i) => {
      if (i === 80) await sigkill(b);
    });
    // Messages for beta wait in JetStream (its durable consumer) until it is back.
    await b.start();
    await expectAllOnce("rkill", 200);
  }, 120_000);

  test("the sending daemon SIGKILLed with a full outbox", async () => {
    await nats.kill();
    await sendMany("skill", 150);
    expect((await fedStatus(a)).outbox).toBe(150);
    await sigkill(a);
    await nats.start();
    await a.start();
    await expectAllOnce("skill", 150);
  }, 120_000);
});
