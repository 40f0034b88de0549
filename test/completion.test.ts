import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { VERBS } from "../src/cli/run.ts";
import { TestHome } from "./helpers.ts";

const h = new TestHome({ env: { MAESTRO_NO_AUTOSTART: "1" } });
afterAll(() => h.cleanup());
const has = (cmd: string) => Bun.spawnSync(["sh", "-c", `command -v ${cmd}`]).exitCode === 0;

describe("completion", () => {
  test("bash: completes verbs, a verb's flags and an enum flag's values", async () => {
    const script = join(h.home, "maestro.bash");
    writeFileSync(script, await h.ok(["completion", "bash"]));
    const complete = (words: string[]) =>
      Bun.spawnSync(["bash", "-c", `source ${script}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _maestro; echo "\${COMPREPLY[*]}"`]).stdout.toString().trim();
    expect(complete(["maestro", "se"]).split(" ").sort()).toEqual(["search", "send", "service"]);
    expect(complete(["maestro", ""]).split(" ").sort()).toEqual(Object.keys(VERBS).sort());
    expect(complete(["maestro", "send", "w1", "--pri"])).toBe("--priority");
    expect(complete(["maestro", "send", "w1", "--priority", ""])).toBe("urgent high normal low");
    expect(complete(["maestro", "inbox", "--f"]).split(" ").sort()).toEqual(["--follow", "--from"]);
  });

  test.skipIf(!has("zsh"))("zsh: the script parses and names every verb (skipped where zsh is not installed)", async () => {
    const script = join(h.home, "_maestro");
    writeFileSync(script, await h.ok(["completion", "zsh"]));
    expect(Bun.spawnSync(["zsh", "-n", script]).exitCode).toBe(0);
    const text = await h.ok(["completion", "zsh"]);
    for (const verb of Object.keys(VERBS)) expect(text).toContain(`    ${verb}) _arguments`);
  });

  test.skipIf(!has("fish"))("fish: completes verbs and enum values (skipped where fish is not installed)", async () => {
    const script = join(h.home, "maestro.fish");
    writeFileSync(script, await h.ok(["completion", "fish"]));
    const out = Bun.spawnSync(["fish", "-c", `source ${script}; complete -C "maestro sen"; complete -C "maestro send w1 --priority "`]).stdout.toString();
    expect(out).toMatch(/^send\t/m);
    expect(out).toMatch(/^urgent\t/m);
  });

  test("an unknown shell is a usage error", async () => {
    const r = await h.run(["completion", "powershell"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown shell "powershell"; use bash, zsh or fish/);
  });
});
