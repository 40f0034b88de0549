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
  return `${await renderUsage(await main())}\n\nRun \`maestro <command> --help\` for a command's flags and examples.\n`;
}

export async function verbHelp(verb: Verb): Promise<string> {
  const examples = verb.meta.examples.map((e) => `  $ ${e}`).join("\n");
  return `${await renderUsage(asCommand(verb), { meta: { name: "maestro" } })}\n\nExamples:\n${examples}\n`;
}
