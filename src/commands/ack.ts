import { out } from "../cli/io.ts";
import { ask } from "../cli/client.ts";
import { printJson } from "../cli/output.ts";
import { defineVerb } from "../cli/verb.ts";

export default defineVerb({
  meta: {
    name: "ack",
    description: "Acknowledge messages sent to you (stops --ack redelivery; implies read)",
    examples: ["maestro ack 0k3f9a2b1c4", "maestro ack 0k3f9a2b1c4 0k3f9a2b1c5 --json"],
  },
  args: {
    ids: { type: "positional", required: true, description: "Message ids" },
    json: { type: "boolean", description: "Print one JSON object" },
  },
  variadic: true,
  async run({ args }) {
    const r = await ask("ack", { ids: args._.length > 0 ? args._ : [args.ids] });
    if (args.json) return printJson(r);
    out(r.acked.map((id) => `acked ${id}\n`).join(""));
  },
});
