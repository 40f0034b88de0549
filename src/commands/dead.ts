import { ask } from "../cli/client.ts";
import { printList } from "../cli/messages.ts";
import { defineVerb } from "../cli/verb.ts";

export default defineVerb({
  meta: {
    name: "dead",
    description: "Dead letters: --ack messages never acked within max_deliver attempts (yours; the operator sees all)",
    examples: ["maestro dead", "maestro dead --json | jq '.[] | {id, recipient, dead_reason}'"],
  },
  args: {
    json: { type: "boolean", description: "Print a JSON array" },
  },
  async run({ args }) {
    printList(await ask("dead", {}), Boolean(args.json), "no dead letters");
  },
});
