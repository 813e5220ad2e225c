// The child's side of a bench server process: tell the parent it is ready, answer its calls. The
// parent's side is childServer.ts.
import { wallClockMs } from "./wallClock.ts";

/** A call from the parent: `type` names a handler, `payload` is its argument. */
export interface CallMessage {
  kind: "call";
  id: number;
  type: string;
  payload?: unknown;
}

export type ReplyMessage =
  | { kind: "reply"; id: number; ok: true; value: unknown }
  | { kind: "reply"; id: number; ok: false; error: string };

export interface ReadyMessage<Info> {
  kind: "ready";
  info: Info;
}

export type CallHandlers = Record<string, (payload: unknown) => unknown>;

/**
 * Announces `info` to the parent and serves `handlers` until the parent calls "close" (which runs
 * `close` and exits) or goes away. Every child answers "clock" with its wall clock, so the parent can
 * tell the offset between the two processes' clocks.
 */
export function serveParent<Info>(info: Info, handlers: CallHandlers, close: () => Promise<void>): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error("a bench server process must be started by the bench (with an IPC channel)");
  const all: CallHandlers = {
    ...handlers,
    clock: () => wallClockMs(),
    close: async () => {
      await close();
      // Exit after the reply is on its way.
      setImmediate(() => process.exit(0));
    },
  };
  process.on("message", async (message: CallMessage) => {
    if (message?.kind !== "call") return;
    let reply: ReplyMessage;
    try {
      const handler = all[message.type];
      if (!handler) throw new Error(`no handler for "${message.type}"`);
      reply = { kind: "reply", id: message.id, ok: true, value: await handler(message.payload) };
    } catch (error) {
      reply = {
        kind: "reply",
        id: message.id,
        ok: false,
        error: error instanceof Error ? error.message : String(error),
      };
    }
    send(reply);
  });
  // The parent died: nobody will call "close", so do it here instead of lingering.
  process.on("disconnect", () => void close().finally(() => process.exit(0)));
  send({ kind: "ready", info } satisfies ReadyMessage<Info>);
}
