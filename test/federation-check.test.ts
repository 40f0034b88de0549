/**
 * The fast check of batch envelopes (src/federation/batch-check.ts) against the schema
 * (envelope.ts): on valid envelopes and on hundreds of mutations of them, it accepts exactly
 * what the schema accepts — never more (a looser check would let a hostile host store something
 * the schema refuses), and not less (else every batch would pay for the schema).
 */
import { describe, expect, test } from "vitest";
import { isBatch } from "../src/federation/batch-check.ts";
import { parseBySchema } from "../src/federation/envelope.ts";

const message = () => ({
  id: 1839273243075584, from: "operator", to: ["bob", "carol"], subject: "s", body: "hello", type: "notification", priority: 2,
  metadata: '{"k":"v"}', ack: 0, created_at: 1796165276472, expires_at: null, in_reply_to: { host: "gamma", id: 7 }, thread: null,
  attachments: [{ name: "a.txt", size: 3, sha256: "a".repeat(64) }],
});
const receipt = () => ({ id: 42, states: [{ name: "bob", status: "delivered", at: 1 }, { name: "carol", status: "dead", at: 2, reason: "dead on beta: max_deliver" }] });
const env = (kind: string, items: unknown[]) => ({ v: 1, kind, from: "alpha", to: "beta", at: 1796165276472, body: { items } });

const BAD: unknown[] = [undefined, null, -1, 0, 1.5, 2 ** 53, "", "x".repeat(2000), "Bad Name", "ok-name", [], [1], {}, true, "a/b", ".", "..", "\u001b[31m", "é".repeat(200)];

/** Every envelope one change away from `base`: each field (at every depth) set to each bad value, removed, or an extra key added. */
function mutations(base: unknown): unknown[] {
  const out: unknown[] = [];
  const walk = (node: unknown, set: (v: unknown) => unknown) => {
    if (Array.isArray(node)) {
      node.forEach((c, i) => walk(c, (v) => set(node.map((x, j) => (j === i ? v : x)))));
      out.push(set([]), set([...node, ...node]));
    } else if (node !== null && typeof node === "object") {
      const o = node as Record<string, unknown>;
      for (const k of Object.keys(o)) {
        walk(o[k], (v) => set(v === undefined ? Object.fromEntries(Object.entries(o).filter(([x]) => x !== k)) : { ...o, [k]: v }));
      }
      out.push(set({ ...o, extra: 1 }), set({ ...o, __proto__: 1 }));
    }
    for (const b of BAD) out.push(set(b));
  };
  walk(base, (v) => v);
  return out;
}

describe("batch envelopes: the fast check holds to the schema", () => {
  test("valid messages and receipts batches pass both", () => {
    for (const e of [env("messages", [message(), { ...message(), attachments: undefined, to: ["x"] }].map((m) => JSON.parse(JSON.stringify(m)))), env("receipts", [receipt()])]) {
      expect(isBatch(e)).toBe(true);
      expect(typeof parseBySchema(e)).toBe("object");
    }
  });

  test.each(["messages", "receipts"])("%s: on every mutation, accepted by the fast check ⇔ accepted by the schema", (kind) => {
    const base = env(kind, [kind === "messages" ? message() : receipt()]);
    const cases = mutations(JSON.parse(JSON.stringify(base))).map((m) => JSON.parse(JSON.stringify(m ?? null)));
    expect(cases.length).toBeGreaterThan(200);
    const disagree = cases.filter((c) => isBatch(c) !== (typeof parseBySchema(c) === "object"));
    expect(disagree.map((c) => JSON.stringify(c).slice(0, 200))).toEqual([]);
  });
});
