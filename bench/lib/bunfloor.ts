/**
 * The floor of any Bun process (SPEC §9): a hello-world compiled with the shipped binary's flags
 * by the Bun running the bench, into the row's temp dir. Whatever `maestro send` costs above it is
 * maestro's; below it nothing built on Bun can go.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { COMPILE_FLAGS } from "../../scripts/compile-flags.ts";
import { mustRun } from "./proc.ts";
import type { Scope } from "./scope.ts";
import { tempDir } from "./tempdir.ts";

/** Builds the hello-world; returns its argv. It prints one line, as `maestro send` does. */
export async function buildBunFloor(scope: Scope): Promise<string[]> {
  const dir = tempDir(scope, "bf");
  writeFileSync(join(dir, "hello.ts"), 'console.log("hello");\n');
  const out = join(dir, "hello");
  await mustRun([process.execPath, "build", ...COMPILE_FLAGS, join(dir, "hello.ts"), "--outfile", out], { timeoutMs: 120_000 });
  return [out];
}
