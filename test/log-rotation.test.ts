/**
 * No log in the home grows without bound: daemon.log and sessions' `--log` files rotate by size
 * (`[daemon]` / `[sessions]` `log_max_bytes`, `log_keep`), keeping the newest lines in order.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { FrameKind } from "../src/protocol/frame.ts";
import { RawPeer, TestHome } from "./helpers.ts";

const homes: TestHome[] = [];
afterEach(async () => {
  for (const h of homes.splice(0)) await h.cleanup();
});

const CONFIG = `
[daemon]
log_max_bytes = 4096
log_keep = 2
[sessions]
log_max_bytes = 4096
log_keep = 2
`;

describe("log rotation", () => {
  test("daemon.log rotates past log_max_bytes and keeps log_keep old files", async () => {
    const h = new TestHome({ config: CONFIG });
    homes.push(h);
    await h.start();
    // Each registration logs one line (~70 bytes): 300 of them are ~20 KiB of log.
    const peer = await RawPeer.connect(h.socket);
    peer.hello();
    await peer.next(FrameKind.WELCOME);
    // In batches: RawPeer does not queue what the socket does not take at once.
    for (let i = 1; i <= 300; i += 50) {
      for (let j = i; j < i + 50; j++) peer.request(j, "register", { name: `noisy-${j}` });
      for (let j = i; j < i + 50; j++) await peer.next(FrameKind.REPLY);
    }
    peer.end();
    await h.ok(["daemon", "stop"]);

    const log = join(h.home, "daemon.log");
    const files = [`${log}.2`, `${log}.1`, log];
    for (const f of files) {
      expect(existsSync(f), f).toBe(true);
      expect(statSync(f).size).toBeLessThanOrEqual(4096);
    }
    expect(existsSync(`${log}.3`)).toBe(false);
    // Oldest to newest, the lines are whole and in time order, and the newest is the last word.
    const lines = files.flatMap((f) => readFileSync(f, "utf8").split("\n").filter(Boolean));
    const times = lines.map((l) => l.slice(0, 24));
    expect([...times].sort()).toEqual(times);
    expect(lines.at(-1)).toMatch(/ info {2}stopped$/);
    expect(lines.filter((l) => /identity noisy-\d+ registered/.test(l)).length).toBeGreaterThan(50);
  });

  test("a session's --log file rotates likewise; the kept files hold the newest output, in order", async () => {
    const h = new TestHome({ config: CONFIG });
    homes.push(h);
    await h.start();
    await h.ok(["new", "chatty", "--log", "--", "sh", "-c", "i=0; while [ $i -lt 20000 ]; do echo line$i; i=$((i+1)); done"]);
    await h.ok(["wait", "chatty", "--exit", "--timeout", "20s"]);
    await h.ok(["rm", "chatty"]); // closes (flushes) the log
    const log = join(h.home, "logs", "chatty.log");
    const files = [`${log}.2`, `${log}.1`, log];
    for (const f of files) {
      expect(existsSync(f), f).toBe(true);
      // A file may pass the limit by one chunk of output at most.
      expect(statSync(f).size).toBeLessThanOrEqual(4096 + 64 * 1024);
    }
    expect(existsSync(`${log}.3`)).toBe(false);
    const text = files.map((f) => readFileSync(f, "utf8")).join("");
    const numbers = [...text.matchAll(/line(\d+)\r?\n/g)].map((m) => Number(m[1]));
    expect(numbers.at(-1)).toBe(19999);
    // Consecutive from wherever the oldest kept file begins: nothing lost or reordered at a rotation.
    expect(numbers).toEqual(numbers.map((_, i) => numbers[0]! + i));
    expect(numbers[0]).toBeGreaterThan(0); // the oldest output was rotated away
  });
});
