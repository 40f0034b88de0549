/**
 * `new` with a command the kernel could never start (a 100,000-character program name, an
 * argument over exec's per-argument limit) is a usage error naming the limit, checked before
 * anything is created: no session, no identity.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FrameKind } from "../src/protocol/frame.ts";
import { RawPeer, TestHome } from "./helpers.ts";
import { expectFailure } from "./msg-helpers.ts";

describe("new: command size limits", () => {
  let h: TestHome;
  beforeAll(async () => {
    h = new TestHome();
    await h.start();
  });
  afterAll(() => h.cleanup());

  async function nothingCreated(name: string): Promise<void> {
    expect(JSON.parse(await h.ok(["ls", "--json"])).map((s: { name: string }) => s.name)).not.toContain(name);
    // no identity either: a send to that name is to an unknown recipient
    expect((await h.run(["send", name, "x"])).code).toBe(3);
  }

  test("a 100,000-character program name: exit 2, one short line naming the limit", async () => {
    const r = await h.run(["new", "huge", "--", "a".repeat(100_000)]);
    const line = expectFailure(r, 2, /the program name is 100000 bytes, over the limit of 4095 \(PATH_MAX\)/);
    expect(line.length).toBeLessThan(200);
    await nothingCreated("huge");
  });

  test("the daemon checks too (a client that skips the check), per argument and for the program", async () => {
    const peer = await RawPeer.connect(h.socket);
    peer.hello();
    await peer.next(FrameKind.WELCOME);
    peer.request(1, "new", { name: "raw1", command: ["/bin/echo", "x".repeat(140_000)], cwd: "/" });
    const e1 = await peer.next(FrameKind.ERROR);
    expect(e1).toMatchObject({ id: 1, code: "usage", exit: 2 });
    expect(e1.message).toContain("argument 1 is 140000 bytes, over the limit of 131071 per argument");
    peer.request(3, "new", { name: "raw3", command: ["b".repeat(5000)], cwd: "/" });
    expect((await peer.next(FrameKind.ERROR)).message).toContain("over the limit of 4095");
    peer.end();
    for (const n of ["raw1", "raw3"]) await nothingCreated(n);
  });

  test("arguments over 1 MiB in all: exit 2 naming the limit", async () => {
    const r = await h.run(["new", "wide", "--", "/bin/echo", ...Array.from({ length: 9 }, () => "y".repeat(120_000))]);
    expectFailure(r, 2, /the command is \d+ bytes, over the limit of 1048576 in all/);
    await nothingCreated("wide");
  });

  test("a long argument within the limits still starts", async () => {
    const out = await h.ok(["new", "fits", "--json", "--", "/bin/echo", "z".repeat(100_000)]);
    expect(JSON.parse(out).name).toBe("fits");
  });
});
