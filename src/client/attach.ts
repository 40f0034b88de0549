/**
 * The client end of `attach`: the local terminal in raw mode, keystrokes to the daemon, the
 * session's bytes to the screen, and on every way out (detach key, the program's exit, the daemon
 * going away, a signal) the terminal put back as it was.
 */
import { clampSize } from "../protocol/limits.ts";
import { fstatSync, readlinkSync } from "node:fs";
import { EXIT, MaestroError } from "../protocol/errors.ts";
import { parseDetachKey } from "../protocol/keys.ts";
import type { AttachEvent } from "../protocol/requests.ts";
import { AltScreenWatch, LEAVE_ALT_SCREEN, RESET_MODES } from "../protocol/terminal.ts";
import { reachDaemon } from "./autostart.ts";
import { desktopKind, desktopNotification, drawBanner, endsMidSequence } from "./banner.ts";
import { localTerminal, writeAll } from "./local-tty.ts";

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
  const term = localTerminal();
  if (!term.isTty()) {
    throw new MaestroError("usage", "attach needs a terminal: stdin is not a TTY (use `maestro peek` to read a session, `maestro type` to send it input)");
  }
  const override = opts.detachKey === undefined ? undefined : { key: parseDetachKey(opts.detachKey) };
  let finish: (e: Ending) => void = () => {};
  const ended = new Promise<Ending>((r) => (finish = r));
  // Raw mode (output processing off too: the program's bare line feeds must stay bare) and the
  // signal handlers go in before connecting, not after the reply: the restored screen comes with
  // the reply, and a key or signal the user sends the moment it shows (or while we connect) must
  // be ours — a detach key, not SIGQUIT; a clean detach on SIGTERM, not death.
  const onSignal = (sig: NodeJS.Signals) => finish({ line: `[detached from ${name}: ${sig}]`, exit: EXIT.ok });
  const signals: NodeJS.Signals[] = ["SIGTERM", "SIGHUP", "SIGINT", "SIGQUIT"];
  for (const s of signals) process.on(s, onSignal);
  term.raw();
  const giveUp = async () => {
    for (const s of signals) process.off(s, onSignal);
    await term.restore();
  };
  let client: Awaited<ReturnType<typeof reachDaemon>>;
  try {
    client = await reachDaemon({ token: process.env.MAESTRO_TOKEN || undefined });
  } catch (err) {
    await giveUp();
    throw err;
  }
  // A window too small to say (0×0) gets the classic 80×24; a huge one the largest size there is.
  const size = () => {
    const { cols, rows } = term.size();
    return clampSize(cols || 80, rows || 24);
  };
  const alt = new AltScreenWatch();
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

  const asked = size();
  const { id, reply } = client.openStream(
    "attach",
    { name, ...asked, read_only: opts.readOnly, ...ttyName() },
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
    await giveUp();
    client.close();
    throw err;
  }
  const detach = override ? override.key : parseDetachKey(result.detach_key);

  const onInput = (chunk: Uint8Array) => {
    const at = detach === undefined ? -1 : chunk.indexOf(detach);
    const keys = at === -1 ? chunk : chunk.subarray(0, at);
    if (!opts.readOnly && keys.byteLength > 0) client.sendData(id, keys);
    if (at !== -1) finish({ line: `[detached from ${name}]`, exit: EXIT.ok });
  };
  const stopKeys = term.keys(onInput);
  const resize = () => void client.request("resize", { stream: id, ...size() }).catch(() => {});
  const stopResize = term.onResize(resize);
  // A resize between reading the size and listening for resizes would be lost: look once more.
  const now = size();
  if (now.cols !== asked.cols || now.rows !== asked.rows) resize();

  let ending: Ending;
  try {
    ending = await ended;
  } finally {
    for (const s of signals) process.off(s, onSignal);
    stopResize();
    stopKeys();
    // Leave the outer terminal as we found it: normal screen, default modes, cooked input.
    writeAll((alt.active ? LEAVE_ALT_SCREEN : "") + RESET_MODES);
    await term.restore();
    client.cancel(id);
    client.close();
  }
  writeAll(`\r\n${ending.line}\r\n`);
  return ending.exit;
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
