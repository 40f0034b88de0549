/**
 * Programs a message notice (`--notify inject`) is never typed into: in a shell it would run as a
 * command, in an editor it would land in the file, in a pager (or a password prompt, or a
 * terminal multiplexer or remote login that hands it to one of those) its keys are commands.
 * Shared: the daemon holds notices while one of these is in front; `new` warns about shells.
 */
export const SHELLS: readonly string[] = ["sh", "bash", "zsh", "fish", "dash", "ash", "ksh", "mksh", "oksh", "yash", "tcsh", "csh", "nu", "elvish", "xonsh", "pwsh", "rc", "es"];

export const DEFAULT_HOLD_FOR: readonly string[] = [
  ...SHELLS,
  // editors
  "vi", "vim", "nvim", "view", "vimdiff", "ex", "nano", "pico", "micro", "emacs", "joe", "mg", "ed", "kak", "hx",
  // pagers and manuals
  "less", "more", "most", "man", "pager",
  // multiplexers and logins: they pass keys on to a shell
  "tmux", "screen", "ssh", "mosh-client", "telnet", "su", "sudo", "doas", "login", "passwd",
];

/** The program name a command line starts (`/bin/bash` → `bash`; a login shell's `-zsh` → `zsh`). */
export function programName(argv0: string): string {
  return (argv0.slice(argv0.lastIndexOf("/") + 1) || argv0).replace(/^-/, "");
}
