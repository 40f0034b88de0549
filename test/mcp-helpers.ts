/**
 * The MCP suites' harness: the SDK's own Client over StdioClientTransport, spawning
 * `dist/maestro mcp` in a test home, with the channel events and resource updates it receives.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { expect } from "vitest";
import { BIN, waitFor, type TestHome } from "./helpers.ts";

export interface ChannelEvent {
  content: string;
  meta: Record<string, string>;
}

/** Events of one kind as they come, awaited in order. */
export class Queue<T> {
  readonly all: T[] = [];
  private taken = 0;
  private waiters: (() => void)[] = [];

  push(v: T): void {
    this.all.push(v);
    for (const w of this.waiters.splice(0)) w();
  }

  async next(timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    while (this.taken >= this.all.length) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`nothing within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.all[this.taken++]!;
  }

  get pending(): number {
    return this.all.length - this.taken;
  }
}

export interface Mcp {
  client: Client;
  transport: StdioClientTransport;
  channel: Queue<ChannelEvent>;
  updates: Queue<string>;
  stderr: () => string;
  call(name: string, args?: Record<string, unknown>, opts?: { signal?: AbortSignal }): Promise<CallToolResult>;
  /** A call that must succeed: its structuredContent. */
  ok<T = Record<string, unknown>>(name: string, args?: Record<string, unknown>): Promise<T>;
  /** A call that must fail: its one-line text. */
  fails(name: string, args?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts a server and waits until its inbox stream is open (it opens once the client finished
 * the handshake): then presence shows it, and nothing sent from here on can miss it.
 */
export async function startMcp(h: TestHome, env: Record<string, string> = {}): Promise<Mcp> {
  const transport = new StdioClientTransport({ command: BIN, args: ["mcp"], env: { ...h.env, ...env }, stderr: "pipe" });
  let err = "";
  transport.stderr?.on("data", (c: Buffer) => (err += c.toString()));
  const client = new Client({ name: "maestro-test", version: "1.0.0" }, { capabilities: {} });
  const channel = new Queue<ChannelEvent>();
  const updates = new Queue<string>();
  client.fallbackNotificationHandler = async (n) => {
    if (n.method === "notifications/claude/channel") channel.push(n.params as unknown as ChannelEvent);
    if (n.method === "notifications/resources/updated") updates.push((n.params as { uri: string }).uri);
  };
  await client.connect(transport);
  const whoami = async () => (await client.callTool({ name: "whoami", arguments: {} })).structuredContent as { via: string[] };
  await waitFor(async () => (await whoami()).via.includes("mcp"));
  const call = (name: string, args: Record<string, unknown> = {}, opts: { signal?: AbortSignal } = {}) =>
    client.callTool({ name, arguments: args }, undefined, { timeout: 60_000, ...opts }) as Promise<CallToolResult>;
  return {
    client,
    transport,
    channel,
    updates,
    stderr: () => err,
    call,
    async ok<T>(name: string, args: Record<string, unknown> = {}) {
      const r = await call(name, args);
      if (r.isError) throw new Error(`${name} failed: ${JSON.stringify(r.content)}`);
      expect(r.structuredContent).toBeDefined();
      expect((r.content as { type: string; text: string }[])[0]!.text.length).toBeGreaterThan(0);
      return r.structuredContent as T;
    },
    async fails(name: string, args: Record<string, unknown> = {}) {
      const r = await call(name, args);
      expect(r.isError).toBe(true);
      const text = (r.content as { type: string; text: string }[])[0]!.text;
      expect(text.split("\n")).toHaveLength(1);
      return text;
    },
    close: () => client.close(),
  };
}
