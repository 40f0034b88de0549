/**
 * Every request type the daemon answers, with its arguments and result. Both sides import this
 * map, so a request and its handler cannot disagree on shape without the type checker noticing.
 */

export interface StatusResult {
  version: string;
  protocol: number;
  pid: number;
  started_at: string;
  uptime_s: number;
  home: string;
  socket: string;
  db: { path: string; bytes: number };
  connections: number;
  sessions: number;
  messages: number;
}

export interface ShutdownResult {
  pid: number;
}

export interface RegisterArgs {
  name: string;
  /** Issue a new token for an existing identity; the old one stops working. */
  rotate?: boolean;
}

export interface RegisterResult {
  name: string;
  token: string;
  rotated: boolean;
}

export interface WhoamiResult {
  name: string;
  kind: "operator" | "agent" | "session";
}

export interface Requests {
  status: { args: Record<string, never>; result: StatusResult };
  shutdown: { args: Record<string, never>; result: ShutdownResult };
  register: { args: RegisterArgs; result: RegisterResult };
  whoami: { args: Record<string, never>; result: WhoamiResult };
}

export type RequestType = keyof Requests;
export type ArgsOf<T extends RequestType> = Requests[T]["args"];
export type ResultOf<T extends RequestType> = Requests[T]["result"];
