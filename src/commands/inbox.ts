import { err, out } from "../cli/io.ts";
import { ask } from "../cli/client.ts";
import { followResuming } from "../client/reconnect.ts";
import { messageLine, printList } from "../cli/messages.ts";
import { wholeNumber } from "../cli/flags.ts";
import { claudeHookOutput, HOOK_EVENTS } from "../cli/hook.ts";
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
      "maestro inbox --unread --hook claude   # in a Claude Code UserPromptSubmit hook",
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
    hook: { type: "enum", options: ["claude"], description: "Print what the agent CLI's hook expects (claude: Claude Code's JSON); nothing when there is nothing new" },
    "hook-event": { type: "enum", options: [...HOOK_EVENTS], description: "With --hook claude: the hook event it runs on (default UserPromptSubmit)" },
    json: { type: "boolean", description: "JSON array; with --follow, one JSON object per line" },
  },
  async run({ args }) {
    const req: InboxArgs = {};
    if (args.name) req.name = args.name;
    if (args.unread) req.unread = true;
    if (args.from) req.from = args.from;
    if (args.thread) req.thread = args.thread;
    if (args.since) req.since = parseSince(args.since);
    if (args.limit !== undefined) req.limit = wholeNumber(args.limit, "--limit", 1, 10_000);
    if (args.hook) {
      if (args.name || args.follow || args.json) throw new MaestroError("usage", "inbox --hook prints your own unread messages; leave out NAME, --follow and --json");
      // Only what no listing or push has delivered yet; listing marks them delivered (SPEC §5),
      // so each prompt sees each message once.
      const unread = await ask("inbox", { ...req, unread: true, fresh: true });
      if (unread.length === 0) return;
      const me = unread[0]!.recipient ?? "you";
      return out(`${claudeHookOutput(unread, args["hook-event"] ?? "UserPromptSubmit", me)}\n`);
    }
    if (!args.follow) return printList(await ask("inbox", req), Boolean(args.json), "no messages");
    await follow({ ...req, follow: true }, Boolean(args.json));
  },
});

/** Ids shown, with their delivery attempt; bounded so a follower that runs for weeks stays small. */
const SEEN_MAX = 100_000;

async function follow(req: InboxArgs, json: boolean): Promise<void> {
  // A stream opened again after a daemon restart starts with everything still owed, some of it
  // shown already: show each message once, except an --ack message sent again (a redelivery).
  const seen = new Map<string, number>();
  const show = (m: MessageView) => {
    const attempts = m.attempts ?? 0;
    const before = seen.get(m.id);
    if (before !== undefined && !(m.ack && attempts > before)) return;
    seen.delete(m.id);
    seen.set(m.id, attempts);
    if (seen.size > SEEN_MAX) seen.delete(seen.keys().next().value!);
    out(`${json ? JSON.stringify(m) : messageLine(m)}\n`);
  };
  await followResuming("inbox", req, (e) => show(e as MessageView), () => err("maestro: the daemon went away; reconnecting\n"));
}
