import { err, out } from "../cli/io.ts";
import { ask } from "../cli/client.ts";
import { printJson } from "../cli/output.ts";
import { defineVerb } from "../cli/verb.ts";
import { EXIT } from "../protocol/errors.ts";

export default defineVerb({
  meta: {
    name: "kill",
    description: "Signal a session's program (default SIGHUP, a hang-up) and wait up to 3 s for it to exit. The session stays, as exited, until rm.",
    examples: ["maestro kill w1", "maestro kill w1 --signal KILL", "maestro kill w1 && maestro rm w1"],
  },
  args: {
    name: { type: "positional", required: true, description: "The session" },
    signal: { type: "string", description: "A signal name or number: HUP, TERM, INT, KILL, …" },
    json: { type: "boolean", description: 'Print {"name", "signal", "exited"}' },
  },
  async run({ args }) {
    const r = await ask("kill", { name: args.name, ...(args.signal !== undefined ? { signal: args.signal } : {}) });
    if (args.json) printJson(r);
    else if (r.exited) out(`${r.name}: ${r.signal} sent; it exited\n`);
    // Still running: a failure, so `kill && rm` never half-works.
    if (!r.exited) {
      err(`maestro: kill: ${r.name}: ${r.signal} sent; still running after 3 s (try --signal KILL)\n`);
      process.exitCode = EXIT.error;
    }
  },
});
