import { defineVerb } from "../cli/verb.ts";

export default defineVerb({
  meta: {
    name: "mcp",
    description:
      "Run a Model Context Protocol server on stdin/stdout for an agent CLI (Claude Code, Codex, Gemini CLI, …): maestro's messaging as tools, and each new message pushed as a Claude Code channel event. Acts as MAESTRO_TOKEN's identity (or the session it runs in; else the operator). See docs/agents.md for set-up.",
    examples: [
      "maestro mcp   # what an agent CLI runs; speaks JSON-RPC on stdin/stdout",
      "claude mcp add maestro -- maestro mcp",
      "maestro new w1 -- claude --dangerously-load-development-channels server:maestro",
      "MAESTRO_TOKEN=mst_… maestro mcp   # as a registered agent",
    ],
  },
  args: {},
  async run() {
    // The SDK is loaded here only: no other verb's start-up pays for it.
    const { serveMcp } = await import("../mcp/server.ts");
    // One tool call's mistake must not end every agent's session with maestro: log it, keep serving.
    process.on("unhandledRejection", (err) => console.error(`maestro mcp: ${(err as Error)?.message ?? String(err)}`));
    const code = await serveMcp();
    // The daemon connection and stdin would keep the process alive once the client has gone.
    process.exit(code);
  },
});
