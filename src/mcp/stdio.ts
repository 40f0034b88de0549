/**
 * The SDK's stdio transport with two changes: a message counts as sent only once stdout has
 * taken it (the write's callback), so a channel event the client never got is never marked
 * delivered; and the end of stdin (the client went away) closes the server instead of leaving it
 * running forever on the daemon's socket.
 */
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { serializeMessage } from "@modelcontextprotocol/sdk/shared/stdio.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

export class StdioTransport extends StdioServerTransport {
  private gone = false;

  constructor() {
    super(process.stdin, process.stdout);
  }

  override async start(): Promise<void> {
    await super.start();
    const end = () => void this.close();
    process.stdin.once("end", end);
    process.stdin.once("close", end);
    // EPIPE: the reader is gone. Without a listener the error would crash the process.
    process.stdout.on("error", (err) => {
      this.gone = true;
      this.onerror?.(err);
      end();
    });
  }

  override close(): Promise<void> {
    if (this.closing) return this.closing;
    this.gone = true;
    this.closing = super.close();
    return this.closing;
  }
  private closing: Promise<void> | undefined;

  override send(message: JSONRPCMessage): Promise<void> {
    if (this.gone) return Promise.reject(new Error("the MCP client has gone away"));
    return new Promise((resolve, reject) => {
      process.stdout.write(serializeMessage(message), (err) => (err ? reject(err) : resolve()));
    });
  }
}
