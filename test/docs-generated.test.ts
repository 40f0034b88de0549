/** The generated parts of the docs match the code: the request table and the verb table (npm run docs). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { generatedDocs } from "../scripts/docs-tables.ts";

const root = join(import.meta.dirname, "..");

test("docs/protocol.md's request tables and docs/cli.md's verb reference are what the tables generate (run `npm run docs`)", async () => {
  for (const [path, want] of Object.entries(await generatedDocs(root))) {
    expect(readFileSync(join(root, path), "utf8"), `${path} is stale: run npm run docs`).toBe(want);
  }
});
