/**
 * A session's `new --log` file: output appended through a buffered writer, rotated by size
 * (`[sessions] log_max_bytes`, `log_keep`). Rotation renames the file under the open descriptor,
 * so what the old writer still has buffered lands in `<name>.log.1`, in order, and new output
 * starts a fresh `<name>.log`.
 */
import type { FileSink } from "bun";
import { closeSync, openSync, statSync } from "node:fs";
import { mustRotate, rotateFiles, type Rotation } from "../protocol/rotate.ts";

export class SessionLog {
  private fd: number;
  private sink: FileSink;
  private size: number;
  private retiring: Promise<void>[] = [];

  constructor(
    private readonly path: string,
    private readonly rotation: Rotation,
  ) {
    [this.fd, this.sink] = this.open();
    this.size = statSync(path).size;
  }

  private open(): [number, FileSink] {
    // Bun.file(path).writer() would truncate: open for append ourselves (and close it ourselves).
    const fd = openSync(this.path, "a", 0o600);
    return [fd, Bun.file(fd).writer({ highWaterMark: 64 * 1024 })];
  }

  write(bytes: Uint8Array): void {
    if (mustRotate(this.size, bytes.byteLength, this.rotation)) this.rotate();
    this.sink.write(bytes);
    this.size += bytes.byteLength;
  }

  flush(): void {
    void this.sink.flush();
  }

  async end(): Promise<void> {
    await this.sink.end();
    closeQuietly(this.fd);
    await Promise.all(this.retiring);
  }

  private rotate(): void {
    const [oldFd, oldSink] = [this.fd, this.sink];
    try {
      rotateFiles(this.path, this.rotation.keep);
      [this.fd, this.sink] = this.open();
      this.size = 0;
    } catch {
      // Cannot rotate (a full disk, a removed directory): keep appending where we are.
      [this.fd, this.sink] = [oldFd, oldSink];
      return;
    }
    const done = Promise.resolve(oldSink.end()).then(
      () => closeQuietly(oldFd),
      () => closeQuietly(oldFd),
    );
    this.retiring.push(done);
    void done.then(() => (this.retiring = this.retiring.filter((p) => p !== done)));
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // the writer closed it already
  }
}
