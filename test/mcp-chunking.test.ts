/**
 * The MCP SDK is loaded by `maestro mcp` alone: in the build's chunk graph (the same splitting
 * scripts/build.ts compiles), nothing the entry or another verb imports statically reaches it.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";

const root = join(import.meta.dirname, "..");
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "mt-chunks-"));
  const build = Bun.spawn([process.execPath, "build", "--minify", "--format=esm", "--splitting", "--target=bun", join(root, "src/main.ts"), "--outdir", dir], {
    stdout: "ignore",
    stderr: "pipe",
    env: { ...process.env, BUN_BE_BUN: "1" },
  });
  expect(await build.exited, await new Response(build.stderr).text()).toBe(0);
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Chunks a file imports statically (import/export … from "./x.js"), transitively; import("./x.js") is not followed. */
function closure(file: string, dynamic = false): Set<string> {
  const seen = new Set<string>();
  const todo = [file];
  while (todo.length > 0) {
    const f = todo.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    const text = readFileSync(join(dir, f), "utf8");
    for (const m of text.matchAll(/(?:import|export)\s*(?:[^;()"'`]*?from\s*)?["']\.\/([\w.-]+\.js)["']/g)) todo.push(m[1]!);
    if (dynamic) for (const m of text.matchAll(/import\(["']\.\/([\w.-]+\.js)["']\)/g)) todo.push(m[1]!);
  }
  return seen;
}

const holding = (marker: string) => readdirSync(dir).filter((f) => f.endsWith(".js") && readFileSync(join(dir, f), "utf8").includes(marker));

test("no verb but mcp reaches the SDK's chunk without a dynamic import", () => {
  const sdk = holding("Schema is missing a method literal"); // the SDK's Server (server/index.js)
  expect(sdk.length).toBeGreaterThan(0);
  const entry = readdirSync(dir).find((f) => f.startsWith("main") && f.endsWith(".js"))!;
  const send = holding("Send a durable message to an identity, @group or *")[0]!;
  const mcpVerb = holding("Run a Model Context Protocol server")[0]!;
  for (const start of [entry, send, mcpVerb]) {
    const reached = closure(start);
    for (const f of sdk) expect(reached.has(f), `${start} statically reaches ${f}`).toBe(false);
  }
  expect(closure(send).size).toBeGreaterThan(1); // the walk does follow static imports
  // …and the mcp verb does reach it, through its dynamic import.
  const viaImport = closure(mcpVerb, true);
  for (const f of sdk) expect(viaImport.has(f)).toBe(true);
});
