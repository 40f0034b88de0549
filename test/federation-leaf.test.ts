/**
 * `[federation] domain` (docs/federation.md, a laptop as a leaf node): a hub nats-server with
 * JetStream domain "hub", and a leaf nats-server with a JetStream of its own (domain "leaf")
 * linked to it. alpha connects to the leaf, beta to the hub, both with `domain = "hub"`: the
 * federation's streams and directory are the hub's, and messages flow both ways.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TestHome, freePort, listening, waitFor } from "./helpers.ts";
import { as, register } from "./msg-helpers.ts";
import { NATS_BIN, fedConfig, fedStatus, waitForName } from "./fed-helpers.ts";
import type { MessageView } from "../src/protocol/message.ts";
import { loadConfig } from "../src/broker/config.ts";

const dir = mkdtempSync(join(tmpdir(), "mt-leaf-"));
const procs: ReturnType<typeof Bun.spawn>[] = [];
let a: TestHome;
let b: TestHome;
let bobToken: string;

async function server(name: string, conf: string, port: number): Promise<void> {
  const path = join(dir, `${name}.conf`);
  writeFileSync(path, conf);
  procs.push(Bun.spawn([NATS_BIN, "-c", path], { stdout: "ignore", stderr: "ignore" }));
  await waitFor(() => listening(port), 10_000);
}

beforeAll(async () => {
  const [hub, hubLeaf, leaf] = [freePort(), freePort(), freePort()];
  await server("hub", `listen: "127.0.0.1:${hub}"\njetstream { store_dir: "${join(dir, "hub")}", domain: hub }\nleafnodes { listen: "127.0.0.1:${hubLeaf}" }\n`, hub);
  await server("leaf", `listen: "127.0.0.1:${leaf}"\njetstream { store_dir: "${join(dir, "leaf")}", domain: leaf }\nleafnodes { remotes [ { url: "nats-leaf://127.0.0.1:${hubLeaf}" } ] }\n`, leaf);
  a = new TestHome({ config: fedConfig(`nats://127.0.0.1:${leaf}`, "alpha", 'domain = "hub"') });
  b = new TestHome({ config: fedConfig(`nats://127.0.0.1:${hub}`, "beta", 'domain = "hub"') });
  await a.start();
  await b.start();
  bobToken = await register(b, "bob");
  await waitForName(a, "bob@beta", 30_000);
}, 60_000);

afterAll(async () => {
  await a?.cleanup();
  await b?.cleanup();
  for (const p of procs.reverse()) {
    p.kill();
    await p.exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe("federation through a leaf node with its own JetStream ([federation] domain)", () => {
  test("alpha on the leaf and beta on the hub exchange messages and receipts", async () => {
    expect(await fedStatus(a)).toMatchObject({ connected: true, hosts: 2 });
    const waiting = a.run(["send", "bob@beta", "over the leaf", "--wait", "reply", "--timeout", "30s"]);
    let m: MessageView | undefined;
    await waitFor(async () => (m = (JSON.parse(await b.ok(["inbox", "bob", "--json"], as(bobToken))) as MessageView[]).find((x) => x.body === "over the leaf")) !== undefined, 20_000);
    expect(m!.from).toBe("operator@alpha");
    await b.ok(["reply", m!.id, "back over the leaf"], as(bobToken));
    const r = await waiting;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("back over the leaf");
  }, 40_000);

  test("domain is checked at start-up, naming the key", async () => {
    const path = join(dir, "bad.toml");
    for (const bad of ["has space", "dot.ted", "x".repeat(65)]) {
      writeFileSync(path, fedConfig("nats://127.0.0.1:1", "x", `domain = "${bad}"`));
      expect(() => loadConfig(path)).toThrow(/"federation.domain": .* is not a JetStream domain/);
    }
    writeFileSync(path, `[federation]\ndomain = "hub"\n`);
    expect(() => loadConfig(path)).toThrow(/"federation.domain" is set but "federation.nats" is not/);
    const h = new TestHome({ config: fedConfig("nats://127.0.0.1:1", "x", 'domain = "bad domain"') });
    try {
      // The daemon does not start (exit 5, as for any bad config.toml), naming the key.
      const r = await h.run(["daemon", "start"]);
      expect(r.code).toBe(5);
      expect(r.stderr).toMatch(/"federation.domain": "bad domain" is not a JetStream domain/);
    } finally {
      await h.cleanup();
    }
  });
});
