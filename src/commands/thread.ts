import { ask } from "../cli/client.ts";
import { printList } from "../cli/messages.ts";
import { defineVerb } from "../cli/verb.ts";

export default defineVerb({
  meta: {
    name: "thread",
    description: "Show the whole thread a message belongs to, oldest first (what you can see of it)",
    examples: ["maestro thread 0k3f9a2b1c4", "maestro thread 0k3f9a2b1c4 --json | jq -r '.[].body'"],
  },
  args: {
    id: { type: "positional", required: true, description: "Any message of the thread" },
    json: { type: "boolean", description: "Print a JSON array" },
  },
  async run({ args }) {
    printList(await ask("thread", { id: args.id }), Boolean(args.json), "empty thread");
  },
});
