import { describe, expect, test } from "vitest";
import { FrameDecoder, FrameError, FrameKind, MAX_FRAME, encodeFrame } from "../src/protocol/frame.ts";
import { decodeData, decodeJson, encodeData, encodeJson } from "../src/protocol/messages.ts";

const bytes = (...n: number[]) => new Uint8Array(n);

describe("frame codec", () => {
  test("round-trips a JSON frame", () => {
    const wire = encodeJson(FrameKind.REQUEST, { id: 7, type: "status", args: {} });
    const [f] = new FrameDecoder().push(wire);
    expect(f!.kind).toBe(FrameKind.REQUEST);
    expect(decodeJson(f as never)).toEqual({ id: 7, type: "status", args: {} });
  });

  test("reassembles frames fed one byte at a time, and splits several from one chunk", () => {
    const a = encodeJson(FrameKind.HELLO, { protocol: 1, client: "t" });
    const b = encodeData(3, bytes(0, 255, 10, 13));
    const wire = new Uint8Array([...a, ...b, ...a]);
    const d = new FrameDecoder();
    const got = [];
    for (const byte of wire) got.push(...d.push(bytes(byte)));
    expect(got.map((f) => f.kind)).toEqual([FrameKind.HELLO, FrameKind.DATA, FrameKind.HELLO]);
    expect(d.pending).toBe(0);
    expect(new FrameDecoder().push(wire)).toHaveLength(3);
  });

  test("DATA frames carry raw bytes untouched (binary-safe, no JSON)", () => {
    const raw = new Uint8Array(256).map((_, i) => i);
    const [f] = new FrameDecoder().push(encodeData(0xfffffffe, raw));
    const d = decodeData(f!);
    expect(d.stream).toBe(0xfffffffe);
    expect([...d.bytes]).toEqual([...raw]);
  });

  test("a large frame arriving in many chunks decodes once whole", () => {
    const payload = new Uint8Array(5 * 1024 * 1024).fill(0x61);
    const wire = encodeData(1, payload);
    const d = new FrameDecoder();
    let frames = 0;
    for (let off = 0; off < wire.byteLength; off += 65536) frames += d.push(wire.subarray(off, off + 65536)).length;
    expect(frames).toBe(1);
  });

  test("rejects a length over the maximum as soon as the prefix arrives", () => {
    const d = new FrameDecoder();
    const huge = new Uint8Array(4);
    new DataView(huge.buffer).setUint32(0, 0x80000000); // 2 GiB
    expect(() => d.push(huge)).toThrow(FrameError);
    expect(() => new FrameDecoder(1024).push(encodeFrame(FrameKind.REQUEST, new Uint8Array(1025)))).toThrow(/exceeds the maximum of 1024/);
  });

  test("rejects length 0 and unknown kinds", () => {
    expect(() => new FrameDecoder().push(bytes(0, 0, 0, 0))).toThrow(/length 0/);
    expect(() => new FrameDecoder().push(bytes(0, 0, 0, 1, 0x7f))).toThrow(/unknown frame kind 0x7f/);
  });

  test("encodeFrame refuses a payload over the maximum", () => {
    expect(() => encodeFrame(FrameKind.DATA, new Uint8Array(MAX_FRAME + 1))).toThrow(FrameError);
  });

  test("decodeJson rejects invalid UTF-8, non-objects and missing fields", () => {
    const frame = (kind: number, text: string | Uint8Array) => ({
      kind,
      payload: typeof text === "string" ? new TextEncoder().encode(text) : text,
    });
    expect(() => decodeJson(frame(FrameKind.REQUEST, "{not json") as never)).toThrow(/valid UTF-8 JSON/);
    expect(() => decodeJson(frame(FrameKind.REQUEST, bytes(0x7b, 0xff, 0x7d)) as never)).toThrow(/valid UTF-8 JSON/);
    expect(() => decodeJson(frame(FrameKind.REQUEST, "[1,2]") as never)).toThrow(/JSON object/);
    expect(() => decodeJson(frame(FrameKind.REQUEST, '{"id":-1,"type":"x"}') as never)).toThrow(/"id" must be a uint32/);
    expect(() => decodeJson(frame(FrameKind.REQUEST, '{"id":1}') as never)).toThrow(/"type"/);
    expect(() => decodeJson(frame(FrameKind.REQUEST, '{"id":1,"type":"x","args":[]}') as never)).toThrow(/"args"/);
    expect(() => decodeJson(frame(FrameKind.HELLO, '{"protocol":"1"}') as never)).toThrow(/"protocol"/);
    expect(decodeJson(frame(FrameKind.REQUEST, '{"id":1,"type":"x"}') as never)).toEqual({ id: 1, type: "x", args: {} });
  });

  test("DATA shorter than its stream id is rejected", () => {
    expect(() => decodeData({ kind: FrameKind.DATA, payload: bytes(1, 2) })).toThrow(/stream id/);
  });
});
