import { out } from "../cli/io.ts";
import { reachDaemon } from "../client/autostart.ts";
import { ask } from "../cli/client.ts";
import { messageLine, printList } from "../cli/messages.ts";
import { defineVerb } from "../cli/verb.ts";
import { parseSince } from "../protocol/duration.ts";
import { MaestroError } from "../protocol/errors.ts";
import type { MessageView } from "../protocol/message.ts";
import type { InboxArgs } from "../protocol/requests.ts";

export default defineVerb({
  meta: {
    name: "inbox",
    description:
      "List your messages: unread first (by priority, then oldest), then read ones. A peek: marks them delivered, not read. --follow streams new ones as they arrive.",
    examples: [
      "maestro inbox",
      "maestro inbox --unread --json | jq -r '.[].id'",
      "maestro inbox --follow --json      # one JSON line per message, pushed by the daemon",
      "maestro inbox w1 --from orchestrator   # operator: peek at another inbox",
    ],
  },
  args: {
    name: { type: "positional", required: false, description: "Whose inbox (operator only; default: yours)" },
    unread: { type: "boolean", description: "Only unread messages" },
    from: { type: "string", description: "Only from this sender" },
    thread: { type: "string", description: "Only in the thread of message ID" },
    since: { type: "string", description: "Only newer than a duration (2h) or an ISO time" },
    limit: { type: "string", description: "At most N messages (default 50)" },
    follow: { type: "boolean", description: "Keep streaming messages as they arrive (every message: no --from/--thread/--since/--limit)" },
    json: { type: "boolean", description: "JSON array; with --follow, one JSON object per line" },
  },
  async run({ args }) {
    const req: InboxArgs = {};
    if (args.name) req.name = args.name;
    if (args.unread) req.unread = true;
    if (args.from) req.from = args.from;
    if (args.thread) req.thread = args.thread;
    if (args.since) req.since = parseSince(args.since);
    if (args.limit !== undefined) {
      const n = Number(args.limit);
      if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new MaestroError("usage", `--limit must be a whole number from 1 to 10000, not "${args.limit}"`);
      req.limit = n;
    }
    if (!args.follow) return printList(await ask("inbox", req), Boolean(args.json), "no messages");
    await follow({ ...req, follow: true }, Boolean(args.json));
  },
});

async function follow(req: InboxArgs, json: boolean): Promise<void> {
  const client = await reachDaemon({ token: process.env.MAESTRO_TOKEN || undefined });
  const print = (m: MessageView) => out(`${json ? JSON.stringify(m) : messageLine(m)}\n`);
  let reply!: Promise<unknown>;
  const ended = new Promise<string | undefined>((resolve) => {
    ({ reply } = client.openStream("inbox", req, { event: (e) => print(e as MessageView), end: resolve }));
  });
  process.once("SIGINT", () => {
    client.close();
    process.exit(0);
  });
  // A refusal (a token that matches nothing, bad arguments) keeps its own code and exit status;
  // only a stream that was open and then ended is "unavailable".
  try {
    await reply;
  } catch (err) {
    client.close();
    throw err;
  }
  const reason = await ended;
  // The daemon ended the connection with a reason of its own (a rotated token): say that.
  const failure = client.failure;
  if (failure instanceof MaestroError && failure.code !== "unavailable") throw failure;
  throw new MaestroError("unavailable", `the inbox stream ended: ${reason ?? "the daemon closed it"}`);
}
