/**
 * A terminal client hosted in a real PTY that this process reads as fast as it can: how the
 * session rows run `maestro attach`, `dtach -a` and `tmux attach`, so each peer pays for a real
 * terminal on its client side and none of them is measured against a pipe.
 */
import type { Subprocess } from "bun";
import type { Env } from "./proc.ts";
import type { Scope } from "./scope.ts";

export interface PtyClient {
  proc: Subprocess;
  /** Bytes the client has written to its terminal so far. */
  readonly bytes: number;
  /** Resolves (with ms since `since`) once `marker` has appeared in the client's output. */
  waitFor(marker: string, since: number, timeoutMs: number): Promise<number>;
  type(text: string): void;
  close(): Promise<void>;
}

export function ptyClient(scope: Scope, argv: string[], env: Env, cols = 80, rows = 24, onText?: (latin1: string) => void): PtyClient {
  let bytes = 0;
  // The marker may straddle two reads: keep the tail of the previous one.
  let tail = "";
  let want: { marker: string; since: number; resolve(ms: number): void } | undefined;
  const proc = Bun.spawn(argv, {
    env,
    terminal: {
      cols,
      rows,
      data(_t, chunk) {
        bytes += chunk.byteLength;
        onText?.(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString("latin1"));
        if (!want) return;
        // latin1 keeps byte offsets and is the cheapest decode; markers are ASCII.
        const text = tail + Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString("latin1");
        if (text.includes(want.marker)) {
          const w = want;
          want = undefined;
          w.resolve(performance.now() - w.since);
        }
        tail = text.slice(-64);
      },
    },
  });
  const close = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
    await proc.exited;
    proc.terminal?.close();
  };
  scope.defer(`close pty client ${argv[0]}`, close);
  return {
    proc,
    get bytes() {
      return bytes;
    },
    waitFor(marker, since, timeoutMs) {
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no "${marker}" from ${argv.join(" ")} within ${timeoutMs} ms`)), timeoutMs);
        tail = "";
        want = {
          marker,
          since,
          resolve: (ms) => {
            clearTimeout(t);
            resolve(ms);
          },
        };
      });
    },
    type(text) {
      proc.terminal!.write(text);
    },
    close,
  };
}
