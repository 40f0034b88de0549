/**
 * A stack of cleanups. Helpers that start something (a daemon, a tmux server, redis, a temp dir)
 * register how to undo it the moment it exists, so an exception or a Ctrl-C halfway through a row
 * still leaves nothing behind.
 */
export class Scope {
  private readonly stack: Array<{ what: string; undo: () => unknown }> = [];
  private closing: Promise<void> | undefined;

  defer(what: string, undo: () => unknown): void {
    this.stack.push({ what, undo });
  }

  /**
   * Undoes everything, newest first. One failed cleanup never stops the others. A second call
   * (a signal arriving while the row's own `finally` is closing) waits for the same pass instead
   * of racing it: two passes would pop the stack concurrently and, say, remove a daemon's home
   * while it is still being stopped.
   */
  close(): Promise<void> {
    this.closing ??= this.drain();
    return this.closing;
  }

  private async drain(): Promise<void> {
    for (let entry = this.stack.pop(); entry; entry = this.stack.pop()) {
      try {
        await entry.undo();
      } catch (err) {
        process.stderr.write(`bench: cleanup "${entry.what}" failed: ${err instanceof Error ? err.message : String(err)}\n`);
      }
    }
  }
}
