import pkg from "../../package.json" with { type: "json" };

/** The maestro release, shown by `--version` and `status`. */
export const VERSION: string = pkg.version;

/**
 * The wire protocol version. Bump it whenever a frame or a request changes incompatibly; the hello
 * frame's layout (kind 0x01, JSON with `protocol`) must never change so that any two versions can
 * at least tell each other apart.
 */
export const PROTOCOL_VERSION = 1;
