/**
 * Bad input (SPEC §3, §5, §8): each case exits with its documented code, says what went wrong in
 * one line on stderr, and stores nothing.
 */
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { MessageView } from "../src/protocol/message.ts";
import { TestHome } from "./helpers.ts";
import { FAST_CONFIG, as, closeHome, openHome, expectFailure, expectRefused, identities, peek, send } from "./msg-helpers.ts";

// FAST_CONFIG: body_bytes = 1000, attachment_bytes = 2000.
let h: TestHome;
let files: string;
let sender: string;
let to: string;
beforeAll(async () => {
  ({ h, scratch: files } = await openHome(FAST_CONFIG));
  writeFileSync(join(files, "ok.txt"), "fine");
  writeFileSync(join(files, "big.bin"), new Uint8Array(2001));
  mkdirSync(join(files, "dir"));
  const ids = await identities(h, "sender", "to");
  sender = ids.sender.token;
  to = ids.to.name;
});
afterAll(() => closeHome(h, files));

describe("send refuses bad input, stores nothing", () => {
  // [what, args after `send`, exit code, what the one line must say]
  const cases: [string, () => string[], number, RegExp][] = [
    ["unknown recipient", () => ["nobody-here", "hi"], 3, /unknown recipient "nobody-here"/],
    ["unknown recipient among known ones", () => [`${to},nobody-here`, "hi"], 3, /unknown recipient "nobody-here"/],
    ["unknown group", () => ["@no-such-group", "hi"], 3, /no group @no-such-group/],
    ["empty body and no subject", () => [to, ""], 2, /empty/],
    ["no body at all", () => [to], 2, /empty/],
    ["a blank subject and no body", () => [to, "--subject", "  "], 2, /empty/],
    ["body over the limit", () => [to, "x".repeat(1001)], 6, /1001 bytes.*limit of 1000 \(limits\.body_bytes\)/],
    ["body over the limit in bytes, not characters", () => [to, "é".repeat(501)], 6, /1002 bytes.*limits\.body_bytes/],
    ["invalid recipient name", () => ["bad name!", "hi"], 2, /invalid recipient "bad name!"/],
    ["invalid group name", () => ["@bad/group", "hi"], 2, /invalid group name/],
    ["recipient name too long", () => ["a".repeat(65), "hi"], 2, /invalid recipient/],
    ["invalid --ttl", () => [to, "hi", "--ttl", "soon"], 2, /--ttl: invalid duration "soon"/],
    ["zero --ttl", () => [to, "hi", "--ttl", "0s"], 2, /--ttl: duration must be greater than zero/],
    ["negative --ttl", () => [to, "hi", "--ttl", "-5m"], 2, /--ttl/],
    ["invalid --timeout", () => [to, "hi", "--wait", "read", "--timeout", "1 hour"], 2, /--timeout: invalid duration/],
    ["--timeout without --wait", () => [to, "hi", "--timeout", "5s"], 2, /--timeout goes with --wait/],
    ["invalid --wait", () => [to, "hi", "--wait", "forever"], 2, /--wait must be one of/],
    ["invalid --priority", () => [to, "hi", "--priority", "critical"], 2, /--priority must be one of urgent, high, normal, low/],
    ["invalid --type", () => [to, "hi", "--type", "Bad Type"], 2, /invalid --type/],
    ["--meta without =", () => [to, "hi", "--meta", "novalue"], 2, /--meta "novalue" is not KEY=VALUE/],
    ["--meta with an empty key", () => [to, "hi", "--meta", "=v"], 2, /--meta "=v" is not KEY=VALUE/],
    ["--meta with a bad key", () => [to, "hi", "--meta", "a b=c"], 2, /invalid --meta key "a b"/],
    ["a multi-line subject", () => [to, "hi", "--subject", "one\ntwo"], 2, /--subject must be one line/],
    ["--attach of a missing file", () => [to, "hi", "--attach", join(files, "missing.txt")], 3, /--attach .*missing\.txt: no such file/],
    ["--attach of a directory", () => [to, "hi", "--attach", join(files, "dir")], 2, /is a directory/],
    ["--attach over its limit", () => [to, "hi", "--attach", join(files, "big.bin")], 6, /2001 bytes, over the limit of 2000 \(limits\.attachment_bytes\)/],
    ["a good and a missing attachment", () => [to, "hi", "--attach", join(files, "ok.txt"), "--attach", join(files, "nope")], 3, /no such file/],
    ["--reply-to an unknown id", () => [to, "hi", "--reply-to", "0000000000z"], 3, /no message "0000000000z"/],
    ["--thread a malformed id", () => [to, "hi", "--thread", "not-an-id!"], 3, /no message "not-an-id!"/],
    ["an unknown flag", () => [to, "hi", "--urgent"], 2, /unknown flag --urgent/],
    ["a flag missing its value", () => [to, "hi", "--subject"], 2, /--subject needs a value/],
  ];
  test.each(cases)("%s", async (_what, args, code, message) => {
    await expectRefused(h, ["send", ...args()], code, message, as(sender));
  });

  test("empty body on stdin", async () => {
    await expectRefused(h, ["send", to, "-"], 2, /empty/, as(sender, ""));
  });

  test("body over the limit on stdin", async () => {
    await expectRefused(h, ["send", to, "-"], 6, /limits\.body_bytes/, as(sender, "y".repeat(5000)));
  });

  test("a token that matches nothing", async () => {
    await expectRefused(h, ["send", to, "hi"], 6, /matches no identity/, as("mst_nothing-matches-this"));
  });

  test.skipIf(process.getuid?.() === 0)("--attach of an unreadable file (skipped as root: root reads chmod 000 files)", async () => {
    const locked = join(files, "locked.txt");
    writeFileSync(locked, "secret");
    chmodSync(locked, 0o000);
    await expectRefused(h, ["send", to, "hi", "--attach", locked], 6, /permission denied/, as(sender));
  });

  test("reply refuses the same bad input and stores nothing", async () => {
    const { a, b } = await identities(h, "a", "b");
    const id = await send(h, a.token, [b.name, "q"]);
    await expectRefused(h, ["reply", id, "x".repeat(1001)], 6, /limits\.body_bytes/, as(b.token));
    // an empty answer is refused even though the original has a subject ("Re: …" is not content)
    const withSubject = await send(h, a.token, [b.name, "q", "--subject", "plan"]);
    await expectRefused(h, ["reply", withSubject], 2, /empty/, as(b.token));
    await expectRefused(h, ["reply", withSubject, "-"], 2, /empty/, as(b.token, ""));
    await expectRefused(h, ["reply", id, "ok", "--priority", "meh"], 2, /--priority/, as(b.token));
    await expectRefused(h, ["reply", id, "ok", "--meta", "novalue"], 2, /KEY=VALUE/, as(b.token));
    await expectRefused(h, ["reply", id, "ok", "--attach", join(files, "missing")], 3, /no such file/, as(b.token));
    // none of those marked the original read
    expect((await peek(h, b.name)).map((m) => [m.id, m.status])).toEqual([[id, "queued"], [withSubject, "queued"]]);
  });
});

describe("read, ack, reply of an id that is not yours", () => {
  test("unknown, malformed and someone else's ids exit 3 with the same words, and mark nothing", async () => {
    const { a, b, c } = await identities(h, "a", "b", "c");
    const theirs = await send(h, a.token, [b.name, "private to b", "--subject", "secret plans", "--ack"]);
    const mine = await send(h, a.token, [c.name, "for c"]);
    const unknown = "0000000000z";
    const malformed = "zz!!not-an-id";
    const same = (line: string, id: string) => line.replace(JSON.stringify(id), "ID");
    for (const verb of [["read"], ["ack"], ["reply"]]) {
      const extra = verb[0] === "reply" ? ["an answer"] : [];
      const lines = [];
      for (const id of [theirs, unknown, malformed]) {
        lines.push(same(await expectRefused(h, [...verb, id, ...extra], 3, /no message/, as(c.token)), id));
      }
      expect(new Set(lines).size).toBe(1);
      // nothing about the message leaks: not its sender, subject, body or recipient
      for (const secret of [a.name, b.name, "secret plans", "private to b"]) expect(lines[0]).not.toContain(secret);
    }
    // all or nothing: one bad id among good ones marks none of them
    expectFailure(await h.run(["read", mine, theirs], as(c.token)), 3);
    expectFailure(await h.run(["ack", mine, unknown], as(c.token)), 3);
    expect((await peek(h, c.name))[0]).toMatchObject({ id: mine, status: "queued" });
    expect((await peek(h, b.name))[0]).toMatchObject({ id: theirs, status: "queued" });
    expect(((await peek(h, b.name))[0] as MessageView).read_at).toBeNull();
  });

  test("read and ack with no id are usage errors", async () => {
    expectFailure(await h.run(["read"]), 2, /missing IDS/);
    expectFailure(await h.run(["ack"]), 2, /missing IDS/);
    expectFailure(await h.run(["reply"]), 2, /missing ID/);
  });
});

describe("other verbs refuse bad input", () => {
  test("inbox, history, search, thread, group", async () => {
    const { a, b } = await identities(h, "a", "b");
    expectFailure(await h.run(["inbox", b.name], as(a.token)), 6, /only the operator/);
    expectFailure(await h.run(["inbox", "no-such-identity"]), 3);
    // --follow: a refusal keeps its own exit code (it used to be 5, "the inbox stream ended")
    expectFailure(await h.run(["inbox", "--follow"], as("mst_nothing-matches-this")), 6, /matches no identity/);
    expectFailure(await h.run(["inbox", "--follow", b.name]), 2, /your own inbox only/);
    expectFailure(await h.run(["inbox", "--follow", "no-such-identity"]), 3, /no identity/);
    // filters it would silently ignore are refused
    expectFailure(await h.run(["inbox", "--follow", "--from", a.name]), 2, /takes no --from/);
    expectFailure(await h.run(["inbox", "--follow", "--since", "1h", "--limit", "5"]), 2, /takes no --since, --limit/);
    expectFailure(await h.run(["inbox", "--limit", "0"]), 2, /--limit/);
    expectFailure(await h.run(["inbox", "--since", "yesterday"]), 2, /--since/);
    expectFailure(await h.run(["history", "--limit", "many"]), 2, /--limit/);
    expectFailure(await h.run(["search", "   "]), 2, /empty/);
    expectFailure(await h.run(["thread", "0000000000z"]), 3, /no message/);
    expectFailure(await h.run(["group", "add", "g1"]), 2, /at least one member/);
    expectFailure(await h.run(["group", "frob", "g1"]), 2, /unknown action/);
    expectFailure(await h.run(["group", "add", "bad name", a.name]), 2, /invalid group name/);
    expectFailure(await h.run(["group", "rm", "no-such-group"]), 3);
  });
});
