import { out } from "../cli/io.ts";
import { ask } from "../cli/client.ts";
import { defineVerb } from "../cli/verb.ts";
import { MaestroError } from "../protocol/errors.ts";

export default defineVerb({
  meta: {
    name: "peek",
    description: "Print a session's screen without attaching (plain text unless --ansi)",
    examples: ["maestro peek w1", "maestro peek w1 --lines 200 | grep -n error", "maestro peek w1 --ansi"],
  },
  args: {
    name: { type: "positional", required: true, description: "The session" },
    lines: { type: "string", description: "Also print this many lines of history above the screen" },
    ansi: { type: "boolean", description: "Keep colours and attributes (SGR sequences)" },
  },
  async run({ args }) {
    let lines: number | undefined;
    if (args.lines !== undefined) {
      lines = Number(args.lines);
      if (!Number.isInteger(lines) || lines < 0) throw new MaestroError("usage", `peek: --lines must be a whole number, not "${args.lines}"`);
    }
    const r = await ask("peek", { name: args.name, ...(lines !== undefined ? { lines } : {}), ansi: Boolean(args.ansi) });
    if (r.text !== "") out(`${r.text}\n`);
  },
});
