/** Signal names from the command line (`TERM`, `SIGTERM`, `15`) → the canonical `SIGTERM`. */
import { constants } from "node:os";
import { MaestroError } from "./errors.ts";

const SIGNALS = constants.signals as Record<string, number>;

export function parseSignal(text: string): NodeJS.Signals {
  const upper = text.toUpperCase();
  const name = /^\d+$/.test(text)
    ? Object.keys(SIGNALS).find((k) => SIGNALS[k] === Number(text))
    : Object.hasOwn(SIGNALS, upper)
      ? upper
      : Object.hasOwn(SIGNALS, `SIG${upper}`)
        ? `SIG${upper}`
        : undefined;
  if (!name) throw new MaestroError("usage", `unknown signal "${text}": use a name like HUP, TERM, KILL, INT or its number`);
  return name as NodeJS.Signals;
}
