#!/usr/bin/env bun
import { runCli } from "./cli/run.ts";

// exitCode, not exit(): stdout may be a pipe still taking a large --json document.
// No top-level await: it would make the whole bundle async and delay the first byte.
void runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
