/**
 * Compiles maestro into one executable, dist/maestro. Bytecode and minification shave start-up,
 * which every `maestro send` pays.
 */
import { $ } from "bun";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const out = join(root, "dist", "maestro");
mkdirSync(join(root, "dist"), { recursive: true });
const t0 = performance.now();
await $`bun build --compile --minify --format=esm --bytecode ${join(root, "src/main.ts")} --outfile ${out}`.quiet();
console.log(`built ${out} in ${Math.round(performance.now() - t0)} ms`);
