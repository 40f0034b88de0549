import { err, out } from "../cli/io.ts";
import { withClient } from "../cli/client.ts";
import { printJson } from "../cli/output.ts";
import { defineVerb } from "../cli/verb.ts";
import { parseDuration } from "../protocol/duration.ts";
import { EXIT, MaestroError } from "../protocol/errors.ts";
import type { WaitEvent } from "../protocol/requests.ts";

export default defineVerb({
  meta: {
    name: "wait",
    description: "Block until a session is idle, exits, or shows a match on its screen — whichever comes first (exit 4 on --timeout)",
    examples: [
      "maestro wait w1 --idle 2s",
      "maestro wait build --exit --timeout 10m",
      "maestro wait w1 --match 'tests? passed' --timeout 60s",
    ],
  },
  args: {
    name: { type: "positional", required: true, description: "The session (name@host: another host's, through federation)" },
    idle: { type: "string", description: "No output for this long (500ms, 2s, 1m)" },
    exit: { type: "boolean", description: "The program exits (prints its exit code or signal)" },
    match: { type: "string", description: "A regular expression matches a line of the screen" },
    timeout: { type: "string", description: "Give up after this long: exit 4" },
    json: { type: "boolean", description: "Print the event as JSON" },
  },
  async run({ args }) {
    const idle_ms = args.idle !== undefined ? parseDuration(args.idle, "--idle") : undefined;
    const timeout_ms = args.timeout !== undefined ? parseDuration(args.timeout, "--timeout") : undefined;
    if (idle_ms === undefined && !args.exit && args.match === undefined) throw new MaestroError("usage", "wait: give --idle DUR, --exit or --match RE");
    let lost: string | undefined;
    const event = await withClient(async (client) => {
      let settle!: (e: WaitEvent | undefined) => void;
      let why: string | undefined;
      const got = new Promise<WaitEvent | undefined>((r) => (settle = r));
      const { reply } = client.openStream(
        "wait",
        { name: args.name, ...(idle_ms !== undefined ? { idle_ms } : {}), exit: Boolean(args.exit), ...(args.match !== undefined ? { match: args.match } : {}), ...(timeout_ms !== undefined ? { timeout_ms } : {}) },
        // The EVENT comes before END; an END alone (or a lost connection) means no answer.
        { event: (e) => settle(e as WaitEvent), end: (reason) => ((why = reason), settle(undefined)) },
      );
      await reply;
      return { e: await got, why };
    }).then((r) => ((lost = r.why), r.e));
    if (!event) throw new MaestroError("unavailable", lost ? lost : "wait: the daemon went away");
    if (args.json) printJson(event);
    switch (event.type) {
      case "timeout":
        throw new MaestroError("timeout", `wait: timed out after ${args.timeout}`);
      case "match":
        if (!args.json) out(`${event.line}\n`);
        return;
      case "exit":
        if (!args.json) out(event.signal ? `exited: ${event.signal}\n` : `exited: code ${event.code}\n`);
        if (!args.exit) {
          const what = args.match !== undefined ? "matching --match" : "going idle";
          err(`maestro: wait: ${args.name} exited before ${what}; give --exit to wait for the exit itself\n`);
          process.exitCode = EXIT.error;
        }
        return;
      case "idle":
        return;
    }
  },
});
