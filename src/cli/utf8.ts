/**
 * Message bodies are text. Bytes that are not UTF-8 would be decoded with U+FFFD in their place
 * and stored as garbage, so they are refused before anything is sent; binary data goes as a file.
 */
import { MaestroError } from "../protocol/errors.ts";

const strict = new TextDecoder("utf-8", { fatal: true });

function notText(where: string, what = "the body"): MaestroError {
  return new MaestroError("usage", `${what} ${where} is not UTF-8 text; send binary data as a file with --attach FILE`);
}

/** Decodes a body read from stdin (or a file), refusing bytes that are not UTF-8. */
export function textBody(bytes: Uint8Array, where: string): string {
  try {
    return strict.decode(bytes);
  } catch {
    throw notText(where);
  }
}

/**
 * The runtime has already decoded argv, replacing invalid bytes with U+FFFD. An argument
 * holding U+FFFD is checked against the raw command line (Linux `/proc`), where a real U+FFFD is
 * valid UTF-8 and a replaced byte is not.
 */
export function checkArgText(value: string, what = "the body"): void {
  if (!value.includes("\uFFFD")) return;
  let raw: Buffer;
  try {
    // Only for an argument holding U+FFFD: node:fs stays off send's start-up path otherwise.
    raw = (require("node:fs") as typeof import("node:fs")).readFileSync("/proc/self/cmdline");
  } catch {
    return; // no /proc: nothing to compare with
  }
  let start = 0;
  for (let i = 0; i <= raw.length; i++) {
    if (i < raw.length && raw[i] !== 0) continue;
    const arg = raw.subarray(start, i);
    start = i + 1;
    try {
      strict.decode(arg);
    } catch {
      if (new TextDecoder().decode(arg) === value) throw notText("argument", what);
    }
  }
}
