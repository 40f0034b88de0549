import { defineVerb } from "../cli/verb.ts";

export default defineVerb({
  meta: {
    name: "attach",
    description:
      "Attach this terminal to a session: its screen restored exactly, then live. Ctrl-\\ detaches (exit 0); when the program exits, a line names its exit code (exit 0).",
    examples: ["maestro attach w1", "maestro attach w1 --read-only", "maestro attach w1 --detach-key C-a", "maestro attach w3@buildbox"],
  },
  args: {
    name: { type: "positional", required: true, description: "The session (name@host: another host's, through federation)" },
    "read-only": { type: "boolean", description: "Watch only: never type or resize" },
    "detach-key": { type: "string", description: "A control key (C-\\, C-a, ^B) or none; default from config sessions.detach_key" },
  },
  async run({ args }) {
    const { attachTerminal } = await import("../client/attach.ts");
    process.exitCode = await attachTerminal(args.name, {
      readOnly: Boolean(args["read-only"]),
      ...(args["detach-key"] !== undefined ? { detachKey: args["detach-key"] } : {}),
    });
  },
});
