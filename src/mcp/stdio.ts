/**
 * The MCP stdio transport (newline-delimited JSON-RPC on stdin/stdout), in place of the SDK's
 * StdioServerTransport, for three reasons:
 *   - a message counts as sent only once stdout has taken it (the write's callback), so a channel
 *     event the client never got is never marked delivered;
 *   - the end of stdin (the client went away) closes the server instead of leaving it running
 *     forever on the daemon's socket;
 *   - a plain request or notification (what every tool call is) is checked by hand rather than
 *     by the SDK's zod union of all four message shapes: on a tool call's round trip that parse
 *     was one of four full schema walks. Anything else — responses, `_meta`, odd shapes — still
 *     goes through the SDK's own schema, so what is accepted or refused does not change.
 */
import process from "node:process";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { JSONRPCMessageSchema, type JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

/** As the SDK's ReadBuffer: a line longer than this is refused and the transport closes. */
const MAX_BUFFER = 10 * 1024 * 1024;
const REQUEST_KEYS = new Set(["jsonrpc", "id", "method", "params"]);

/**
 * What JSONRPCRequestSchema / JSONRPCNotificationSchema accept (strict objects: no other keys),
 * for messages without `_meta` (whose shape the SDK's schema knows); undefined means "ask the SDK".
 */
export function plainMessage(v: unknown): JSONRPCMessage | undefined {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;
  const m = v as Record<string, unknown>;
  if (m.jsonrpc !== "2.0" || typeof m.method !== "string") return undefined;
  for (const k in m) if (!REQUEST_KEYS.has(k)) return undefined;
  if ("id" in m && !(typeof m.id === "string" || Number.isInteger(m.id))) return undefined;
  if ("params" in m) {
    const p = m.params;
    if (typeof p !== "object" || p === null || Array.isArray(p) || "_meta" in p) return undefined;
  }
  return m as unknown as JSONRPCMessage;
}

export function decodeLine(line: string): JSONRPCMessage {
  const v: unknown = JSON.parse(line);
  return plainMessage(v) ?? JSONRPCMessageSchema.parse(v);
}

export class StdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private buffer: Buffer | undefined;
  private gone = false;
  private closed = false;

  private readonly onData = (chunk: Buffer) => {
    this.buffer = this.buffer ? Buffer.concat([this.buffer, chunk]) : chunk;
    if (this.buffer.length > MAX_BUFFER) {
      this.buffer = undefined;
      this.onerror?.(new Error(`ReadBuffer exceeded maximum size of ${MAX_BUFFER} bytes`));
      void this.close();
      return;
    }
    for (let buf = this.buffer, nl = buf.indexOf(10); nl !== -1; nl = buf.indexOf(10)) {
      const line = buf.toString("utf8", 0, nl).replace(/\r$/, "");
      buf = buf.subarray(nl + 1);
      this.buffer = buf.length > 0 ? buf : undefined;
      let message: JSONRPCMessage;
      try {
        message = decodeLine(line);
      } catch (err) {
        this.onerror?.(err as Error);
        continue;
      }
      this.onmessage?.(message);
      if (this.closed) return;
    }
  };
  private readonly onInputError = (err: Error) => this.onerror?.(err);
  private readonly onEnd = () => void this.close();

  async start(): Promise<void> {
    process.stdin.on("data", this.onData);
    process.stdin.on("error", this.onInputError);
    process.stdin.once("end", this.onEnd);
    process.stdin.once("close", this.onEnd);
    // EPIPE: the reader is gone. Without a listener the error would crash the process.
    process.stdout.on("error", (err) => {
      this.gone = true;
      this.onerror?.(err);
      void this.close();
    });
  }

  async close(): Promise<void> {
    this.gone = true;
    if (this.closed) return;
    this.closed = true;
    process.stdin.off("data", this.onData);
    process.stdin.off("error", this.onInputError);
    process.stdin.pause();
    this.buffer = undefined;
    this.onclose?.();
  }

  send(message: JSONRPCMessage): Promise<void> {
    if (this.gone) return Promise.reject(new Error("the MCP client has gone away"));
    return new Promise((resolve, reject) => {
      process.stdout.write(JSON.stringify(message) + "\n", (err) => (err ? reject(err) : resolve()));
    });
  }
}
