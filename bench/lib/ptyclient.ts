/**
 * A terminal client hosted in a real PTY that this process reads as fast as it can: how the
 * session rows run `maestro attach`, `dtach -a` and `tmux attach`, so each peer pays for a real
 * terminal on its client side and none of them is measured against a pipe.
 */
import type { Subprocess } from "bun";
import type { Env } from "./proc.ts";
import { MarkerWatch } from "./marker.ts";
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
  const watch = new MarkerWatch();
  const proc = Bun.spawn(argv, {
    env,
    terminal: {
      cols,
      rows,
      data(_t, chunk) {
        bytes += chunk.byteLength;
        if (!onText && !watch.waiting) return;
        const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString("latin1");
        onText?.(text);
        watch.feed(text);
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
    waitFor: (marker, since, timeoutMs) => watch.waitFor(marker, since, timeoutMs, `from ${argv.join(" ")}`),
    type(text) {
      proc.terminal!.write(text);
    },
    close,
  };
}
