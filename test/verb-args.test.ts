/** The CLI's flag parser on its own: every shape of argv it accepts and every one it refuses (exit 2). */
import { describe, expect, test } from "vitest";
import type { ArgsDef } from "citty";
import { defineVerb, many, parseVerbArgs, type Verb } from "../src/cli/verb.ts";
import { MaestroError } from "../src/protocol/errors.ts";

const send = defineVerb({
  meta: { name: "send", description: "", examples: [] },
  args: {
    to: { type: "positional", required: true },
    body: { type: "positional", required: false },
    subject: { type: "string" },
    meta: { type: "string" },
    priority: { type: "enum", options: ["high", "low"] },
    ack: { type: "boolean" },
    limit: { type: "string", alias: "n" },
  },
  repeatable: ["meta"],
  run() {},
});

const read = defineVerb({
  meta: { name: "read", description: "", examples: [] },
  args: { ids: { type: "positional", required: true }, json: { type: "boolean" } },
  variadic: true,
  run() {},
});

const create = defineVerb({
  meta: { name: "new", description: "", examples: [] },
  args: { name: { type: "positional", required: true }, env: { type: "string" } },
  repeatable: ["env"],
  command: true,
  run() {},
});

function refused<A extends ArgsDef>(verb: Verb<A>, argv: string[]): string {
  try {
    parseVerbArgs(verb, argv);
  } catch (e) {
    expect(e).toBeInstanceOf(MaestroError);
    expect((e as MaestroError).code).toBe("usage");
    return (e as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(argv)}`);
}

describe("accepted", () => {
  test("positionals, --flag value, --flag=value, short alias, booleans", () => {
    const { args } = parseVerbArgs(send, ["w1", "hi", "--subject", "s", "--priority=high", "-n", "5", "--ack"]);
    expect(args.to).toBe("w1");
    expect(args.body).toBe("hi");
    expect(args.subject).toBe("s");
    expect(args.priority).toBe("high");
    expect(args.limit).toBe("5");
    expect(args.ack).toBe(true);
  });
  test("flags before positionals; - is a positional (stdin); a negative number is a value", () => {
    const { args } = parseVerbArgs(send, ["--subject", "-5", "w1", "-"]);
    expect(args.subject).toBe("-5");
    expect(args.body).toBe("-");
  });
  test("repeatable flags keep every value in order, in one pass with the rest", () => {
    const { args } = parseVerbArgs(send, ["w1", "--meta", "a=1", "--subject=x", "--meta=b=2"]);
    expect(many(args, "meta")).toEqual(["a=1", "b=2"]);
    expect(many(parseVerbArgs(send, ["w1"]).args, "meta")).toEqual([]);
  });
  test("-- ends flags: the rest are positionals", () => {
    const { args } = parseVerbArgs(send, ["w1", "--", "--ack"]);
    expect(args.body).toBe("--ack");
    expect(args.ack).toBeUndefined();
  });
  test("a verb that takes a command gets the words after -- apart", () => {
    const { args, command } = parseVerbArgs(create, ["w1", "--env", "A=1", "--", "bash", "--norc", "-i"]);
    expect(args.name).toBe("w1");
    expect(many(args, "env")).toEqual(["A=1"]);
    expect(command).toEqual(["bash", "--norc", "-i"]);
  });
  test("a variadic verb takes every positional", () => {
    const { args } = parseVerbArgs(read, ["a", "b", "c", "--json"]);
    expect(args._).toEqual(["a", "b", "c"]);
    expect(args.ids).toBe("a");
  });
  test("the same boolean twice is harmless", () => {
    expect(parseVerbArgs(send, ["w1", "--ack", "--ack"]).args.ack).toBe(true);
  });
});

describe("refused, exit 2", () => {
  test("a flag where a value was due: `--subject --meta k=v` stores neither", () => {
    expect(refused(send, ["operator", "hi", "--subject", "--meta", "k=v"])).toMatch(/--subject needs a value before --meta/);
  });
  test("surplus positionals", () => {
    expect(refused(send, ["w1", "hi", "extra"])).toMatch(/unexpected argument "extra"/);
    const whoami = defineVerb({ meta: { name: "whoami", description: "", examples: [] }, args: { json: { type: "boolean" } }, run() {} });
    expect(refused(whoami, ["extra", "junk"])).toMatch(/unexpected argument "extra junk"/);
    expect(refused(create, ["w1", "bash"])).toMatch(/put the command after --, e.g. `maestro new w1 -- bash`/);
  });
  test("unknown flag, missing value, missing positional, value on a boolean, enum out of range", () => {
    expect(refused(send, ["w1", "--nope"])).toMatch(/unknown flag --nope/);
    expect(refused(send, ["w1", "--subject"])).toMatch(/--subject needs a value/);
    expect(refused(send, [])).toMatch(/missing TO/);
    expect(refused(send, ["w1", "--ack=yes"])).toMatch(/--ack takes no value/);
    expect(refused(send, ["w1", "--priority", "urgent!"])).toMatch(/--priority must be one of high, low/);
  });
  test("a single-valued flag given twice with different values", () => {
    expect(refused(send, ["w1", "--subject", "a", "--subject", "b"])).toMatch(/--subject given twice/);
  });
  test("every message names the verb and its --help", () => {
    expect(refused(read, ["--x"])).toMatch(/^read: .*see `maestro read --help`$/);
  });
});
