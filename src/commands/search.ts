import { ask } from "../cli/client.ts";
import { printList } from "../cli/messages.ts";
import { defineVerb } from "../cli/verb.ts";

export default defineVerb({
  meta: {
    name: "search",
    description: "Full-text search (SQLite FTS5) over the subjects and bodies of messages you sent or received",
    examples: ["maestro search 'migration failed'", "maestro search 'deploy AND NOT staging' --json", "maestro search '\"exact phrase\"'"],
  },
  args: {
    query: { type: "positional", required: true, description: "FTS5 query: words, \"phrases\", AND/OR/NOT, prefix*" },
    json: { type: "boolean", description: "Print a JSON array" },
  },
  variadic: true,
  async run({ args }) {
    const query = args._.length > 1 ? args._.join(" ") : args.query;
    printList(await ask("search", { query }), Boolean(args.json), "no matches");
  },
});
