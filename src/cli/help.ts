/** --help, rendered by citty from each verb's flag table, plus the verb's examples. */
import { renderUsage, type CommandDef } from "citty";
import { VERSION } from "../protocol/version.ts";
import { VERBS } from "./run.ts";
import type { Verb } from "./verb.ts";

/** citty renders help from the flag table alone; it never runs a verb. */
const asCommand = (verb: Verb): CommandDef => ({ meta: verb.meta, args: verb.args });

const main = async (): Promise<CommandDef> => {
  const subCommands: Record<string, CommandDef> = {};
  for (const [name, load] of Object.entries(VERBS)) subCommands[name] = asCommand(await load());
  return {
    meta: { name: "maestro", version: VERSION, description: "A terminal-session and message broker for people and AI agents" },
    subCommands,
  };
};

export async function mainHelp(): Promise<string> {
  const examples = [
    "maestro new w1 --notify inject -- claude   # an agent in a session the daemon owns",
    "maestro attach w1                          # its screen, restored; Ctrl-\\ detaches",
    "maestro send w1 'run the tests' --wait reply --timeout 30m",
    "maestro inbox --unread --json              # as an agent: what is waiting for me",
  ];
  // citty ends with its own "Use maestro <command> --help" line; the examples go before it.
  const usage = (await renderUsage(await main())).replace(/\n+(Use .*--help.*)$/s, (_, hint) => `\n\nExamples:\n${examples.map((e) => `  $ ${e}`).join("\n")}\n\n${hint}`);
  return tidy(`${usage}\n`);
}

export async function verbHelp(verb: Verb): Promise<string> {
  const examples = verb.meta.examples.map((e) => `  $ ${e}`).join("\n");
  return tidy(`${await renderUsage(asCommand(verb), { meta: { name: "maestro" } })}\n\nExamples:\n${examples}\n`);
}

/** Trailing blanks, possibly mixed with colour codes (citty pads every row to the widest). */
const TRAILING = /(?:[ \t]|\x1b\[[0-9;]*m)+$/gm;

/**
 * citty colours unless NO_COLOR=1, even into a pipe or a file, and pads rows with spaces: colour
 * only for a terminal (NO_COLOR set: never; FORCE_COLOR set and not 0: always), no trailing blanks.
 */
function tidy(text: string): string {
  const plain = colour() ? text : Bun.stripANSI(text);
  return plain.replace(TRAILING, (tail) => tail.replace(/[ \t]/g, ""));
}

function colour(): boolean {
  const env = process.env;
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "") return env.FORCE_COLOR !== "0" && env.FORCE_COLOR !== "false";
  return process.stdout.isTTY === true && env.TERM !== "dumb";
}
