import { ask } from "../cli/client.ts";
import { out } from "../cli/io.ts";
import { defineVerb } from "../cli/verb.ts";

export default defineVerb({
  meta: {
    name: "metrics",
    description:
      "Print the daemon's metrics in Prometheus text format (sends, deliveries, auth failures, rate limits, bytes, messages by state, send latency). Set metrics.listen and metrics.token in config.toml to serve them over loopback HTTP too.",
    examples: ["maestro metrics", "maestro metrics | grep maestro_sends_total"],
  },
  args: {},
  async run() {
    out((await ask("metrics", {})).text);
  },
});
