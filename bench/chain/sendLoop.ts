import { type ClosedLoopResult, runClosedLoop } from "./closedLoop.ts";

/** Who sends to whom, and for how long: what each side of a payment-rate comparison is given. */
export interface SendLoopShape<Sender, Recipient> {
  /** Each sender has one send in flight at a time. */
  senders: readonly Sender[];
  /** Sender i pays recipients[i % length]. */
  recipients: readonly Recipient[];
  warmupSeconds: number;
  seconds: number;
  /** Called between the warm-up and the measured run (e.g. to start counting RPC traffic). */
  beforeMeasuring?: () => unknown;
}

/** Which run a send belongs to, and its number within that run (unique per run, from 0). */
export interface SendStep {
  measured: boolean;
  sequence: number;
}

/** An error's first line: viem's and web3.js's messages go on for many. */
export const firstLineOf = (error: unknown) =>
  error instanceof Error ? (error.message.split("\n")[0] ?? error.name) : String(error);

/**
 * A closed loop per sender (runClosedLoop: exactly one send in flight per sender), first for the
 * warm-up, then, after `beforeMeasuring`, for the measured run it returns. The warm-up has ended
 * entirely (every send answered) before the measured run starts.
 */
export async function runSendLoop<Sender, Recipient>(
  shape: SendLoopShape<Sender, Recipient>,
  send: (sender: Sender, recipient: Recipient, step: SendStep) => Promise<void>,
  describeError: (error: unknown) => string = firstLineOf,
): Promise<ClosedLoopResult> {
  const { senders, recipients } = shape;
  const run = (measured: boolean, seconds: number) =>
    runClosedLoop({
      workers: senders.length,
      seconds,
      operation: async (worker, sequence) => {
        const sender = senders[worker];
        const recipient = recipients[worker % recipients.length];
        if (sender === undefined || recipient === undefined) {
          throw new Error(`no sender or recipient for sender ${worker}`);
        }
        await send(sender, recipient, { measured, sequence });
      },
      describeError,
    });
  await run(false, shape.warmupSeconds);
  await shape.beforeMeasuring?.();
  return run(true, shape.seconds);
}
