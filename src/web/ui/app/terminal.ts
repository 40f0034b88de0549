/**
 * A session's terminal in xterm.js (DOM renderer: the screen's text is in the page). Joins with
 * the fitted size; output is written, and acknowledged only once xterm.js has rendered it, so a
 * flood paces itself to what the tab can draw (the gateway holds the rest, then resyncs with a
 * fresh screen). A dropped connection rejoins with `since`: exactly the missing bytes, or a redraw.
 */
import { FitAddon } from "@xterm/addon-fit";
import { Terminal, type ITheme } from "@xterm/xterm";
import type { WsServerMessage } from "../../../protocol/web.ts";
import { Conn, type Welcome } from "./conn.ts";
import { h, replace } from "./dom.ts";

const DARK: ITheme = { background: "#0f1115", foreground: "#d7dae0", cursor: "#7aa2f7", selectionBackground: "#2d3f63" };
const LIGHT: ITheme = { background: "#fbfbfc", foreground: "#1f2328", cursor: "#2f5fd0", selectionBackground: "#c8d7f5", black: "#1f2328", brightBlack: "#6e7781" };
const dark = matchMedia("(prefers-color-scheme: dark)");

export interface TerminalOptions {
  session: string;
  /** A share link: no detach, and read-only when the link is. */
  share?: { readOnly: boolean };
  onDetach?: () => void;
}

export class TerminalView {
  readonly el: HTMLElement;
  private readonly term: Terminal;
  private readonly fit = new FitAddon();
  private readonly conn: Conn;
  private readonly status = h("span.badge", { role: "status", "aria-live": "polite" }, "connecting");
  private readonly sizeLabel = h("span.muted.mono");
  private readonly roButton: HTMLButtonElement;
  private readonly notice = h("div.term-notice", { hidden: true });
  /** `--notify inject`: messages that waited past their bound, told over the screen, never typed into it. */
  private readonly banner = h("div.term-banner", { hidden: true, role: "status", "aria-live": "assertive" });
  private readOnly: boolean;
  private joined = false;
  /** Output offset just past the last byte written: the `since` of a rejoin. */
  private end: number | undefined;
  /** The next binary frame is a redraw (after `screen`). */
  private redrawNext = false;
  private redraws = 0;
  /** Bytes handed to xterm.js and not yet rendered. */
  private pending = 0;
  private windowBytes = 1 << 20;
  private ackTimer: number | undefined;
  private ackSeq = -1;
  private rejoin: { readOnly: boolean } | undefined;
  private readonly resizeObs: ResizeObserver;
  private disposed = false;
  /** Rendered bytes, for the bench and the tests (window.maestroTerm). */
  rendered = 0;

  constructor(private readonly opts: TerminalOptions) {
    this.readOnly = opts.share?.readOnly ?? false;
    this.term = new Terminal({
      fontFamily: 'ui-monospace, "SF Mono", "JetBrains Mono", "DejaVu Sans Mono", Menlo, Consolas, monospace',
      fontSize: 13,
      lineHeight: 1.15,
      cursorBlink: true,
      scrollback: 5000,
      allowProposedApi: false,
      disableStdin: this.readOnly,
      theme: dark.matches ? DARK : LIGHT,
    });
    this.term.loadAddon(this.fit);
    const screen = h("div.term-screen", { "data-session": opts.session });
    this.roButton = h("button.toggle", { type: "button", "aria-pressed": String(this.readOnly), title: "Watch without typing or resizing", onclick: () => this.setReadOnly(!this.readOnly), disabled: opts.share?.readOnly ?? false }, "Read-only");
    const tools = h(
      "div.term-tools",
      {},
      h("h2.term-name", {}, opts.session),
      this.status,
      this.sizeLabel,
      h("span.spacer"),
      this.roButton,
      h("button", { type: "button", title: "Copy the selection (or the whole screen)", onclick: () => void this.copy() }, "Copy"),
      opts.share?.readOnly ? null : h("button", { type: "button", title: "Paste the clipboard (bracketed if the program asked)", onclick: () => void this.pasteClipboard() }, "Paste"),
      opts.share ? null : h("button.primary", { type: "button", title: "Leave this terminal (the session keeps running)", onclick: () => this.detach() }, "Detach"),
    );
    const hint = h("p.term-hint.muted", {}, "Ctrl+] moves the keyboard from the terminal to these buttons.");
    this.el = h("section.terminal", { "aria-label": `Terminal of ${opts.session}` }, tools, this.notice, h("div.term-wrap", {}, screen, this.banner), hint);
    this.term.open(screen);
    this.term.attachCustomKeyEventHandler((e) => {
      if (e.type === "keydown" && e.ctrlKey && e.key === "]") {
        this.roButton.focus();
        return false;
      }
      return true;
    });
    this.term.onData((d) => !this.readOnly && this.joined && this.conn.keys(d));
    this.term.onBinary((d) => !this.readOnly && this.joined && this.conn.keys(Uint8Array.from(d, (c) => c.charCodeAt(0) & 0xff)));
    this.term.onResize(({ cols, rows }) => {
      this.sizeLabel.textContent = `${cols}×${rows}`;
      if (this.joined && !this.readOnly) this.conn.send({ type: "resize", cols, rows });
    });
    this.resizeObs = new ResizeObserver(() => this.refit());
    this.resizeObs.observe(screen);
    dark.addEventListener("change", this.onScheme);
    this.conn = new Conn({
      welcome: (w) => this.onWelcome(w),
      message: (m) => this.onMessage(m),
      output: (seq, b) => this.onOutput(seq, b),
      state: (s, why) => {
        if (s === "reconnecting") {
          this.joined = false;
          this.setStatus("reconnecting", "warn");
        }
        if (s === "closed" && !this.disposed) this.setStatus(why ? "disconnected" : "closed", "bad", why);
      },
    });
    (window as unknown as { maestroTerm?: TerminalView }).maestroTerm = this;
  }

  private readonly onScheme = () => {
    this.term.options.theme = dark.matches ? DARK : LIGHT;
  };

  focus(): void {
    this.term.focus();
  }

  get size(): { cols: number; rows: number } {
    return { cols: this.term.cols, rows: this.term.rows };
  }

  /** The screen's text (tests and the bench read it). */
  get text(): string {
    const b = this.term.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < b.length; i++) lines.push(b.getLine(i)?.translateToString(true) ?? "");
    return lines.join("\n");
  }

  private refit(): void {
    if (this.disposed || !this.el.isConnected) return;
    try {
      this.fit.fit();
    } catch {
      // Not laid out yet.
    }
  }

  private onWelcome(w: Welcome): void {
    this.windowBytes = w.window_bytes;
    if (w.scope?.read_only) this.readOnly = true;
    this.refit();
    this.join();
  }

  private join(): void {
    this.conn.send({ type: "join", session: this.opts.session, cols: this.term.cols, rows: this.term.rows, read_only: this.readOnly, ...(this.end !== undefined ? { since: this.end } : {}) });
  }

  private onMessage(m: WsServerMessage): void {
    switch (m.type) {
      case "joined":
        this.joined = true;
        this.readOnly = m.read_only;
        this.term.options.disableStdin = m.read_only;
        this.roButton.setAttribute("aria-pressed", String(m.read_only));
        this.end ??= m.seq;
        this.setStatus(m.read_only ? "watching" : "live", "ok");
        this.hideNotice();
        if (!m.read_only && (m.cols !== this.term.cols || m.rows !== this.term.rows)) this.conn.send({ type: "resize", cols: this.term.cols, rows: this.term.rows });
        this.sizeLabel.textContent = `${this.term.cols}×${this.term.rows}`;
        return;
      case "screen":
        this.redrawNext = true;
        if (++this.redraws > 1) this.flash("resynced", "A fresh screen replaced output this tab could not keep up with.");
        return;
      case "resized":
        this.sizeLabel.textContent = `${this.term.cols}×${this.term.rows}${m.cols !== this.term.cols || m.rows !== this.term.rows ? ` (program ${m.cols}×${m.rows})` : ""}`;
        return;
      case "exit":
        this.showNotice(m.restarting ? "The program exited; restarting…" : `The program exited${m.code !== null ? ` with code ${m.code}` : ""}${m.signal ? ` (${m.signal})` : ""}.`);
        if (!m.restarting) this.setStatus("exited", "muted");
        return;
      case "restarted":
        this.hideNotice();
        this.setStatus("live", "ok");
        return;
      case "left":
        this.joined = false;
        if (this.rejoin) {
          this.readOnly = this.rejoin.readOnly;
          this.rejoin = undefined;
          this.join();
        } else {
          this.setStatus("left", "muted");
          this.showNotice(m.reason === "removed" || m.reason === "gone" ? "The session was removed." : `Left the session (${m.reason}).`);
        }
        return;
      case "banner":
        replace(this.banner, m.text);
        this.banner.dataset.priority = m.priority;
        this.banner.hidden = false;
        return;
      case "banner_clear":
        this.banner.hidden = true;
        return;
      case "error":
        if (m.fatal) this.setStatus("disconnected", "bad", m.message);
        this.showNotice(m.message);
        return;
    }
  }

  private onOutput(seq: number, bytes: Uint8Array): void {
    const redraw = this.redrawNext;
    this.redrawNext = false;
    if (redraw) this.term.reset();
    const ack = redraw ? seq : seq + bytes.byteLength;
    this.pending += bytes.byteLength;
    if (this.pending > this.windowBytes * 0.75) this.setStatus("catching up", "warn", "This tab is behind the program; the daemon holds the rest.");
    this.term.write(bytes, () => {
      this.pending -= bytes.byteLength;
      this.rendered += bytes.byteLength;
      this.end = Math.max(this.end ?? 0, ack);
      this.ackSeq = Math.max(this.ackSeq, ack);
      if (this.pending === 0 && this.status.textContent === "catching up") this.setStatus(this.readOnly ? "watching" : "live", "ok");
      this.scheduleAck();
    });
  }

  /** One ack per frame's worth of rendering, not one per write. */
  private scheduleAck(): void {
    if (this.ackTimer !== undefined) return;
    this.ackTimer = window.setTimeout(() => {
      this.ackTimer = undefined;
      if (this.joined && this.ackSeq >= 0) this.conn.send({ type: "ack", seq: this.ackSeq });
    }, 16);
  }

  private setReadOnly(ro: boolean): void {
    if (this.opts.share?.readOnly || ro === this.readOnly) return;
    this.rejoin = { readOnly: ro };
    this.conn.send({ type: "leave" });
  }

  private setStatus(text: string, tone: "ok" | "warn" | "bad" | "muted", title?: string): void {
    this.status.textContent = text;
    this.status.className = `badge ${tone}`;
    if (title) this.status.title = title;
    else this.status.removeAttribute("title");
  }

  private flash(text: string, title: string): void {
    this.setStatus(text, "warn", title);
    window.setTimeout(() => {
      if (this.status.textContent === text) this.setStatus(this.readOnly ? "watching" : "live", "ok");
    }, 3000);
  }

  private showNotice(text: string): void {
    replace(this.notice, text);
    this.notice.hidden = false;
  }

  private hideNotice(): void {
    this.notice.hidden = true;
  }

  private async copy(): Promise<void> {
    const text = this.term.hasSelection() ? this.term.getSelection() : this.text.replace(/\n+$/, "");
    try {
      await navigator.clipboard.writeText(text);
      this.flash("copied", "Copied to the clipboard");
    } catch {
      this.showNotice("The browser refused the clipboard; select the text and press Ctrl+Shift+C.");
    }
  }

  private async pasteClipboard(): Promise<void> {
    if (this.readOnly) return this.showNotice("Read-only: turn it off to type or paste.");
    try {
      this.term.paste(await navigator.clipboard.readText());
      this.term.focus();
    } catch {
      this.showNotice("The browser refused the clipboard; press Ctrl+Shift+V in the terminal instead.");
    }
  }

  detach(): void {
    this.dispose();
    this.opts.onDetach?.();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    dark.removeEventListener("change", this.onScheme);
    this.resizeObs.disconnect();
    this.conn.close();
    this.term.dispose();
  }
}
