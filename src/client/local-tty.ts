/**
 * The attach client's own terminal: is it one, its size, raw mode on and the exact settings put
 * back, keystrokes in, resizes. Two ways to get there:
 *
 * - libc through bun:ffi (Linux): isatty, TIOCGWINSZ, tcgetattr/cfmakeraw/tcsetattr, keys read
 *   from `Bun.stdin`. Touching `process.stdin` or `process.stdout` builds Node's stream machinery
 *   — measured ~20 ms of CPU in the compiled binary on a loaded machine, more than the rest of an
 *   attach — and the runtime's raw mode leaves output processing on, which cost a `stty -opost`
 *   process (2–8 ms) besides. cfmakeraw turns it off in the same call, as tmux does.
 * - Node's tty streams plus `stty -opost` everywhere else (and if libc cannot be opened).
 */
import { dlopen, FFIType } from "bun:ffi";
import { writeSync } from "node:fs";

export interface LocalTerminal {
  isTty(): boolean;
  /** Columns × rows, 0 where the terminal does not say. */
  size(): { cols: number; rows: number };
  /** Raw mode: no echo, no line editing, no signals from keys, no output processing. */
  raw(): void;
  /** Puts back the settings the terminal had before raw(), exactly. */
  restore(): Promise<void>;
  /** Starts delivering keystrokes; the returned function stops it. */
  keys(fn: (bytes: Uint8Array) => void): () => void;
  /** Calls fn on every window resize; the returned function stops it. */
  onResize(fn: () => void): () => void;
}

/** The libc way where it works, else Node's. */
export function localTerminal(): LocalTerminal {
  return (process.platform === "linux" && libcTerminal()) || nodeTerminal();
}

const TIOCGWINSZ = 0x5413; // Linux, every architecture Bun runs on
const TCSANOW = 0;
/** Larger than any libc's struct termios (glibc's is 60 bytes): we never look inside it. */
const TERMIOS_BYTES = 256;

function libcTerminal(): LocalTerminal | undefined {
  let lib;
  try {
    lib = dlopen("libc.so.6", {
      isatty: { args: [FFIType.i32], returns: FFIType.i32 },
      ioctl: { args: [FFIType.i32, FFIType.u64, FFIType.ptr], returns: FFIType.i32 },
      tcgetattr: { args: [FFIType.i32, FFIType.ptr], returns: FFIType.i32 },
      tcsetattr: { args: [FFIType.i32, FFIType.i32, FFIType.ptr], returns: FFIType.i32 },
      cfmakeraw: { args: [FFIType.ptr], returns: FFIType.void },
    });
  } catch {
    return undefined; // not glibc, or no FFI: Node's way
  }
  const c = lib.symbols;
  let saved: Uint8Array | undefined;
  return {
    isTty: () => c.isatty(0) === 1,
    size() {
      const ws = new Uint16Array(4); // rows, cols, xpixel, ypixel
      if (c.ioctl(1, TIOCGWINSZ, ws) !== 0 && c.ioctl(0, TIOCGWINSZ, ws) !== 0) return { cols: 0, rows: 0 };
      return { cols: ws[1]!, rows: ws[0]! };
    },
    raw() {
      const now = new Uint8Array(TERMIOS_BYTES);
      if (c.tcgetattr(0, now) !== 0) return;
      saved ??= now.slice();
      c.cfmakeraw(now);
      c.tcsetattr(0, TCSANOW, now);
    },
    async restore() {
      if (saved) c.tcsetattr(0, TCSANOW, saved);
    },
    keys(fn) {
      const reader = Bun.stdin.stream().getReader();
      let reading = true;
      void (async () => {
        try {
          while (reading) {
            const { value, done } = await reader.read();
            if (done) return;
            if (reading) fn(value);
          }
        } catch {
          // the terminal went away: the daemon's end of the stream says what happened next
        }
      })();
      return () => {
        reading = false;
        void reader.cancel().catch(() => {});
      };
    },
    onResize(fn) {
      process.on("SIGWINCH", fn);
      return () => process.off("SIGWINCH", fn);
    },
  };
}

function nodeTerminal(): LocalTerminal {
  const stdin = process.stdin;
  let opost: Promise<boolean> | undefined;
  return {
    isTty: () => stdin.isTTY === true,
    size: () => ({ cols: process.stdout.columns || 0, rows: process.stdout.rows || 0 }),
    raw() {
      // The runtime's raw mode leaves output processing (OPOST) on, which would turn the program's
      // bare line feeds into CR LF: stty turns it off. The runtime saves the settings on the way in
      // and puts back exactly those on the way out, OPOST included.
      stdin.setRawMode(true);
      opost = stty("-opost");
    },
    async restore() {
      await opost;
      stdin.setRawMode(false);
    },
    keys(fn) {
      const onData = (chunk: Buffer) => fn(chunk);
      stdin.on("data", onData);
      stdin.resume();
      return () => {
        stdin.off("data", onData);
        stdin.pause();
      };
    },
    onResize(fn) {
      process.stdout.on("resize", fn);
      return () => process.stdout.off("resize", fn);
    },
  };
}

/** Runs stty on our terminal (stdin); false if it failed. */
async function stty(arg: string): Promise<boolean> {
  try {
    const p = Bun.spawn(["stty", arg], { stdin: "inherit", stdout: "ignore", stderr: "ignore" });
    return (await p.exited) === 0;
  } catch {
    return false; // no stty: the runtime's raw mode alone
  }
}

/**
 * Blocking writes to the terminal: while it is busy the caller stops reading its socket, so the
 * daemon sees the backlog grow and applies its watermarks, rather than this process buffering
 * without end.
 */
export function writeAll(data: Uint8Array | string): void {
  let bytes = typeof data === "string" ? Buffer.from(data) : data;
  while (bytes.byteLength > 0) {
    try {
      const n = writeSync(1, bytes);
      bytes = bytes.subarray(n);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EAGAIN") throw err;
      Bun.sleepSync(1);
    }
  }
}
