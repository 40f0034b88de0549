/**
 * The control frames' JSON shapes, and helpers to encode and decode them. DATA frames carry raw
 * bytes behind a u32 stream id and never go through JSON.
 */
import { FrameError, FrameKind, HEADER_BYTES, MAX_FRAME, encodeFrame, type Frame } from "./frame.ts";
import type { ErrorCode } from "./errors.ts";

export interface Hello {
  /** The protocol version the client speaks. */
  protocol: number;
  /** Free text naming the client, e.g. "maestro/0.1.0". */
  client: string;
  /** An identity's token; absent means the operator. */
  token?: string;
}

export interface Identity {
  name: string;
  kind: "operator" | "agent" | "session";
}

export interface Welcome {
  protocol: number;
  version: string;
  pid: number;
  features: string[];
  identity: Identity;
}

export interface Request {
  /** Chosen by the client; unique among its requests in flight on this connection. */
  id: number;
  type: string;
  args: Record<string, unknown>;
}

export interface Reply {
  id: number;
  result: unknown;
}

export interface ErrorBody {
  /** The request this answers; absent for an error about the connection itself. */
  id?: number;
  code: ErrorCode;
  message: string;
  /** The exit code a CLI should end with. */
  exit: number;
  /** True when the daemon closes the connection after this frame. */
  fatal?: boolean;
  details?: Record<string, unknown>;
}

/** A server-pushed item on a stream opened by request `stream`. */
export interface EventBody {
  stream: number;
  event: unknown;
}

/** The end of a stream; after it no EVENT or DATA frame names that stream. */
export interface EndBody {
  stream: number;
  reason?: string;
}

/** Client asks the daemon to stop a stream it opened. */
export interface CancelBody {
  stream: number;
}

export interface JsonBodies {
  [FrameKind.HELLO]: Hello;
  [FrameKind.WELCOME]: Welcome;
  [FrameKind.REQUEST]: Request;
  [FrameKind.REPLY]: Reply;
  [FrameKind.ERROR]: ErrorBody;
  [FrameKind.EVENT]: EventBody;
  [FrameKind.END]: EndBody;
  [FrameKind.CANCEL]: CancelBody;
}

export type JsonKind = keyof JsonBodies;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export function encodeJson<K extends JsonKind>(kind: K, body: JsonBodies[K]): Uint8Array {
  return encodeFrame(kind, encoder.encode(JSON.stringify(body)));
}

/**
 * Decodes a control frame's JSON and checks the fields every consumer relies on. Anything else
 * in the object is the handler's to validate.
 */
export function decodeJson<K extends JsonKind>(frame: Frame & { kind: K }): JsonBodies[K] {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(frame.payload));
  } catch {
    throw new FrameError(`frame kind 0x0${frame.kind.toString(16)} does not hold valid UTF-8 JSON`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new FrameError(`frame kind 0x0${frame.kind.toString(16)} must hold a JSON object`);
  }
  const body = value as Record<string, unknown>;
  const need = (field: string, type: "number" | "string" | "object") => {
    const v = body[field];
    const ok = type === "number" ? Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffffffff : typeof v === type && v !== null;
    if (!ok) throw new FrameError(`frame kind 0x0${frame.kind.toString(16)}: field "${field}" must be ${type === "number" ? "a uint32" : `a ${type}`}`);
  };
  switch (frame.kind) {
    case FrameKind.HELLO:
      need("protocol", "number");
      if (body.token !== undefined) need("token", "string");
      break;
    case FrameKind.REQUEST:
      need("id", "number");
      need("type", "string");
      if (body.args === undefined) body.args = {};
      if (typeof body.args !== "object" || body.args === null || Array.isArray(body.args)) {
        throw new FrameError('request field "args" must be a JSON object');
      }
      break;
    case FrameKind.REPLY:
      need("id", "number");
      break;
    case FrameKind.ERROR:
      need("code", "string");
      need("message", "string");
      break;
    case FrameKind.EVENT:
    case FrameKind.END:
    case FrameKind.CANCEL:
      need("stream", "number");
      break;
  }
  return body as unknown as JsonBodies[K];
}

/** DATA payload: u32 big-endian stream id, then raw bytes. */
export function encodeData(stream: number, bytes: Uint8Array): Uint8Array {
  // One allocation and one copy: this is the terminal relay's hot path.
  if (bytes.byteLength + 4 > MAX_FRAME) {
    throw new FrameError(`frame payload of ${bytes.byteLength + 4} bytes exceeds the maximum of ${MAX_FRAME}`);
  }
  // allocUnsafe: every byte is written below, so zero-filling first would be wasted work.
  const out: Uint8Array = Buffer.allocUnsafe(HEADER_BYTES + 4 + bytes.byteLength);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint32(0, 1 + 4 + bytes.byteLength);
  out[4] = FrameKind.DATA;
  view.setUint32(HEADER_BYTES, stream);
  out.set(bytes, HEADER_BYTES + 4);
  return out;
}

export function decodeData(frame: Frame): { stream: number; bytes: Uint8Array } {
  if (frame.payload.byteLength < 4) throw new FrameError("DATA frame shorter than its 4-byte stream id");
  const stream = new DataView(frame.payload.buffer, frame.payload.byteOffset).getUint32(0);
  return { stream, bytes: frame.payload.subarray(4) };
}
