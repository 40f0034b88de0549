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
  /** The words after `--`, for a verb that takes a command there (`new NAME -- cmd args…`). */
  command: string[];
}

export interface Verb<A extends ArgsDef = ArgsDef> {
  meta: VerbMeta;
  args: A;
  /** Flags that may be given more than once; read their values with many(). */
  repeatable?: readonly (keyof A & string)[];
  /** The last positional takes every remaining word (`read ID…`, `group add NAME MEMBER…`). */
  variadic?: boolean;
  /** Words after `--` are a command, not positionals. */
  command?: boolean;
  run(ctx: VerbContext<A>): Promise<void> | void;
}

export function defineVerb<const A extends ArgsDef>(def: Verb<A>): Verb<A> {
  return def;
}

export interface ParsedVerbArgs<A extends ArgsDef> {
  args: ParsedArgs<A>;
  command: string[];
}

interface FlagSpec {
  name: string;
  boolean: boolean;
  repeatable: boolean;
}

/**
 * Parses `rawArgs` against the verb's flags in one pass: `--flag value`, `--flag=value`,
 * `-x value`, booleans bare, `--` ends flags, `-` is a positional (stdin). Unknown flags, missing
 * values, a flag given where a value was due, a non-repeatable flag given twice, surplus or
 * missing positionals and values outside an enum are usage errors (exit 2).
 */
export function parseVerbArgs<A extends ArgsDef>(verb: Verb<A>, rawArgs: string[]): ParsedVerbArgs<A> {
  const flags = new Map<string, FlagSpec>();
  const repeatable = new Set<string>(verb.repeatable ?? []);
  for (const [name, def] of Object.entries(verb.args)) {
    if (def.type === "positional") continue;
    const spec = { name, boolean: def.type === "boolean", repeatable: repeatable.has(name) };
    flags.set(name.length === 1 ? `-${name}` : `--${name}`, spec);
    for (const a of "alias" in def ? [def.alias ?? []].flat() : []) flags.set(a.length === 1 ? `-${a}` : `--${a}`, spec);
  }
  const out: Record<string, unknown> = {};
  for (const name of repeatable) out[name] = [];
  const positionals: string[] = [];
  let command: string[] = [];
  const set = (spec: FlagSpec, key: string, value: string | true) => {
    if (spec.repeatable) return void (out[spec.name] as string[]).push(value as string);
    if (out[spec.name] !== undefined && out[spec.name] !== value) throw usage(verb, `${key} given twice`);
    out[spec.name] = value;
  };
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i]!;
    if (arg === "--") {
      const rest = rawArgs.slice(i + 1);
      if (verb.command) command = rest;
      else positionals.push(...rest);
      break;
    }
    if (!arg.startsWith("-") || arg === "-" || /^-\d/.test(arg)) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const key = eq > 0 && arg.startsWith("--") ? arg.slice(0, eq) : arg;
    const spec = flags.get(key);
    if (!spec) throw usage(verb, `unknown flag ${key}`);
    if (spec.boolean) {
      if (eq > 0) throw usage(verb, `${key} takes no value`);
      set(spec, key, true);
    } else if (eq > 0) {
      set(spec, key, arg.slice(eq + 1));
    } else if (i + 1 < rawArgs.length) {
      const value = rawArgs[++i]!;
      // `--subject --meta k=v` is a forgotten value, not a subject: say so rather than guess.
      if (flags.has(value) || value === "--") throw usage(verb, `${key} needs a value before ${value} (write ${key}=${value} to mean it literally)`);
      set(spec, key, value);
    } else {
      throw usage(verb, `${key} needs a value`);
    }
  }
  out._ = positionals;
  // A loop, not filter(): every verb parses at start-up, where an array builtin's first call costs.
  const named: [string, A[keyof A]][] = [];
  for (const entry of Object.entries(verb.args)) if (entry[1].type === "positional") named.push(entry as [string, A[keyof A]]);
  for (const [index, [name, def]] of named.entries()) {
    const v = positionals[index];
    if (v === undefined && def.required !== false && def.default === undefined) throw usage(verb, `missing ${name.toUpperCase()}`);
    out[name] = v ?? def.default;
  }
  if (!verb.variadic && positionals.length > named.length) {
    const extra = positionals.slice(named.length).join(" ");
    if (verb.command) {
      throw new MaestroError("usage", `${verb.meta.name}: put the command after --, e.g. \`maestro ${verb.meta.name} ${positionals.slice(0, named.length).join(" ")} -- ${extra}\``);
    }
    throw usage(verb, `unexpected argument ${JSON.stringify(extra)}`);
  }
  for (const [name, def] of Object.entries(verb.args)) {
    if (def.type === "enum" && out[name] !== undefined && !(def.options ?? []).includes(out[name] as string)) {
      throw usage(verb, `--${name} must be one of ${(def.options ?? []).join(", ")}, not "${out[name]}"`);
    }
  }
  return { args: out as ParsedArgs<A>, command };
}

function usage(verb: { meta: VerbMeta }, msg: string): MaestroError {
  return new MaestroError("usage", `${verb.meta.name}: ${msg}; see \`maestro ${verb.meta.name} --help\``);
}

/** Every value of a flag the verb declared repeatable (`--meta a=1 --meta b=2`), in order. */
export function many(args: Record<string, unknown>, flag: string): string[] {
  const v = args[flag];
  return Array.isArray(v) ? (v as string[]) : [];
}
