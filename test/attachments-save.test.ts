/**
 * Attachment names and `read --save-attachments`: names are limited in bytes at send (what a file
 * system counts), saving never follows or trips on a link, one file that cannot be saved does not
 * stop the batch, and only messages whose attachments were all saved are marked read.
 */
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FrameKind } from "../src/protocol/frame.ts";
import { encodeJson } from "../src/protocol/messages.ts";
import { PROTOCOL_VERSION } from "../src/protocol/version.ts";
import { RawPeer, type TestHome } from "./helpers.ts";
import { as, closeHome, countMessages, identities, inbox, openHome, send } from "./msg-helpers.ts";

let h: TestHome;
let scratch: string;
beforeAll(async () => ({ h, scratch } = await openHome()));
afterAll(() => closeHome(h, scratch));

const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("attachment names at send", () => {
  test("a name over 255 bytes of UTF-8 is a usage error and stores nothing; 255 bytes is accepted", async () => {
    const { r } = await identities(h, "r");
    const peer = await RawPeer.connect(h.socket);
    peer.hello();
    await peer.next(FrameKind.WELCOME);
    const before = await countMessages(h);
    const long = "é".repeat(200); // 200 UTF-16 units, 400 bytes
    peer.request(1, "send", { to: [r.name], body: "x", attachments: [{ name: long, data: b64("hi") }] });
    const e = await peer.next(FrameKind.ERROR);
    expect(e).toMatchObject({ id: 1, code: "usage", exit: 2 });
    expect(e.message).toMatch(/attachment name ".*…" is 400 bytes in UTF-8, over the limit of 255; rename the file/);
    expect(await countMessages(h)).toBe(before);

    const fits = `${"é".repeat(127)}a`; // 255 bytes
    peer.request(2, "send", { to: [r.name], body: "x", attachments: [{ name: fits, data: b64("hi") }] });
    expect(await peer.next(FrameKind.REPLY)).toMatchObject({ id: 2 });
    peer.end();
  });
});

describe("read --save-attachments", () => {
  test("a long multi-byte name that clashes is saved under a shorter non-clashing name", async () => {
    const { a, b } = await identities(h, "a", "b");
    const name = `${"日".repeat(83)}.txt`; // 253 bytes: with " (1)" it would be 257
    const id = await sendRaw(a.token, b.name, [{ name, data: b64("long one") }]);
    const dir = join(scratch, "long");
    mkdirSync(dir);
    writeFileSync(join(dir, name), "already here");
    for (let i = 0; i < 2; i++) {
      const r = await h.run(["read", id, "--save-attachments", dir], as(b.token));
      expect(r.code, r.stderr).toBe(0);
    }
    const saved = readdirSync(dir).filter((f) => f !== name).sort();
    expect(saved).toHaveLength(2);
    expect(saved[0]).toMatch(/^日+ \(1\)\.txt$/);
    expect(saved[1]).toMatch(/^日+\.txt$/);
    for (const f of saved) {
      expect(Buffer.byteLength(f)).toBeLessThanOrEqual(255);
      expect(readFileSync(join(dir, f), "utf8")).toBe("long one");
    }
    expect(readFileSync(join(dir, name), "utf8")).toBe("already here");
    expect((await inbox(h, b.token)).find((m) => m.id === id)?.status).toBe("read");
  });

  test("a symlink of the same name (dangling or not) is never followed or replaced", async () => {
    const { a, b } = await identities(h, "a", "b");
    const src = join(scratch, "report.txt");
    writeFileSync(src, "the report");
    const id = await send(h, a.token, [b.name, "files", "--attach", src]);
    const dir = join(scratch, "links");
    mkdirSync(dir);
    const target = join(scratch, "never-created");
    symlinkSync(target, join(dir, "report.txt"));
    const victim = join(scratch, "victim.txt");
    writeFileSync(victim, "keep me");
    symlinkSync(victim, join(dir, "report (1).txt"));

    const r = await h.run(["read", id, "--save-attachments", dir], as(b.token));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`saved ${join(dir, "report (2).txt")}`);
    expect(readFileSync(join(dir, "report (2).txt"), "utf8")).toBe("the report");
    expect(existsSync(target)).toBe(false);
    expect(readFileSync(victim, "utf8")).toBe("keep me");
    expect(lstatSync(join(dir, "report.txt")).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(dir, "report.txt"))).toBe(target);
  });

  test("one attachment that cannot be saved: the rest of the batch is saved, and only saved messages are marked read", async () => {
    const { a, b } = await identities(h, "a", "b");
    const lost = await sendRaw(a.token, b.name, [{ name: "lost.txt", data: b64("bytes that go missing") }]);
    const kept = await sendRaw(a.token, b.name, [{ name: "kept.txt", data: b64("bytes that stay") }]);
    const plain = await send(h, a.token, [b.name, "no attachments"]);
    const sha = (await inbox(h, b.token)).find((m) => m.id === lost)!.attachments[0]!.sha256;
    rmSync(join(h.home, "blobs", sha));

    const dir = join(scratch, "batch");
    const r = await h.run(["read", lost, kept, plain, "--save-attachments", dir, "--json"], as(b.token));
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toContain(`saved ${join(dir, "kept.txt")}`);
    expect(lines.filter((l) => l.startsWith("maestro: "))).toEqual([`maestro: attachment lost.txt is missing from the blob store (purged?); message ${lost} stays unread`]);
    expect(readdirSync(dir)).toEqual(["kept.txt"]);
    expect(readFileSync(join(dir, "kept.txt"), "utf8")).toBe("bytes that stay");

    const status = new Map((await inbox(h, b.token)).map((m) => [m.id, m.status]));
    expect(status.get(lost)).not.toBe("read");
    expect(status.get(kept)).toBe("read");
    expect(status.get(plain)).toBe("read");
    // what was printed agrees with what is stored
    const printed = new Map((JSON.parse(r.stdout) as { id: string; status: string }[]).map((m) => [m.id, m.status]));
    expect(printed.get(kept)).toBe("read");
    expect(printed.get(lost)).not.toBe("read");
  });

  test("an unknown id saves nothing, creates no directory and marks nothing", async () => {
    const { a, b } = await identities(h, "a", "b");
    const id = await sendRaw(a.token, b.name, [{ name: "x.txt", data: b64("x") }]);
    const dir = join(scratch, "never");
    const r = await h.run(["read", id, "0000000000z", "--save-attachments", dir], as(b.token));
    expect(r.code).toBe(3);
    expect(existsSync(dir)).toBe(false);
    expect((await inbox(h, b.token)).find((m) => m.id === id)?.status).not.toBe("read");
  });
});

/** Sends with attachments named freely (names a file system may not hold), over the raw protocol. */
async function sendRaw(token: string, to: string, attachments: { name: string; data: string }[]): Promise<string> {
  const peer = await RawPeer.connect(h.socket);
  peer.write(encodeJson(FrameKind.HELLO, { protocol: PROTOCOL_VERSION, client: "attach-test", token }));
  await peer.next(FrameKind.WELCOME);
  peer.request(1, "send", { to: [to], body: "files", attachments });
  const reply = (await peer.next(FrameKind.REPLY)) as { result: { id: string } };
  peer.end();
  return reply.result.id;
}
