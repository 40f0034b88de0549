/** Identities (SPEC §5, §8): operator by default, register/rotate, hashed tokens, sender = caller. */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BIN, TestHome } from "./helpers.ts";
import { Follower, as, countMessages, expectFailure, expectRefused, identities, register, send, uniq } from "./msg-helpers.ts";

let h: TestHome;
beforeAll(async () => {
  h = new TestHome();
  await h.start();
});
afterAll(() => h.cleanup());

describe("identities", () => {
  test("no token is the operator", async () => {
    expect(JSON.parse(await h.ok(["whoami", "--json"]))).toMatchObject({ name: "operator", kind: "operator", connected: true, unread: 0 });
    expect((await h.ok(["whoami"])).trim()).toBe("operator (operator)");
  });

  test("register --json prints the token once; whoami with it names the identity", async () => {
    const name = uniq("agent");
    const out = JSON.parse(await h.ok(["register", name, "--json"]));
    expect(Object.keys(out).sort()).toEqual(["name", "token"]);
    expect(out.name).toBe(name);
    expect(out.token).toMatch(/^mst_[A-Za-z0-9_-]{43}$/);
    expect(JSON.parse(await h.ok(["whoami", "--json"], as(out.token)))).toMatchObject({ name, kind: "agent", online: false, via: [] });
    expect((await h.ok(["whoami"], as(out.token))).trim()).toBe(`${name} (agent)`);
  });

  test("register --shell prints export lines that work when eval'd by bash, whatever the home's path holds", async () => {
    const parent = mkdtempSync(join(tmpdir(), "mt-q-"));
    const odd = new TestHome({ home: join(parent, "it's \"$HOME\" `x`") });
    try {
      for (const home of [h, odd]) {
        const name = uniq("shell");
        const script = `set -e; eval "$("$BIN" register ${name} --shell)"; "$BIN" whoami --json`;
        const proc = Bun.spawn(["bash", "-c", script], { env: { ...home.env, BIN }, stdout: "pipe", stderr: "pipe" });
        const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
        expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
        expect(JSON.parse(stdout)).toMatchObject({ name, kind: "agent" });
      }
    } finally {
      await odd.cleanup();
      rmSync(parent, { recursive: true, force: true });
    }
  });

  test("tokens are stored hashed: the database files never contain one", async () => {
    const tokens = [await register(h, uniq("hashed")), await register(h, uniq("hashed"))];
    const files = readdirSync(h.home).filter((f) => f.startsWith("maestro.db"));
    expect(files).toContain("maestro.db");
    for (const f of files) {
      const bytes = readFileSync(join(h.home, f)).toString("latin1");
      for (const t of tokens) {
        expect(bytes.includes(t)).toBe(false);
        expect(bytes.includes(t.slice(4))).toBe(false);
      }
    }
  });

  test("re-register is refused (exit 6) unless --rotate; a rotated token stops working (exit 6)", async () => {
    const name = uniq("rot");
    const old = await register(h, name);
    expectFailure(await h.run(["register", name, "--json"]), 6, /already exists.*--rotate/);
    // the refused attempt changed nothing: the old token still works
    expect(JSON.parse(await h.ok(["whoami", "--json"], as(old))).name).toBe(name);
    // a stream opened with the old token is cut off by the rotation, not left running
    const follower = new Follower(h, old);
    const before = await send(h, "", [name, "before rotation"]);
    expect((await follower.next()).id).toBe(before);
    const fresh = JSON.parse(await h.ok(["register", name, "--rotate", "--json"])).token as string;
    expect(await Promise.race([follower.proc.exited, Bun.sleep(5_000).then(() => "still running")])).toBe(6);
    expect((await new Response(follower.proc.stderr).text()).trim()).toBe(`maestro: the token of ${name} was rotated; use the new one (MAESTRO_TOKEN)`);
    await send(h, "", [name, "after rotation"]);
    expect(follower.lines.pending()).toEqual([]);
    expect(fresh).not.toBe(old);
    expect(JSON.parse(await h.ok(["whoami", "--json"], as(fresh))).name).toBe(name);
    expectFailure(await h.run(["whoami"], as(old)), 6, /matches no identity/);
    expectFailure(await h.run(["send", "operator", "hi"], as(old)), 6, /matches no identity/);
  });

  test("a token that matches nothing exits 6, for any verb, and is never the operator", async () => {
    for (const bogus of ["mst_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "not-a-token"]) {
      expectFailure(await h.run(["whoami"], as(bogus)), 6, /MAESTRO_TOKEN/);
      expectFailure(await h.run(["inbox"], as(bogus)), 6, /MAESTRO_TOKEN/);
    }
  });

  test("only the operator may register; reserved and invalid names are usage errors", async () => {
    const { a } = await identities(h, "a");
    expectFailure(await h.run(["register", uniq("x")], as(a.token)), 6, /only the operator/);
    expectFailure(await h.run(["register", "operator"]), 2, /reserved/);
    expectFailure(await h.run(["register", "-bad"]), 2);
    expectFailure(await h.run(["register", "has space"]), 2, /invalid identity name/);
    expectFailure(await h.run(["register", "x".repeat(65)]), 2, /invalid identity name/);
  });

  test("the sender is always the authenticated identity; there is no --from", async () => {
    const { a, b } = await identities(h, "a", "b");
    const id = await send(h, a.token, [b.name, "from a"]);
    const [m] = JSON.parse(await h.ok(["read", id, "--json"], as(b.token)));
    expect(m.from).toBe(a.name);
    expect((JSON.parse(await h.ok(["history", "--json", "--from", a.name])) as { id: string }[]).map((x) => x.id)).toEqual([id]);
    // as the operator (no token), the sender is the operator
    const opId = await send(h, "", [b.name, "from the operator"]);
    expect(JSON.parse(await h.ok(["read", opId, "--json"], as(b.token)))[0].from).toBe("operator");
    const before = await countMessages(h);
    await expectRefused(h, ["send", b.name, "spoof", "--from", "operator"], 2, /unknown flag --from/, as(a.token));
    await expectRefused(h, ["send", b.name, "spoof", `--from=${b.name}`], 2, /unknown flag --from/, as(a.token));
    expect(await countMessages(h)).toBe(before);
  });
});
