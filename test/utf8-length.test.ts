/** utf8Length stands in for Buffer.byteLength on the client's start-up path: it must agree with it. */
import { describe, expect, test } from "vitest";
import { utf8Length } from "../src/protocol/utf8-length.ts";

describe("utf8Length", () => {
  test.each([
    ["", "empty"],
    ["/tmp/maestro.sock", "ASCII"],
    ["/tmp/h\u00e9me/\u00df", "two-byte"],
    ["/tmp/\u4e2d\u6587/\u20ac", "three-byte"],
    ["/tmp/\u{1F600}/\u{10FFFF}", "a surrogate pair is four bytes"],
    ["a\ud800b", "a lone high surrogate counts as U+FFFD"],
    ["a\udc00b", "a lone low surrogate counts as U+FFFD"],
    ["\ud800", "a high surrogate at the very end"],
    ["\udc00\ud800", "surrogates in the wrong order"],
  ])("%j (%s) has Buffer.byteLength's length", (s) => {
    expect(utf8Length(s)).toBe(Buffer.byteLength(s, "utf8"));
  });
});
