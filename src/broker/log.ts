/**
 * The daemon's log: `$MAESTRO_HOME/daemon.log` always, stderr too when it runs in the foreground.
 * Lines are appended synchronously so the last words before a crash are on disk. The file rotates
 * by size (`[daemon] log_max_bytes`, `log_keep`: protocol/rotate.ts).
 */
import { appendFileSync, statSync } from "node:fs";
import { createConsola, type ConsolaInstance, type LogObject } from "consola";
import { DEFAULT_ROTATION, mustRotate, rotateFiles, type Rotation } from "../protocol/rotate.ts";

/**
 * `rotation` is read at every line: the daemon creates its logger before it has read the config
 * (so a bad config is logged), then fills in the configured limits.
 */
export function createLogger(file: string, foreground: boolean, rotation: Rotation = { ...DEFAULT_ROTATION }): ConsolaInstance {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    size = 0;
  }
  const format = (log: LogObject) => {
    const text = log.args
      .map((a) => (a instanceof Error ? (a.stack ?? a.message) : typeof a === "string" ? a : JSON.stringify(a)))
      .join(" ");
    return `${log.date.toISOString()} ${log.type.padEnd(5)} ${text}\n`;
  };
  return createConsola({
    level: process.env.MAESTRO_LOG_LEVEL === "debug" ? 4 : 3,
    reporters: [
      {
        log(log) {
          const line = format(log);
          const bytes = Buffer.byteLength(line);
          try {
            if (mustRotate(size, bytes, rotation)) {
              rotateFiles(file, rotation.keep);
              size = 0;
            }
            appendFileSync(file, line, { mode: 0o600 });
            size += bytes;
          } catch {
            // The log is best effort; the daemon must not die because the disk is full.
          }
          if (foreground) process.stderr.write(line);
        },
      },
    ],
  });
}
