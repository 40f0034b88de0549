import { out } from "../cli/io.ts";
import { withClient } from "../cli/client.ts";
import { isTimeout, timedOut, waitMessage, type WaitFor } from "../cli/message-wait.ts";
import { COMPOSE_REPEATABLE, composeArgs, composeFlags } from "../cli/compose.ts";
import { messageFull } from "../cli/messages.ts";
import { printJson } from "../cli/output.ts";
import { defineVerb } from "../cli/verb.ts";
import { parseDuration } from "../protocol/duration.ts";
import { MaestroError } from "../protocol/errors.ts";

export default defineVerb({
  meta: {
    name: "send",
    description:
      "Send a durable message to an identity, @group or * (everyone else). Prints the id once the message is committed. The sender is always you (MAESTRO_TOKEN).",
    examples: [
      "maestro send w1 'run the tests and report'",
      "git diff | maestro send reviewer - --subject 'please review' --priority high",
      "maestro send @workers 'stop and commit' --ack",
      "maestro send w1 'fix #12' --type task --wait reply --timeout 30m --json",
    ],
  },
  args: {
    to: { type: "positional", required: true, description: "Recipient: NAME, @GROUP or *; several with commas" },
    body: { type: "positional", required: false, description: "The message; - reads stdin" },
    ...composeFlags,
    "reply-to": { type: "string", description: "Answer message ID (same thread)" },
    thread: { type: "string", description: "Post into the thread of message ID" },
    wait: { type: "enum", options: ["delivered", "read", "reply"], description: "Block until delivered, read or replied to" },
    timeout: { type: "string", description: "With --wait: give up after this long, exit 4 (default 10m)" },
  },
  repeatable: COMPOSE_REPEATABLE,
  async run({ args }) {
    const timeout = args.timeout === undefined ? 10 * 60_000 : parseDuration(args.timeout, "--timeout");
    if (args.timeout !== undefined && !args.wait) throw new MaestroError("usage", "send: --timeout goes with --wait");
    const request = {
      to: recipients(args.to),
      ...(await composeArgs(args.body, args)),
      ...(args["reply-to"] ? { reply_to: args["reply-to"] } : {}),
      ...(args.thread ? { thread: args.thread } : {}),
    };
    // The wait, if any, runs on the same connection (and reconnects if the daemon restarts).
    await withClient(async (client) => {
      const sent = await client.request("send", request);
      if (!args.wait) return args.json ? printJson(sent) : void out(`${sent.id}\n`);
      // The id goes out first, so a script has it even if the wait times out.
      if (!args.json) out(`${sent.id}\n`);
      let waited;
      try {
        waited = await waitMessage(client, sent.id, args.wait as WaitFor, timeout);
      } catch (err) {
        if (args.json && isTimeout(err)) printJson({ ...sent, wait: timedOut(sent.id) });
        throw err;
      }
      if (args.json) return printJson({ ...sent, wait: waited });
      if (waited.reply) out(`\n${messageFull(waited.reply)}`);
    });
  },
});

/** `a,b,,c` → [a, b, c], in a loop: filter()'s first call would cost start-up time. */
function recipients(list: string): string[] {
  const to: string[] = [];
  for (const r of list.split(",")) if (r) to.push(r);
  return to;
}
