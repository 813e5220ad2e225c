// The bench's side of a server running in its own process, so that the load generator (in the bench
// process) never shares a thread with the server it measures. The child's side is parentLink.ts.
import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import type { CallMessage, ReadyMessage, ReplyMessage } from "./parentLink.ts";
import { wallClockMs } from "./wallClock.ts";

export interface ChildServer<Info> {
  /** What the child announced when it was ready (its URL, keys, …). */
  info: Info;
  pid: number;
  /** Runs the child's handler `type` and resolves with what it returned. */
  call<T>(type: string, payload?: unknown): Promise<T>;
  /**
   * The child's wall clock minus this process's, in ms (best of several round trips; error at most
   * half the shortest one). Subtract it from an instant the child took to put it on this clock.
   */
  clockOffsetMs(): Promise<number>;
  /** Asks the child to close and exit; kills it if it has not exited within 15 s. */
  stop(): Promise<void>;
}

export interface StartChildServerParameters {
  /** The TypeScript module to run (loaded with tsx). */
  entry: URL;
  env?: Record<string, string>;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeOptions?: string[];
  /** How long the child may take to announce it is ready. */
  timeoutMs?: number;
}

export async function startChildServer<Info>(
  parameters: StartChildServerParameters,
): Promise<ChildServer<Info>> {
  const child = fork(parameters.entry, [], {
    execArgv: ["--import", "tsx", ...(parameters.nodeOptions ?? [])],
    env: { ...process.env, ...parameters.env },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const info = await waitForReady<Info>(child, parameters.timeoutMs ?? 60_000);

  let nextId = 0;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  child.on("message", (message: ReplyMessage) => {
    if (message?.kind !== "reply") return;
    const waiting = pending.get(message.id);
    pending.delete(message.id);
    if (message.ok) waiting?.resolve(message.value);
    else waiting?.reject(new Error(`child ${child.pid}: ${message.error}`));
  });
  child.on("exit", (code, signal) => {
    for (const waiting of pending.values()) waiting.reject(new Error(`child exited (${code ?? signal})`));
    pending.clear();
  });

  const call = <T>(type: string, payload?: unknown) =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ kind: "call", id, type, payload } satisfies CallMessage);
    });

  return {
    info,
    pid: child.pid ?? -1,
    call,
    async clockOffsetMs() {
      let best = { rtt: Number.POSITIVE_INFINITY, offset: 0 };
      for (let i = 0; i < 30; i++) {
        const sent = wallClockMs();
        const theirs = await call<number>("clock");
        const received = wallClockMs();
        if (received - sent < best.rtt)
          best = { rtt: received - sent, offset: theirs - (sent + received) / 2 };
      }
      return best.offset;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      call("close").catch(() => child.kill("SIGKILL"));
      await exited;
      clearTimeout(timer);
    },
  };
}

function waitForReady<Info>(child: ChildProcess, timeoutMs: number): Promise<Info> {
  return new Promise<Info>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`child did not become ready within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (message: ReadyMessage<Info>) => {
      if (message?.kind !== "ready") return;
      clearTimeout(timer);
      child.off("exit", onExit);
      child.off("message", onMessage);
      resolve(message.info);
    };
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`child exited with ${code} before it was ready`));
    };
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}
