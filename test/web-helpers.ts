/**
 * Web gateway test harness: a TestHome whose daemon listens on a free loopback port, a logged-in
 * cookie, and WsPeer, a maestro.v1 client over Bun's WebSocket that queues what arrives in order.
 */
import { TestHome } from "./helpers.ts";

export interface Web {
  home: TestHome;
  base: string;
  origin: string;
  /** A fresh login URL's code already exchanged: the Cookie header value. */
  cookie: string;
}

export async function startWeb(config = ""): Promise<Web> {
  const home = new TestHome({ config });
  await home.start();
  const { url } = JSON.parse(await home.ok(["web", "--listen", "127.0.0.1:0", "--json"])) as { url: string };
  const base = new URL(url).origin;
  return { home, base, origin: base, cookie: await login(url) };
}

/** Exchanges a login URL for its cookie (`name=value`). */
export async function login(url: string): Promise<string> {
  const r = await fetch(url, { redirect: "manual" });
  if (r.status !== 303) throw new Error(`login: ${r.status} ${await r.text()}`);
  return r.headers.get("set-cookie")!.split(";")[0]!;
}

export async function loginUrl(home: TestHome): Promise<string> {
  return (JSON.parse(await home.ok(["web", "--json"])) as { url: string }).url;
}

export async function api(w: Web, type: string, body: unknown, auth: { token?: string; cookie?: string; origin?: string } = {}): Promise<{ status: number; json: any }> {
  const headers: Record<string, string> = {};
  if (auth.token) headers.authorization = `Bearer ${auth.token}`;
  if (auth.cookie) headers.cookie = auth.cookie;
  if (auth.origin) headers.origin = auth.origin;
  const r = await fetch(`${w.base}/api/v1/${type}`, { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) });
  const text = await r.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: r.status, json };
}

export type WsItem = { kind: "text"; msg: any } | { kind: "binary"; seq: number; bytes: Uint8Array };

export class WsPeer {
  readonly items: WsItem[] = [];
  closed: { code: number; reason: string } | undefined;
  /** Every output byte received, decoded, and the next expected seq. */
  text = "";
  private waiters: (() => void)[] = [];
  private constructor(readonly ws: WebSocket) {}

  static async connect(w: Web, opts: { cookie?: string; origin?: string | null; protocols?: string[]; path?: string } = {}): Promise<WsPeer> {
    const headers: Record<string, string> = {};
    if (opts.cookie) headers.cookie = opts.cookie;
    if (opts.origin !== null) headers.origin = opts.origin ?? w.origin;
    const ws = new WebSocket(`${w.base.replace(/^http/, "ws")}${opts.path ?? "/ws"}`, { headers, protocols: opts.protocols ?? ["maestro.v1"] } as never);
    ws.binaryType = "arraybuffer";
    const peer = new WsPeer(ws);
    ws.onmessage = (e) => {
      if (typeof e.data === "string") peer.items.push({ kind: "text", msg: JSON.parse(e.data) });
      else {
        const b = new Uint8Array(e.data as ArrayBuffer);
        const seq = Number(new DataView(b.buffer).getBigUint64(0));
        peer.items.push({ kind: "binary", seq, bytes: b.subarray(8) });
      }
      peer.wake();
    };
    ws.onclose = (e) => {
      peer.closed = { code: e.code, reason: e.reason };
      peer.wake();
    };
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error("websocket failed to open"));
    });
    return peer;
  }

  send(msg: unknown): void {
    this.ws.send(JSON.stringify(msg));
  }

  keys(bytes: string | Uint8Array): void {
    this.ws.send((typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes) as Uint8Array<ArrayBuffer>);
  }

  /** The next text message (of `type`, if given), skipping binary frames only if `skipBinary`. */
  async next(type?: string, timeoutMs = 5000): Promise<any> {
    return this.until((it) => it.kind === "text" && (type === undefined || it.msg.type === type), timeoutMs).then((it) => (it as { msg: unknown }).msg);
  }

  /** Waits for an item matching `pred`, removing it (and nothing else) from the queue. */
  async until(pred: (it: WsItem) => boolean, timeoutMs = 5000): Promise<WsItem> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.items.findIndex(pred);
      if (i >= 0) return this.items.splice(i, 1)[0]!;
      if (this.closed) throw new Error(`closed (${this.closed.code} ${this.closed.reason}) before the item arrived; have ${JSON.stringify(this.items.map((x) => (x.kind === "text" ? x.msg : x.seq)))}`);
      await this.wait(deadline);
    }
  }

  /** Output bytes (binary frames) in order until `marker` appears in their text; returns the frames. */
  async outputUntil(marker: string, timeoutMs = 10_000, opts: { ack?: boolean } = {}): Promise<{ seq: number; bytes: Uint8Array }[]> {
    const got: { seq: number; bytes: Uint8Array }[] = [];
    let text = "";
    const dec = new TextDecoder();
    const deadline = Date.now() + timeoutMs;
    while (!text.includes(marker)) {
      const it = await this.until((x) => x.kind === "binary", Math.max(1, deadline - Date.now()));
      if (it.kind !== "binary") continue;
      got.push(it);
      text += dec.decode(it.bytes, { stream: true });
      if (opts.ack) this.send({ type: "ack", seq: it.seq + it.bytes.byteLength });
    }
    return got;
  }

  async hello(token?: string): Promise<any> {
    this.send(token === undefined ? { type: "hello" } : { type: "hello", token });
    return this.next();
  }

  async waitClosed(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) await this.wait(deadline);
    return this.closed;
  }

  close(): void {
    this.ws.close();
  }

  private wait(deadline: number): Promise<void> {
    const left = deadline - Date.now();
    if (left <= 0) return Promise.reject(new Error(`timed out; queue: ${JSON.stringify(this.items.slice(0, 5).map((x) => (x.kind === "text" ? x.msg : { seq: x.seq, len: x.bytes.byteLength })))}`));
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out; queue: ${JSON.stringify(this.items.slice(0, 5).map((x) => (x.kind === "text" ? x.msg : { seq: x.seq, len: x.bytes.byteLength })))}`)), left);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
