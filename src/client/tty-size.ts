/**
 * The size of the terminal on a file descriptor, straight from the kernel (isatty + TIOCGWINSZ
 * through bun:ffi), or undefined when it is no terminal. `process.stdout.columns` would do, but
 * touching process.stdout builds Node's stream machinery: ~7 ms of a verb's start-up.
 * Loading the FFI (TinyCC compiles its stubs) costs ~0.2 ms itself, so a descriptor that is no
 * terminal — a script, a pipe, the bench — is told first by Bun's own isatty binding, where it has one.
 */
import { dlopen, FFIType, ptr } from "bun:ffi";
import { clampSize } from "../protocol/limits.ts";

const TIOCGWINSZ: Partial<Record<NodeJS.Platform, number>> = { linux: 0x5413, darwin: 0x40087468, freebsd: 0x40087468 };
const LIBC: Partial<Record<NodeJS.Platform, string>> = { linux: "libc.so.6", darwin: "libc.dylib", freebsd: "libc.so.7" };

export function terminalSize(fd: number): { cols: number; rows: number } | undefined {
  if (surelyNoTerminal(fd)) return undefined;
  const request = TIOCGWINSZ[process.platform];
  const lib = LIBC[process.platform];
  if (request === undefined || lib === undefined) return undefined;
  try {
    const libc = dlopen(lib, {
      isatty: { args: [FFIType.i32], returns: FFIType.i32 },
      ioctl: { args: [FFIType.i32, FFIType.u64, FFIType.ptr], returns: FFIType.i32 },
    });
    try {
      if (libc.symbols.isatty(fd) !== 1) return undefined;
      const winsize = new Uint16Array(4); // struct winsize { rows, cols, xpixel, ypixel }
      if (libc.symbols.ioctl(fd, request, ptr(winsize)) !== 0) return undefined;
      const [rows, cols] = winsize;
      return rows && cols ? clampSize(cols, rows) : undefined;
    } finally {
      libc.close();
    }
  } catch {
    return undefined;
  }
}

type TtyWrap = { isTTY?: (fd: number) => unknown };

/** True only when Bun's `tty_wrap` binding exists and says `fd` is no terminal; else ask the kernel. */
function surelyNoTerminal(fd: number): boolean {
  try {
    const binding = (process as unknown as { binding?: (name: string) => TtyWrap }).binding;
    const isTTY = binding?.("tty_wrap").isTTY;
    return typeof isTTY === "function" && isTTY(fd) === false;
  } catch {
    return false;
  }
}
