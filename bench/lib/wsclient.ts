/**
 * A maestro.v1 client for the web rows: logs in through `maestro web`, joins a session over
 * Bun's WebSocket and acks every binary frame as it reads it (what a browser tab does), counting
 * bytes and watching for a marker the way ptyClient does for terminal clients.
 */
import type { MaestroHome } from "./maestro.ts";
import { mustRun } from "./proc.ts";
import { MarkerWatch } from "./marker.ts";
import type { Scope } from "./scope.ts";

export interface WebLogin {
  base: string;
  cookie: string;
}

/** The daemon listens on a free loopback port; returns its base URL and a login cookie. */
export async function webLogin(m: MaestroHome): Promise<WebLogin> {
  const { url } = JSON.parse(await mustRun(m.argv("web", "--listen", "127.0.0.1:0", "--json"), { env: m.env })) as { url: string };
  const r = await fetch(url, { redirect: "manual" });
  const cookie = r.headers.get("set-cookie")?.split(";")[0];
  if (r.status !== 303 || !cookie) throw new Error(`web login failed: ${r.status}`);
  return { base: new URL(url).origin, cookie };
}

export interface WsClient {
  readonly bytes: number;
  waitFor(marker: string, since: number, timeoutMs: number): Promise<number>;
  type(text: string): void;
  close(): void;
}

export async function wsClient(scope: Scope, login: WebLogin, session: string, opts: { ack?: boolean; cols?: number; rows?: number } = {}): Promise<WsClient> {
  const ws = new WebSocket(`${login.base.replace(/^http/, "ws")}/ws`, { headers: { cookie: login.cookie, origin: login.base }, protocols: ["maestro.v1"] } as never);
  ws.binaryType = "arraybuffer";
  scope.defer(`close websocket to ${session}`, () => ws.close());
  let bytes = 0;
  const watch = new MarkerWatch();
  let joined!: () => void;
  let failed!: (e: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    joined = resolve;
    failed = reject;
  });
  ws.onopen = () => {
    ws.send(JSON.stringify({ type: "hello" }));
    ws.send(JSON.stringify({ type: "join", session, cols: opts.cols ?? 80, rows: opts.rows ?? 24 }));
  };
  ws.onerror = () => failed(new Error("websocket error"));
  ws.onmessage = (e) => {
    if (typeof e.data === "string") {
      const m = JSON.parse(e.data) as { type: string; message?: string };
      if (m.type === "joined") joined();
      else if (m.type === "error") failed(new Error(m.message));
      return;
    }
    const frame = new Uint8Array(e.data as ArrayBuffer);
    const n = frame.byteLength - 8;
    bytes += n;
    if (opts.ack !== false) ws.send(`{"type":"ack","seq":${Number(new DataView(frame.buffer).getBigUint64(0)) + n}}`);
    if (watch.waiting) watch.feed(Buffer.from(frame.buffer, 8, n).toString("latin1"));
  };
  await ready;
  return {
    get bytes() {
      return bytes;
    },
    waitFor: (marker, since, timeoutMs) => watch.waitFor(marker, since, timeoutMs, "over the websocket"),
    type: (text) => ws.send(new TextEncoder().encode(text)),
    close: () => ws.close(),
  };
}
