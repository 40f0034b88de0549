/**
 * Federation rows (SPEC §9, §12), one nats-server and two daemons (alpha, beta) on this machine:
 *   - send on alpha → bob@beta's `inbox --follow` on beta: p99 at 1000 msg/s (absolute ≤ 10 ms)
 *   - cross-host durable sends/s at c=1 and c=50 (arrived on beta), against a bare JetStream
 *     publish loop on the same server awaiting acks at the same concurrency (≥ 0.5×)
 */
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { formatNumber, median, mustRun, percentile, type Cell, type Row } from "../lib.ts";
import { followBob, startFedPair } from "../lib/federation.ts";

export const fedLatency: Row = {
  id: "fed-latency",
  figure: "send → remote `inbox --follow` (other host) latency p99 at 1000 msg/s",
  peer: "none",
  needs: ["nats-server"],
  target: { better: "lower", absolute: 10, unit: "ms" },
  async run({ quick, scope, log }) {
    const pair = await startFedPair(scope);
    const follow = await followBob(pair);
    const sender = await pair.client(pair.a);
    const n = quick ? 1000 : 5000;
    const rate = 1000;
    log(`${n} messages alpha → bob@beta at ${rate}/s`);
    // A warm-up: connections, statements and the consumer are hot before timing starts.
    for (let i = 0; i < 200; i++) await sender.request("send", { to: ["bob@beta"], body: `warm-${i}` });
    await follow.until(() => follow.arrived.has("warm-199"));
    const sentAt = new Map<string, number>();
    const sends: Promise<unknown>[] = [];
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const wait = t0 + (i * 1000) / rate - performance.now();
      if (wait > 1) await Bun.sleep(wait);
      const body = `lat-${i}`;
      sentAt.set(body, performance.now());
      sends.push(sender.request("send", { to: ["bob@beta"], body }));
    }
    await Promise.all(sends);
    await follow.until(() => follow.arrived.has(`lat-${n - 1}`) && [...sentAt.keys()].every((k) => follow.arrived.has(k)));
    const lat = [...sentAt].map(([k, t]) => follow.arrived.get(k)! - t);
    const p99 = percentile(lat, 99);
    return {
      maestro: { kind: "value", value: p99, unit: "ms", detail: `p50 ${formatNumber(percentile(lat, 50))} ms, max ${formatNumber(Math.max(...lat))} ms, n=${n}` },
      peer: { kind: "missing", reason: "no peer (absolute target)" },
    };
  },
};

function fedSends(clients: number): Row {
  return {
    id: `fed-sends-c${clients}`,
    figure: `cross-host durable sends/s, c=${clients}, vs a bare JetStream publish loop (awaited acks)`,
    peer: "nats-server",
    needs: ["nats-server"],
    target: { better: "higher", ratio: 0.5 },
    async run({ quick, scope, log }) {
      const pair = await startFedPair(scope);
      const follow = await followBob(pair);
      const clientsA = await Promise.all(Array.from({ length: clients }, () => pair.client(pair.a)));
      const nc = await connect({ servers: pair.nats.url });
      scope.defer("close the bare NATS connection", () => nc.close());
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name: "BARE", subjects: ["bare.>"], duplicate_window: 10 * 60 * 1e9 });
      const js = jetstream(nc);
      // About the size of one signed message envelope.
      const payload = new TextEncoder().encode("x".repeat(420));
      const n = quick ? Math.max(1000, 40 * clients) : Math.max(4000, 200 * clients);
      let round = 0;
      const pool = async (work: (i: number, slot: number) => Promise<unknown>) => {
        let next = 0;
        await Promise.all(Array.from({ length: clients }, async (_, slot) => {
          for (let i = next++; i < n; i = next++) await work(i, slot);
        }));
      };
      const maestroRound = async () => {
        const tag = `r${++round}c${clients}`;
        const t0 = performance.now();
        await pool((i, slot) => clientsA[slot]!.request("send", { to: ["bob@beta"], body: `${tag}-${i}` }));
        const committed = n / ((performance.now() - t0) / 1000);
        await follow.until(() => {
          for (let i = n - 1; i >= 0; i--) if (!follow.arrived.has(`${tag}-${i}`)) return false;
          return true;
        }).catch(async (err) => {
          // Say where they are: stored on beta but not pushed, or still on the way.
          const missing = Array.from({ length: n }, (_, i) => `${tag}-${i}`).filter((k) => !follow.arrived.has(k));
          const inbox = JSON.parse(await mustRun(pair.b.argv("inbox", "bob", "--json", "--limit", "10000"), { env: { ...pair.b.env, MAESTRO_TOKEN: pair.bobToken } })) as { body: string }[];
          const stored = new Set(inbox.map((m) => m.body));
          const fed = async (m: typeof pair.a) => (JSON.parse(await mustRun(m.argv("status", "--json"), { env: m.env })) as { federation: { outbox: number; last_error: string | null } }).federation;
          const [fa, fb] = [await fed(pair.a), await fed(pair.b)];
          throw new Error(`${(err as Error).message}: ${missing.length} missing, ${missing.filter((k) => stored.has(k)).length} of them stored on beta; outbox alpha ${fa.outbox} (${fa.last_error ?? "no error"}), beta ${fb.outbox}`);
        });
        return { arrived: n / ((performance.now() - t0) / 1000), committed };
      };
      const bareRound = async () => {
        const tag = `b${++round}`;
        const t0 = performance.now();
        await pool((i) => js.publish("bare.x", payload, { msgID: `${tag}-${i}` }));
        return n / ((performance.now() - t0) / 1000);
      };
      await maestroRound(); // warm-up of both daemons and the consumer
      const rounds = quick ? 1 : 3;
      const m: { arrived: number; committed: number }[] = [];
      const bare: number[] = [];
      for (let r = 0; r < rounds; r++) {
        bare.push(await bareRound());
        m.push(await maestroRound());
        log(`round ${r + 1}: maestro ${Math.round(m.at(-1)!.arrived)}/s arrived (${Math.round(m.at(-1)!.committed)}/s committed), bare ${Math.round(bare.at(-1)!)}/s`);
      }
      const maestro: Cell = {
        kind: "value",
        value: median(m.map((x) => x.arrived)),
        unit: "msg/s",
        detail: `arrived on beta; ${formatNumber(median(m.map((x) => x.committed)))}/s committed on alpha; median of ${rounds}, n=${n}`,
      };
      return { maestro, peer: { kind: "value", value: median(bare), unit: "msg/s", detail: `median of ${rounds}, n=${n}` } };
    },
  };
}

export const fedSendsC1 = fedSends(1);
export const fedSendsC50 = fedSends(50);

