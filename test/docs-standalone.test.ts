/** README and docs/*.md stand on their own in a clone, and the README's messaging snippet works pasted in order. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";

const root = join(import.meta.dirname, "..");
const docs = ["README.md", ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];

describe("docs stand on their own", () => {
  test.each(docs)("%s cites no SPEC and links nothing outside the repository", (file) => {
    const text = readFileSync(join(root, file), "utf8");
    expect(text).not.toMatch(/SPEC(\.md| §)/);
    expect(text).not.toMatch(/\.\.\/shared\//);
  });

  test("the README's messaging snippet never makes the user's own shell the agent", () => {
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const snippet = readme.slice(readme.indexOf("Messaging between agents"), readme.indexOf("Operations:"));
    expect(snippet).not.toMatch(/eval "\$\(maestro register/);
    // As docs/agents.md does: the env goes to a file that only the agent's shell sources.
    const file = /maestro register reviewer --shell > (\S+)/.exec(snippet)?.[1];
    expect(file).toBeDefined();
    expect(snippet).toContain(`. ${file}`);
    expect(snippet.indexOf("maestro send reviewer")).toBeLessThan(snippet.indexOf(`. ${file}`));
  });
});
