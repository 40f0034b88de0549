import { withClient } from "../cli/client.ts";
import { out } from "../cli/io.ts";
import { benchSink, followLatency, inboxLatency, sendLoad, type LoadResult } from "../cli/loadgen.ts";
import { printJson } from "../cli/output.ts";
import { wholeNumber } from "../cli/flags.ts";
import { defineVerb } from "../cli/verb.ts";
import { fanoutLatency, registerIdentities } from "../cli/loadgen-scale.ts";
import { MaestroError } from "../protocol/errors.ts";

const SINK = "bench-sink";

function count(text: string | undefined, flag: string, dflt: number, max: number): number {
  return text === undefined ? dflt : wholeNumber(text, `bench: ${flag}`, 1, max);
}

export default defineVerb({
  meta: {
    name: "bench",
    description:
      "Load generators against the running daemon (real durable messages to the identity bench-sink): send (rate, p50/p99 over C connections), follow (send → inbox --follow latency at a fixed rate), inbox (query latency), fanout (a `*` broadcast to S following identities bench-fan-<i>: latency per subscriber), identities (registers N identities bench-id-<i>)",
    examples: [
      "maestro bench send -c 50 -n 100000 --json",
      "maestro bench follow --rate 1000 -n 5000",
      "maestro bench inbox -n 2000 --json",
      "maestro bench fanout --subscribers 100 --rate 100 -n 1000 --json",
      "maestro bench identities -n 10000",
    ],
  },
  args: {
    what: { type: "positional", required: true, description: "send | follow | inbox | fanout | identities" },
    c: { type: "string", description: "send: connections (default 1)" },
    n: { type: "string", description: "Requests in all (default 10000; follow 5000; inbox, fanout 1000; identities: how many)" },
    rate: { type: "string", description: "follow, fanout: messages per second (default 1000; fanout 100)" },
    subscribers: { type: "string", description: "fanout: following identities (default 100)" },
    size: { type: "string", description: "send: body bytes (default 64)" },
    json: { type: "boolean", description: 'Print {"rate", "p50_ms", "p99_ms", …}' },
    samples: { type: "boolean", description: "With --json: every latency too (latencies_ms), to aggregate several runs" },
  },
  async run({ args }) {
    if (args.samples && !args.json) throw new MaestroError("usage", "bench: --samples goes with --json");
    // Every flag is checked before anything is written (the bench-sink registration is a write).
    let load: (token: string) => Promise<LoadResult>;
    switch (args.what) {
      case "send": {
        const o = { connections: count(args.c, "-c", 1, 1000), total: count(args.n, "-n", 10_000, 100_000_000), to: SINK, body: "x".repeat(count(args.size, "--size", 64, 1024 * 1024)) };
        load = () => sendLoad(o);
        break;
      }
      case "follow": {
        const o = { rate: count(args.rate, "--rate", 1000, 100_000), total: count(args.n, "-n", 5000, 10_000_000), to: SINK };
        load = (token) => followLatency({ ...o, token });
        break;
      }
      case "inbox": {
        const total = count(args.n, "-n", 1000, 10_000_000);
        load = () => inboxLatency({ total, name: SINK });
        break;
      }
      case "fanout": {
        const o = { subscribers: count(args.subscribers, "--subscribers", 100, 1000), rate: count(args.rate, "--rate", 100, 10_000), total: count(args.n, "-n", 1000, 1_000_000) };
        load = () => fanoutLatency(o);
        break;
      }
      case "identities": {
        const r = await registerIdentities(count(args.n, "-n", 1000, 1_000_000));
        if (args.json) return printJson(r);
        return out(`identities: ${r.n} registered in ${r.seconds} s\n`);
      }
      default:
        throw new MaestroError("usage", `bench: unknown benchmark "${args.what}"; use send, follow, inbox, fanout or identities`);
    }
    const result = await load(await withClient((c) => benchSink(c, SINK)));
    const { latencies_ms: _, ...summary } = result;
    if (args.json) return printJson(args.samples ? result : summary);
    out(`${args.what}: ${result.n} in ${result.seconds} s = ${result.rate}/s; p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms, max ${result.max_ms} ms\n`);
  },
});
