/**
 * Helpers shared by the messaging suites: identities, counting what is stored, one-line failures,
 * and a live `inbox --follow --json` reader. Everything goes through the real binary.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import type { MessageView } from "../src/protocol/message.ts";
import { BIN, TestHome, type RunResult } from "./helpers.ts";

/** Fast timings and small limits so redelivery, TTL and size tests take milliseconds. */
export const FAST_CONFIG = `
[messages]
ack_wait_ms = 200
sweep_ms = 50
max_deliver = 3
idempotency_window_ms = 500
[limits]
body_bytes = 1000
attachment_bytes = 2000
`;

/** A file's shared daemon (started) and a scratch folder for files to attach. */
export async function openHome(config?: string): Promise<{ h: TestHome; scratch: string }> {
  const h = new TestHome(config === undefined ? {} : { config });
  await h.start();
  return { h, scratch: mkdtempSync(join(tmpdir(), "mt-files-")) };
}

export async function closeHome(h: TestHome, scratch: string): Promise<void> {
  await h.cleanup();
  rmSync(scratch, { recursive: true, force: true });
}

let seq = 0;
/** A name no other test in the process uses. */
export const uniq = (prefix: string) => `${prefix}${++seq}-${process.pid % 1000}`;

export const as = (token: string, stdin?: string) => ({ env: { MAESTRO_TOKEN: token }, ...(stdin === undefined ? {} : { stdin }) });

/** Registers a fresh identity and returns its token. */
export async function register(h: TestHome, name: string): Promise<string> {
  const r = JSON.parse(await h.ok(["register", name, "--json"])) as { name: string; token: string };
  expect(r.name).toBe(name);
  return r.token;
}

/** Registers several fresh identities: `{ name: token }`, names made unique. */
export async function identities<K extends string>(h: TestHome, ...keys: K[]): Promise<Record<K, { name: string; token: string }>> {
  const out = {} as Record<K, { name: string; token: string }>;
  for (const k of keys) {
    const name = uniq(k);
    out[k] = { name, token: await register(h, name) };
  }
  return out;
}

/** How many messages the store holds (the daemon's own count). */
export async function countMessages(h: TestHome): Promise<number> {
  return (JSON.parse(await h.ok(["status", "--json"])) as { messages: number }).messages;
}

export async function send(h: TestHome, token: string, args: string[], stdin?: string): Promise<string> {
  const r = JSON.parse(await h.ok(["send", ...args, "--json"], as(token, stdin))) as { id: string };
  expect(r.id).toMatch(/^[0-9a-z]{11}$/);
  return r.id;
}

export async function inbox(h: TestHome, token: string, args: string[] = []): Promise<MessageView[]> {
  return JSON.parse(await h.ok(["inbox", "--json", ...args], as(token))) as MessageView[];
}

/** The operator's view of NAME's inbox: a peek that marks nothing. */
export async function peek(h: TestHome, name: string): Promise<MessageView[]> {
  return JSON.parse(await h.ok(["inbox", name, "--json"])) as MessageView[];
}

/** A failed verb: the exit code, and exactly one line on stderr (starting `maestro: `), nothing on stdout. */
export function expectFailure(r: RunResult, code: number, message?: RegExp): string {
  expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code });
  const lines = r.stderr.split("\n").filter((l) => l.length > 0);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^maestro: /);
  if (message) expect(lines[0]).toMatch(message);
  expect(r.stdout).toBe("");
  return lines[0]!;
}

/** Runs a verb that must fail and checks that the store holds no more messages than before. */
export async function expectRefused(h: TestHome, args: string[], code: number, message?: RegExp, opts: Parameters<TestHome["run"]>[1] = {}): Promise<string> {
  const before = await countMessages(h);
  const line = expectFailure(await h.run(args, opts), code, message);
  expect(await countMessages(h)).toBe(before);
  return line;
}

/** Reads a child's stdout line by line as it comes. */
export class Lines {
  private buf = "";
  private readonly lines: string[] = [];
  private waiters: (() => void)[] = [];
  done = false;

  constructor(stream: ReadableStream<Uint8Array>) {
    void (async () => {
      const dec = new TextDecoder();
      for await (const chunk of stream) {
        this.buf += dec.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = this.buf.indexOf("\n")) >= 0) {
          this.lines.push(this.buf.slice(0, nl));
          this.buf = this.buf.slice(nl + 1);
        }
        this.wake();
      }
      this.done = true;
      this.wake();
    })();
  }

  /** The next line, in order; rejects after `timeoutMs` or at end of stream. */
  async next(timeoutMs = 5_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.lines.length === 0) {
      if (this.done) throw new Error("stream ended before another line");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no line within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.lines.shift()!;
  }

  /** Lines received and not yet taken. */
  pending(): string[] {
    return this.lines.splice(0);
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

/** A live `maestro inbox --follow --json` of one identity. */
export class Follower {
  readonly proc: ReturnType<typeof Bun.spawn<"ignore", "pipe", "pipe">>;
  readonly lines: Lines;

  constructor(h: TestHome, token: string) {
    this.proc = Bun.spawn([BIN, "inbox", "--follow", "--json"], {
      env: { ...h.env, MAESTRO_TOKEN: token },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    this.lines = new Lines(this.proc.stdout);
  }

  async next(timeoutMs?: number): Promise<MessageView> {
    return JSON.parse(await this.lines.next(timeoutMs)) as MessageView;
  }

  async stop(): Promise<void> {
    this.proc.kill("SIGINT");
    await this.proc.exited;
  }
}

/** A verb running in the background whose stdout is read as it comes (`send --wait`). */
export function spawnVerb(h: TestHome, args: string[], token?: string) {
  const proc = Bun.spawn([BIN, ...args], {
    env: { ...h.env, ...(token ? { MAESTRO_TOKEN: token } : {}) },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  return { proc, lines: new Lines(proc.stdout), stderr: new Response(proc.stderr).text() };
}
