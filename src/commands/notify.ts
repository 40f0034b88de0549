import { ask } from "../cli/client.ts";
import { out } from "../cli/io.ts";
import { printJson } from "../cli/output.ts";
import { defineVerb } from "../cli/verb.ts";

export default defineVerb({
  meta: {
    name: "notify",
    description:
      "Set how a running session hears about messages: inject (type a one-line notice into it when it is idle and nobody is typing) or none (inbox only)",
    examples: ["maestro notify w1 inject", "maestro notify w1 none"],
  },
  args: {
    name: { type: "positional", required: true, description: "The session" },
    mode: { type: "positional", required: true, description: "inject | none" },
    json: { type: "boolean", description: "Print one JSON object" },
  },
  async run({ args }) {
    const r = await ask("session.notify", { name: args.name, mode: args.mode as "inject" | "none" });
    if (args.json) return printJson(r);
    out(`${r.name}: notify ${r.notify}\n`);
  },
});
