import { describe, expect, test } from "vitest";
import { Ring } from "../src/pty/ring.ts";

const bytes = (...n: number[]) => new Uint8Array(n);
const flat = (chunks: Uint8Array[]) => [...chunks.flatMap((c) => [...c])];

describe("the output ring", () => {
  test("keeps the newest cap bytes in order across wrap-around and growth, and reports what it drops", () => {
    const r = new Ring(40_000);
    const dropped: number[] = [];
    const all: number[] = [];
    for (let i = 0; i < 500; i++) {
      const chunk = new Uint8Array(1 + ((i * 37) % 700)).map((_, j) => (i + j) % 251);
      all.push(...chunk);
      r.push(chunk, (piece, offset) => {
        expect(offset).toBe(dropped.length);
        dropped.push(...piece);
      });
      expect(r.size).toBe(Math.min(all.length, 40_000));
      expect(r.end).toBe(all.length);
    }
    expect(flat(r.since(0))).toEqual(all.slice(-40_000));
    expect(dropped).toEqual(all.slice(0, all.length - 40_000));
    expect(flat(r.since(r.end - 10))).toEqual(all.slice(-10));
    expect(r.since(r.end)).toEqual([]);
  });

  test("a chunk larger than the cap keeps only its tail", () => {
    const r = new Ring(4);
    const dropped: number[] = [];
    r.push(bytes(1, 2), (p) => dropped.push(...p));
    r.push(bytes(3, 4, 5, 6, 7, 8), (p) => dropped.push(...p));
    expect(flat(r.since(0))).toEqual([5, 6, 7, 8]);
    expect(dropped).toEqual([1, 2, 3, 4]);
    expect(r.start).toBe(4);
  });
});
