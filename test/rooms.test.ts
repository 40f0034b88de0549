/**
 * The rooms of the code hold their rules by test, not by comment: who may import whom, and what a
 * client verb's start-up may load. Imports are read with Bun's own transpiler, so type-only
 * imports (erased at build) do not count where only values matter.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, test } from "vitest";

const SRC = join(import.meta.dirname, "..", "src");
const transpiler = new Bun.Transpiler({ loader: "ts" });
const code = (file: string) => readFileSync(file, "utf8").replace(/^#!.*\n/, "");
const files = (dir: string): string[] =>
  readdirSync(join(SRC, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => join(e.parentPath, e.name));
const rel = (file: string) => relative(SRC, file);

/** Every module a file loads at start-up: static value imports, followed through src/. */
function closure(entry: string): Set<string> {
  const out = new Set<string>();
  const stack = [entry];
  while (stack.length > 0) {
    const f = stack.pop()!;
    if (out.has(f)) continue;
    out.add(f);
    if (!f.startsWith("/") || !f.endsWith(".ts")) continue;
    for (const imp of transpiler.scanImports(code(f))) {
      if (imp.kind !== "import-statement") continue; // dynamic imports and lazy requires load later, on purpose
      stack.push(imp.path.startsWith(".") ? resolve(dirname(f), imp.path) : imp.path);
    }
  }
  return out;
}
const names = (set: Set<string>) => [...set].map((f) => (f.startsWith(SRC) ? rel(f) : f));

/** Every import a file writes, type-only ones included (rooms are about knowing, not loading). */
const writtenImports = (file: string) => [...code(file).matchAll(/\bfrom\s+"([^"]+)"/g)].map((m) => m[1]!);
const target = (file: string, spec: string) => (spec.startsWith(".") ? rel(resolve(dirname(file), spec)) : spec);

const HEAVY = [/^zod/, /^citty/, /^consola/, /^bun:sqlite/, /^@xterm\//, /^@modelcontextprotocol\//, /^@nats-io\//, /^playwright/, /^(broker|pty|web|mcp|federation)\//];
const SLOW_BUILTINS = [/^node:(fs|path|os|tty|child_process|crypto)$/, /^node:fs\//];
/** The verbs scripts and agents run most: their start-up is the bench's `send` row (and `new` + `rm`, its session-cycles row). */
const HOT_VERBS = ["status", "send", "new", "whoami", "inbox", "ls", "type", "peek", "rm", "reply", "ack", "kill", "wait"];

describe("rooms", () => {
  test("the handlers' import graph reaches no terminal, web, MCP or federation code (the daemon loads those lazily)", () => {
    const loaded = names(closure(join(SRC, "broker/handlers/index.ts")));
    expect(loaded.filter((f) => /^(pty|web|mcp|federation)\//.test(f) || /^@xterm\//.test(f))).toEqual([]);
  });

  test("pty/ knows nothing of broker/, web/ or the client side", () => {
    const bad = files("pty").flatMap((f) => writtenImports(f).map((s) => `${rel(f)} → ${target(f, s)}`)).filter((l) => / → (broker|web|cli|client|commands|mcp|federation)\//.test(l));
    expect(bad).toEqual([]);
  });

  test("protocol/ imports only protocol/ (both sides import it)", () => {
    const bad = files("protocol").flatMap((f) => writtenImports(f).filter((s) => s.startsWith(".")).map((s) => `${rel(f)} → ${target(f, s)}`)).filter((l) => !/ → (protocol\/|\.\.\/package\.json$)/.test(l));
    expect(bad).toEqual([]);
  });

  test("a verb never imports the daemon's rooms", () => {
    const bad = files("commands").flatMap((f) => writtenImports(f).map((s) => `${rel(f)} → ${target(f, s)}`)).filter((l) => / → (broker|pty|web|federation)\//.test(l));
    expect(bad).toEqual([]);
  });

  test("no verb's start-up loads a schema library, the help renderer, the logger, SQLite, a terminal emulator or the daemon", () => {
    for (const verb of files("commands")) {
      const loaded = names(closure(verb)).concat(names(closure(join(SRC, "main.ts"))));
      expect(loaded.filter((m) => HEAVY.some((re) => re.test(m))), rel(verb)).toEqual([]);
    }
  });

  test.each(HOT_VERBS)("%s: start-up loads no node:fs/path/os/tty/child_process and never builds process.stdout/stderr", (verb) => {
    const loaded = [...closure(join(SRC, `commands/${verb}.ts`)), ...closure(join(SRC, "main.ts"))];
    expect(names(new Set(loaded)).filter((m) => SLOW_BUILTINS.some((re) => re.test(m)))).toEqual([]);
    // Comments are gone once transpiled: only real uses count.
    const touching = loaded.filter((f) => f.endsWith(".ts") && /process\.std(out|err)\b/.test(transpiler.transformSync(code(f))));
    expect(touching.map(rel)).toEqual([]);
  });
});
