import { withClient } from "../cli/client.ts";
import { out } from "../cli/io.ts";
import { benchSink, followLatency, inboxLatency, sendLoad, type LoadResult } from "../cli/loadgen.ts";
import { printJson } from "../cli/output.ts";
import { wholeNumber } from "../cli/flags.ts";
import { defineVerb } from "../cli/verb.ts";
import { MaestroError } from "../protocol/errors.ts";

const SINK = "bench-sink";

function count(text: string | undefined, flag: string, dflt: number, max: number): number {
  return text === undefined ? dflt : wholeNumber(text, `bench: ${flag}`, 1, max);
}

export default defineVerb({
  meta: {
    name: "bench",
    description:
      "Load generators against the running daemon (real durable messages to the identity bench-sink): send (rate, p50/p99 over C connections), follow (send → inbox --follow latency at a fixed rate), inbox (query latency)",
    examples: [
      "maestro bench send -c 50 -n 100000 --json",
      "maestro bench follow --rate 1000 -n 5000",
      "maestro bench inbox -n 2000 --json",
    ],
  },
  args: {
    what: { type: "positional", required: true, description: "send | follow | inbox" },
    c: { type: "string", description: "send: connections (default 1)" },
    n: { type: "string", description: "Requests in all (default 10000; follow 5000; inbox 1000)" },
    rate: { type: "string", description: "follow: messages per second (default 1000)" },
    size: { type: "string", description: "send: body bytes (default 64)" },
    json: { type: "boolean", description: 'Print {"rate", "p50_ms", "p99_ms", …}' },
    samples: { type: "boolean", description: "With --json: every latency too (latencies_ms), to aggregate several runs" },
  },
  async run({ args }) {
    if (args.samples && !args.json) throw new MaestroError("usage", "bench: --samples goes with --json");
    let result: LoadResult;
    const token = await withClient((c) => benchSink(c, SINK));
    switch (args.what) {
      case "send":
        result = await sendLoad({
          connections: count(args.c, "-c", 1, 1000),
          total: count(args.n, "-n", 10_000, 100_000_000),
          to: SINK,
          body: "x".repeat(count(args.size, "--size", 64, 1024 * 1024)),
        });
        break;
      case "follow":
        result = await followLatency({ rate: count(args.rate, "--rate", 1000, 100_000), total: count(args.n, "-n", 5000, 10_000_000), to: SINK, token });
        break;
      case "inbox":
        result = await inboxLatency({ total: count(args.n, "-n", 1000, 10_000_000), name: SINK });
        break;
      default:
        throw new MaestroError("usage", `bench: unknown benchmark "${args.what}"; use send, follow or inbox`);
    }
    const { latencies_ms: _, ...summary } = result;
    if (args.json) return printJson(args.samples ? result : summary);
    out(`${args.what}: ${result.n} in ${result.seconds} s = ${result.rate}/s; p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms, max ${result.max_ms} ms\n`);
  },
});
