import { out } from "../cli/io.ts";
import { ask } from "../cli/client.ts";
import { printJson } from "../cli/output.ts";
import { defineVerb } from "../cli/verb.ts";
import type { NoticeWait, SessionInfo } from "../protocol/requests.ts";

export default defineVerb({
  meta: {
    name: "ls",
    description: "List sessions: name, pid, state, clients, size, created, last activity, unread messages, notices waiting (--notify inject)",
    examples: ["maestro ls", "maestro ls --json | jq -r '.[] | select(.state == \"exited\") | .name'"],
  },
  args: {
    json: { type: "boolean", description: "Print a JSON array of session objects" },
    "all-hosts": { type: "boolean", description: "Every host's sessions and identities, from the federation directory ([federation])" },
  },
  async run({ args }) {
    if (args["all-hosts"]) return allHosts(Boolean(args.json));
    const list = await ask("ls", {});
    if (args.json) return printJson(list);
    if (list.length === 0) {
      out("no sessions; start one with `maestro new <name> -- <command>`\n");
      return;
    }
    const rows = [["NAME", "PID", "STATE", "CLIENTS", "SIZE", "CREATED", "ACTIVITY", "UNREAD", "NOTICES", "COMMAND"]];
    for (const s of list) {
      rows.push([s.name, String(s.pid), state(s), String(s.clients), `${s.cols}x${s.rows}`, ago(s.created_at), ago(s.last_activity), String(s.unread), notices(s), s.command.join(" ")]);
    }
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    out(rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ")).join("\n") + "\n");
  },
});

async function allHosts(json: boolean): Promise<void> {
  const dir = await ask("directory", {});
  if (json) return printJson(dir);
  const rows = [["NAME", "KIND", "PRESENCE", "HOST KEY", "UPDATED"]];
  for (const h of dir.hosts) for (const n of h.names) rows.push([`${n.name}@${h.host}`, n.kind, n.presence, h.key, ago(h.at)]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  out(rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ")).join("\n") + "\n");
}

function notices(s: SessionInfo): string {
  if (s.notify !== "inject") return "-";
  if (s.notices_held_by === "unknown") return `${s.pending_notices} held: cannot see the program in front`;
  if (s.notices_held_by) return `${s.pending_notices} held: ${s.notices_held_by} in front`;
  const why = s.notices_waiting_for ? WAIT_WORDS[s.notices_waiting_for] : undefined;
  const told = s.notices_told.length > 0 ? `, ${s.notices_told.length} told` : "";
  return why ? `${s.pending_notices} waiting: ${why}${told}` : String(s.pending_notices);
}

const WAIT_WORDS: Record<NoticeWait, string> = {
  typing: "typing",
  half_typed_line: "half-typed line",
  output: "output",
  program_in_front: "program in front",
  retry: "retry",
  confirm: "being typed",
};

function state(s: SessionInfo): string {
  if (s.state === "running") return "running";
  return s.signal ? `exited (${s.signal})` : `exited (${s.exit_code})`;
}

function ago(iso: string): string {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}
