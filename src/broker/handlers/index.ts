/** The dispatch table: one entry per request type, one file per handler. */
import type { HandlerTable } from "../types.ts";
import { remoteAware } from "./remote.ts";
import { attach } from "./attach.ts";
import { kill } from "./kill.ts";
import { ls } from "./ls.ts";
import { newSession } from "./new.ts";
import { peek } from "./peek.ts";
import { register } from "./register.ts";
import { resize } from "./resize.ts";
import { rm } from "./rm.ts";
import { shutdown } from "./shutdown.ts";
import { backup } from "./backup.ts";
import { status } from "./status.ts";
import { directory, hostForget } from "./directory.ts";
import { type } from "./type.ts";
import { wait } from "./wait.ts";
import { ack } from "./ack.ts";
import { audit } from "./audit.ts";
import { events } from "./events.ts";
import { metrics } from "./metrics.ts";
import { sessionNotify } from "./session-notify.ts";
import { blobGet } from "./blob-get.ts";
import { dead } from "./dead.ts";
import { group } from "./group.ts";
import { identityLs, identityRm } from "./identity.ts";
import { history } from "./history.ts";
import { inbox } from "./inbox.ts";
import { messageWait } from "./message-wait.ts";
import { purge } from "./purge.ts";
import { read } from "./read.ts";
import { reply } from "./reply.ts";
import { search } from "./search.ts";
import { send } from "./send.ts";
import { thread } from "./thread.ts";
import { whoami } from "./whoami.ts";
import { webRevoke, webShare, webStart, webStop, webToken } from "./web.ts";
import { agents } from "./agents.ts";
import { delivered } from "./delivered.ts";

export const handlers: HandlerTable = {
  status,
  directory,
  "host.forget": hostForget,
  shutdown,
  backup,
  register,
  whoami,
  agents,
  delivered,
  new: newSession,
  ls,
  attach,
  resize,
  kill: remoteAware("kill", kill),
  rm,
  type: remoteAware("type", type),
  peek: remoteAware("peek", peek),
  wait,
  send,
  reply,
  "message.wait": messageWait,
  inbox,
  read,
  ack,
  thread,
  history,
  search,
  dead,
  purge,
  group,
  "identity.ls": identityLs,
  "identity.rm": identityRm,
  "blob.get": blobGet,
  audit,
  events,
  metrics,
  "session.notify": sessionNotify,
  "web.start": webStart,
  "web.stop": webStop,
  "web.revoke": webRevoke,
  "web.share": webShare,
  "web.token": webToken,
};
