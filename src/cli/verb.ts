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
  /** String flags that may be given more than once; read their values with `repeated()`. */
  repeatable?: string[];
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

/** What flag parsing needs of a verb. */
export interface VerbSpec {
  meta: VerbMeta;
  args: ArgsDef;
}

/** Throws a usage error unless every flag in `rawArgs` is one the verb declares. */
export function checkFlags(verb: Verb, rawArgs: string[]): void {
  strictParse(verb, rawArgs);
}

/**
 * Every value of a repeatable string flag, in order (citty keeps only the last). The verb must
 * list `flag` in `meta.repeatable`.
 */
export function repeated(verb: VerbSpec, rawArgs: string[], flag: string): string[] {
  const v = strictParse(verb, rawArgs)[flag];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : typeof v === "string" ? [v] : [];
}

/** The words after a `--`, or [] if there is none. */
export function afterDashes(rawArgs: string[]): string[] {
  const i = rawArgs.indexOf("--");
  return i === -1 ? [] : rawArgs.slice(i + 1);
}

function strictParse(verb: VerbSpec, rawArgs: string[]): Record<string, string | boolean | (string | boolean)[] | undefined> {
  const options: NonNullable<ParseArgsConfig["options"]> = {};
  const multi = new Set(verb.meta.repeatable ?? []);
  for (const [name, def] of Object.entries(verb.args)) {
    if (def.type === "positional") continue;
    const aliases = "alias" in def ? [def.alias ?? []].flat() : [];
    const short = aliases.find((a) => a.length === 1);
    options[name] = {
      type: def.type === "boolean" ? "boolean" : "string",
      ...(short ? { short } : {}),
      ...(multi.has(name) ? { multiple: true } : {}),
    };
  }
  options.help = { type: "boolean", short: "h" };
  try {
    return parseArgs({ args: rawArgs, options, strict: true, allowPositionals: true }).values;
  } catch (err) {
    const msg = (err as Error).message.split("\n")[0]!.replace(/\.$/, "");
    throw new MaestroError("usage", `${verb.meta.name}: ${msg}; see \`maestro ${verb.meta.name} --help\``);
  }
}
