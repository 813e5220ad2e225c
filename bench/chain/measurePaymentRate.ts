import type { GraphQLResponse, GraphQLTestClient } from "../../test/e2e/support/graphqlTestClient.ts";
import { type ClosedLoopResult, runClosedLoop } from "./closedLoop.ts";

export interface PaymentRateParameters {
  /** A client with the key of the tenant that owns the senders. */
  client: GraphQLTestClient;
  /** Funded MANAGED accounts; each has one sendPayment in flight at a time. */
  senderIds: readonly string[];
  /** Sender i pays recipients[i % length], by address (as the baseline does). */
  recipients: readonly string[];
  /** A decimal amount of the subnet's asset. */
  amount: string;
  warmupSeconds: number;
  seconds: number;
  /** Called between the warm-up and the measured run (e.g. to start counting RPC traffic). */
  beforeMeasuring?: () => unknown;
}

export interface PaymentRateResult {
  run: ClosedLoopResult;
  /** Ids of the payments the measured run created (the ones answered after the window included). */
  accepted: string[];
}

const SEND_PAYMENT =
  "mutation ($input: SendPaymentInput!) { sendPayment(input: $input) { replayed payment { id status } } }";

type SendPaymentData = { sendPayment: { replayed: boolean; payment: { id: string; status: string } } };

/**
 * (5) sendPayment on an EVM chain through the gateway, each sender one payment in flight at a time
 * (the same shape as the viem baseline), every payment under a new idempotency key. A payment is done
 * when sendPayment answered without error and not FAILED: the gateway answers once its transaction
 * was broadcast.
 */
export async function measurePaymentRate(parameters: PaymentRateParameters): Promise<PaymentRateResult> {
  const { client, senderIds, recipients, amount } = parameters;
  const runId = `evm-${Date.now()}`;
  let accepted: string[] = [];
  const run = (phase: string, seconds: number) =>
    runClosedLoop({
      workers: senderIds.length,
      seconds,
      operation: async (worker, sequence) => {
        const input = {
          fromAccountId: senderIds[worker],
          to: { address: recipients[worker % recipients.length] },
          amount,
          idempotencyKey: `${runId}-${phase}-${sequence}`,
        };
        const response = await client.request<SendPaymentData>(SEND_PAYMENT, { input });
        const payment = response.data?.sendPayment.payment;
        if (response.errors?.length || !payment) throw new RefusedPayment(codeOf(response));
        if (payment.status === "FAILED") throw new RefusedPayment("FAILED");
        accepted.push(payment.id);
      },
      describeError: (error) => (error instanceof RefusedPayment ? error.code : String(error)),
    });
  await run("warm", parameters.warmupSeconds);
  accepted = [];
  await parameters.beforeMeasuring?.();
  const measured = await run("run", parameters.seconds);
  return { run: measured, accepted };
}

class RefusedPayment extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

const codeOf = (response: GraphQLResponse<unknown>) =>
  response.errors?.[0]?.extensions?.code ?? `HTTP ${response.status}`;
