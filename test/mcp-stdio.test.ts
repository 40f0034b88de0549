/**
 * The MCP stdio transport's fast path (src/mcp/stdio.ts): a plain request or notification is
 * taken without the SDK's zod union, but it must accept and refuse exactly what the SDK's own
 * JSONRPCMessageSchema does, and hand on the same message.
 */
import { JSONRPCMessageSchema } from "@modelcontextprotocol/sdk/types.js";
import { expect, test } from "vitest";
import { decodeLine, plainMessage } from "../src/mcp/stdio.ts";

const LINES = [
  '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"send_message","arguments":{"to":"b","body":"x"}}}',
  '{"jsonrpc":"2.0","id":"abc","method":"tools/list"}',
  '{"jsonrpc":"2.0","method":"notifications/initialized"}',
  '{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":3,"reason":"no"}}',
  '{"jsonrpc":"2.0","id":2,"method":"ping","params":{"_meta":{"progressToken":7}}}',
  '{"jsonrpc":"2.0","id":3,"result":{}}',
  '{"jsonrpc":"2.0","id":4,"error":{"code":-32601,"message":"no"}}',
  // refused by the SDK: wrong version, fractional or null id, extra keys, params not an object
  '{"jsonrpc":"1.0","id":1,"method":"ping"}',
  '{"jsonrpc":"2.0","id":1.5,"method":"ping"}',
  '{"jsonrpc":"2.0","id":null,"method":"ping"}',
  '{"jsonrpc":"2.0","id":1,"method":"ping","extra":true}',
  '{"jsonrpc":"2.0","id":1,"method":"ping","params":[1]}',
  '{"jsonrpc":"2.0","id":1,"method":"ping","params":null}',
  '{"jsonrpc":"2.0","id":1,"method":7}',
  '{"jsonrpc":"2.0","id":1,"params":{}}',
  "[1,2,3]",
  "null",
  '"text"',
];

test("every line is accepted or refused as the SDK's schema decides, and decodes to the same message", () => {
  for (const line of LINES) {
    const sdk = JSONRPCMessageSchema.safeParse(JSON.parse(line));
    if (sdk.success) expect(decodeLine(line), line).toEqual(sdk.data);
    else expect(() => decodeLine(line), line).toThrow();
  }
});

test("the fast path takes plain requests and notifications only; the rest goes to the SDK's schema", () => {
  expect(plainMessage(JSON.parse(LINES[0]!))).toBeDefined();
  expect(plainMessage(JSON.parse(LINES[2]!))).toBeDefined();
  for (const i of [4, 5, 6, 7, 8, 9, 10, 11, 12]) expect(plainMessage(JSON.parse(LINES[i]!)), LINES[i]).toBeUndefined();
});

test("bad JSON throws, as the SDK's transport does", () => {
  expect(() => decodeLine("{not json")).toThrow();
  expect(() => decodeLine("")).toThrow();
});
