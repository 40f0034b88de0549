/**
 * Federation figures (docs/federation.md), one run: a real nats-server and two daemons (alpha,
 * beta) on this machine.
 *   - send on alpha → bob@beta's `inbox --follow` on beta: latency p50/p99 at a fixed rate
 *   - cross-host durable sends/s (alpha's commit + outbox) at 1 and 50 connections, and the rate
 *     they arrive on beta, against a bare JetStream publish loop (the engine's own limit)
 *
 *   bun bench/federation.ts [--rate 1000] [--n 3000]
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as natsConnect } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Client } from "../src/client/connection.ts";
import { summarize } from "../src/cli/loadgen.ts";

const BIN = join(import.meta.dir, "..", "dist", "maestro");
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const RATE = arg("rate", 1000);
const N = arg("n", 3000);

const cleanup: (() => Promise<void> | void)[] = [];
const port = await (async () => {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const p = s.port;
  s.stop(true);
  return p;
})();
const natsDir = mkdtempSync(join(tmpdir(), "mb-nats-"));
const nats = Bun.spawn(["nats-server", "-js", "-a", "127.0.0.1", "-p", String(port), "-sd", natsDir], { stdout: "ignore", stderr: "ignore" });
cleanup.push(async () => {
  nats.kill();
  await nats.exited;
  rmSync(natsDir, { recursive: true, force: true });
});
await Bun.sleep(500);
const url = `nats://127.0.0.1:${port}`;

async function daemon(host: string) {
  const home = mkdtempSync(join(tmpdir(), "mb-fed-"));
  writeFileSync(join(home, "config.toml"), `[federation]\nnats = "${url}"\nhost = "${host}"\n`);
  const env = { ...process.env, MAESTRO_HOME: home } as Record<string, string>;
  const run = async (args: string[]) => {
    const p = Bun.spawn([BIN, ...args], { env, stdout: "pipe", stderr: "inherit" });
    const out = await new Response(p.stdout).text();
    if ((await p.exited) !== 0) throw new Error(`maestro ${args.join(" ")} failed`);
    return out;
  };
  await run(["daemon", "start"]);
  cleanup.push(async () => {
    await run(["daemon", "stop", "--force"]).catch(() => {});
    rmSync(home, { recursive: true, force: true });
  });
  const client = async (token?: string) => {
    const c = await Client.connect({ socket: join(home, "maestro.sock"), token, lock: join(home, "daemon.lock") });
    await c.welcome;
    return c;
  };
  return { home, run, client };
}

try {
  const a = await daemon("alpha");
  const b = await daemon("beta");
  const bob = JSON.parse(await b.run(["register", "bob", "--json"])) as { token: string };
  for (;;) {
    const d = JSON.parse(await a.run(["ls", "--all-hosts", "--json"])) as { hosts: { host: string; names: { name: string }[] }[] };
    if (d.hosts.some((h) => h.host === "beta" && h.names.some((n) => n.name === "bob"))) break;
    await Bun.sleep(50);
  }
  const follower = await b.client(bob.token);
  const arrived = new Map<string, number>();
  let onArrive: (() => void) | undefined;
  const { reply } = follower.openStream("inbox", { follow: true, unread: true }, {
    event(e) {
      arrived.set((e as { body?: string }).body ?? "", performance.now());
      onArrive?.();
    },
  });
  await reply;
  const until = (pred: () => boolean, ms = 60_000) =>
    new Promise<void>((res, rej) => {
      const t = setTimeout(() => rej(new Error("timed out waiting for arrivals")), ms);
      onArrive = () => pred() && (clearTimeout(t), (onArrive = undefined), res());
      onArrive();
    });

  // 1. latency at a fixed rate
  {
    const sender = await a.client();
    const sentAt = new Map<string, number>();
    const t0 = performance.now();
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < N; i++) {
      const wait = t0 + (i * 1000) / RATE - performance.now();
      if (wait > 1) await Bun.sleep(wait);
      const body = `lat-${i}`;
      sentAt.set(body, performance.now());
      sends.push(sender.request("send", { to: ["bob@beta"], body }));
    }
    await Promise.all(sends);
    await until(() => [...sentAt.keys()].every((k) => arrived.has(k)));
    const lat = [...sentAt].map(([k, t]) => arrived.get(k)! - t);
    const r = summarize(lat, (performance.now() - t0) / 1000);
    console.log(`send → remote inbox --follow at ${RATE}/s, n=${N}: p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, max ${r.max_ms} ms`);
    sender.close();
  }

  // 2. durable cross-host sends/s at c connections, and arrival rate on beta
  for (const c of [1, 50]) {
    const clients = await Promise.all(Array.from({ length: c }, () => a.client()));
    const total = Math.max(N, 100 * c);
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      clients.map(async (cl) => {
        for (let i = next++; i < total; i = next++) await cl.request("send", { to: ["bob@beta"], body: `c${c}-${i}` });
      }),
    );
    const committed = (performance.now() - t0) / 1000;
    await until(() => {
      for (let i = total - 1; i >= 0; i--) if (!arrived.has(`c${c}-${i}`)) return false;
      return true;
    });
    const all = (performance.now() - t0) / 1000;
    console.log(`cross-host durable sends, c=${c}, n=${total}: ${Math.round(total / committed)}/s committed on alpha; ${Math.round(total / all)}/s arrived on beta`);
    clients.forEach((cl) => cl.close());
  }

  // 3. the engine's own limit: a bare JetStream publish loop (awaited acks), same sizes
  {
    const nc = await natsConnect({ servers: url });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: "BARE", subjects: ["bare.>"], duplicate_window: 10 * 60 * 1e9 });
    const js = jetstream(nc);
    const payload = new TextEncoder().encode("x".repeat(400));
    for (const c of [1, 50]) {
      const total = Math.max(N, 100 * c);
      let next = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: c }, async () => {
          for (let i = next++; i < total; i = next++) await js.publish("bare.x", payload, { msgID: `b${c}-${i}` });
        }),
      );
      console.log(`bare JetStream publish (awaited ack, Nats-Msg-Id), c=${c} in flight, n=${total}: ${Math.round(total / ((performance.now() - t0) / 1000))}/s`);
    }
    await nc.close();
  }
  follower.close();
} finally {
  for (const f of cleanup.reverse()) await f();
}
