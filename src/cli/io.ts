/**
 * Output for client verbs. Not process.stdout/stderr: touching those makes Bun build Node's
 * stream machinery, ~8 ms at start-up — more than the whole round trip to the daemon. Bun's
 * console writes straight to fds 1 and 2 and is already loaded.
 */
const strip = (text: string) => (text.endsWith("\n") ? text.slice(0, -1) : text);

export const out = (text: string): void => console.log(strip(text));
export const err = (text: string): void => console.error(strip(text));
