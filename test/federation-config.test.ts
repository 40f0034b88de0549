/**
 * `[federation]` in config.toml: off unless `nats` is set; host names, credentials and TLS files
 * checked at start-up with the key named. And a daemon without federation refuses name@host.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { defaultHost, loadConfig } from "../src/broker/config.ts";
import { TestHome } from "./helpers.ts";
import { expectFailure } from "./msg-helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "maestro-fed-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const load = (text: string) => {
  const path = join(dir, `c-${n++}.toml`);
  writeFileSync(path, text);
  return loadConfig(path);
};
const refused = (text: string): string => {
  try {
    load(text);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("accepted");
};

describe("[federation] config", () => {
  test("off by default; host defaults to the hostname", () => {
    expect(load("").federation.nats).toBe("");
    const c = load(`[federation]\nnats = "nats://127.0.0.1:4222"`);
    expect(c.federation.host).toBe(defaultHost());
    expect(c.federation.host).toMatch(/^[a-z0-9][a-z0-9_-]*$/);
  });

  test("credentials and addresses are checked, naming the key", () => {
    expect(refused(`[federation]\nhost = "x"`)).toMatch(/"federation.host" is set but "federation.nats" is not/);
    expect(refused(`[federation]\nnats = "http://x:1"`)).toMatch(/not a NATS address/);
    expect(refused(`[federation]\nnats = "nats://x:1"\nhost = "Bad.Host"`)).toMatch(/"federation.host": "Bad.Host" must be/);
    expect(refused(`[federation]\nnats = "nats://x:1"\nuser = "u"`)).toMatch(/"federation.user" and "federation.password" go together/);
    expect(refused(`[federation]\nnats = "nats://x:1"\ntoken = "t"\nuser = "u"\npassword = "p"`)).toMatch(/one way to authenticate/);
    expect(refused(`[federation]\nnats = "nats://x:1"\ncreds = "/nonexistent/x.creds"`)).toMatch(/"federation.creds": cannot read \/nonexistent\/x.creds: ENOENT/);
    expect(refused(`[federation]\nnats = "nats://x:1"\ntls_cert = "/etc/hostname"`)).toMatch(/tls_cert" and "federation.tls_key" go together/);
    expect(refused(`[federation]\nnats = "nats://x:1"\nremote_control = ["Lap.top"]`)).toMatch(/"federation.remote_control": "Lap.top" is not a host name/);
    expect(refused(`[federation]\nnats = "nats://x:1"\nbogus = 1`)).toMatch(/unknown key "federation.bogus"/);
    expect(refused(`[federation]\nnats = "nats://x:1"\nlink_timeout_ms = 10`)).toMatch(/"federation.link_timeout_ms" must be an integer from 1000 to 3600000/);
    expect(refused(`[federation]\nnats = "nats://x:1"\nlink_timeout_ms = "5s"`)).toMatch(/link_timeout_ms/);
    expect(load(`[federation]\nnats = "nats://x:1"\nlink_timeout_ms = 4000`).federation.link_timeout_ms).toBe(4000);
    expect(load(`[federation]\nnats = "nats://a:1, tls://b:2"\nhost = "build-box_1"\ntoken = "t"`).federation.host).toBe("build-box_1");
  });

  test("without federation, name@host is refused with exit 3 and nothing is stored", async () => {
    const h = new TestHome();
    try {
      await h.start();
      expectFailure(await h.run(["send", "bob@elsewhere", "x"]), 3, /federation is off here/);
      expectFailure(await h.run(["ls", "--all-hosts"]), 3, /federation is off on this host/);
      expectFailure(await h.run(["wait", "w@elsewhere", "--exit"]), 3, /federation is off here/);
      expect((JSON.parse(await h.ok(["status", "--json"])) as { messages: number; federation?: unknown })).toMatchObject({ messages: 0 });
    } finally {
      await h.cleanup();
    }
  });
});
