import { afterAll, describe, expect, test } from "vitest";
import { VERBS } from "../src/cli/run.ts";
import { TestHome } from "./helpers.ts";

const h = new TestHome({ env: { MAESTRO_NO_AUTOSTART: "1" } });
afterAll(() => h.cleanup());

describe("the command line", () => {
  test("--version prints the version", async () => {
    const pkg = await Bun.file(new URL("../package.json", import.meta.url)).json();
    expect((await h.ok(["--version"])).trim()).toBe(pkg.version);
  });

  test("--help lists every verb", async () => {
    const out = await h.ok(["--help"]);
    for (const verb of Object.keys(VERBS)) expect(out).toContain(verb);
  });

  test.each(Object.keys(VERBS))("%s --help shows usage and a real example", async (verb) => {
    const out = await h.ok([verb, "--help"]);
    expect(out).toMatch(/USAGE/);
    expect(out).toMatch(new RegExp(`Examples:\\n  \\$ maestro ${verb}`));
  });

  test("an unknown verb is a usage error (exit 2), one line", async () => {
    const r = await h.run(["frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('maestro: unknown command "frobnicate"; see `maestro --help`\n');
  });

  test("an unknown flag is a usage error (exit 2), one line, nothing started", async () => {
    for (const args of [["status", "--bogus"], ["daemon", "status", "-x"], ["--bogus"]]) {
      const r = await h.run(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
      expect(r.stderr).toMatch(/unknown|Unknown/);
    }
    expect(h.daemonPid()).toBeUndefined();
  });

  test("an unknown daemon action is a usage error", async () => {
    const r = await h.run(["daemon", "explode"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown action "explode"; expected start, stop, restart or status/);
  });

  test("surplus words and a flag where a value was due are usage errors (exit 2), nothing started", async () => {
    for (const [args, msg] of [
      [["whoami", "extra", "junk"], /whoami: unexpected argument "extra junk"/],
      [["send", "operator", "hi", "--subject", "--meta", "k=v"], /send: --subject needs a value before --meta/],
      [["status", "now"], /status: unexpected argument "now"/],
    ] as const) {
      const r = await h.run([...args]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
    expect(h.daemonPid()).toBeUndefined();
  });

  test("no arguments prints usage and exits 2", async () => {
    const r = await h.run([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/USAGE/);
  });
});
