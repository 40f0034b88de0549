import { out } from "../cli/io.ts";
import { isTimeout, timedOut, waitMessage, type WaitFor } from "../cli/message-wait.ts";
import { messageFull } from "../cli/messages.ts";
import { printJson } from "../cli/output.ts";
import { defineVerb } from "../cli/verb.ts";
import { parseDuration } from "../protocol/duration.ts";
import { MaestroError } from "../protocol/errors.ts";

export default defineVerb({
  meta: {
    name: "wait-message",
    description:
      "Block until a message you can see is delivered to, read by, or replied to — `send --wait` again, for a wait that ran out (exit 4 on --timeout, 3 for an unknown id)",
    examples: ["maestro wait-message 0k3f9a2b1c4 --for reply --timeout 30m", "maestro wait-message 0k3f9a2b1c4 --for read --json"],
  },
  args: {
    id: { type: "positional", required: true, description: "The message id (as `send` printed it)" },
    for: { type: "enum", options: ["delivered", "read", "reply"], required: true, description: "delivered | read | reply" },
    timeout: { type: "string", description: "Give up after this long, exit 4 (default 10m)" },
    json: { type: "boolean", description: "Print {id, reached, reply, timed_out}" },
  },
  async run({ args }) {
    if (!args.for) throw new MaestroError("usage", "wait-message: give --for delivered, read or reply");
    const timeout = args.timeout === undefined ? 10 * 60_000 : parseDuration(args.timeout, "--timeout");
    let waited;
    try {
      waited = await waitMessage(undefined, args.id, args.for as WaitFor, timeout);
    } catch (err) {
      if (args.json && isTimeout(err)) printJson(timedOut(args.id));
      throw err;
    }
    if (args.json) return printJson(waited);
    if (waited.reply) out(messageFull(waited.reply));
    else out(`${waited.id}: ${waited.reached}\n`);
  },
});
