/**
 * The daemon's log: `$MAESTRO_HOME/daemon.log` always, stderr too when it runs in the foreground.
 * Lines are appended synchronously so the last words before a crash are on disk.
 */
import { appendFileSync } from "node:fs";
import { createConsola, type ConsolaInstance, type LogObject } from "consola";

export function createLogger(file: string, foreground: boolean): ConsolaInstance {
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
          try {
            appendFileSync(file, line, { mode: 0o600 });
          } catch {
            // The log is best effort; the daemon must not die because the disk is full.
          }
          if (foreground) process.stderr.write(line);
        },
      },
    ],
  });
}
