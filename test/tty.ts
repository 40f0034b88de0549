/**
 * A real terminal for client-side tests: the compiled `maestro` runs in a PTY that this process
 * owns (Bun's terminal support), and everything it prints is rendered in a headless xterm, so a
 * test can compare what a person would see cell by cell.
 */
import { Terminal, type IBuffer, type IBufferCell } from "@xterm/headless";
import { afterEach } from "vitest";
import type { Subprocess } from "bun";
import { BIN, type TestHome, waitFor } from "./helpers.ts";

export class Tty {
  readonly term: Terminal;
  readonly proc: Subprocess;
  private pending = 0;
  private lastData = Date.now();
  code: number | undefined;

  /** Runs `maestro <args>`, or `argv` as given when set. */
  constructor(h: TestHome, args: string[], cols = 80, rows = 24, env: Record<string, string> = {}, argv?: string[]) {
    this.term = new Terminal({ cols, rows, scrollback: 5000, allowProposedApi: true, logLevel: "off" });
    this.proc = Bun.spawn(argv ?? [BIN, ...args], {
      env: { ...h.env, ...env },
      terminal: {
        cols,
        rows,
        data: (_t, bytes) => {
          this.lastData = Date.now();
          this.pending++;
          this.term.write(bytes, () => this.pending--);
        },
      },
    });
    void this.proc.exited.then((c) => (this.code = c));
  }

  /** Keystrokes, as if typed. */
  type(text: string): void {
    this.proc.terminal!.write(text);
  }

  /** The visible screen (active buffer), one string per row, right-trimmed. */
  screen(): string[] {
    const b = this.term.buffer.active;
    const out: string[] = [];
    for (let y = 0; y < this.term.rows; y++) out.push(b.getLine(b.baseY + y)?.translateToString(true) ?? "");
    return out;
  }

  /** Everything in the normal buffer, scrollback included. */
  allText(): string {
    const b = this.term.buffer.normal;
    const out: string[] = [];
    for (let y = 0; y < b.length; y++) out.push(b.getLine(y)?.translateToString(true) ?? "");
    return out.join("\n");
  }

  async waitScreen(re: RegExp, timeoutMs = 10_000): Promise<void> {
    try {
      await waitFor(() => this.pending === 0 && re.test(this.screen().join("\n")), timeoutMs);
    } catch {
      throw new Error(`screen never matched ${re}:\n${this.screen().join("\n")}`);
    }
  }

  /** Waits until the client has printed nothing for `quietMs` and all of it is parsed. */
  async settle(quietMs = 150): Promise<void> {
    await waitFor(() => this.pending === 0 && Date.now() - this.lastData >= quietMs);
  }

  async exit(timeoutMs = 10_000): Promise<number> {
    await waitFor(() => this.code !== undefined, timeoutMs);
    await waitFor(() => this.pending === 0);
    return this.code!;
  }

  kill(sig: NodeJS.Signals | number = "SIGKILL"): void {
    this.proc.kill(sig);
  }

  dispose(): void {
    if (this.code === undefined) this.proc.kill("SIGKILL");
    this.term.dispose();
  }
}

/** A reference terminal: fed exactly the bytes the program wrote, as the PTY delivered them. */
/**
 * A factory of Ttys for one test file: after each test every Tty it made is disposed and the
 * session `session` removed, so the next test starts from no session.
 */
export function ttysFor(h: TestHome, session = "w"): ((args: string[], cols?: number, rows?: number) => Tty) & { adopt(t: Tty): Tty } {
  const ttys: Tty[] = [];
  afterEach(async () => {
    for (const t of ttys.splice(0)) t.dispose();
    await h.run(["rm", "--force", session]).catch(() => {});
  });
  const adopt = (t: Tty) => (ttys.push(t), t);
  return Object.assign((args: string[], cols = 80, rows = 24) => adopt(new Tty(h, args, cols, rows)), { adopt });
}

export async function render(bytes: string, cols: number, rows: number): Promise<Terminal> {
  const t = new Terminal({ cols, rows, scrollback: 5000, allowProposedApi: true, logLevel: "off" });
  await new Promise<void>((r) => t.write(bytes, r));
  return t;
}

/** A description of every cell and mode that differs between two terminals; [] when identical. */
export function diffTerminals(got: Terminal, want: Terminal): string[] {
  const diffs: string[] = [];
  const a = got.buffer.active;
  const b = want.buffer.active;
  if (a.type !== b.type) diffs.push(`active buffer: ${a.type} vs ${b.type}`);
  if (a.cursorX !== b.cursorX || a.cursorY !== b.cursorY) diffs.push(`cursor: ${a.cursorX},${a.cursorY} vs ${b.cursorX},${b.cursorY}`);
  for (const [k, v] of Object.entries(want.modes)) {
    const g = (got.modes as unknown as Record<string, unknown>)[k];
    if (g !== v) diffs.push(`mode ${k}: ${String(g)} vs ${String(v)}`);
  }
  const internals = (t: Terminal) => {
    const core = (t as unknown as { _core: { coreService: { isCursorHidden: boolean }; coreMouseService: { activeEncoding: string } } })._core;
    return { hidden: core.coreService.isCursorHidden, encoding: core.coreMouseService.activeEncoding };
  };
  const ia = internals(got);
  const ib = internals(want);
  if (ia.hidden !== ib.hidden) diffs.push(`cursor hidden: ${ia.hidden} vs ${ib.hidden}`);
  if (ia.encoding !== ib.encoding) diffs.push(`mouse encoding: ${ia.encoding} vs ${ib.encoding}`);
  diffs.push(...diffViewport(got.buffer.normal, want.buffer.normal, got.rows, got.cols, "normal"));
  if (b.type === "alternate") diffs.push(...diffViewport(a, b, got.rows, got.cols, "alternate"));
  return diffs;
}

function diffViewport(a: IBuffer, b: IBuffer, rows: number, cols: number, name: string): string[] {
  const diffs: string[] = [];
  const ca = a.getNullCell();
  const cb = b.getNullCell();
  for (let y = 0; y < rows && diffs.length < 20; y++) {
    const la = a.getLine(a.baseY + y);
    const lb = b.getLine(b.baseY + y);
    for (let x = 0; x < cols; x++) {
      const pa = la?.getCell(x, ca);
      const pb = lb?.getCell(x, cb);
      const da = pa ? cellKey(pa) : "∅";
      const db = pb ? cellKey(pb) : "∅";
      if (da !== db) {
        diffs.push(`${name} ${x},${y}: ${da} vs ${db}`);
        break;
      }
    }
  }
  return diffs;
}

function cellKey(c: IBufferCell): string {
  return [
    JSON.stringify(c.getChars()),
    c.getWidth(),
    c.getFgColorMode(),
    c.getFgColor(),
    c.getBgColorMode(),
    c.getBgColor(),
    c.isBold(),
    c.isItalic(),
    c.isDim(),
    c.isUnderline(),
    c.isInverse(),
    c.isStrikethrough(),
    c.isInvisible(),
    c.isBlink(),
  ].join("|");
}
