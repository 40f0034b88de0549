/**
 * The client end of `attach`: the local terminal in raw mode, keystrokes to the daemon, the
 * session's bytes to the screen, and on every way out (detach key, the program's exit, the daemon
 * going away, a signal) the terminal put back as it was.
 */
import { clampSize } from "../protocol/limits.ts";
import { fstatSync, readlinkSync, writeSync } from "node:fs";
import { EXIT, MaestroError } from "../protocol/errors.ts";
import { parseDetachKey } from "../protocol/keys.ts";
import type { AttachEvent } from "../protocol/requests.ts";
import { AltScreenWatch, LEAVE_ALT_SCREEN, RESET_MODES } from "../protocol/terminal.ts";
import { reachDaemon } from "./autostart.ts";
import { desktopKind, desktopNotification, drawBanner, endsMidSequence } from "./banner.ts";

export interface AttachOptions {
  readOnly: boolean;
  /** Overrides the daemon's configured detach key. */
  detachKey?: string;
}

/** Ways an attach ends, and the line that says so. */
interface Ending {
  line: string;
  exit: number;
}

export async function attachTerminal(name: string, opts: AttachOptions): Promise<number> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    throw new MaestroError("usage", "attach needs a terminal: stdin is not a TTY (use `maestro peek` to read a session, `maestro type` to send it input)");
  }
  const override = opts.detachKey === undefined ? undefined : { key: parseDetachKey(opts.detachKey) };
  // The terminal's exact settings, saved while we connect (a process start is off the critical path).
  const savedP = stty("-g");
  const client = await reachDaemon({ token: process.env.MAESTRO_TOKEN || undefined });
  // A window too small to say (0×0) gets the classic 80×24; a huge one the largest size there is.
  const size = () => clampSize(process.stdout.columns || 80, process.stdout.rows || 24);
  const alt = new AltScreenWatch();
  let finish: (e: Ending) => void = () => {};
  const ended = new Promise<Ending>((r) => (finish = r));
  let exitLine: string | undefined;
  /** A banner to draw once the output is at a clean boundary (not inside an escape sequence). */
  let bannerDue: { text: string; desktop: string } | undefined;
  let midSequence = false;
  const paintBanner = () => {
    if (bannerDue === undefined || midSequence) return;
    const { cols, rows } = size();
    writeAll(drawBanner(bannerDue.text, cols, rows) + bannerDue.desktop);
    bannerDue = undefined;
  };

  const { id, reply } = client.openStream(
    "attach",
    { name, ...size(), read_only: opts.readOnly, ...ttyName() },
    {
      data(bytes) {
        alt.feed(bytes);
        writeAll(bytes);
        midSequence = endsMidSequence(bytes);
        paintBanner();
      },
      event(raw) {
        const e = raw as AttachEvent;
        if (e.type === "exit") {
          const what = e.signal ? `killed by ${e.signal}` : `exited with code ${e.code}`;
          if (e.restarting) writeAll(`\r\n[${name} ${what}; restarting]\r\n`);
          else exitLine = `[${name} ${what}]`;
        } else if (e.type === "banner") {
          // Drawn by us, over the program's screen; the daemon redraws that screen to remove it.
          const kind = desktopKind(e.desktop, process.env);
          bannerDue = { text: e.text, desktop: kind ? desktopNotification(kind, `maestro ${name}`, e.text) : "" };
          paintBanner();
        } else if (e.type === "banner_clear") {
          bannerDue = undefined; // the fresh screen that follows paints over it
        }
      },
      end(reason) {
        if (exitLine) finish({ line: exitLine, exit: EXIT.ok });
        else if (reason === "removed") finish({ line: `[${name} was removed]`, exit: EXIT.ok });
        // A remote session's link (name@host) that dropped and did not come back says so itself.
        else if (reason?.startsWith("the link to host ")) finish({ line: `[lost ${reason}]`, exit: EXIT.unavailable });
        else finish({ line: `[lost the daemon: ${reason ?? "stream ended"}]`, exit: EXIT.unavailable });
      },
    },
  );
  let result;
  try {
    result = await reply;
  } catch (err) {
    client.close();
    await savedP;
    throw err;
  }
  const detach = override ? override.key : parseDetachKey(result.detach_key);

  // Raw mode as a terminal multiplexer needs it: the runtime's raw mode leaves output processing
  // (OPOST) on, which would turn the program's bare line feeds into CR LF. The restored screen
  // uses CR LF throughout, so it may be drawn while stty is still switching OPOST off.
  const saved = await savedP;
  stdin.setRawMode(true);
  const rawP = stty("-opost");
  const onInput = (chunk: Buffer) => {
    const at = detach === undefined ? -1 : chunk.indexOf(detach);
    const keys = at === -1 ? chunk : chunk.subarray(0, at);
    if (!opts.readOnly && keys.byteLength > 0) client.sendData(id, keys);
    if (at !== -1) finish({ line: `[detached from ${name}]`, exit: EXIT.ok });
  };
  stdin.on("data", onInput);
  stdin.resume();
  const onResize = () => void client.request("resize", { stream: id, ...size() }).catch(() => {});
  process.stdout.on("resize", onResize);
  const onSignal = (sig: NodeJS.Signals) => finish({ line: `[detached from ${name}: ${sig}]`, exit: EXIT.ok });
  const signals: NodeJS.Signals[] = ["SIGTERM", "SIGHUP", "SIGINT", "SIGQUIT"];
  for (const s of signals) process.on(s, onSignal);

  let ending: Ending;
  try {
    ending = await ended;
  } finally {
    for (const s of signals) process.off(s, onSignal);
    process.stdout.off("resize", onResize);
    stdin.off("data", onInput);
    stdin.pause();
    // Leave the outer terminal as we found it: normal screen, default modes, cooked input.
    writeAll((alt.active ? LEAVE_ALT_SCREEN : "") + RESET_MODES);
    await rawP;
    stdin.setRawMode(false);
    if (saved) await stty(saved);
    client.cancel(id);
    client.close();
  }
  writeAll(`\r\n${ending.line}\r\n`);
  return ending.exit;
}

/** Runs stty on our terminal (stdin); its output, or undefined if it failed. */
async function stty(arg: string): Promise<string | undefined> {
  try {
    const p = Bun.spawn(["stty", arg], { stdin: "inherit", stdout: "pipe", stderr: "ignore" });
    const [out, code] = await Promise.all([new Response(p.stdout).text(), p.exited]);
    return code === 0 ? out.trim() : undefined;
  } catch {
    return undefined; // no stty: the runtime's raw mode alone
  }
}

/**
 * Which terminal this is, for "only new history on a re-attach": its device path plus the time
 * the device was set up, because a closed terminal's /dev/pts/N is soon handed to a new one.
 * Where the platform does not show it (no /proc), nothing: every attach then gets full history.
 */
function ttyName(): { tty?: string } {
  try {
    const path = readlinkSync("/proc/self/fd/0");
    return path.startsWith("/dev/") ? { tty: `${path}@${fstatSync(0).ctimeMs}` } : {};
  } catch {
    return {};
  }
}

/**
 * Blocking writes to the terminal: while it is busy we stop reading the socket, so the daemon
 * sees our backlog grow and applies its watermarks, rather than this process buffering without end.
 */
function writeAll(data: Uint8Array | string): void {
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
