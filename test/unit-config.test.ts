/**
 * config.toml loading, in process on real files: defaults, overrides, every kind of bad value,
 * unknown keys, and the TOML syntax error's path:line:column.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { DEFAULT_CONFIG, loadConfig } from "../src/broker/config.ts";
import { MaestroError } from "../src/protocol/errors.ts";

const dir = mkdtempSync(join(tmpdir(), "maestro-unit-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function file(text: string): string {
  const path = join(dir, `config-${n++}.toml`);
  writeFileSync(path, text);
  return path;
}

/** The one-line usage error loading `text` gives (its path written as FILE). */
function refusal(text: string): string {
  const path = file(text);
  try {
    loadConfig(path);
  } catch (err) {
    expect(err).toBeInstanceOf(MaestroError);
    expect((err as MaestroError).code).toBe("usage");
    const msg = (err as Error).message;
    expect(msg).not.toContain("\n");
    return msg.replaceAll(path, "FILE");
  }
  throw new Error(`config was accepted: ${text}`);
}

describe("defaults", () => {
  test("no file: every default, as a copy the caller may change", () => {
    const config = loadConfig(join(dir, "absent.toml"));
    expect(config).toEqual(DEFAULT_CONFIG);
    config.inject.hold_for.push("x");
    config.messages.max_deliver = 99;
    expect(loadConfig(join(dir, "absent.toml"))).toEqual(DEFAULT_CONFIG);
    expect(DEFAULT_CONFIG.inject.hold_for).not.toContain("x");
  });

  test("an empty file or only comments: every default", () => {
    expect(loadConfig(file(""))).toEqual(DEFAULT_CONFIG);
    expect(loadConfig(file("# nothing here\n\n"))).toEqual(DEFAULT_CONFIG);
  });

  test("a key set overrides only itself; a list replaces the default list whole", () => {
    const config = loadConfig(
      file(`
[messages]
ack_wait_ms = 250
[limits]
rate_limit_operator = true
[sessions]
detach_key = "C-a"
[inject]
hold_for = ["vim"]
[[policy]]
action = "deny"
from = "worker-*"
to = "operator"
`),
    );
    expect(config.messages).toEqual({ ...DEFAULT_CONFIG.messages, ack_wait_ms: 250 });
    expect(config.limits).toEqual({ ...DEFAULT_CONFIG.limits, rate_limit_operator: true });
    expect(config.sessions.detach_key).toBe("C-a");
    expect(config.inject).toEqual({ ...DEFAULT_CONFIG.inject, hold_for: ["vim"] });
    expect(config.policy).toEqual([{ action: "deny", from: "worker-*", to: "operator" }]);
    expect(config.daemon).toEqual(DEFAULT_CONFIG.daemon);
  });

  test("zero is a valid number (a limit turned off), and so is an empty hold_for", () => {
    const config = loadConfig(file("[limits]\nsends_per_second = 0\n[inject]\nhold_for = []\n"));
    expect(config.limits.sends_per_second).toBe(0);
    expect(config.inject.hold_for).toEqual([]);
  });
});

describe("refused", () => {
  test("unknown keys, at the top, in a table, and in a policy rule, are named in full", () => {
    expect(refusal("colour = 1\n")).toBe(`config FILE: unknown key "colour"`);
    expect(refusal("[messages]\nack_wait = 5\n")).toBe(`config FILE: unknown key "messages.ack_wait"`);
    expect(refusal("[nope]\nx = 1\n")).toBe(`config FILE: unknown key "nope"`);
    expect(refusal(`[[policy]]\naction = "deny"\nfrom = "a"\nto = "b"\nwhy = "c"\n`)).toBe(`config FILE: policy rule 1: unknown key "why"`);
  });

  test("every wrong value type", () => {
    // a number given a string, a negative number, infinity, a boolean
    expect(refusal(`[messages]\nmax_deliver = "5"\n`)).toBe(`config FILE: "messages.max_deliver" must be a non-negative number`);
    expect(refusal("[messages]\nmax_deliver = -1\n")).toBe(`config FILE: "messages.max_deliver" must be a non-negative number`);
    expect(refusal("[messages]\nsweep_ms = inf\n")).toBe(`config FILE: "messages.sweep_ms" must be a non-negative number`);
    expect(refusal("[messages]\nsweep_ms = nan\n")).toBe(`config FILE: "messages.sweep_ms" must be a non-negative number`);
    expect(refusal("[daemon]\nmax_connections = true\n")).toBe(`config FILE: "daemon.max_connections" must be a non-negative number`);
    // a boolean given a number or a string
    expect(refusal("[limits]\nrate_limit_operator = 1\n")).toBe(`config FILE: "limits.rate_limit_operator" must be a boolean`);
    expect(refusal(`[limits]\nrate_limit_operator = "yes"\n`)).toBe(`config FILE: "limits.rate_limit_operator" must be a boolean`);
    // a string given a number or a table
    expect(refusal("[sessions]\ndetach_key = 3\n")).toBe(`config FILE: "sessions.detach_key" must be a string`);
    expect(refusal("[sessions.detach_key]\nx = 1\n")).toBe(`config FILE: "sessions.detach_key" must be a string`);
    // a table given a value or a list
    expect(refusal("messages = 5\n")).toBe(`config FILE: "messages" must be a table`);
    expect(refusal("messages = [1]\n")).toBe(`config FILE: "messages" must be a table`);
    // a list of program names given a string, numbers, or a name with a slash or a space
    const names = `config FILE: "inject.hold_for" must be a list of program names, e.g. ["bash", "vim"]`;
    expect(refusal(`[inject]\nhold_for = "vim"\n`)).toBe(names);
    expect(refusal("[inject]\nhold_for = [1]\n")).toBe(names);
    expect(refusal(`[inject]\nhold_for = ["/usr/bin/vim"]\n`)).toBe(names);
    expect(refusal(`[inject]\nhold_for = ["my vim"]\n`)).toBe(names);
    // policy: not an array of tables, a bad action, a missing glob
    expect(refusal(`policy = "deny"\n`)).toBe(`config FILE: "policy" must be an array of tables ([[policy]])`);
    expect(refusal(`[[policy]]\naction = "maybe"\nfrom = "a"\nto = "b"\n`)).toBe(`config FILE: policy rule 1: action must be "allow" or "deny"`);
    expect(refusal(`[[policy]]\naction = "allow"\nfrom = "a"\n`)).toBe(`config FILE: policy rule 1: "to" must be a glob such as "worker-*"`);
  });

  test("values each fine alone but wrong for what they configure", () => {
    expect(refusal("[sessions]\nring_bytes = 100\n")).toBe(`config FILE: "sessions.ring_bytes" must be an integer of at least 4096`);
    expect(refusal("[sessions]\nring_bytes = 5000.5\n")).toBe(`config FILE: "sessions.ring_bytes" must be an integer of at least 4096`);
    expect(refusal("[sessions]\nscrollback_lines = 1.5\n")).toBe(`config FILE: "sessions.scrollback_lines" must be an integer`);
    expect(refusal("[sessions]\nattach_history_lines = 0.1\n")).toBe(`config FILE: "sessions.attach_history_lines" must be an integer`);
    expect(refusal("[limits]\nmax_connections_per_identity = 2.5\n")).toBe(`config FILE: "limits.max_connections_per_identity" must be an integer`);
    expect(refusal("[daemon]\nmax_connections = 0\n")).toBe(`config FILE: "daemon.max_connections" must be an integer of at least 1`);
    expect(refusal("[sessions]\nlow_water_bytes = 2000000\n")).toBe(`config FILE: "sessions.low_water_bytes" must be below "sessions.high_water_bytes"`);
    expect(refusal("[daemon]\nmax_outbox_bytes = 1000000\n[web]\nwindow_bytes = 4096\n")).toBe(`config FILE: "sessions.high_water_bytes" must be at most half of "daemon.max_outbox_bytes"`);
    expect(refusal(`[sessions]\ndetach_key = "banana"\n`)).toMatch(/^config FILE: "sessions\.detach_key": /);
    expect(refusal(`[metrics]\nlisten = "0.0.0.0:9464"\ntoken = "0123456789abcdef"\n`)).toBe(`metrics.listen "0.0.0.0:9464" must be a loopback address with a port, e.g. "127.0.0.1:9464"`);
    expect(refusal(`[metrics]\nlisten = "127.0.0.1:9464"\n`)).toBe("metrics.token must be set (16 characters or more) when metrics.listen is");
  });

  test("a TOML syntax error names the file, line and column, as compilers do", () => {
    // 1-based: the column of the second "=", of the stray "3"
    expect(refusal("[messages]\nack_wait_ms = 5\nmax_deliver = = 3\n")).toBe("config FILE:3:15: not valid TOML: invalid value");
    expect(refusal("x = 1\ny = 2 3\n")).toBe("config FILE:2:7: not valid TOML: each key-value declaration must be followed by an end-of-line");
    expect(refusal("[daemon]\n  max_connections 10\n")).toMatch(/^config FILE:2:\d+: not valid TOML: /);
    expect(refusal('[sessions]\ndetach_key = "unterminated\n')).toMatch(/^config FILE:2:\d+: not valid TOML: /);
    expect(refusal("[messages]\n[messages]\n")).toMatch(/^config FILE:2:\d+: not valid TOML: /);
  });

  test("a config that cannot be read (a directory) is an error naming it", () => {
    const path = join(dir, "a-directory.toml");
    mkdirSync(path);
    expect(() => loadConfig(path)).toThrow(expect.objectContaining({ code: "internal", message: expect.stringContaining(`cannot read config ${path}: `) }));
  });
});
