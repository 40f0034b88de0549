/**
 * Message fields reach a person's terminal escaped (issue 9 §2): what a sender chose cannot
 * retitle the window, recolour it or forge a header in `read`; --json stays exact; attachment
 * names and meta values with line breaks or control characters are refused at send.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { MessageView } from "../src/protocol/message.ts";
import { visible, visibleLines } from "../src/protocol/visible.ts";
import { waitFor, type TestHome } from "./helpers.ts";
import { as, closeHome, countMessages, expectRefused, FAST_CONFIG, identities, openHome, send, spawnVerb } from "./msg-helpers.ts";

/** The subject: an OSC window title, BEL, then SGR red. */
const SUBJECT = "evil\x1b]0;PWNED\x07\x1b[31mred";
const SHOWN = "evil^[]0;PWNED^G^[[31mred";
const BODY = "first line\n\tindented\x1b[2J\rover\x9b31m\x7f";
const BODY_SHOWN = "first line\n\tindented^[[2J^Mover<U+009B>31m^?";
/** Nothing that drives a terminal: ESC, BEL, CR, C1 CSI, DEL. */
const RAW = /[\x1b\x07\r\x9b\x7f]/;

let h: TestHome;
let scratch: string;
beforeAll(async () => ({ h, scratch } = await openHome(FAST_CONFIG)));
afterAll(() => closeHome(h, scratch));

describe("escaping", () => {
  test("visible: caret notation for C0 and DEL, <U+XXXX> for C1 and bidi; bodies keep newlines and tabs", () => {
    expect(visible("a\x00\x01\x07\x08\t\n\r\x1b\x1f\x7fz")).toBe("a^@^A^G^H^I^J^M^[^_^?z");
    expect(visible("\x80\x85\x9f\u2028\u202e\u2066 ok é")).toBe("<U+0080><U+0085><U+009F><U+2028><U+202E><U+2066> ok é");
    expect(visibleLines(BODY)).toBe(BODY_SHOWN);
    expect(visible(SUBJECT)).toBe(SHOWN);
  });

  test("the issue's subject: read, inbox, history, thread, search, dead and inbox --follow print it escaped; --json is exact", async () => {
    const { a, b } = await identities(h, "a", "b");
    // A human follower: it is also what the --ack message is pushed to until it goes dead.
    const follow = spawnVerb(h, ["inbox", "--follow"], b.token);
    try {
      await send(h, a.token, [b.name, "are you there"]);
      expect(await follow.lines.next(5_000)).toContain("are you there");
      const id = await send(h, a.token, [b.name, BODY, "--subject", SUBJECT, "--meta", "ticket=12"]);
      const line = await follow.lines.next(5_000);
      expect(line).not.toMatch(RAW);
      expect(line).toContain(id);
      expect(line).toContain(SHOWN);
      const deadId = await send(h, a.token, [b.name, BODY, "--subject", SUBJECT, "--ack"]);

      // --ack, never acked: pushed max_deliver (3) times to the follower, then dead.
      await waitFor(async () => (JSON.parse(await h.ok(["dead", "--json"], as(b.token))) as MessageView[]).length === 1);
      for (const extra of follow.lines.pending()) expect(extra).not.toMatch(RAW);

      const human: [string[], string][] = [[["inbox"], id], [["history"], id], [["thread", id], id], [["search", "evil"], id], [["dead"], deadId], [["read", id], id]];
      for (const [args, shows] of human) {
        const out = await h.ok(args, as(b.token));
        expect(out, args[0]).not.toMatch(RAW);
        expect(out, args[0]).toContain(SHOWN);
        expect(out, args[0]).toContain(shows);
      }
      const read = await h.ok(["read", id], as(b.token));
      expect(read).toContain(`subject      ${SHOWN}\n`);
      expect(read).toContain(`meta.ticket  12\n`);
      expect(read.endsWith(`\n\n${BODY_SHOWN}\n`)).toBe(true);
      expect(read.split("\n").filter((l) => l.startsWith("from"))).toEqual([`from         ${a.name}`]);

      for (const [args, shows] of human) {
        const list = JSON.parse(await h.ok([...args, "--json"], as(b.token))) as MessageView[];
        expect(list.find((m) => m.id === shows), args[0]).toMatchObject({ subject: SUBJECT, body: BODY });
      }
    } finally {
      follow.proc.kill("SIGINT");
      await follow.proc.exited;
    }
  });

  test("inbox --follow --json stays exact", async () => {
    const { a, b } = await identities(h, "a", "b");
    const follow = spawnVerb(h, ["inbox", "--follow", "--json"], b.token);
    try {
      await send(h, a.token, [b.name, BODY, "--subject", SUBJECT]);
      const m = JSON.parse(await follow.lines.next(5_000)) as MessageView;
      expect(m).toMatchObject({ subject: SUBJECT, body: BODY });
    } finally {
      follow.proc.kill("SIGINT");
      await follow.proc.exited;
    }
  });

  test("attachment names and meta values with line breaks or control characters are refused at send: exit 2, one line, nothing stored", async () => {
    const { a, b } = await identities(h, "a", "b");
    const forged = join(scratch, "notes.txt (2 bytes)\nfrom        operator\nsubject     URGENT: run the deploy script");
    writeFileSync(forged, "hi");
    const esc = join(scratch, "evil\x1b]0;PWNED\x07.txt");
    writeFileSync(esc, "hi");
    const line = await expectRefused(h, ["send", b.name, "see attached", "--attach", forged], 2, /attachment name "notes\.txt \(2 bytes\)\^Jfrom {8}operator\^Jsubject/, as(a.token));
    expect(line).toMatch(/line break or other control character; rename the file$/);
    await expectRefused(h, ["send", b.name, "x", "--attach", esc], 2, /attachment name "evil\^\[\]0;PWNED\^G\.txt"/, as(a.token));
    await expectRefused(h, ["send", b.name, "x", "--meta", "ticket=12\nfrom        operator"], 2, /--meta ticket "12\^Jfrom {8}operator" contains a line break/, as(a.token));
    for (const bad of ["v\x1b[31m", "v\r", "v\t", "v\x85", "v\x7f"]) {
      await expectRefused(h, ["send", b.name, "x", "--meta", `k=${bad}`], 2, /--meta k .* contains a line break or other control character/, as(a.token));
    }
    // The same send, cleaned up, goes through.
    const before = await countMessages(h);
    await send(h, a.token, [b.name, "x", "--meta", "ticket=12 from operator"]);
    expect(await countMessages(h)).toBe(before + 1);
  });
});
