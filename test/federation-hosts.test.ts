/**
 * `maestro host ls` and `maestro host forget HOST` (docs/federation.md, re-keying): a host whose
 * key changed is refused until its pinned key is forgotten; then its new key is pinned and its
 * messages verify again. Bad input: no host, this host, an unknown host, a bad name, an agent.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TestHome, waitFor } from "./helpers.ts";
import { as, expectFailure, register } from "./msg-helpers.ts";
import { twoHosts, type TwoHosts } from "./fed-helpers.ts";
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

const hostsOn = async (h: TestHome) => JSON.parse(await h.ok(["host", "ls", "--json"])) as { host: string; key: string }[];
const auditOf = async (h: TestHome) => JSON.parse(await h.ok(["audit", "--json", "--limit", "1000"])) as { actor: string; action: string; target: string; outcome: string; detail: string }[];

describe("host ls / host forget", () => {
  test("ls lists both hosts with their key fingerprints", async () => {
    const list = await hostsOn(a);
    expect(list.map((h) => h.host)).toEqual(["alpha", "beta"]);
    for (const h of list) expect(h.key).toMatch(/^[0-9a-f]{16}$/);
    expect(await a.ok(["host", "ls"])).toMatch(/alpha \(this host\)/);
  });

  test("beta re-keyed: refused by alpha until `host forget beta`, then pinned anew and its messages verify", async () => {
    const oldKey = (await hostsOn(a)).find((h) => h.host === "beta")!.key;
    await b.ok(["daemon", "stop"]);
    rmSync(join(b.home, "federation-host.key"));
    await b.start();
    await waitFor(async () => (await auditOf(a)).some((x) => x.action === "federation.directory" && x.outcome === "denied" && /host beta changed its key/.test(x.detail)));
    expect((await hostsOn(a)).find((h) => h.host === "beta")!.key).toBe(oldKey);

    const r = JSON.parse(await a.ok(["host", "forget", "beta", "--json"])) as { host: string; forgot: string; pinned: string | null };
    expect(r.host).toBe("beta");
    expect(r.forgot).toBe(oldKey);
    const newKey = (await hostsOn(b)).find((h) => h.host === "beta")!.key;
    expect(newKey).not.toBe(oldKey);
    expect(r.pinned).toBe(newKey);
    expect((await hostsOn(a)).find((h) => h.host === "beta")!.key).toBe(newKey);
    expect((await auditOf(a)).some((x) => x.actor === "operator" && x.action === "federation.forget" && x.target === "beta" && x.outcome === "ok")).toBe(true);

    // Beta's envelopes verify against the new key: a message from beta arrives on alpha.
    await b.ok(["send", "operator@alpha", "signed with the new key"]);
    await waitFor(async () => (JSON.parse(await a.ok(["inbox", "operator", "--json", "--limit", "100"])) as MessageView[]).some((m) => m.body === "signed with the new key" && m.from === "operator@beta"));
  }, 60_000);

  test("bad input: no host, this host, an unknown host, a bad name, an unknown action, an agent", async () => {
    expectFailure(await a.run(["host", "forget"]), 2, /name the host/);
    expectFailure(await a.run(["host", "forget", "alpha"]), 2, /alpha is this host/);
    expectFailure(await a.run(["host", "forget", "gamma"]), 3, /no host "gamma"/);
    expectFailure(await a.run(["host", "forget", "Not/A/Host"]), 2);
    expectFailure(await a.run(["host", "bogus"]), 2, /use ls or forget/);
    const agent = await register(a, "eve");
    expectFailure(await a.run(["host", "forget", "beta"], as(agent)), 6, /operator/);
    expect((await hostsOn(a)).map((h) => h.host)).toEqual(["alpha", "beta"]);
  });
});
