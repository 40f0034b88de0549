/**
 * The generated parts of the docs: docs/protocol.md's request tables from the request table
 * (src/protocol/requests.ts) and docs/cli.md's verb and flag reference from the verb table
 * (src/cli/run.ts). `npm run docs` rewrites them; test/docs-generated.test.ts fails when the
 * committed docs differ, so neither can drift from the code.
 */
import type { ArgsDef } from "citty";
import { z } from "zod";
import { VERBS } from "../src/cli/run.ts";
import { REQUESTS, type RequestSpec, type RequestType } from "../src/protocol/requests.ts";

interface JsonSchema {
  type?: string;
  enum?: string[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  description?: string;
}

const esc = (text: string) => text.replace(/\|/g, "\\|");

function typeHint(s: JsonSchema): string {
  if (s.enum) return s.enum.map((v) => `"${v}"`).join(" | ");
  if (s.type === "integer") return s.minimum !== undefined && s.maximum !== undefined ? `${s.minimum}–${s.maximum}` : "integer";
  if (s.type === "array") return `[${s.items?.properties ? `{${Object.keys(s.items.properties).join(", ")}}` : (s.items?.type ?? "…")}]`;
  if (s.type === "object") return "{k: v}";
  return s.type ?? "…";
}

function argsCell(spec: RequestSpec): string {
  const js = z.toJSONSchema(spec.args) as JsonSchema;
  const required = new Set(js.required ?? []);
  const fields = Object.entries(js.properties ?? {}).map(([name, s]) => `${name}${required.has(name) ? "" : "?"}: ${typeHint(s)}`);
  return fields.length === 0 ? "`{}`" : `\`{${fields.join(", ")}}\``;
}

function notes(type: string, spec: RequestSpec): string[] {
  const js = z.toJSONSchema(spec.args) as JsonSchema;
  return Object.entries(js.properties ?? {})
    .filter(([, s]) => s.description)
    .map(([name, s]) => `\`${type}.${name}\`: ${s.description}`);
}

const SECTIONS: Record<RequestSpec["section"], string> = {
  daemon: "The daemon and identities",
  messages: "Messages",
  sessions: "Sessions",
};

export function protocolTables(): string {
  const out: string[] = [];
  for (const [section, title] of Object.entries(SECTIONS)) {
    const types = (Object.keys(REQUESTS) as RequestType[]).filter((t) => REQUESTS[t].section === section);
    out.push(`### ${title}`, "", "| type | args | who | result |", "|---|---|---|---|");
    for (const t of types) {
      const spec: RequestSpec = REQUESTS[t];
      const who = spec.access.who === "operator" ? "operator" : "anyone";
      const stream = spec.stream === "always" ? " (stream)" : spec.stream === "follow" ? " (stream with `follow`)" : "";
      out.push(`| \`${t}\`${stream} | ${esc(argsCell(spec))} | ${who} | ${esc(spec.result)} |`);
    }
    // A field shared by several types (send's and reply's compose fields) is explained once.
    const seen = new Set<string>();
    const fieldNotes = types.flatMap((t) => notes(t, REQUESTS[t])).filter((n) => {
      const key = n.replace(/^`[^.]+\./, "");
      return !seen.has(key) && Boolean(seen.add(key));
    });
    if (fieldNotes.length > 0) out.push("", ...fieldNotes.map((n) => `- ${n}`));
    out.push("");
  }
  return out.join("\n").trimEnd();
}

export async function cliReference(): Promise<string> {
  const out = ["| verb | arguments | flags |", "|---|---|---|"];
  for (const [name, load] of Object.entries(VERBS)) {
    const verb = await load();
    const args = Object.entries(verb.args as ArgsDef);
    const positionals = args
      .filter(([, d]) => d.type === "positional")
      .map(([n, d], i, all) => {
        const word = n.toUpperCase() + (verb.variadic && i === all.length - 1 ? "…" : "");
        return d.required === false ? `[${word}]` : word;
      });
    if (verb.command) positionals.push("[-- CMD ARGS…]");
    const repeatable = new Set<string>(verb.repeatable ?? []);
    const flags = args
      .filter(([, d]) => d.type !== "positional")
      .map(([n, d]) => {
        const flag = n.length === 1 ? `-${n}` : `--${n}`;
        const value = d.type === "boolean" ? "" : d.type === "enum" && "options" in d && d.options ? ` ${d.options.join("\\|")}` : " VALUE";
        return `\`${flag}${value}\`${repeatable.has(n) ? " (repeatable)" : ""}: ${esc(d.description ?? "")}`;
      });
    out.push(`| \`${name}\` | ${positionals.length ? `\`${esc(positionals.join(" "))}\`` : ""} | ${flags.join("<br>")} |`);
  }
  return out.join("\n");
}

const marker = (name: string) => [`<!-- generated: ${name} (npm run docs; do not edit by hand) -->`, `<!-- end generated: ${name} -->`] as const;

/** The document with the block between the named markers replaced by `body`. */
export function withGenerated(doc: string, name: string, body: string): string {
  const [start, end] = marker(name);
  const a = doc.indexOf(start);
  const b = doc.indexOf(end);
  if (a < 0 || b < a) throw new Error(`the markers for "${name}" are missing`);
  return `${doc.slice(0, a + start.length)}\n${body}\n${doc.slice(b)}`;
}

export async function generatedDocs(root: string): Promise<Record<string, string>> {
  const protocol = await Bun.file(`${root}/docs/protocol.md`).text();
  const cli = await Bun.file(`${root}/docs/cli.md`).text();
  return {
    "docs/protocol.md": withGenerated(protocol, "requests", protocolTables()),
    "docs/cli.md": withGenerated(cli, "verbs", await cliReference()),
  };
}
