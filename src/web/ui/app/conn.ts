/**
 * One `maestro.v1` WebSocket (the login cookie authenticates it): hello, then typed messages in
 * and out. It reconnects after a drop (the terminal view resumes with `since`); a fatal error
 * (logged out, refused) ends it for good.
 */
import { WS_PATH, WS_SEQ_BYTES, WS_SUBPROTOCOL, type WsClientMessage, type WsServerMessage } from "../../../protocol/web.ts";

export type Welcome = WsServerMessage & { type: "welcome" };
export type ConnState = "connecting" | "open" | "reconnecting" | "closed";

export interface ConnHandlers {
  welcome(w: Welcome): void;
  message(m: WsServerMessage): void;
  output?(seq: number, bytes: Uint8Array): void;
  state?(s: ConnState, why?: string): void;
}

export class Conn {
  private ws: WebSocket | undefined;
  private stopped = false;
  private retry = 0;
  state: ConnState = "connecting";

  constructor(private readonly on: ConnHandlers) {
    this.open();
  }

  private setState(s: ConnState, why?: string): void {
    this.state = s;
    this.on.state?.(s, why);
  }

  private open(): void {
    const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${WS_PATH}`;
    const ws = new WebSocket(url, WS_SUBPROTOCOL);
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    let fatal: string | undefined;
    ws.onopen = () => ws.send(JSON.stringify({ type: "hello" } satisfies WsClientMessage));
    ws.onmessage = (e) => {
      if (typeof e.data !== "string") {
        const b = new Uint8Array(e.data as ArrayBuffer);
        const seq = Number(new DataView(b.buffer, b.byteOffset).getBigUint64(0));
        this.on.output?.(seq, b.subarray(WS_SEQ_BYTES));
        return;
      }
      const m = JSON.parse(e.data) as WsServerMessage;
      if (m.type === "welcome") {
        this.retry = 0;
        this.setState("open");
        this.on.welcome(m);
        return;
      }
      if (m.type === "error" && m.fatal) fatal = m.message;
      this.on.message(m);
    };
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      if (this.stopped) return this.setState("closed");
      // Refused for good (logged out, revoked, not allowed): retrying would not help.
      if (fatal || e.code === 1008 || e.code === 1002) return this.setState("closed", fatal ?? e.reason ?? "the server closed the connection");
      this.setState("reconnecting");
      const wait = Math.min(5000, 250 * 2 ** this.retry++);
      setTimeout(() => !this.stopped && this.open(), wait);
    };
  }

  send(m: WsClientMessage): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(m));
  }

  keys(data: string | Uint8Array<ArrayBuffer>): void {
    if (this.ws?.readyState !== WebSocket.OPEN) return;
    this.ws.send(typeof data === "string" ? new TextEncoder().encode(data) : data);
  }

  close(): void {
    this.stopped = true;
    this.ws?.close(1000, "closed by the page");
  }
}
