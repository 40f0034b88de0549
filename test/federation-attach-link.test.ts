/**
 * Remote attach faults: nats-server stopped and restarted (same port, same store) mid-attachment
 * → the attachment resumes with no byte lost or doubled; stopped for good → a clear end after
 * link_timeout_ms on both hosts; forged, unsigned and replayed opens, and frames not sealed with
 * the attachment's key → refused or dropped, and audited on the target.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { connect, headers, type NatsConnection } from "@nats-io/transport-node";
import { Client } from "../src/client/connection.ts";
import { TestHome, waitFor } from "./helpers.ts";
import { fedStatus, sigkill, twoHosts, waitForName, type NatsServer, type TwoHosts } from "./fed-helpers.ts";
import { Tty } from "./tty.ts";
import { SIG_HEADER } from "../src/federation/envelope.ts";
import { newId, newNonce, sealTerm, termSubject, type TermEnvelope } from "../src/federation/attach-wire.ts";

let hosts: TwoHosts;
let nats: NatsServer;
let a: TestHome;
let b: TestHome;

beforeAll(async () => {
  hosts = await twoHosts('remote_control = ["alpha"]\nlink_timeout_ms = 4000', "link_timeout_ms = 4000");
  ({ nats, a, b } = hosts);
  await waitForName(b, "operator@alpha");
}, 60_000);
afterAll(async () => {
  await hosts?.stop();
});

type Audit = { actor: string; action: string; target: string; outcome: string; detail: string }[];
const audit = async (h: TestHome) => JSON.parse(await h.ok(["audit", "--json", "--limit", "1000"])) as Audit;
const clientsOf = async (h: TestHome, name: string) => (JSON.parse(await h.ok(["ls", "--json"])) as { name: string; clients: number }[]).find((x) => x.name === name)!.clients;
const CLEAR = "\x1b[2J";

describe("remote attach: the link", () => {
  test("nats-server restarted mid-attachment: resumes, every line exactly once, no redraw", async () => {
    const N = 1500;
    await b.ok(["new", "flow", "--", "sh", "-c", `read x; i=0; while [ $i -lt ${N} ]; do i=$((i+1)); echo L$i; [ $((i % 10)) -eq 0 ] && sleep 0.05; done; echo ALL""DONE; exec sleep 1000`]);
    await waitForName(a, "flow@beta");
    const client = await Client.connect({ socket: a.socket });
    let text = "";
    let ended: string | undefined = "open";
    const dec = new TextDecoder();
    const { id, reply } = client.openStream("attach", { name: "flow@beta", cols: 80, rows: 24 }, { data: (d) => (text += dec.decode(d, { stream: true })), end: (r) => (ended = r ?? "ended") });
    await reply;
    await waitFor(() => text.includes(CLEAR));
    client.sendData(id, new TextEncoder().encode("\r"));
    await waitFor(() => /L200\r\n/.test(text), 20_000);
    await nats.kill("SIGKILL");
    await Bun.sleep(500); // output goes on while the link is down
    await nats.start();
    await waitFor(() => text.includes("ALLDONE"), 40_000);
    expect(ended).toBe("open");
    const lines = [...text.matchAll(/L(\d+)\r\n/g)].map((m) => Number(m[1]));
    const dup = lines.filter((n, i) => lines.indexOf(n) !== i);
    const missing = Array.from({ length: N }, (_, i) => i + 1).filter((n) => !lines.includes(n));
    console.log(`link drop: ${N} lines written, ${lines.length} received, ${dup.length} duplicated, ${missing.length} lost, redraws ${text.split(CLEAR).length - 1}`);
    expect(dup).toEqual([]);
    expect(missing).toEqual([]);
    expect(lines).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    expect(text.split(CLEAR).length - 1).toBe(1); // the first screen only: the ring held the rest
    // It did resume (the restart lost the link), rather than never noticing.
    expect(readFileSync(join(a.home, "daemon.log"), "utf8")).toMatch(/remote attachment \w+ to flow@beta resumed after output offset \d+/);
    // Still a live terminal after the drop: keystrokes go through.
    client.sendData(id, new TextEncoder().encode("after"));
    client.cancel(id);
    client.close();
    await waitFor(async () => (await clientsOf(b, "flow")) === 0);
  }, 90_000);

  test("keystrokes typed while the link is down arrive once after it comes back", async () => {
    await b.ok(["new", "keys", "--", "cat"]);
    await waitForName(a, "keys@beta");
    const client = await Client.connect({ socket: a.socket });
    let text = "";
    const dec = new TextDecoder();
    const { id, reply } = client.openStream("attach", { name: "keys@beta", cols: 80, rows: 24 }, { data: (d) => (text += dec.decode(d, { stream: true })) });
    await reply;
    await waitFor(() => text.includes(CLEAR));
    client.sendData(id, new TextEncoder().encode("before-drop\r"));
    await waitFor(() => text.split("before-drop").length - 1 === 2); // the terminal's echo, then cat's
    await nats.kill("SIGKILL");
    client.sendData(id, new TextEncoder().encode("during-drop\r"));
    await Bun.sleep(300); // typed into the outage
    await nats.start();
    await waitFor(() => text.split("during-drop").length - 1 >= 2, 20_000).catch((e) => {
      console.log("ALPHA LOG", readFileSync(join(a.home, "daemon.log"), "utf8").split("\n").slice(-15).join("\n"));
      console.log("BETA LOG", readFileSync(join(b.home, "daemon.log"), "utf8").split("\n").slice(-15).join("\n"));
      console.log("TEXT", JSON.stringify(text.slice(-300)));
      throw e;
    });
    await waitFor(async () => (await b.ok(["peek", "keys"])).includes("during-drop"));
    client.sendData(id, new TextEncoder().encode("after-drop\r"));
    await waitFor(() => text.split("after-drop").length - 1 === 2, 15_000);
    expect(text.split("during-drop").length - 1).toBe(2);
    expect((await b.ok(["peek", "keys"])).split("during-drop").length - 1).toBe(2);
    client.cancel(id);
    client.close();
  }, 60_000);

  test("forged, unsigned and replayed opens, and frames not sealed with the attachment's key, are refused and audited on the target", async () => {
    const nc: NatsConnection = await connect({ servers: nats.url });
    try {
      await b.ok(["new", "sec", "--", "cat"]);
      await waitForName(a, "sec@beta");
      const alphaKey = await crypto.subtle.importKey("jwk", JSON.parse(readFileSync(join(a.home, "federation-host.key"), "utf8")) as JsonWebKey, { name: "Ed25519" }, false, ["sign"]);
      const stranger = ((await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair).privateKey;
      const dh = "5LLxnwsF_Bjyi8bKQxOlpl2wc23jqCmoT5mvCA4viwA";
      const open = (over: Partial<TermEnvelope<"term-open">["body"]> = {}): TermEnvelope<"term-open"> => ({
        v: 1,
        kind: "term-open",
        from: "alpha",
        to: "beta",
        at: Date.now(),
        body: { nonce: newNonce(), id: newId(), caller: "operator", dh, args: { name: "sec" }, ...over },
      });
      const ask = async (env: TermEnvelope<"term-open">, key: CryptoKey | undefined) => {
        const { data, sig } = await sealTerm(key ?? stranger, env);
        const h = headers();
        if (key) h.set(SIG_HEADER, sig);
        const m = await nc.request(termSubject("beta"), data, { timeout: 5000, headers: h });
        return (JSON.parse(new TextDecoder().decode(m.data)) as { body: { ok: boolean; error?: { message: string } } }).body;
      };
      expect((await ask(open(), stranger)).ok).toBe(false);
      expect((await ask(open(), undefined)).ok).toBe(false);
      const agent = await ask(open({ caller: "bob" }), alphaKey);
      expect(agent.error?.message).toMatch(/only the operator of alpha/);
      const once = open();
      expect((await ask(once, alphaKey)).ok).toBe(true); // genuine (its frames go nowhere)
      expect((await ask(once, alphaKey)).error?.message).toMatch(/nonce already used/);

      // A frame on a live attachment's `in` subject that is not sealed with its key: dropped.
      let attachment = "";
      const sub = nc.subscribe("maestro.fed.term.beta.*.out", {
        callback: (_e, m) => {
          const id = m.subject.split(".")[4]!;
          if (id !== once.body.id) attachment ||= id;
        },
      });
      const t = new Tty(a, ["attach", "sec@beta"]);
      try {
        await t.settle(300);
        await waitFor(() => attachment !== "", 10_000);
        sub.unsubscribe();
        nc.publish(`maestro.fed.term.beta.${attachment}.in`, new Uint8Array(64).fill(1));
        t.type("still-works\r");
        await t.waitScreen(/still-works[\s\S]*still-works/);
      } finally {
        t.dispose();
      }
      await waitFor(async () => (await audit(b)).some((r) => /failed authentication/.test(r.detail)));
      const why = (await audit(b)).filter((r) => r.action === "federation.attach" && r.outcome === "denied").map((r) => r.detail).join("\n");
      expect(why).toMatch(/bad signature: not signed by host alpha's key/);
      expect(why).toMatch(/only the operator of alpha/);
      expect(why).toMatch(/nonce already used/);
      expect(why).toMatch(/a frame that failed authentication/);
    } finally {
      await nc.close();
    }
  }, 60_000);

  test("the link drops for good: a clear end after link_timeout_ms (exit 5) on alpha, the client removed on beta", async () => {
    await b.ok(["new", "gone", "--", "cat"]);
    await waitForName(a, "gone@beta");
    const t = new Tty(a, ["attach", "gone@beta"]);
    try {
      await t.settle(300);
      await waitFor(async () => (await clientsOf(b, "gone")) === 1);
      // A remote wait in progress on the same link.
      const waiting = a.run(["wait", "gone@beta", "--match", "never-there", "--timeout", "60s"]);
      await waitFor(async () => (await audit(b)).some((r) => r.action === "remote.wait" && r.target === "gone" && r.detail === "started"));
      await nats.kill("SIGKILL");
      const t0 = Date.now();
      expect(await t.exit(20_000)).toBe(5);
      const took = Date.now() - t0;
      console.log(`link lost for good: attach ended after ${took} ms (link_timeout_ms 4000)`);
      expect(t.allText()).toMatch(/\[lost the link to host beta: nothing heard for \d+ s/);
      expect(took).toBeLessThan(4000 + 3000);
      await waitFor(async () => (await clientsOf(b, "gone")) === 0, 15_000);
      const w = await waiting;
      expect(w.code, w.stderr).toBe(5);
      expect(w.stderr).toMatch(/lost the link to host beta/);
    } finally {
      t.dispose();
      await nats.start();
    }
  }, 60_000);

  test("the waiting host's daemon dies mid-wait: the session's host ends the wait (no responders), audited", async () => {
    await waitFor(async () => (await fedStatus(a)).connected && (await fedStatus(b)).connected, 20_000);
    await b.ok(["new", "orphan", "--", "cat"]);
    await waitForName(a, "orphan@beta");
    const waiting = a.run(["wait", "orphan@beta", "--match", "never-there"]);
    await waitFor(async () => (await audit(b)).some((r) => r.action === "remote.wait" && r.target === "orphan" && r.detail === "started"), 15_000);
    await sigkill(a);
    await waiting;
    await waitFor(async () => (await audit(b)).some((r) => r.action === "remote.wait" && r.target === "orphan" && /the caller is gone|did not answer/.test(r.detail)), 15_000);
  }, 60_000);
});
