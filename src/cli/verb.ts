/**
 * A verb is a citty command plus the examples its `--help` shows. Flags are checked strictly
 * (citty accepts anything): an unknown flag or a missing value is a usage error, exit 2.
 */
import type { ArgsDef, CommandContext, CommandDef, CommandMeta } from "citty";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { MaestroError } from "../protocol/errors.ts";

export interface VerbMeta extends CommandMeta {
  name: string;
  description: string;
  /** Real invocations, shown under "Examples" in --help. */
  examples: string[];
}

export interface Verb<A extends ArgsDef = ArgsDef> extends CommandDef<A> {
  meta: VerbMeta;
  args: A;
}

export function defineVerb<const A extends ArgsDef>(def: {
  meta: VerbMeta;
  args: A;
  run(ctx: CommandContext<A>): Promise<void> | void;
}): Verb<A> {
  return def;
}

/** Throws a usage error unless every flag in `rawArgs` is one the verb declares. */
export function checkFlags(verb: Verb, rawArgs: string[]): void {
  const options: NonNullable<ParseArgsConfig["options"]> = {};
  for (const [name, def] of Object.entries(verb.args)) {
    if (def.type === "positional") continue;
    const aliases = "alias" in def ? [def.alias ?? []].flat() : [];
    const short = aliases.find((a) => a.length === 1);
    options[name] = { type: def.type === "boolean" ? "boolean" : "string", ...(short ? { short } : {}) };
  }
  options.help = { type: "boolean", short: "h" };
  try {
    parseArgs({ args: rawArgs, options, strict: true, allowPositionals: true });
  } catch (err) {
    const msg = (err as Error).message.split("\n")[0]!.replace(/\.$/, "");
    throw new MaestroError("usage", `${verb.meta.name}: ${msg}; see \`maestro ${verb.meta.name} --help\``);
  }
}
