/**
 * The `bun build` flags of the shipped binary, shared by scripts/build.ts and the bench's
 * compiled-Bun hello-world (bench/lib/bunfloor.ts): the floor is only a floor if it is built the
 * same way.
 */
export const COMPILE_FLAGS = ["--compile", "--minify", "--format=esm", "--bytecode", "--splitting"] as const;
