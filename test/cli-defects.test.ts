/**
 * Client-side defects from issue 9 §3: --help colour and trailing blanks, the advice for a
 * shared home, and where a TOML syntax error is.
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { VERBS } from "../src/cli/run.ts";
import { TestHome } from "./helpers.ts";
import { Tty } from "./tty.ts";

const h = new TestHome({ env: { MAESTRO_NO_AUTOSTART: "1" } });
afterAll(() => h.cleanup());

// citty leaves colour out when TEST or CI is set; clear them so the choice is ours alone.
const plainEnv = { NO_COLOR: "", FORCE_COLOR: "", TEST: "", CI: "" };

describe("--help", () => {
  test("piped: no colour and no trailing blanks, for maestro and every verb", async () => {
    const runs = [["--help"], [], ...Object.keys(VERBS).map((v) => [v, "--help"])];
    expect(runs.length).toBeGreaterThan(20);
    for (const args of runs) {
      const r = await h.run(args, { env: plainEnv });
      expect(r.code, args.join(" ")).toBe(args.length === 0 ? 2 : 0);
      expect(r.stdout, args.join(" ")).toMatch(/USAGE/);
      expect(r.stdout, args.join(" ")).not.toContain("\x1b");
      const padded = r.stdout.split("\n").filter((l) => /[ \t]$/.test(l));
      expect(padded, args.join(" ")).toEqual([]);
    }
  });

  test("FORCE_COLOR colours a pipe (still without trailing blanks); NO_COLOR wins over it", async () => {
    const forced = await h.run(["send", "--help"], { env: { ...plainEnv, FORCE_COLOR: "1" } });
    expect(forced.stdout).toContain("\x1b[");
    expect(forced.stdout.split("\n").filter((l) => /[ \t](?:\x1b\[[0-9;]*m)*$/.test(l))).toEqual([]);
    const off = await h.run(["send", "--help"], { env: { ...plainEnv, FORCE_COLOR: "1", NO_COLOR: "1" } });
    expect(off.stdout).not.toContain("\x1b");
  });

  test("on a terminal it is coloured", async () => {
    const t = new Tty(h, ["--help"], 120, 40, plainEnv);
    try {
      expect(await t.exit()).toBe(0);
      const b = t.term.buffer.active;
      let y = 0;
      while (y < b.length && !b.getLine(y)!.translateToString(true).startsWith("USAGE")) y++;
      expect(b.getLine(y)!.getCell(0)!.isBold()).toBeTruthy();
    } finally {
      t.dispose();
    }
  });
});

describe("a shared home", () => {
  test("MAESTRO_HOME=/tmp: refused with advice to choose another home, never chmod", async () => {
    const r = await h.run(["status"], { env: { MAESTRO_HOME: "/tmp" } });
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/refusing home \/tmp: .*choose a home of your own instead, e\.g\. `export MAESTRO_HOME=~\/\.maestro`/);
    expect(r.stderr).not.toMatch(/chmod/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  test("a sticky world-writable directory of yours is shared too; one only your group can write gets chmod advice", async () => {
    const base = mkdtempSync(join(tmpdir(), "mh-"));
    try {
      chmodSync(base, 0o1777);
      const sticky = await h.run(["status"], { env: { MAESTRO_HOME: base } });
      expect(sticky.code).toBe(6);
      expect(sticky.stderr).toMatch(/mode 1777 .*shared directory, so choose a home of your own/);
      chmodSync(base, 0o770);
      const group = await h.run(["status"], { env: { MAESTRO_HOME: base } });
      expect(group.code).toBe(6);
      expect(group.stderr).toMatch(/mode 0770 lets group or others write it; run chmod 700 /);
    } finally {
      chmodSync(base, 0o700);
      rmSync(base, { recursive: true, force: true });
    }
  });
});

describe("config.toml", () => {
  test("a TOML syntax error names path:line:column", async () => {
    const bad = new TestHome({ config: "[daemon]\nmax_connections = 10\nhello timeout = 5\n" });
    try {
      const r = await bad.run(["daemon"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`config ${join(bad.home, "config.toml")}:3:`);
      expect(r.stderr).toMatch(/config\.toml:3:\d+: not valid TOML: \S/);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    } finally {
      await bad.cleanup();
    }
  });
});
