/**
 * A verb: its flags (citty's ArgsDef shape, so citty renders --help), the examples its help
 * shows, and its run function. Parsing is ours and strict — citty accepts any flag — and keeps
 * citty itself off the start-up path of every verb (it is loaded only to print help).
 */
import type { ArgsDef, CommandMeta, ParsedArgs } from "citty";
import { MaestroError } from "../protocol/errors.ts";

export interface VerbMeta extends CommandMeta {
  name: string;
  description: string;
  /** Real invocations, shown under "Examples" in --help. */
  examples: string[];
}

export interface VerbContext<A extends ArgsDef> {
  args: ParsedArgs<A>;
  rawArgs: string[];
}

export interface Verb<A extends ArgsDef = ArgsDef> {
  meta: VerbMeta;
  args: A;
  run(ctx: VerbContext<A>): Promise<void> | void;
}

export function defineVerb<const A extends ArgsDef>(def: Verb<A>): Verb<A> {
  return def;
}

/**
 * Parses `rawArgs` against the verb's flags: `--flag value`, `--flag=value`, `-x value`, booleans
 * bare, `--` ends flags, `-` is a positional (stdin). Unknown flags, missing values, missing
 * required positionals and values outside an enum are usage errors (exit 2).
 */
export function parseVerbArgs<A extends ArgsDef>(verb: Verb<A>, rawArgs: string[]): ParsedArgs<A> {
  const flags = new Map<string, { name: string; boolean: boolean }>();
  for (const [name, def] of Object.entries(verb.args)) {
    if (def.type === "positional") continue;
    const spec = { name, boolean: def.type === "boolean" };
    flags.set(name.length === 1 ? `-${name}` : `--${name}`, spec);
    for (const a of "alias" in def ? [def.alias ?? []].flat() : []) flags.set(a.length === 1 ? `-${a}` : `--${a}`, spec);
  }
  const out: Record<string, unknown> = {};
  const positionals: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i]!;
    if (arg === "--") {
      positionals.push(...rawArgs.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const key = eq > 0 && arg.startsWith("--") ? arg.slice(0, eq) : arg;
    const spec = flags.get(key);
    if (!spec) throw usage(verb, `unknown flag ${key}`);
    if (spec.boolean) {
      if (eq > 0) throw usage(verb, `${key} takes no value`);
      out[spec.name] = true;
    } else if (eq > 0) {
      out[spec.name] = arg.slice(eq + 1);
    } else if (i + 1 < rawArgs.length) {
      // Repeated flags: the last wins here; repeatable ones are read whole with repeated().
      out[spec.name] = rawArgs[++i];
    } else {
      throw usage(verb, `${key} needs a value`);
    }
  }
  out._ = positionals;
  const queue = [...positionals];
  for (const [name, def] of Object.entries(verb.args)) {
    if (def.type === "positional") {
      const v = queue.shift();
      if (v === undefined && def.required !== false && def.default === undefined) throw usage(verb, `missing ${name.toUpperCase()}`);
      out[name] = v ?? def.default;
    } else if (def.type === "enum" && out[name] !== undefined && !(def.options ?? []).includes(out[name] as string)) {
      throw usage(verb, `--${name} must be one of ${(def.options ?? []).join(", ")}, not "${out[name]}"`);
    }
  }
  return out as ParsedArgs<A>;
}

function usage(verb: { meta: VerbMeta }, msg: string): MaestroError {
  return new MaestroError("usage", `${verb.meta.name}: ${msg}; see \`maestro ${verb.meta.name} --help\``);
}

/** Every value of a repeatable flag (`--meta a=1 --meta b=2`). */
export function repeated(rawArgs: string[], flag: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const a = rawArgs[i]!;
    if (a === "--") break;
    if (a === `--${flag}` && i + 1 < rawArgs.length) out.push(rawArgs[++i]!);
    else if (a.startsWith(`--${flag}=`)) out.push(a.slice(flag.length + 3));
  }
  return out;
}
