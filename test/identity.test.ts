/**
 * `maestro identity ls|rm`, and `rm SESSION` taking the session's identity out of `*` and groups.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { MessageView } from "../src/protocol/message.ts";
import type { IdentityInfo } from "../src/protocol/requests.ts";
import { TestHome } from "./helpers.ts";
import { Follower, as, closeHome, expectFailure, identities, openHome, send, uniq } from "./msg-helpers.ts";

let h: TestHome;
let files: string;
beforeAll(async () => {
  ({ h, scratch: files } = await openHome());
});
afterAll(() => closeHome(h, files));

const ls = async () => JSON.parse(await h.ok(["identity", "ls", "--json"])) as IdentityInfo[];

describe("identity ls", () => {
  test("every identity with kind, created, last seen and session state; operator only", async () => {
    const { seen, quiet } = await identities(h, "seen", "quiet");
    await h.ok(["whoami"], as(seen.token));
    const s = uniq("sess");
    await h.ok(["new", s, "--", "cat"]);
    const list = await ls();
    const by = new Map(list.map((i) => [i.name, i]));
    expect(by.get("operator")).toMatchObject({ kind: "operator", online: true, session: null });
    expect(by.get(seen.name)).toMatchObject({ kind: "agent", online: false, session: null });
    expect(by.get(seen.name)!.last_seen).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(by.get(quiet.name)).toMatchObject({ kind: "agent", last_seen: null, online: false });
    expect(by.get(s)).toMatchObject({ kind: "session", session: "running" });
    expect(by.get(seen.name)!.created_at).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
    const human = await h.ok(["identity", "ls"]);
    expect(human).toMatch(/^NAME +KIND +CREATED +LAST SEEN +SESSION$/m);
    expect(human).toMatch(new RegExp(`^${quiet.name} +agent +\\S+ +- +-$`, "m"));
    expectFailure(await h.run(["identity", "ls"], as(seen.token)), 6, /only the operator/);
    await h.ok(["rm", "--force", s]);
  });
});

describe("rm SESSION leaves * and groups", () => {
  test("a removed session's identity no longer gets `send '*'` or its groups' messages", async () => {
    const { x } = await identities(h, "x");
    const s = uniq("gone");
    const g = uniq("grp");
    await h.ok(["new", s, "--", "cat"]);
    await h.ok(["group", "add", g, x.name, s]);
    const before = JSON.parse(await h.ok(["send", "*", "all", "--json"], as(x.token))).recipients as string[];
    expect(before).toContain(s);
    await h.ok(["rm", "--force", s]);
    const after = JSON.parse(await h.ok(["send", "*", "all again", "--json"], as(x.token))).recipients as string[];
    expect(after).not.toContain(s);
    expect(after).toContain("operator");
    expect(JSON.parse(await h.ok(["group", "ls", g, "--json"])).groups[0].members).toEqual([x.name]);
    expect((await ls()).find((i) => i.name === s)).toMatchObject({ session: "removed" });
    // A new session of that name is one of everyone again.
    await h.ok(["new", s, "--", "cat"]);
    expect(JSON.parse(await h.ok(["send", "*", "hi", "--json"], as(x.token))).recipients).toContain(s);
    await h.ok(["rm", "--force", s]);
  });

  test("sessions that ended with the daemon are out of `*` after it restarts", async () => {
    const { y } = await identities(h, "y");
    const s = uniq("lost");
    await h.ok(["new", s, "--", "cat"]);
    expect(JSON.parse(await h.ok(["send", "*", "all", "--json"], as(y.token))).recipients).toContain(s);
    await h.ok(["kill", s]); // exited, not removed: only the daemon's end takes it away
    await h.ok(["daemon", "restart"]);
    const after = JSON.parse(await h.ok(["send", "*", "all again", "--json"], as(y.token))).recipients as string[];
    expect(after).not.toContain(s);
    expect(after).toContain("operator");
    expect((await ls()).find((i) => i.name === s)).toMatchObject({ session: "removed" });
  });
});

describe("identity rm", () => {
  test("revokes the token, frees the name, keeps the history, dead-letters what was unread", async () => {
    const { gone, peer } = await identities(h, "gone", "peer");
    const g = uniq("grp");
    await h.ok(["group", "add", g, gone.name, peer.name]);
    const read = await send(h, peer.token, [gone.name, "seen this"]);
    await h.ok(["read", read], as(gone.token));
    const unread = await send(h, peer.token, [gone.name, "never seen"]);
    const follower = new Follower(h, gone.token);
    expect((await follower.next()).id).toBe(unread);

    const r = JSON.parse(await h.ok(["identity", "rm", gone.name, "--json"]));
    expect(r).toEqual({ name: gone.name, dead_lettered: 1, groups: 1 });
    // Its open connection ends at once, with the reason.
    expect(await follower.proc.exited).toBe(6);
    expect(await new Response(follower.proc.stderr).text()).toMatch(/was removed/);
    expectFailure(await h.run(["whoami"], as(gone.token)), 6);
    expectFailure(await h.run(["send", gone.name, "hi"], as(peer.token)), 3, /unknown recipient/);
    expect(JSON.parse(await h.ok(["send", "*", "all", "--json"], as(peer.token))).recipients).not.toContain(gone.name);
    expect(JSON.parse(await h.ok(["group", "ls", g, "--json"])).groups[0].members).toEqual([peer.name]);
    expect((await ls()).map((i) => i.name)).not.toContain(gone.name);
    // History stays: the sender still sees both messages, the unread one as a dead letter.
    const hist = JSON.parse(await h.ok(["history", "--json"], as(peer.token))) as MessageView[];
    expect(hist.map((m) => m.id)).toEqual(expect.arrayContaining([read, unread]));
    const dead = JSON.parse(await h.ok(["dead", "--json"])) as MessageView[];
    expect(dead.find((m) => m.id === unread)).toMatchObject({ recipient: gone.name, dead_reason: "recipient_removed" });
    // The name is free again, with a fresh inbox of unread messages.
    const again = JSON.parse(await h.ok(["register", gone.name, "--json"])).token as string;
    const inbox = JSON.parse(await h.ok(["inbox", "--unread", "--json"], as(again))) as MessageView[];
    expect(inbox).toEqual([]);
  });

  test("refused: the operator, a running session's identity, an unknown name, a non-operator", async () => {
    expectFailure(await h.run(["identity", "rm", "operator"]), 2, /operator identity cannot be removed/);
    const s = uniq("live");
    await h.ok(["new", s, "--", "cat"]);
    expectFailure(await h.run(["identity", "rm", s]), 2, new RegExp(`running session; \`maestro kill ${s}\``));
    expect((await ls()).map((i) => i.name)).toContain(s);
    expectFailure(await h.run(["identity", "rm", "no-such-identity"]), 3, /no identity "no-such-identity"/);
    const { other } = await identities(h, "other");
    expectFailure(await h.run(["identity", "rm", other.name], as(other.token)), 6, /only the operator/);
    expectFailure(await h.run(["identity", "rm"]), 2, /name the identity/);
    expectFailure(await h.run(["identity", "frob"]), 2, /use ls or rm/);
    // Once the session is gone its identity may go.
    await h.ok(["rm", "--force", s]);
    expect(await h.ok(["identity", "rm", s])).toBe(`removed ${s}\n`);
  });
});
