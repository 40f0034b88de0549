/**
 * The request table is the contract: every request type's arguments are checked against it before
 * any handler runs, and operator-only types are refused to identities — over the real socket,
 * with one-line errors and the documented codes, and nothing stored.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FrameKind } from "../src/protocol/frame.ts";
import { REQUESTS, type RequestType } from "../src/protocol/requests.ts";
import { RawPeer, TestHome } from "./helpers.ts";
import { countMessages, register } from "./msg-helpers.ts";

const TYPES = Object.keys(REQUESTS) as RequestType[];
const shapeOf = (t: RequestType) => Object.keys((REQUESTS[t].args as unknown as { shape: Record<string, unknown> }).shape);

let h: TestHome;
let token: string;
beforeAll(async () => {
  h = new TestHome();
  await h.start();
  token = await register(h, "table-agent");
});
afterAll(() => h.cleanup());

async function ask(type: string, args: Record<string, unknown>, as?: string): Promise<Record<string, unknown>> {
  const peer = await RawPeer.connect(h.socket);
  try {
    peer.hello(undefined, as);
    await peer.next(FrameKind.WELCOME);
    peer.request(1, type, args);
    return await peer.next(FrameKind.ERROR);
  } finally {
    peer.end();
  }
}

describe("every request type is checked against the table before its handler", () => {
  test.each(TYPES)("%s: an unknown argument is a usage error (exit 2)", async (type) => {
    const e = await ask(type, { bogus_field: 1 });
    expect(e).toMatchObject({ id: 1, code: "usage", exit: 2 });
    expect(e.message).toBe(`${type}: unknown argument "bogus_field"`);
  });

  test.each(TYPES.filter((t) => shapeOf(t).length > 0))("%s: a field of the wrong type is a usage error naming the field", async (type) => {
    const keys = shapeOf(type);
    // [[]] is no valid value for any field kind: string, number, boolean, enum, list or map.
    const e = await ask(type, Object.fromEntries(keys.map((k) => [k, [[]]])));
    expect(e).toMatchObject({ id: 1, code: "usage", exit: 2 });
    expect(String(e.message)).toMatch(new RegExp(`^${type.replace(".", "\\.")}: argument "(${keys.join("|")})(\\.\\d+)?" must `));
  });

  test.each(TYPES.filter((t) => REQUESTS[t].access.who === "operator"))("%s: refused to an identity (exit 6), naming what only the operator may do", async (type) => {
    const access = REQUESTS[type].access as { who: "operator"; to: string };
    // Valid arguments, so the refusal is the access rule's (arguments are checked first).
    const minimal: Partial<Record<RequestType, Record<string, unknown>>> = {
      register: { name: "evil" },
      "identity.rm": { name: "operator" },
      purge: { older_than_ms: 1 },
      new: { name: "evil", command: ["true"] },
      "web.share": { session: "evil" },
      backup: { file: "/tmp/evil.tar" },
      "host.forget": { host: "evil" },
    };
    const e = await ask(type, minimal[type] ?? {}, token);
    expect(e).toMatchObject({ code: "forbidden", exit: 6 });
    expect(e.message).toBe(`only the operator may ${access.to}; table-agent is an agent`);
  });

  test("a send with wrong types or out-of-range values stores nothing", async () => {
    const before = await countMessages(h);
    for (const args of [
      { to: "operator", body: "x" },
      { to: ["operator"], body: 5 },
      { to: ["operator"], body: "x", ttl_ms: 0 },
      { to: ["operator"], body: "x", priority: "critical" },
      { to: ["operator"], body: "x", meta: { k: 1 } },
      { to: ["operator"], body: "x", attachments: [{ name: "a" }] },
      { to: ["operator"], body: "x", ack: "yes" },
    ]) {
      const e = await ask("send", args);
      expect(e, JSON.stringify(args)).toMatchObject({ code: "usage", exit: 2 });
    }
    expect(await countMessages(h)).toBe(before);
  });

  test("terminal sizes outside 1–1000 × 1–500 are refused with the range named", async () => {
    expect((await ask("new", { name: "tbl1", command: ["true"], cols: 0 })).message).toBe('new: argument "cols" must be an integer from 1 to 1000');
    expect((await ask("new", { name: "tbl1", command: ["true"], rows: 501 })).message).toBe('new: argument "rows" must be an integer from 1 to 500');
    expect((await ask("resize", { stream: 1, cols: 100000, rows: 100000 })).message).toBe('resize: argument "cols" must be an integer from 1 to 1000');
  });
});
